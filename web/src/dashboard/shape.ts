/**
 * Turns the server's chart data into what a chart draws: labels in the user's terms,
 * series, and for every bar the list parameters of the conferences behind it.
 */
import type { Bundle, DayCount, NameCount, FilterDimension } from '../api/types'
import {
  CONNECTION_TYPE_LABELS,
  STATUS_LABELS,
  countryName,
  durationBucketLabel,
  formatDay,
  formatDuration,
  formatMillis,
  setupBucketLabel,
  type Status,
} from './format'
import { addDays } from './state'

/** List parameters selecting the conferences behind one bar. */
export type Slice = Record<string, string>

export interface Series {
  name: string
  /** A CSS custom property holding the colour, so dark mode can change it. */
  color: string
  values: number[]
  /** The bar's slice; null where a bar opens no list. */
  slices: (Slice | null)[]
}

export interface BarModel {
  labels: string[]
  series: Series[]
  stacked: boolean
  horizontal: boolean
  /** What the numbers count, for the table and screen readers: `conferences`. */
  unit: string
}

/** Every day from `from` to `to` (YYYY-MM-DD, inclusive), with zeros where none came. */
export function fillDays(days: DayCount[], from: string, to: string): DayCount[] {
  const byDate = new Map(days.map((day) => [day.date, day]))
  const filled: DayCount[] = []
  for (let date = from; date <= to && filled.length < 1200; date = addDays(date, 1)) {
    filled.push(byDate.get(date) ?? { date, success: 0, warning: 0, error: 0, ongoing: 0, total: 0 })
  }
  return filled
}

const STATUS_ORDER: Status[] = ['error', 'warning', 'success', 'ongoing']

export function conferencesModel(days: DayCount[]): BarModel {
  return {
    labels: days.map((day) => formatDay(day.date)),
    series: STATUS_ORDER.map((status) => ({
      name: STATUS_LABELS[status],
      color: `--status-${status}`,
      values: days.map((day) => day[status]),
      slices: days.map((day) => ({ day: day.date, status })),
    })),
    stacked: true,
    horizontal: false,
    unit: 'conferences',
  }
}

function single(
  labels: string[],
  values: number[],
  slices: (Slice | null)[],
  unit: string,
  horizontal: boolean,
  name = unit,
): BarModel {
  return {
    labels,
    series: [{ name: name.charAt(0).toUpperCase() + name.slice(1), color: '--accent', values, slices }],
    stacked: false,
    horizontal,
    unit,
  }
}

export function issuesModel(issues: Bundle['issues']): BarModel {
  return single(
    issues.map((issue) => issue.title),
    issues.map((issue) => issue.conferences),
    issues.map((issue) => ({ issue_code: issue.code })),
    'conferences',
    true,
    'conferences affected',
  )
}

export function getUserMediaModel(gum: Bundle['get_user_media']): BarModel {
  return single(
    gum.data.map((error) => (error.message ? `${error.name}: ${error.message}` : error.name)),
    gum.data.map((error) => error.count),
    gum.data.map(() => ({ issue_code: 'getusermedia_error' })),
    'errors',
    true,
  )
}

/** A histogram of `[min, max)` buckets; each bar opens `<name>_gte` / `<name>_lt`. */
function bucketsModel(
  buckets: { min: number; max: number | null; count: number }[],
  label: (min: number, max: number | null) => string,
  name: string,
  unit: string,
): BarModel {
  return single(
    buckets.map((bucket) => label(bucket.min, bucket.max)),
    buckets.map((bucket) => bucket.count),
    buckets.map((bucket) => {
      const slice: Slice = { [`${name}_gte`]: String(bucket.min) }
      if (bucket.max !== null) slice[`${name}_lt`] = String(bucket.max)
      return slice
    }),
    unit,
    false,
  )
}

export function durationsModel(buckets: Bundle['durations']): BarModel {
  const rows = buckets.map((bucket) => ({ min: bucket.min_sec, max: bucket.max_sec, count: bucket.count }))
  return bucketsModel(rows, durationBucketLabel, 'duration', 'conferences')
}

