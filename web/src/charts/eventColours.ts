/** The colours of a connection's events on the quality graphs, and their legend. */
import type { SeriesEvent } from '../api/types'
import { colour } from './palette'

export const EVENT_LEGEND: { kind: string; label: string; variable: string }[] = [
  { kind: 'state', label: 'Connection state', variable: '--muted' },
  { kind: 'negotiation', label: 'Negotiation', variable: '--accent' },
  { kind: 'track', label: 'Track mute / end', variable: '--status-ongoing' },
  { kind: 'device', label: 'Devices, getUserMedia', variable: '--status-success' },
  { kind: 'custom', label: 'Custom event', variable: '--text' },
  { kind: 'issue-warning', label: 'Warning', variable: '--status-warning' },
  { kind: 'issue-error', label: 'Error', variable: '--status-error' },
]

export function eventColour(event: SeriesEvent): string {
  if (event.kind === 'issue') return colour(event.severity === 'error' ? '--status-error' : '--status-warning')
  return colour(EVENT_LEGEND.find((entry) => entry.kind === event.kind)?.variable ?? '--muted')
}
