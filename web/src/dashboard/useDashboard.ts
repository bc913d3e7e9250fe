/**
 * The dashboard's data: one bundle request per view, and each chart's query primed
 * from it. A chart fetches on its own only when its retry button asks.
 */
import { computed, type ComputedRef, type Ref } from 'vue'
import { useQuery, useQueryClient } from '@tanstack/vue-query'
import { fetchBundle, fetchChart, type ChartData, type ChartName } from '../api/charts'
import { keys } from '../api/keys'
import type { Bundle } from '../api/types'
import type { ViewKey } from './state'

export function useBundle(appId: Ref<string>, view: ComputedRef<ViewKey>, params: () => Record<string, string>) {
  const client = useQueryClient()
  return useQuery({
    queryKey: computed(() => keys.bundle(appId.value, view.value)),
    queryFn: ({ signal }) => fetchBundle(client, appId.value, view.value, { ...params(), appId: appId.value }, signal),
    // The previous view stays on screen while the next one loads.
    placeholderData: (previous) => previous,
  })
}

export function useChart<Name extends ChartName>(
  name: Name,
  appId: Ref<string>,
  view: ComputedRef<ViewKey>,
  params: () => Record<string, string>,
  bundle: ReturnType<typeof useBundle>,
) {
  const client = useQueryClient()
  const chart = useQuery({
    queryKey: computed(() => keys.chart(appId.value, view.value, name)),
    queryFn: ({ signal }) => fetchChart(name, { ...params(), appId: appId.value }, signal),
    // The bundle keeps charts fresh; a chart never refetches by itself.
    enabled: computed(() => bundle.isSuccess.value && !bundle.isPlaceholderData.value),
    staleTime: Infinity,
    placeholderData: (previous) => previous,
    initialData: () =>
      client.getQueryData<Bundle>(keys.bundle(appId.value, view.value))?.[name] as ChartData<Name> | undefined,
    initialDataUpdatedAt: () => client.getQueryState(keys.bundle(appId.value, view.value))?.dataUpdatedAt,
  })
  const current = computed(() => chart.data.value !== undefined && !chart.isPlaceholderData.value)
  return {
    data: computed(() => chart.data.value as ChartData<Name> | undefined),
    pending: computed(() => chart.data.value === undefined),
    error: computed(() => chart.error.value ?? (current.value ? null : bundle.error.value)),
    retry: () => (chart.error.value ? chart.refetch() : bundle.refetch()),
  }
}
