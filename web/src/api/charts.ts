/**
 * The charts of the app dashboard and where each one's data comes from: the bundle
 * (`GET /v1/dashboard`) brings them all in one request and primes each chart's own
 * query; a chart refetches from its own endpoint only when it alone is retried or
 * goes stale.
 */
import type { QueryClient } from '@tanstack/vue-query'
import { request, withParams, type Params } from './client'
import { keys } from './keys'
import type { Bundle } from './types'
import type { ViewKey } from '../dashboard/state'

export type ChartName =
  | 'conferences'
  | 'issues'
  | 'get_user_media'
  | 'durations'
  | 'setup_times'
  | 'participants'
  | 'connections'
  | 'sessions'

export type ChartData<Name extends ChartName> = Bundle[Name]

interface Source {
  path: string
  /** The endpoint's answer as the bundle holds it. */
  unwrap: (answer: Record<string, unknown>) => unknown
}

const data = (answer: Record<string, unknown>) => answer.data
const whole = (answer: Record<string, unknown>) => answer

export const CHART_SOURCES: Record<ChartName, Source> = {
  conferences: { path: '/v1/conferences/summary', unwrap: data },
  issues: { path: '/v1/issues/summary', unwrap: data },
  get_user_media: { path: '/v1/issues/gum-summary', unwrap: whole },
  durations: { path: '/v1/conferences/duration-summary', unwrap: data },
  setup_times: { path: '/v1/connections/setup-time-summary', unwrap: data },
  participants: { path: '/v1/conferences/participant-count-summary', unwrap: whole },
  connections: { path: '/v1/connections/summary', unwrap: whole },
  sessions: { path: '/v1/sessions/summary', unwrap: whole },
}

export const CHART_NAMES = Object.keys(CHART_SOURCES) as ChartName[]

export async function fetchChart<Name extends ChartName>(
  name: Name,
  params: Params,
  signal?: AbortSignal,
): Promise<ChartData<Name>> {
  const source = CHART_SOURCES[name]
  const answer = await request<Record<string, unknown>>(withParams(source.path, params), { signal })
  return source.unwrap(answer) as ChartData<Name>
}

/** Fetches the bundle and hands each chart its part, so no chart asks again. */
export async function fetchBundle(
  client: QueryClient,
  appId: string,
  view: ViewKey,
  params: Params,
  signal?: AbortSignal,
): Promise<Bundle> {
  const bundle = await request<Bundle>(withParams('/v1/dashboard', params), { signal })
  for (const name of CHART_NAMES) client.setQueryData(keys.chart(appId, view, name), bundle[name])
  return bundle
}
