/** Every request of the dashboard goes through here: one timeout, one error shape. */

/** Longest a request may take before it is abandoned. */
export const REQUEST_TIMEOUT_MS = 30_000

/** An answer the server gave with an error status: `error_code` and `message`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** Called when the server says the session is gone (401): the app goes to login. */
let onUnauthenticated: () => void = () => {}
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler
}

export type Params = Record<string, string | number | undefined | null>

export function withParams(path: string, params: Params = {}): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value))
  }
  const query = search.toString()
  return query ? `${path}?${query}` : path
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  body?: unknown
  /** The caller's signal (vue-query's, or a page's): aborting it cancels the request. */
  signal?: AbortSignal
}

/**
 * A JSON request to this server, abortable by the caller and abandoned after 30 s.
 * Network failures surface as `TypeError` (the only errors vue-query retries);
 * answers with an error status as `ApiError`.
 */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const signals = [AbortSignal.timeout(REQUEST_TIMEOUT_MS)]
  if (options.signal) signals.push(options.signal)
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers: options.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'same-origin',
    signal: AbortSignal.any(signals),
  })
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let json: unknown = undefined
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  if (!response.ok) {
    const body = (json ?? {}) as { error_code?: string; message?: string }
    const error = new ApiError(
      response.status,
      body.error_code ?? 'http_error',
      body.message ?? `The server answered ${response.status}.`,
    )
    if (response.status === 401 && !path.startsWith('/api/session')) onUnauthenticated()
    throw error
  }
  return json as T
}

/** A sentence for an error, in the user's terms. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof DOMException && error.name === 'TimeoutError')
    return 'The server did not answer within 30 seconds.'
  if (error instanceof TypeError) return 'The server could not be reached. Check your connection.'
  return 'Something went wrong.'
}
