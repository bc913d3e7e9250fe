/** What the conference page shows, computed from `GET /v1/conferences/{id}`. */
import type {
  Conference,
  ConferenceDetail,
  DetailConnection,
  DetailEvent,
  DetailIssue,
  DetailParticipant,
  DevicesByKind,
} from '../../api/types'
import { parseServerTime, type Status } from '../../dashboard/format'

export function conferenceStatus(conference: Conference): Status {
  if (conference.ongoing) return 'ongoing'
  if (conference.has_errors) return 'error'
  if (conference.has_warnings) return 'warning'
  return 'success'
}

export function participantName(participant: DetailParticipant | undefined): string {
  if (!participant) return 'Unknown participant'
  return participant.participant_name || participant.participant_id
}

/** Participants by id, aliases (merged peer stubs) included. */
export function participantIndex(detail: ConferenceDetail): Map<string, DetailParticipant> {
  const byId = new Map<string, DetailParticipant>()
  for (const participant of detail.participants) {
    byId.set(participant.id, participant)
    for (const alias of participant.aliases ?? []) if (!byId.has(alias)) byId.set(alias, participant)
  }
  return byId
}

export const time = (text: string | null | undefined): number | null => (text ? parseServerTime(text).getTime() : null)

function distinct(values: (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => !!value))]
}

const DEVICE_KINDS: Record<string, string> = {
  audioinput: 'Microphones',
  videoinput: 'Cameras',
  audiooutput: 'Speakers',
}
export function deviceKindLabel(kind: string): string {
  return DEVICE_KINDS[kind] ?? kind
}

export function devicesByKind(devices: (DevicesByKind | null)[]): { kind: string; labels: string[] }[] {
  const merged = new Map<string, string[]>()
  for (const one of devices) {
    for (const [kind, labels] of Object.entries(one ?? {})) {
      merged.set(kind, distinct([...(merged.get(kind) ?? []), ...(labels ?? [])]))
    }
  }
  const order = Object.keys(DEVICE_KINDS)
  return [...merged.entries()]
    .filter(([, labels]) => labels.length)
    .sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99))
    .map(([kind, labels]) => ({ kind, labels }))
}

export interface IssueGroup {
  code: string
  type: DetailIssue['type']
  title: string
  explanation: string
  count: number
  /** eMOS issues carry the score's average in `data.average`. */
  average: number | null
}

function averageOf(data: unknown): number | null {
  if (data && typeof data === 'object' && 'average' in data) {
    const value = (data as { average: unknown }).average
    if (typeof value === 'number' && Number.isFinite(value)) return value
  }
  return null
}

/** Issues grouped by code, errors first. */
export function groupIssues(issues: readonly DetailIssue[]): IssueGroup[] {
  const groups = new Map<string, IssueGroup>()
  for (const issue of issues) {
    const group = groups.get(issue.code)
    if (group) {
      group.count++
      if (issue.type === 'error') group.type = 'error'
      group.average ??= averageOf(issue.data)
    } else {
      groups.set(issue.code, {
        code: issue.code,
        type: issue.type,
        title: issue.title,
        explanation: issue.explanation,
        count: 1,
        average: averageOf(issue.data),
      })
    }
  }
  return [...groups.values()].sort((a, b) => (a.type === b.type ? b.count - a.count : a.type === 'error' ? -1 : 1))
}

export interface ParticipantSummary {
  /** Seconds on the page over every session; null while a session is open. */
  timeOnPage: number
  stillPresent: boolean
  browsers: string[]
  os: string[]
  devices: { kind: string; labels: string[] }[]
  appVersions: string[]
  locations: string[]
  meta: unknown[]
}

export function summarise(participant: DetailParticipant, now: number): ParticipantSummary {
  const sessions = participant.sessions
  let seconds = 0
  let stillPresent = false
  for (const session of sessions) {
    if (session.end_time) seconds += session.duration ?? 0
    else {
      stillPresent = true
      seconds += Math.max(0, (now - (time(session.created_at) ?? now)) / 1000)
    }
  }
  return {
    timeOnPage: seconds,
    stillPresent,
    browsers: distinct(sessions.map((s) => (s.browser ? `${s.browser.name}${s.browser.version ? ` ${s.browser.version}` : ''}` : null))),
    os: distinct(sessions.map((s) => (s.os ? `${s.os.name}${s.os.version ? ` ${s.os.version}` : ''}` : null))),
    devices: devicesByKind(sessions.map((s) => s.devices)),
    appVersions: distinct(sessions.map((s) => s.app_version)),
    locations: distinct(
      sessions.map((s) =>
        s.location && (s.location.city || s.location.country_code)
          ? [s.location.city, s.location.country_code].filter(Boolean).join(', ')
          : null,
      ),
    ),
    meta: sessions.map((s) => s.metadata).filter((m) => m !== null && m !== undefined && !(typeof m === 'object' && !Object.keys(m as object).length)),
  }
}

