/** Which charts a selection of the quality graphs shows, and from which series. */
import type { SeriesGroup } from '../../api/types'

export type GraphKind = 'connection' | 'audio' | 'video'
export type Direction = 'inbound' | 'outbound'

export interface ChartSpec {
  /** The chart's place on the page: the same place keeps its uPlot across selections. */
  slot: string
  /** `<group key>:<metric>`, for the end-to-end tests and the CSV header. */
  metricKey: string
  metric: string
  title: string
  unit: string
  t: number[]
  values: (number | null)[]
  /** Frame widths beside frame heights, for the resolution's read-out. */
  widths?: (number | null)[]
}

/** The charts' order on the page, and their titles. */
const SLOTS: { slot: string; metrics: string[]; title: string }[] = [
  { slot: 'bitrate', metrics: ['bitrate', 'bitrate_in', 'bitrate_out'], title: 'Bitrate' },
  { slot: 'packet_loss', metrics: ['packet_loss'], title: 'Packet loss' },
  { slot: 'jitter', metrics: ['jitter'], title: 'Jitter' },
  { slot: 'rtt', metrics: ['rtt'], title: 'Round-trip time' },
  { slot: 'fps', metrics: ['fps'], title: 'Frame rate' },
  { slot: 'resolution', metrics: ['frame_height'], title: 'Resolution' },
  { slot: 'audio_level', metrics: ['audio_level'], title: 'Audio level' },
  { slot: 'emos', metrics: ['emos'], title: 'eMOS (estimated audio quality)' },
  { slot: 'available_outgoing_bitrate', metrics: ['available_outgoing_bitrate'], title: 'Available outgoing bitrate' },
]

/** The connection group's metrics that belong to each direction (RTT to both). */
const CONNECTION_METRICS: Record<Direction, string[]> = {
  inbound: ['bitrate_in', 'rtt'],
  outbound: ['bitrate_out', 'rtt', 'available_outgoing_bitrate'],
}
const CONNECTION_TITLES: Record<string, string> = {
  bitrate_in: 'Bitrate received',
  bitrate_out: 'Bitrate sent',
}

/** The groups a kind and direction selects: the connection group, or one per track. */
export function groupsFor(groups: readonly SeriesGroup[], kind: GraphKind, direction: Direction): SeriesGroup[] {
  if (kind === 'connection') return groups.filter((group) => group.scope === 'connection')
  return groups.filter((group) => group.scope === 'track' && group.kind === kind && group.direction === direction)
}

export function available(groups: readonly SeriesGroup[], kind: GraphKind, direction?: Direction): boolean {
  if (kind === 'connection') return groups.some((group) => group.scope === 'connection')
  return groups.some(
    (group) => group.scope === 'track' && group.kind === kind && (!direction || group.direction === direction),
  )
}

export function chartsFor(group: SeriesGroup | undefined, kind: GraphKind, direction: Direction): ChartSpec[] {
  if (!group) return []
  const wanted = kind === 'connection' ? CONNECTION_METRICS[direction] : null
  const specs: ChartSpec[] = []
  for (const { slot, metrics, title } of SLOTS) {
    const series = group.series.find((one) => metrics.includes(one.metric) && (!wanted || wanted.includes(one.metric)))
    if (!series) continue
    const spec: ChartSpec = {
      slot,
      metricKey: `${group.key}:${series.metric}`,
      metric: series.metric,
      title: CONNECTION_TITLES[series.metric] ?? title,
      unit: series.unit,
      t: group.t,
      values: series.values,
    }
    if (series.metric === 'frame_height') spec.widths = group.series.find((one) => one.metric === 'frame_width')?.values
    specs.push(spec)
  }
  return specs
}
