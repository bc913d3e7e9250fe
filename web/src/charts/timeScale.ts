/**
 * The timeline's time scale: the visible span within the conference's, zooming around
 * a point, panning, and tick marks at round local times.
 */
export interface Span {
  start: number
  end: number
}

/** Closest zoom: ten seconds across the whole width. */
export const MIN_SPAN_MS = 10_000

/** Where a time falls across the visible span, 0 at its start and 1 at its end. */
export function fraction(t: number, view: Span): number {
  const width = view.end - view.start
  return width > 0 ? (t - view.start) / width : 0
}

/** The span moved to lie within `full`, keeping its width (or `full` if wider). */
export function clampSpan(view: Span, full: Span): Span {
  const width = Math.min(view.end - view.start, full.end - full.start)
  let start = Math.max(full.start, Math.min(view.start, full.end - width))
  if (!Number.isFinite(start)) start = full.start
  return { start, end: start + width }
}

/**
 * Zoomed by `factor` (below 1 zooms in) around the time at `anchor` (0–1 across the
 * view), which stays where it is on screen.
 */
export function zoomAt(view: Span, full: Span, factor: number, anchor = 0.5): Span {
  const width = view.end - view.start
  const fullWidth = full.end - full.start
  const next = Math.max(Math.min(MIN_SPAN_MS, fullWidth), Math.min(fullWidth, width * factor))
  const pivot = view.start + width * anchor
  return clampSpan({ start: pivot - next * anchor, end: pivot - next * anchor + next }, full)
}

/** The span between two times picked on screen (a drag), at least the closest zoom. */
export function selectSpan(a: number, b: number, full: Span): Span {
  const start = Math.min(a, b)
  const end = Math.max(a, b)
  if (end - start >= MIN_SPAN_MS) return clampSpan({ start, end }, full)
  const middle = (start + end) / 2
  return clampSpan({ start: middle - MIN_SPAN_MS / 2, end: middle + MIN_SPAN_MS / 2 }, full)
}

export function panBy(view: Span, full: Span, deltaMs: number): Span {
  return clampSpan({ start: view.start + deltaMs, end: view.end + deltaMs }, full)
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const STEPS = [1, 2, 5, 10, 15, 30].map((s) => s * SECOND)
  .concat([1, 2, 5, 10, 15, 30].map((m) => m * MINUTE))
  .concat([1, 2, 3, 6, 12, 24].map((h) => h * HOUR))

/** The smallest round step that gives at most `maxTicks` ticks across the span. */
export function tickStep(view: Span, maxTicks: number): number {
  const width = view.end - view.start
  return STEPS.find((step) => width / step <= maxTicks) ?? Math.ceil(width / maxTicks / (24 * HOUR)) * 24 * HOUR
}

/**
 * Tick times inside the span at round local times: whole minutes, hours… in the
 * viewer's zone (`offsetMinutes` as `Date#getTimezoneOffset` gives it).
 */
export function ticks(view: Span, maxTicks: number, offsetMinutes = new Date(view.start).getTimezoneOffset()): number[] {
  const step = tickStep(view, Math.max(1, maxTicks))
  const shift = -offsetMinutes * MINUTE
  const first = Math.ceil((view.start + shift) / step) * step - shift
  const out: number[] = []
  for (let t = first; t <= view.end; t += step) out.push(t)
  return out
}
