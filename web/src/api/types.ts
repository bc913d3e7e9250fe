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