/** A value as text for a `<pre>`: strings as they are, anything else as indented JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value, null, 2) ?? String(value)
  } catch {
    return String(value)
  }
}

// ---- The timeline

export type SpanKind = 'presence' | 'connected' | 'negotiation-ok' | 'negotiation-failed' | 'negotiation-connecting' | 'renegotiation-ok'
export type MarkerKind = 'gum-ok' | 'gum-error' | 'custom' | 'issue-error' | 'issue-warning'

export interface TimelineSpan {
  kind: SpanKind
  start: number
  end: number
  /** Still going: drawn up to now. */
  open: boolean
  label: string
}
export interface TimelineMarker {
  id: string
  kind: MarkerKind
  t: number
  label: string
  detail: unknown
}
export interface TimelineRow {
  id: string
  label: string
  spans: TimelineSpan[]
  markers: TimelineMarker[]
  connection?: DetailConnection
}
export interface TimelineParticipant extends TimelineRow {
  participant: DetailParticipant
  connections: TimelineRow[]
}

function isGetUserMediaError(event: DetailEvent): boolean {
  const type = event.type.toLowerCase()
  return type.includes('error') || type.includes('fail')
}

function negotiationKind(type: string, status: string): SpanKind {
  if (status === 'failed') return 'negotiation-failed'
  if (status === 'connecting') return 'negotiation-connecting'
  return type === 'renegotiation' ? 'renegotiation-ok' : 'negotiation-ok'
}

/** The conference's span: its start to its end, or to now while it goes on. */
export function conferenceSpan(detail: ConferenceDetail, now: number): { start: number; end: number } {
  const start = time(detail.start_time) ?? time(detail.created_at) ?? now
  let end = detail.ongoing ? now : (time(detail.end_time) ?? start + detail.duration * 1000)
  for (const event of detail.events) end = Math.max(end, time(event.created_at) ?? end)
  return { start, end: Math.max(end, start + 1000) }
}

export function timelineRows(detail: ConferenceDetail, now: number): TimelineParticipant[] {
  const byId = participantIndex(detail)
  return detail.participants.map((participant) => {
    const spans: TimelineSpan[] = participant.sessions.map((session) => {
      const start = time(session.created_at) ?? now
      const end = time(session.end_time)
      return { kind: 'presence', start, end: end ?? now, open: end === null, label: 'On the page' }
    })
    const mine = (id: string) => byId.get(id)?.id === participant.id
    // Each event once, on its participant's row (not once per connection).
    const markers: TimelineMarker[] = detail.events
      .filter((event) => mine(event.participant))
      .filter((event) => event.category === 'getUserMedia' || (event.category === 'browser' && event.type === 'custom'))
      .map((event) => ({
        id: event.id,
        kind: event.category === 'getUserMedia' ? (isGetUserMediaError(event) ? 'gum-error' : 'gum-ok') : 'custom',
        t: time(event.created_at) ?? now,
        label: event.category === 'getUserMedia' ? `getUserMedia: ${event.type}` : `Custom event`,
        detail: event.data_truncated ? '(The data is larger than 2 KB and was not sent.)' : event.data,
      }))
    for (const issue of detail.issues) {
      if (!mine(issue.participant)) continue
      markers.push({
        id: issue.id,
        kind: issue.type === 'error' ? 'issue-error' : 'issue-warning',
        t: time(issue.created_at) ?? now,
        label: issue.title,
        detail: issue.data,
      })
    }
    markers.sort((a, b) => a.t - b.t)
    const connections: TimelineRow[] = detail.connections
      .filter((connection) => mine(connection.participant))
      .map((connection) => {
        const connectionSpans: TimelineSpan[] = []
        const start = time(connection.start_time)
        if (start !== null) {
          const end = time(connection.end_time)
          connectionSpans.push({ kind: 'connected', start, end: end ?? now, open: end === null, label: 'Connected' })
        }
        for (const negotiation of connection.connection_info?.negotiations ?? []) {
          const from = time(negotiation.start_time)
          if (from === null) continue
          const to = time(negotiation.end_time)
          connectionSpans.push({
            kind: negotiationKind(negotiation.type, negotiation.status),
            start: from,
            end: to ?? (negotiation.status === 'connecting' ? now : from),
            open: to === null,
            label: `${negotiation.type === 'initial' ? 'Initial negotiation' : 'Renegotiation'}: ${negotiation.status}`,
          })
        }
        return {
          id: connection.id,
          label: `to ${participantName(byId.get(connection.peer_participant) ?? byId.get(connection.peer))}`,
          spans: connectionSpans,
          markers: [],
          connection,
        }
      })
    return { id: participant.id, label: participantName(participant), participant, spans, markers, connections }
  })
}