export function setupTimesModel(buckets: Bundle['setup_times']): BarModel {
  const rows = buckets.map((bucket) => ({ min: bucket.min_ms, max: bucket.max_ms, count: bucket.count }))
  return bucketsModel(rows, setupBucketLabel, 'setup_time', 'connections')
}

export function participantsModel(participants: Bundle['participants']): BarModel {
  return single(
    participants.data.map((row) => String(row.participants)),
    participants.data.map((row) => row.conferences),
    participants.data.map((row) => ({ participant_count: String(row.participants) })),
    'conferences',
    false,
  )
}

export function relayedModel(connections: Bundle['connections']): BarModel {
  return single(
    connections.data.map((row) => row.name),
    connections.data.map((row) => row.count),
    // Direct is every type but relay, which no single list parameter selects; the
    // connection types chart beside it opens each direct type.
    connections.data.map((row) => (row.name === 'Relayed' ? { connection_type: 'relay' } : null)),
    'connections',
    true,
  )
}

export function connectionTypesModel(connections: Bundle['connections']): BarModel {
  return single(
    connections.types.map((row) => CONNECTION_TYPE_LABELS[row.type] ?? row.type),
    connections.types.map((row) => row.count),
    connections.types.map((row) => ({ connection_type: row.type })),
    'connections',
    true,
  )
}

/** Browsers, OS, app versions and countries: a bar per value, opening its filter. */
export function dimensionModel(dimension: FilterDimension, rows: NameCount[]): BarModel {
  return single(
    rows.map((row) => dimensionValueLabel(dimension, row.name)),
    rows.map((row) => row.count),
    rows.map((row) => ({ [dimension]: row.name })),
    'sessions',
    true,
  )
}

export function dimensionValueLabel(dimension: FilterDimension, value: string): string {
  if (dimension === 'country') return countryName(value)
  if (dimension === 'app_version') return `version ${value}`
  return value
}

/** The title of a click-to-detail list, in the user's terms. */
export function sliceTitle(slice: Slice, issueTitles: Record<string, string> = {}): string {
  const parts: string[] = []
  if (slice.day) {
    const status = slice.status as Status | undefined
    const when = `on ${formatDay(slice.day, true)}`
    parts.push(status ? `${when}, ${STATUS_LABELS[status]?.toLowerCase() ?? status}` : when)
  } else if (slice.status) {
    parts.push((STATUS_LABELS[slice.status as Status] ?? slice.status).toLowerCase())
  }
  if (slice.issue_code) {
    parts.push(
      slice.issue_code === 'getusermedia_error'
        ? 'with a getUserMedia error (any error name)'
        : `with the issue “${issueTitles[slice.issue_code] ?? slice.issue_code}”`,
    )
  }
  if (slice.duration_gte !== undefined) {
    const min = Number(slice.duration_gte)
    const max = slice.duration_lt === undefined ? null : Number(slice.duration_lt)
    parts.push(`lasting ${durationBucketLabel(min, max)}`)
  }
  if (slice.setup_time_gte !== undefined) {
    const min = Number(slice.setup_time_gte)
    const max = slice.setup_time_lt === undefined ? null : Number(slice.setup_time_lt)
    parts.push(`with a connection set up in ${setupBucketLabel(min, max)}`)
  }
  if (slice.participant_count) {
    const n = Number(slice.participant_count)
    parts.push(`with ${n} participant${n === 1 ? '' : 's'}`)
  }
  if (slice.connection_type) {
    const label = CONNECTION_TYPE_LABELS[slice.connection_type] ?? slice.connection_type
    parts.push(`with a connection: ${label.charAt(0).toLowerCase()}${label.slice(1)}`)
  }
  if (slice.city) {
    parts.push(`with a participant in ${slice.city}${slice.country ? `, ${countryName(slice.country)}` : ''}`)
  } else if (slice.country) {
    parts.push(`with a participant in ${countryName(slice.country)}`)
  }
  if (slice.browser) parts.push(`with a participant on ${slice.browser}`)
  if (slice.os) parts.push(`with a participant on ${slice.os}`)
  if (slice.app_version) parts.push(`with a participant on app version ${slice.app_version}`)
  return parts.length ? `Conferences ${parts.join(', ')}` : 'All conferences'
}

export { formatDuration, formatMillis }
