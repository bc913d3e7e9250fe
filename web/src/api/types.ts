/** The shapes of the server's answers the dashboard reads (see /api/openapi.json). */

export interface Organization {
  id: string
  name: string
  role: 'owner' | 'member'
}

export interface SessionInfo {
  user: { id: string; email: string } | null
  organizations: Organization[]
  operator: boolean
}

export interface AppSummary {
  id: string
  name: string
  api_key: string
  organization: string
  recording: boolean
  created_at: string
  durations_days: Record<string, number>
}

export interface AppSettings {
  id: string
  organization: string
  name: string
  api_key: string
  domains: string[]
  recording: boolean
  require_server_secret: boolean
  retention_days: number
  previous_key_valid_until: string | null
  created_at: string
}

export interface Member {
  user_id: string
  email: string
  role: 'owner' | 'member'
  created_at: string
}

export interface Page<T> {
  results: T[]
  count?: number
  count_of?: 'conferences' | 'connections' | 'sessions'
  next: string | null
}

export interface Conference {
  id: string
  app: string
  conference_id: string
  conference_name: string | null
  start_time: string | null
  end_time: string | null
  ongoing: boolean
  duration: number
  created_at: string
  has_errors: boolean
  has_warnings: boolean
  participants_count: number
  errors_count: number
  warnings_count: number
}

export interface DayCount {
  date: string
  success: number
  warning: number
  error: number
  ongoing: number
  total: number
}
export interface IssueCount {
  code: string
  title: string
  count: number
  conferences: number
}
export interface GumSummary {
  data: { name: string; message: string | null; count: number }[]
  total: number
}
export interface DurationBucket {
  range: string
  min_sec: number
  max_sec: number | null
  count: number
}
export interface SetupBucket {
  range: string
  min_ms: number
  max_ms: number | null
  count: number
}
export interface ParticipantsSummary {
  data: { participants: number; conferences: number }[]
  total_conferences: number
}
export interface ConnectionsSummary {
  data: { name: 'Direct' | 'Relayed'; count: number }[]
  types: { type: string; count: number }[]
}
export interface NameCount {
  name: string
  count: number
}
export interface City {
  city: string
  country: string
  latitude: number
  longitude: number
  count: number
}
export interface SessionsSummary {
  browsers: NameCount[]
  os: NameCount[]
  countries: { code: string; count: number }[]
  cities: City[]
  app_versions: NameCount[]
}
export type FilterDimension = 'browser' | 'os' | 'country' | 'app_version'

/** `GET /v1/dashboard`: every chart, and the filter choices of the range. */
export interface Bundle {
  range: { created_at_gte: string; created_at_lte: string; tz: string }
  conferences: DayCount[]
  issues: IssueCount[]
  get_user_media: GumSummary
  durations: DurationBucket[]
  setup_times: SetupBucket[]
  participants: ParticipantsSummary
  connections: ConnectionsSummary
  sessions: SessionsSummary
  filters: Record<FilterDimension, NameCount[]>
}

// ---- The conference drill-down (docs/conferences.md). Text times are the server's
// UTC strings; the series' times are unix milliseconds.

export interface NameVersion {
  name: string
  version: string | null
}
export interface SessionLocation {
  city: string | null
  country_code: string | null
  latitude: number | null
  longitude: number | null
}
/** Device labels by kind: `audioinput`, `videoinput`, `audiooutput`. */
export type DevicesByKind = Partial<Record<string, string[]>>

export interface DetailSession {
  id: string
  created_at: string
  end_time: string | null
  duration: number | null
  browser: NameVersion | null
  os: NameVersion | null
  location: SessionLocation | null
  devices: DevicesByKind | null
  app_version: string | null
  webrtc_sdk: string | null
  metadata: unknown
}

export interface DetailParticipant {
  id: string
  participant_id: string
  participant_name: string | null
  is_sfu: boolean
  created_at: string
  has_sessions: boolean
  aliases: string[]
  sessions: DetailSession[]
}

export type IssueType = 'error' | 'warning'

