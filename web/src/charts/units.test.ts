import { describe, expect, it } from 'vitest'
import { formatBitrate, formatQuality, unitTitle } from './units'
import { seriesCsv } from './csv'
import { MIN_SPAN_MS, clampSpan, fraction, selectSpan, tickStep, ticks, zoomAt, panBy } from './timeScale'

// The tests run with the default locale of Node; numbers are compared through the
// same formatter so they hold in any locale.
const n = (value: number, digits: number) => new Intl.NumberFormat(undefined, { maximumFractionDigits: digits }).format(value)

describe('quality units', () => {
  it('says bit rates in bit/s, kbit/s and Mbit/s', () => {
    expect(formatBitrate(950)).toBe('950 bit/s')
    expect(formatBitrate(812_345)).toBe(`${n(812, 0)} kbit/s`)
    expect(formatBitrate(2_400_000)).toBe(`${n(2.4, 1)} Mbit/s`)
    expect(formatBitrate(12_500)).toBe(`${n(12.5, 1)} kbit/s`)
  })
  it('formats each unit', () => {
    expect(formatQuality(1.234, '%')).toBe(`${n(1.23, 2)} %`)
    expect(formatQuality(45.4, 'ms')).toBe('45 ms')
    expect(formatQuality(720, 'px', 'frame_height')).toBe('720p')
    expect(formatQuality(4.123, 'MOS')).toBe(n(4.12, 2))
    expect(formatQuality(null, 'ms')).toBe('–')
    expect(unitTitle('bit/s')).toBe('bit/s')
  })
})

describe('the CSV export', () => {
  it('has a time column and one column per group and metric, with units', () => {
    const csv = seriesCsv([
      { key: 'connection', scope: 'connection', kind: null, direction: null, track: null, label: 'Connection',
        t: [0, 10_000], series: [{ metric: 'rtt', unit: 'ms', values: [12.5, null] }] },
      { key: 'audio:inbound:a,b', scope: 'track', kind: 'audio', direction: 'inbound', track: null, label: 'audio',
        t: [10_000, 20_000], series: [{ metric: 'jitter', unit: 'ms', values: [3, 4] }] },
    ])
    expect(csv.split('\r\n')).toEqual([
      'time,connection:rtt (ms),"audio:inbound:a,b:jitter (ms)"',
      '1970-01-01T00:00:00.000Z,12.5,',
      '1970-01-01T00:00:10.000Z,,3',
      '1970-01-01T00:00:20.000Z,,4',
      '',
    ])
  })
})

describe('the timeline scale', () => {
  const full = { start: 0, end: 3_600_000 }
  it('places times across the view', () => {
    expect(fraction(900_000, full)).toBe(0.25)
  })
  it('zooms around the anchor, which stays in place', () => {
    const zoomed = zoomAt(full, full, 0.5, 0.25)
    expect(zoomed.end - zoomed.start).toBe(1_800_000)
    expect(fraction(900_000, zoomed)).toBeCloseTo(0.25)
  })
  it('never zooms out beyond the conference or in beyond the closest zoom', () => {
    expect(zoomAt(full, full, 4)).toEqual(full)
    const close = zoomAt({ start: 0, end: 20_000 }, full, 0.01, 0)
    expect(close.end - close.start).toBe(MIN_SPAN_MS)
  })
  it('pans within the conference', () => {
    expect(panBy({ start: 0, end: 600_000 }, full, -50_000)).toEqual({ start: 0, end: 600_000 })
    expect(panBy({ start: 0, end: 600_000 }, full, 5_000_000)).toEqual({ start: 3_000_000, end: 3_600_000 })
    expect(clampSpan({ start: -10, end: 10_000_000 }, full)).toEqual(full)
  })
  it('turns a drag into a span', () => {
    expect(selectSpan(600_000, 60_000, full)).toEqual({ start: 60_000, end: 600_000 })
    expect(selectSpan(1000, 1000, full).end - selectSpan(1000, 1000, full).start).toBe(MIN_SPAN_MS)
  })
  it('puts ticks at round local times', () => {
    expect(tickStep(full, 8)).toBe(10 * 60_000)
    expect(ticks({ start: 30_000, end: 3_600_000 }, 8, 0)).toEqual([600_000, 1_200_000, 1_800_000, 2_400_000, 3_000_000, 3_600_000])
    // India is 5 h 30 min ahead: hour ticks fall on its whole hours.
    expect(ticks({ start: 0, end: 4 * 3_600_000 }, 4, -330)[0]).toBe(30 * 60_000)
  })
})
