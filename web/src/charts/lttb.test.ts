import { describe, expect, it } from 'vitest'
import { lttb, type Point } from './lttb'

const series = (values: (number | null)[]): Point[] => values.map((y, x) => ({ x, y }))

describe('LTTB', () => {
  const noisy = series(Array.from({ length: 3600 }, (_, i) => Math.sin(i / 50) * 100 + ((i * 7919) % 13)))

  it('returns at most the threshold, with the first and last points', () => {
    const sampled = lttb(noisy, 500)
    expect(sampled.length).toBeLessThanOrEqual(500)
    expect(sampled[0]).toBe(noisy[0])
    expect(sampled[sampled.length - 1]).toBe(noisy[noisy.length - 1])
    // In order along x.
    expect(sampled.every((point, i) => i === 0 || point.x > sampled[i - 1]!.x)).toBe(true)
  })

  it('keeps the highest and the lowest point', () => {
    const values = Array.from({ length: 1000 }, () => 10)
    values[333] = 95 // a loss spike
    values[777] = -3
    const sampled = lttb(series(values), 50)
    expect(sampled).toContainEqual({ x: 333, y: 95 })
    expect(sampled).toContainEqual({ x: 777, y: -3 })
  })

  it('is stable: the same input gives the same points', () => {
    expect(lttb(noisy, 300)).toEqual(lttb(noisy, 300))
  })

  it('keeps a gap as a gap', () => {
    const values: (number | null)[] = Array.from({ length: 1000 }, (_, i) => i % 17)
    for (let i = 400; i < 520; i++) values[i] = null
    const sampled = lttb(series(values), 100)
    expect(sampled.some((point) => point.y === null && point.x >= 400 && point.x < 520)).toBe(true)
    expect(sampled.filter((point) => point.y !== null).every((point) => point.x < 400 || point.x >= 520)).toBe(true)
  })

  it('returns short series whole', () => {
    const short = series([1, 2, 3])
    expect(lttb(short, 500)).toEqual(short)
    expect(() => lttb(series([1, 2, 3, 4]), 2)).toThrow(RangeError)
  })
})