export interface DetailIssue {
  id: string
  session: string
  participant: string
  connection: string | null
  type: IssueType
  code: string
  data: unknown
  created_at: string
  title: string
  explanation: string
}

export interface Negotiation {
  type: 'initial' | 'renegotiation'
  status: 'connected' | 'failed' | 'connecting'
  start_time: string
  end_time: string | null
  duration: number | null
}

export interface DetailConnection {
  id: string
  session: string
  participant: string
  peer: string
  peer_participant: string
  type: 'relay' | 'host' | 'srflx' | 'prflx' | null
  state: string | null
  connection_info: {
    detected_tcp?: boolean
    detected_turn?: boolean
    negotiations?: Negotiation[]
  } | null
  setup_time_ms: number | null
  start_time: string | null
  end_time: string | null
  duration: number | null
  ongoing: boolean
}

export interface DetailEvent {
  id: string
  category: 'browser' | 'getUserMedia' | 'connection' | 'track' | string
  type: string
  created_at: string
  session: string
  participant: string
  peer: string | null
  connection: string | null
  track: string | null
  data: unknown
  data_truncated: boolean
}

/** `GET /v1/conferences/{id}`: the header facts and everything the page shows. */
export interface ConferenceDetail extends Conference {
  call_start: string | null
  participants: DetailParticipant[]
  issues: DetailIssue[]
  connections: DetailConnection[]
  events: DetailEvent[]
  events_truncated: boolean
}

export interface SeriesConnection {
  id: string
  conference: string
  session: string
  participant: string
  peer: string
  state: string | null
  type: string | null
  start_time: number | null
  end_time: number | null
  ongoing: boolean
}

export interface Series {
  metric: string
  label?: string
  unit: string
  values: (number | null)[]
}

export interface SeriesGroup {
  key: string
  scope: 'connection' | 'track'
  kind: 'audio' | 'video' | null
  direction: 'inbound' | 'outbound' | null
  track: string | null
  label: string
  t: number[]
  series: Series[]
}

export interface SeriesCandidate {
  t: number
  local: string | null
  remote: string | null
  protocol: string | null
}

export type SeriesEventKind = 'state' | 'negotiation' | 'track' | 'device' | 'custom' | 'issue' | string

export interface SeriesEvent {
  t: number
  end?: number | null
  kind: SeriesEventKind
  label: string
  severity?: IssueType | null
}

/** `GET /v1/connections/{id}/series`. */
export interface ConnectionSeries {
  connection: SeriesConnection
  interval_ms: number
  total: number
  first: number | null
  last: number | null
  window: { from: number | null; to: number | null; points: number; complete: boolean }
  groups: SeriesGroup[]
  candidates: SeriesCandidate[]
  events: SeriesEvent[]
}

export interface SearchResult {
  kind: 'conference' | 'participant'
  id: string
  app: string
  app_name: string
  customer_id: string
  name: string | null
  created_at: string
  ongoing?: boolean
}

/** `GET /v1/search`. */
export interface SearchResponse {
  query: string
  results: SearchResult[]
}

export interface ConferenceIssueCount {
  code: string
  type: IssueType
  title: string
  count: number
}

export interface ParticipantConference extends Conference {
  issues: ConferenceIssueCount[]
}

export interface ParticipantSession {
  id: string
  conference: string
  created_at: string
  duration: number | null
  browser: NameVersion | null
  os: NameVersion | null
  location: SessionLocation | null
  devices: DevicesByKind | null
  app_version: string | null
}

export interface SeenCount {
  name: string
  count: number
  last: string
}

/** `GET /v1/participants/{id}`. */
export interface ParticipantDetail {
  id: string
  participant_id: string
  participant_name: string | null
  is_sfu: boolean
  app: string
  created_at: string
  conferences: { results: ParticipantConference[]; next: string | null }
  sessions: ParticipantSession[]
  seen: { browsers: SeenCount[]; os: SeenCount[]; locations: SeenCount[]; devices: SeenCount[] }
}
