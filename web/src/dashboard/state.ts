/**
 * The dashboard's state, all of it in the URL: range, filters, tab, search and the
 * open click-to-detail slice. A view can be shared, survives a reload, and Back and
 * Forward move through it.
 */
import type { FilterDimension } from '../api/types'
import { dateFormat } from './format'

export const PRESETS = ['24h', '7d', '30d', '90d'] as const
export type Preset = (typeof PRESETS)[number]
export type RangeChoice = Preset | 'custom'
export const DIMENSIONS: FilterDimension[] = ['browser', 'os', 'country', 'app_version']
export type Tab = 'overview' | 'conferences'

export interface DashboardState {
  range: RangeChoice
  /** Local dates (YYYY-MM-DD) of a custom range, inclusive. */
  from?: string
  to?: string
  filters: Record<FilterDimension, string[]>
  tab: Tab
  /** The conference list's search text. */
  search?: string
  /** The conference list's order; newest first unless `oldest`. */
  order?: 'oldest'

  /** The slice a click opened: list parameters such as `day` and `status`. */
  detail: Record<string, string>
}

export const DEFAULT_RANGE: Preset = '30d'
const DETAIL_PREFIX = 'd.'
const DATE = /^\d{4}-\d{2}-\d{2}$/

export type UrlQuery = Record<string, string | null | (string | null)[] | undefined>

function first(value: UrlQuery[string]): string | undefined {
  const one = Array.isArray(value) ? value[0] : value
  return one ?? undefined
}

export function emptyFilters(): Record<FilterDimension, string[]> {
  return { browser: [], os: [], country: [], app_version: [] }
}

/** Reads the state from a route's query; anything unreadable falls back to defaults. */
export function fromQuery(query: UrlQuery): DashboardState {
  const range = first(query.range)
  const from = first(query.from)
  const to = first(query.to)
  const custom = range === 'custom' && from && to && DATE.test(from) && DATE.test(to) && from <= to
  const state: DashboardState = {
    range: custom ? 'custom' : PRESETS.includes(range as Preset) ? (range as Preset) : DEFAULT_RANGE,
    filters: emptyFilters(),
    tab: first(query.tab) === 'conferences' ? 'conferences' : 'overview',
    detail: {},
  }
  if (custom) {
    state.from = from
    state.to = to
  }
  for (const dimension of DIMENSIONS) {
    const text = first(query[dimension])
    state.filters[dimension] = text ? [...new Set(text.split(',').filter(Boolean))].sort() : []
  }
  const search = first(query.q)?.trim()
  if (search) state.search = search
  if (first(query.sort) === 'oldest') state.order = 'oldest'
  for (const [name, value] of Object.entries(query)) {
    const text = first(value)
    if (name.startsWith(DETAIL_PREFIX) && text) state.detail[name.slice(DETAIL_PREFIX.length)] = text
  }
  return state
}

/** The route query of a state; defaults are left out, so URLs stay short. */
export function toQuery(state: DashboardState): Record<string, string> {
  const query: Record<string, string> = {}
  if (state.range !== DEFAULT_RANGE) query.range = state.range
  if (state.range === 'custom' && state.from && state.to) {
    query.from = state.from
    query.to = state.to
  }
  for (const dimension of DIMENSIONS) {
    const values = state.filters[dimension]
    if (values.length) query[dimension] = [...values].sort().join(',')
  }
  if (state.tab !== 'overview') query.tab = state.tab
  if (state.search) query.q = state.search
  if (state.order === 'oldest') query.sort = 'oldest'
  for (const [name, value] of Object.entries(state.detail)) query[DETAIL_PREFIX + name] = value
  return query
}

/** The local date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: Date, tz: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return dateFormat({ timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }, 'en-CA').format(at)
}

/** A YYYY-MM-DD date moved by whole days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10)
}

const PRESET_DAYS: Record<Exclude<Preset, '24h'>, number> = { '7d': 7, '30d': 30, '90d': 90 }

/**
 * The range parameters the API takes. Presets of days are whole local days (today and
 * the days before it), which the server reads in `tz`; 24 h is the instant a day ago.
 */
export function rangeParams(state: DashboardState, tz: string, now: Date): Record<string, string> {
  if (state.range === 'custom' && state.from && state.to)
    return { created_at_gte: state.from, created_at_lte: state.to, tz }
  if (state.range === '24h') return { created_at_gte: new Date(now.getTime() - 86_400_000).toISOString(), tz }
  const days = PRESET_DAYS[state.range as Exclude<Preset, '24h'>] ?? 30
  return { created_at_gte: addDays(localDate(now, tz), -(days - 1)), tz }
}

export function filterParams(state: DashboardState): Record<string, string> {
  const params: Record<string, string> = {}
  for (const dimension of DIMENSIONS) {
    const values = state.filters[dimension]
    if (values.length) params[dimension] = values.join(',')
  }
  return params
}

/**
 * What identifies the data of a view, for query keys: the range as chosen (not the
 * instants it stands for, which move with the clock), the zone and the filters.
 */
export interface ViewKey {
  range: RangeChoice
  from?: string
  to?: string
  tz: string
  filters: Record<string, string>
}

export function viewKey(state: DashboardState, tz: string): ViewKey {
  const key: ViewKey = { range: state.range, tz, filters: filterParams(state) }
  if (state.range === 'custom') {
    key.from = state.from
    key.to = state.to
  }
  return key
}
