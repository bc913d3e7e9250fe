/**
 * Marks, with the Performance API, when each chart of the dashboard first painted and
 * when all of them had: `callvitals:chart:<id>` and `callvitals:dashboard-painted`.
 * `callvitals bench ui` reads the last; nothing else depends on it.
 */
export const DASHBOARD_PAINTED = 'callvitals:dashboard-painted'

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
