/**
 * Marks, with the Performance API, when each chart of the dashboard first painted and
 * when all of them had: `callvitals:chart:<id>` and `callvitals:dashboard-painted`.
 * `npm run bench:ui` reads the last (and `callvitals:graphs-painted`, marked by the
 * conference page's graphs); nothing else depends on them.
 */
export const DASHBOARD_PAINTED = 'callvitals:dashboard-painted'
/** The conference page's first quality graphs are on screen. */
export const GRAPHS_PAINTED = 'callvitals:graphs-painted'

export class PaintTracker {
  private readonly waiting: Set<string>

  constructor(ids: string[]) {
    this.waiting = new Set(ids)
  }

  painted(id: string): void {
    if (!this.waiting.delete(id)) return
    performance.mark(`callvitals:chart:${id}`)
    if (this.waiting.size === 0) performance.mark(DASHBOARD_PAINTED)
  }
}

/** After the browser has put the frame holding the chart on screen. */
export function afterPaint(callback: () => void): void {
  requestAnimationFrame(() => setTimeout(callback, 0))
}
