/**
 * One connection's quality series, loaded as the seed's windowed history does it:
 *
 * - the latest 120 points first, on the full-length axis of the whole history;
 * - the full history on a click of the window chip, or after a deliberate hover over
 *   the graphs (a ~600 ms dwell) as a silent prefetch that leaving the graphs aborts
 *   unless the chip was clicked meanwhile;
 * - while the connection goes on, the points after the newest every `interval_ms`,
 *   appended in place.
 *
 * Every request is abortable: switching connection or leaving the page cancels what
 * is in flight (vue-query's signal for the window and full queries, an
 * AbortController for the live polls), and `request` gives up after 30 s.
 */
import { computed, onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue'
import { isCancelledError, useQueryClient, type QueryClient } from '@tanstack/vue-query'
import { request, withParams, type Params } from '../../api/client'
import { keys } from '../../api/keys'
import type { ConnectionSeries } from '../../api/types'
import { loadedPoints, mergeSeries, storeFromResponse, type SeriesStore } from '../../charts/seriesWindow'

export const FIRST_WINDOW = 120
export const HOVER_DWELL_MS = 600

export type ChipState = 'windowed' | 'loading' | 'complete' | 'live' | 'error'

const seriesPath = (id: string) => `/v1/connections/${encodeURIComponent(id)}/series`

/** A connection's series for one window, through the query cache (shared, deduplicated). */
export function fetchSeriesWindow(queryClient: QueryClient, id: string, window: string, params: Params) {
  return queryClient.fetchQuery({
    queryKey: keys.series(id, window),
    queryFn: ({ signal }) => request<ConnectionSeries>(withParams(seriesPath(id), params), { signal }),
  })
}

/**
 * Starts loading a connection's first window. The conference page calls it as soon as
 * the detail names the connection, so the series request runs while the page renders
 * instead of after; the graphs then join the request in flight.
 */
export function prefetchFirstWindow(queryClient: QueryClient, id: string) {
  void fetchSeriesWindow(queryClient, id, `last:${FIRST_WINDOW}`, { last: FIRST_WINDOW }).catch(() => {})
}

export function useSeriesWindow(connectionId: Ref<string | null>) {
  const queryClient = useQueryClient()
  const store = shallowRef<SeriesStore | null>(null)
  const firstError = ref<unknown>(null)
  const firstLoading = ref(false)
  const fullError = ref<unknown>(null)
  /** A full-history request the user asked for (not a silent prefetch) is running. */
  const fullLoading = ref(false)
  const liveError = ref<unknown>(null)

  /** Bumped on every switch: answers for an earlier connection are dropped. */
  let generation = 0
  let fullRun: { promoted: boolean } | null = null
  let dwell: ReturnType<typeof setTimeout> | undefined
  let liveTimer: ReturnType<typeof setTimeout> | undefined
  let liveAbort: AbortController | undefined

  const fetchSeries = (id: string, window: string, params: Params) => fetchSeriesWindow(queryClient, id, window, params)

  function stopLive() {
    clearTimeout(liveTimer)
    liveTimer = undefined
    liveAbort?.abort()
    liveAbort = undefined
  }

  /** Cancels everything in flight for a connection. */
  function abandon(id: string | null) {
    clearTimeout(dwell)
    stopLive()
    if (!id) return
    void queryClient.cancelQueries({ queryKey: keys.series(id, `last:${FIRST_WINDOW}`) })
    void queryClient.cancelQueries({ queryKey: keys.series(id, 'full') })
    fullRun = null
  }

  function scheduleLive(id: string, gen: number) {
    stopLive()
    const held = store.value
    if (!held?.connection.ongoing) return
    liveTimer = setTimeout(async () => {
      const controller = new AbortController()
      liveAbort = controller
      try {
        const newer = await request<ConnectionSeries>(
          withParams(seriesPath(id), {
            after: store.value?.last ?? store.value?.connection.start_time ?? 0,
          }),
          { signal: controller.signal },
        )
        if (gen !== generation || !store.value) return
        store.value = mergeSeries(store.value, newer)
        liveError.value = null
      } catch (error) {
        if (gen !== generation || controller.signal.aborted) return
        // A failed poll is tried again at the next interval.
        liveError.value = error
      }
      if (gen === generation) scheduleLive(id, gen)
    }, held.intervalMs || 10_000)
  }

  async function loadFirst() {
    const id = connectionId.value
    const gen = generation
    store.value = null
    firstError.value = null
    fullError.value = null
    fullLoading.value = false
    liveError.value = null
    if (!id) return
    firstLoading.value = true
    try {
      const response = await fetchSeries(id, `last:${FIRST_WINDOW}`, { last: FIRST_WINDOW })
      if (gen !== generation) return
      store.value = storeFromResponse(response)
      // A full history fetched before (still cached) fills in at once, without a request.
      const cachedFull = queryClient.getQueryData<ConnectionSeries>(keys.series(id, 'full'))
      if (cachedFull && !store.value.complete) store.value = mergeSeries(store.value, cachedFull)
      scheduleLive(id, gen)
    } catch (error) {
      if (gen !== generation || isCancelledError(error)) return
      firstError.value = error
    } finally {
      if (gen === generation) firstLoading.value = false
    }
  }

  function loadFull(promoted: boolean) {
    const id = connectionId.value
    const gen = generation
    if (!id || !store.value || store.value.complete) return
    if (fullRun) {
      if (promoted) fullRun.promoted = fullLoading.value = true
      return
    }
    const run = { promoted }
    fullRun = run
    fullLoading.value = promoted
    fullError.value = null
    fetchSeries(id, 'full', { full: 'true' })
      .then((response) => {
        if (gen !== generation || !store.value) return
        store.value = mergeSeries(store.value, response)
      })
      .catch((error) => {
        if (gen !== generation || isCancelledError(error)) return
        // A silent prefetch that failed stays silent: the chip still offers the load.
        if (run.promoted) fullError.value = error
      })
      .finally(() => {
        if (fullRun !== run) return
        fullRun = null
        fullLoading.value = false
      })
  }

  /** The chip was clicked: load (or keep loading, now visibly) the whole history. */
  const loadFullHistory = () => loadFull(true)

  function hoverStart() {
    clearTimeout(dwell)
    if (!store.value || store.value.complete || fullRun) return
    dwell = setTimeout(() => loadFull(false), HOVER_DWELL_MS)
  }
  function hoverEnd() {
    clearTimeout(dwell)
    const id = connectionId.value
    if (fullRun && !fullRun.promoted && id) {
      fullRun = null
      void queryClient.cancelQueries({ queryKey: keys.series(id, 'full') })
    }
  }

  watch(
    connectionId,
    (_id, previous) => {
      abandon(previous ?? null)
      generation++
      void loadFirst()
    },
    { immediate: true },
  )
  onBeforeUnmount(() => {
    generation++
    abandon(connectionId.value)
  })

  const chipState = computed<ChipState>(() => {
    if (fullError.value) return 'error'
    if (fullLoading.value) return 'loading'
    if (!store.value?.complete) return 'windowed'
    return store.value.connection.ongoing ? 'live' : 'complete'
  })
  const loaded = computed(() => (store.value ? loadedPoints(store.value) : 0))

  return {
    store,
    firstError,
    firstLoading,
    fullError,
    liveError,
    chipState,
    loaded,
    retryFirst: () => {
      generation++
      void loadFirst()
    },
    loadFullHistory,
    hoverStart,
    hoverEnd,
  }
}
