import { describe, expect, it } from 'vitest'
import type { ConnectionSeries } from '../api/types'
import { MAX_PLOTTED_POINTS, loadedPoints, mergeSeries, plotSeries, storeFromResponse } from './seriesWindow'

const START = 1_767_000_000_000
const STEP = 10_000

/** A response holding points `from`…`to` (indices) of a history of `total` points. */
function response(from: number, to: number, total: number, options: { ongoing?: boolean } = {}): ConnectionSeries {
  const t: number[] = []
  for (let i = from; i <= to; i++) t.push(START + i * STEP)
  return {
    connection: {
      id: 'c1', conference: 'k', session: 's', participant: 'p', peer: 'q', state: 'connected', type: 'relay',
      start_time: START, end_time: null, ongoing: options.ongoing ?? false,
    },
    interval_ms: STEP,
    total,
    first: START,
    last: START + (total - 1) * STEP,
    window: { from: t[0] ?? null, to: t[t.length - 1] ?? null, points: t.length, complete: from === 0 && to === total - 1 },
    groups: [
      {
        key: 'connection', scope: 'connection', kind: null, direction: null, track: null, label: 'Connection', t,
        series: [
          { metric: 'rtt', unit: 'ms', values: t.map((_, i) => from + i) },
          { metric: 'bitrate_in', unit: 'bit/s', values: t.map((_, i) => (from + i) * 1000) },
        ],
      },
    ],
    candidates: [{ t: t[0]!, local: 'relay', remote: 'srflx', protocol: 'udp' }],
    events: [{ t: START + 5 * STEP, kind: 'state', label: 'connected', severity: null }],
  }
}

describe('the windowed series', () => {
  it('draws the full-length axis from the first window', () => {
    const store = storeFromResponse(response(880, 999, 1000))
    expect(store.axis).toEqual({ min: START, max: START + 999 * STEP })
    expect(store.complete).toBe(false)
    expect(loadedPoints(store)).toBe(120)
  })

  it('merges the full history in order, without duplicates, and the axis does not move', () => {
    const windowed = storeFromResponse(response(880, 999, 1000))
    const merged = mergeSeries(windowed, response(0, 999, 1000))
    const group = merged.groups[0]!
    expect(group.t).toHaveLength(1000)
    expect(group.t.every((t, i) => i === 0 || t > group.t[i - 1]!)).toBe(true)
    expect(group.series.find((s) => s.metric === 'rtt')!.values.slice(878, 883)).toEqual([878, 879, 880, 881, 882])
    expect(merged.axis).toEqual(windowed.axis)
    expect(merged.complete).toBe(true)
    expect(merged.candidates).toHaveLength(2)
    expect(merged.events).toHaveLength(1)
  })

  it('gives the same result whichever answer arrives first', () => {
    const a = mergeSeries(storeFromResponse(response(880, 999, 1000)), response(0, 999, 1000))
    const b = mergeSeries(storeFromResponse(response(0, 999, 1000)), response(880, 999, 1000))
    expect(b.groups).toEqual(a.groups)
    expect(b.axis).toEqual(a.axis)
  })

  it('appends newer points and extends the last time and the axis end', () => {
    const live = storeFromResponse(response(880, 999, 1000, { ongoing: true }))
    const newer = response(1000, 1002, 1003, { ongoing: true })
    const merged = mergeSeries(live, newer)
    expect(merged.last).toBe(START + 1002 * STEP)
    expect(merged.axis).toEqual({ min: START, max: START + 1002 * STEP })
    expect(merged.total).toBe(1003)
    expect(merged.groups[0]!.t.slice(-4)).toEqual([999, 1000, 1001, 1002].map((i) => START + i * STEP))
    expect(merged.complete).toBe(false)
    // The same poll answered twice adds nothing.
    expect(mergeSeries(merged, newer).groups[0]!.t).toHaveLength(123)
  })

  it('keeps an ended connection ended', () => {
    const ended = response(0, 9, 10)
    const stale = response(0, 9, 10, { ongoing: true })
    expect(mergeSeries(storeFromResponse(ended), stale).connection.ongoing).toBe(false)
  })

  it('adds groups and metrics that only a later answer has', () => {
    const more = response(0, 999, 1000)
    more.groups.push({ ...more.groups[0]!, key: 'audio:inbound:1', scope: 'track', kind: 'audio', direction: 'inbound' })
    const merged = mergeSeries(storeFromResponse(response(880, 999, 1000)), more)
    expect(merged.groups.map((g) => g.key)).toEqual(['connection', 'audio:inbound:1'])
    expect(merged.groups[1]!.t).toHaveLength(1000)
  })
})

describe('plotting a series', () => {
  it('thins to at most 500 points, keeping the peak and the last value', () => {
    const t = Array.from({ length: 3000 }, (_, i) => START + i * STEP)
    const values = t.map((_, i) => (i === 1234 ? 999 : i % 7))
    values[2999] = 3.25
    const plotted = plotSeries(t, values, START)
    expect(plotted.points).toBeLessThanOrEqual(MAX_PLOTTED_POINTS)
    expect(plotted.y).toContain(999)
    expect(plotted.lastValue).toBe(3.25)
    expect(plotted.x[0]).toBe(START)
  })

  it('starts with an empty point at the axis start when the history is not loaded back to it', () => {
    const plotted = plotSeries([START + 50 * STEP, START + 51 * STEP], [1, null], START)
    expect(plotted.x).toEqual([START, START + 50 * STEP, START + 51 * STEP])
    expect(plotted.y).toEqual([null, 1, null])
    expect(plotted.points).toBe(2)
    expect(plotted.lastValue).toBe(1)
  })
})
