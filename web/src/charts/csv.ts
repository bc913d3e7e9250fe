/** The loaded series of a connection as CSV: one row per time, one column per group and metric. */
import type { SeriesGroup } from '../api/types'

function cell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function seriesCsv(groups: readonly SeriesGroup[]): string {
  const columns: { group: SeriesGroup; index: Map<number, number>; metric: number }[] = []
  const header = ['time']
  const times = new Set<number>()
  for (const group of groups) {
    const index = new Map<number, number>()
    group.t.forEach((t, i) => {
      index.set(t, i)
      times.add(t)
    })
    group.series.forEach((series, metric) => {
      columns.push({ group, index, metric })
      header.push(`${group.key}:${series.metric} (${series.unit})`)
    })
  }
  const lines = [header.map(cell).join(',')]
  for (const t of [...times].sort((a, b) => a - b)) {
    const row = [new Date(t).toISOString()]
    for (const { group, index, metric } of columns) {
      const i = index.get(t)
      const value = i === undefined ? null : group.series[metric]?.values[i]
      row.push(value === null || value === undefined ? '' : String(value))
    }
    lines.push(row.join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}

/** Saves text as a file through a Blob and an object URL (no inline script). */
export function download(text: string, filename: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.append(link)
  link.click()
  link.remove()
  // The download has started from the URL by now; the next task may free it.
  setTimeout(() => URL.revokeObjectURL(url), 0)
}
