/** Numbers, dates, durations and slice names in the user's locale and terms. */

// Building an Intl formatter costs far more than using one (it loads locale data), and
// a chart formats dozens of labels: each kind is built once.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>()
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let formatter = formatters.get(key) as T | undefined
  if (!formatter) {
    formatter = make()
    formatters.set(key, formatter)
  }
  return formatter
}
export function numberFormat(options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return cached(`n${JSON.stringify(options)}`, () => new Intl.NumberFormat(undefined, options))
}
export function dateFormat(options: Intl.DateTimeFormatOptions, locale?: string): Intl.DateTimeFormat {
  return cached(`d${locale}${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options))
}

export function formatNumber(value: number): string {
  return numberFormat().format(value)
}

/** Axis numbers: `950`, `12K`, `1.2M`. */
export function formatCompact(value: number): string {
  return numberFormat({ notation: 'compact', maximumFractionDigits: 1 }).format(value)
}

export function formatPercent(part: number, whole: number): string {
  if (!whole) return '–'
  return numberFormat({ style: 'percent', maximumFractionDigits: 1 }).format(part / whole)
}

/** Seconds as people say them: `45 s`, `3 min 20 s`, `1 h 2 min`, `2 d 3 h`. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) {
    const rest = seconds % 60
    return rest ? `${minutes} min ${rest} s` : `${minutes} min`
  }
  const hours = Math.floor(minutes / 60)
  if (hours < 24) {
    const rest = minutes % 60
    return rest ? `${hours} h ${rest} min` : `${hours} h`
  }
  const days = Math.floor(hours / 24)
  const rest = hours % 24
  return rest ? `${days} d ${rest} h` : `${days} d`
}

/** Milliseconds of a setup time: `250 ms`, `1.5 s`. */
export function formatMillis(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  return `${numberFormat({ maximumFractionDigits: 1 }).format(ms / 1000)} s`
}

/** The server's times are UTC, written without a zone (`2026-11-20 22:55:50.443813`). */
export function parseServerTime(text: string): Date {
  const iso = text.includes('T') ? text : text.replace(' ', 'T')
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`)
}

export function formatDateTime(at: Date, tz?: string): string {
  return dateFormat({ dateStyle: 'medium', timeStyle: 'short', timeZone: tz }).format(at)
}

/** A local date (YYYY-MM-DD) as the user writes dates: `3 Nov` or `Nov 3`. */
export function formatDay(date: string, withWeekday = false): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return dateFormat(
    withWeekday
      ? { day: 'numeric', month: 'short', weekday: 'short', year: 'numeric', timeZone: 'UTC' }
      : { day: 'numeric', month: 'short', timeZone: 'UTC' },
  ).format(new Date(Date.UTC(y, m - 1, d)))
}

let regionNames: Intl.DisplayNames | undefined
/** A country's name from its ISO code, in the user's language. */
export function countryName(code: string): string {
  try {
    regionNames ??= new Intl.DisplayNames(undefined, { type: 'region' })
    return regionNames.of(code.toUpperCase()) ?? code
  } catch {
    return code
  }
}

/** A bucket `[min, max)` of seconds: `under 1 min`, `1–3 min`, `1 h or more`. */
export function durationBucketLabel(min: number, max: number | null): string {
  if (max === null) return `${formatDuration(min)} or more`
  if (min === 0) return `under ${formatDuration(max)}`
  return `${formatDuration(min)} – ${formatDuration(max)}`
}

/** A bucket `[min, max)` of milliseconds: `under 250 ms`, `1 s – 2 s`. */
export function setupBucketLabel(min: number, max: number | null): string {
  if (max === null) return `${formatMillis(min)} or more`
  if (min === 0) return `under ${formatMillis(max)}`
  return `${formatMillis(min)} – ${formatMillis(max)}`
}

export const STATUS_LABELS = {
  success: 'No issues',
  warning: 'With warnings',
  error: 'With errors',
  ongoing: 'Ongoing',
} as const
export type Status = keyof typeof STATUS_LABELS

export const CONNECTION_TYPE_LABELS: Record<string, string> = {
  host: 'Direct, local network (host)',
  srflx: 'Direct through NAT (srflx)',
  prflx: 'Direct, peer reflexive (prflx)',
  relay: 'Relayed through TURN (relay)',
}
