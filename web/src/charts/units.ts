/** Quality values with their units, in the user's locale: `812 kbit/s`, `1.2 %`, `45 ms`, `720p`. */
import { numberFormat } from '../dashboard/format'

const decimals = (digits: number) => numberFormat({ maximumFractionDigits: digits })

/** Bits per second in the unit people read: `950 bit/s`, `812 kbit/s`, `2.4 Mbit/s`. */
export function formatBitrate(bps: number): string {
  const size = Math.abs(bps)
  if (size >= 1e9) return `${decimals(2).format(bps / 1e9)} Gbit/s`
  if (size >= 1e6) return `${decimals(size >= 1e8 ? 0 : 1).format(bps / 1e6)} Mbit/s`
  if (size >= 1e3) return `${decimals(size >= 1e5 ? 0 : 1).format(bps / 1e3)} kbit/s`
  return `${decimals(0).format(bps)} bit/s`
}

/**
 * A value of a series as text. `metric` refines the unit where the contract's unit is
 * generic: a frame height reads as `720p`.
 */
export function formatQuality(value: number | null | undefined, unit: string, metric = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  if (metric === 'frame_height') return `${decimals(0).format(value)}p`
  switch (unit) {
    case 'bit/s':
      return formatBitrate(value)
    case '%':
      return `${decimals(value < 10 ? 2 : 1).format(value)} %`
    case 'ms':
      return `${decimals(value < 10 ? 1 : 0).format(value)} ms`
    case 'MOS':
      return decimals(2).format(value)
    case 'level':
      return decimals(3).format(value)
    case 'fps':
      return `${decimals(1).format(value)} fps`
    case 'px':
      return `${decimals(0).format(value)} px`
    case '':
      return decimals(2).format(value)
    default:
      return `${decimals(2).format(value)} ${unit}`
  }
}

/** The unit as an axis title says it. */
export function unitTitle(unit: string, metric = ''): string {
  if (metric === 'frame_height') return 'lines (p)'
  if (unit === 'MOS') return 'MOS (1–5)'
  if (unit === 'level') return 'level (0–1)'
  return unit
}
