/**
 * A connection's quality history as the page holds it: the first window (`?last=120`),
 * later filled in by the full history (`?full=true`) and extended by live polls
 * (`?after=`). Every response is merged by time, so the order in which they arrive
 * does not matter and a point is never drawn twice.
 *
 * The x axis is fixed by the first response (`first` … `last` describe the whole
 * history, not the window): the part not loaded yet is an empty stretch of the same
 * axis, so when the full history arrives it fills that stretch and nothing re-bases.
 */
import type { ConnectionSeries, SeriesCandidate, SeriesConnection, SeriesEvent, SeriesGroup, Series } from '../api/types'
import { lttb } from './lttb'

export interface SeriesStore {
  connection: SeriesConnection
  intervalMs: number
  /** Points in the whole history, as the newest response counted them. */
  total: number
  /** Time of the history's first and last points (ms); null while there are none. */
  first: number | null
  last: number | null
  /** The x axis, from the first response; only `max` grows, with newer points. */
  axis: { min: number; max: number } | null
  /** Earliest window start loaded so far: the history is complete once it reaches `first`. */
  loadedFrom: number | null
  complete: boolean
  groups: SeriesGroup[]
  candidates: SeriesCandidate[]
  events: SeriesEvent[]
}

export function storeFromResponse(response: ConnectionSeries): SeriesStore {
  const min = response.first ?? response.connection.start_time
  const max = response.last ?? min
  return {
    connection: response.connection,
    intervalMs: response.interval_ms,
    total: response.total,
    first: response.first,
    last: response.last,
    axis: min === null || max === null ? null : { min, max },
    loadedFrom: response.window.from,
    complete: response.window.complete || response.total === 0,
    groups: response.groups.map((group) => ({ ...group, t: group.t.slice(), series: group.series.map(copySeries) })),
    candidates: response.candidates.slice(),
    events: response.events.slice(),
  }
}

function copySeries(series: Series): Series {
  return { ...series, values: series.values.slice() }
}

/** Two time-ordered groups as one: the union of their times, the incoming value winning a tie. */
export function mergeGroup(held: SeriesGroup, incoming: SeriesGroup): SeriesGroup {
  const metrics: Series[] = held.series.map((series) => ({ ...series, values: [] }))
  for (const series of incoming.series) {
    if (!metrics.some((known) => known.metric === series.metric)) metrics.push({ ...series, values: [] })
  }
  const heldValues = metrics.map((series) => held.series.find((one) => one.metric === series.metric)?.values)
  const incomingValues = metrics.map((series) => incoming.series.find((one) => one.metric === series.metric)?.values)
  const t: number[] = []
  const take = (from: (readonly (number | null)[] | undefined)[], index: number) =>
    metrics.forEach((series, m) => series.values.push(from[m]?.[index] ?? null))
  let i = 0
  let j = 0
  while (i < held.t.length || j < incoming.t.length) {
    const a = held.t[i]
    const b = incoming.t[j]
    if (b === undefined || (a !== undefined && a < b)) {
      t.push(a!)
      take(heldValues, i++)
    } else {
      // Equal times are one point: the incoming (newer) answer stands for it.
      if (a === b) i++
      t.push(b)
      take(incomingValues, j++)
    }
  }
  return { ...incoming, label: incoming.label || held.label, t, series: metrics }
}

function dedupe<T>(items: T[], key: (item: T) => string, time: (item: T) => number): T[] {
  const seen = new Map<string, T>()
  for (const item of items) seen.set(key(item), item)
  return [...seen.values()].sort((a, b) => time(a) - time(b))
}

/** The store with a later response (full history, or points after the newest) merged in. */
export function mergeSeries(store: SeriesStore, response: ConnectionSeries): SeriesStore {
  const groups = store.groups.map((group) => {
    const incoming = response.groups.find((one) => one.key === group.key)
    return incoming ? mergeGroup(group, incoming) : group
  })
  for (const incoming of response.groups) {
    if (!store.groups.some((group) => group.key === incoming.key))
      groups.push(mergeGroup({ ...incoming, t: [], series: [] }, incoming))
  }
  const last = maxOf(store.last, response.last)
  const first = store.first ?? response.first
  const loadedFrom = minOf(store.loadedFrom, response.window.from)
  let axis = store.axis
  if (!axis) {
    const min = first ?? response.connection.start_time
    axis = min === null || last === null ? null : { min, max: last }
  } else if (last !== null && last > axis.max) axis = { ...axis, max: last }
  // Every window is a suffix of the history (the latest N, all, or after a time), so
  // the loaded points are complete once they reach back to the first one.
  const complete = store.complete || (first !== null && loadedFrom !== null && loadedFrom <= first)
  return {
    // An ended connection stays ended, whichever answer arrives last.
    connection: store.connection.ongoing ? response.connection : store.connection,
    intervalMs: response.interval_ms || store.intervalMs,
    total: Math.max(store.total, response.total),
    first,
    last,
    axis,
    loadedFrom,
    complete,
    groups,
    candidates: dedupe(
      [...store.candidates, ...response.candidates],
      (c) => `${c.t}|${c.local}|${c.remote}|${c.protocol}`,
      (c) => c.t,
    ),
    events: dedupe(
      [...store.events, ...response.events],
      (e) => `${e.t}|${e.end ?? ''}|${e.kind}|${e.label}`,
      (e) => e.t,
    ),
  }
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b
  if (b === null) return a
  return Math.max(a, b)
}
function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b
  if (b === null) return a
  return Math.min(a, b)
}

/** Points loaded so far, over every group (each time counted once). */
export function loadedPoints(store: SeriesStore): number {
  const times = new Set<number>()
  for (const group of store.groups) for (const t of group.t) times.add(t)
  return times.size
}

/** Most points one series draws: a chart is ~600–900 px wide. */
export const MAX_PLOTTED_POINTS = 500

export interface Plotted {
  x: number[]
  y: (number | null)[]
  /** Points drawn, not counting the empty placeholder at the axis start. */
  points: number
  /** The last value drawn that is not a gap, as the server sent it. */
  lastValue: number | null
}

/**
 * One series ready for uPlot: thinned to `budget` points with LTTB (peaks and gaps
 * kept) and, when the history is not loaded back to the axis start, an empty point
 * there, so the line starts where the data does and the axis keeps its full length.
 */
export function plotSeries(
  t: readonly number[],
  values: readonly (number | null)[],
  axisMin: number | null,
  budget = MAX_PLOTTED_POINTS,
): Plotted {
  const points = t.map((x, i) => ({ x, y: values[i] ?? null }))
  const thinned = lttb(points, budget)
  const x = thinned.map((point) => point.x)
  const y = thinned.map((point) => point.y)
  let lastValue: number | null = null
  for (let i = y.length - 1; i >= 0; i--) {
    if (y[i] !== null) {
      lastValue = y[i]!
      break
    }
  }
  const drawn = x.length
  if (axisMin !== null && (x.length === 0 || axisMin < x[0]!)) {
    x.unshift(axisMin)
    y.unshift(null)
  }
  return { x, y, points: drawn, lastValue }
}
