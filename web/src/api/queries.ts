/** The queries several pages share, defined once. */
import { useQuery } from '@tanstack/vue-query'
import { keys } from './keys'
import { request } from './client'
import type { AppSummary, Page, SessionInfo } from './types'

export const fetchSession = ({ signal }: { signal?: AbortSignal } = {}) =>
  request<SessionInfo>('/api/session', { signal })

/** Who is signed in, and the organizations they belong to. */
export function useSession() {
  return useQuery({ queryKey: keys.session(), queryFn: fetchSession })
}

/** Every app the user can see. */
export function useApps() {
  return useQuery({
    queryKey: keys.apps(),
    queryFn: ({ signal }) => request<Page<AppSummary>>('/v1/apps', { signal }).then((page) => page.results),
  })
}
