/**
 * Query keys, in one place: the bundle primes the charts' keys, the settings page
 * invalidates the app's, and tests check they stay stable.
 */
import type { ViewKey } from '../dashboard/state'
import type { ChartName } from './charts'

export const keys = {
  session: () => ['session'] as const,
  apps: () => ['apps'] as const,
  app: (appId: string) => ['app', appId] as const,
  members: (organizationId: string) => ['members', organizationId] as const,
  bundle: (appId: string, view: ViewKey) => ['dashboard', appId, view] as const,
  chart: (appId: string, view: ViewKey, chart: ChartName) => ['chart', appId, view, chart] as const,
  conferences: (appId: string, view: ViewKey, list: Record<string, string>, cursor: string | null) =>
    ['conferences', appId, view, list, cursor] as const,
  conference: (id: string) => ['conference', id] as const,
  /** A connection's series: `last:120`, `full`, or `after:<ms>` (see docs/conferences.md). */
  series: (connectionId: string, window: string) => ['series', connectionId, window] as const,
  search: (q: string) => ['search', q] as const,
  participant: (id: string, cursor: string | null) => ['participant', id, cursor] as const,
}
