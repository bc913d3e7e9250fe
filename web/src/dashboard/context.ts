/** What every chart of a dashboard view shares, provided by the page. */
import type { ComputedRef, InjectionKey, Ref } from 'vue'
import type { useBundle } from './useDashboard'
import type { ViewKey } from './state'
import type { PaintTracker } from './paint'
import type { Slice } from './shape'

export interface DashboardContext {
  appId: Ref<string>
  view: ComputedRef<ViewKey>
  params: () => Record<string, string>
  bundle: ReturnType<typeof useBundle>
  paint: PaintTracker
  open: (slice: Slice, label: string) => void
}

export const DASHBOARD: InjectionKey<DashboardContext> = Symbol('dashboard')
