import { QueryClient, defaultShouldDehydrateQuery } from '@tanstack/vue-query'
import { persistQueryClientRestore, persistQueryClientSubscribe } from '@tanstack/query-persist-client-core'
import { createSyncStoragePersister } from '@tanstack/query-sync-storage-persister'

/** Retries only what a retry can fix: the network, not an answer the server gave. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  return failureCount < 3 && error instanceof TypeError
}

// The seed's figures: answers stay fresh for a minute and in memory for five.
export const STALE_TIME_MS = 60_000
export const GC_TIME_MS = 300_000

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: STALE_TIME_MS,
      gcTime: GC_TIME_MS,
      retry: shouldRetry,
      refetchOnWindowFocus: true,
    },
  },
})

/**
 * The query cache outlives a reload of the tab (sessionStorage, this tab only, gone
 * at logout): a reload within the minute answers from it with no request at all.
 * The build id makes a new release start from an empty cache.
 */
const STORAGE_KEY = 'callvitals-query-cache'
const persister = createSyncStoragePersister({
  storage: typeof window === 'undefined' ? undefined : window.sessionStorage,
  key: STORAGE_KEY,
  throttleTime: 200,
})
/**
 * Quality series (thousands of points a connection) and search answers stay in memory
 * only: they would crowd the tab's few megabytes of storage for little gain.
 */
const UNPERSISTED = new Set(['series', 'search'])
const persistOptions = {
  queryClient,
  persister,
  maxAge: GC_TIME_MS,
  buster: import.meta.env.VITE_BUILD_ID ?? '',
  dehydrateOptions: {
    shouldDehydrateQuery: (query: Parameters<typeof defaultShouldDehydrateQuery>[0]) =>
      defaultShouldDehydrateQuery(query) && !UNPERSISTED.has(String(query.queryKey[0])),
  },
}

export async function restoreQueryCache(): Promise<void> {
  try {
    await persistQueryClientRestore(persistOptions)
  } catch {
    window.sessionStorage.removeItem(STORAGE_KEY)
  }
  persistQueryClientSubscribe(persistOptions)
}

/** Forgets every answer, in memory and in the tab's storage: logout, another user. */
export function forgetQueryCache(): void {
  queryClient.clear()
  window.sessionStorage.removeItem(STORAGE_KEY)
}
