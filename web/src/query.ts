import { QueryClient } from '@tanstack/vue-query'

/** Retries only what a retry can fix: the network, not an answer the server gave. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  return failureCount < 3 && error instanceof TypeError
}

// The seed's figures: answers stay fresh for a minute and in memory for five.
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 60_000,
      gcTime: 300_000,
      retry: shouldRetry,
    },
  },
})
