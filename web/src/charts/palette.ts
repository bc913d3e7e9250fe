/**
 * The theme's colours for canvas charts, read from the CSS custom properties once per
 * colour scheme and shared by every chart: reading computed styles right after a chart
 * changed the page makes the browser recompute every style.
 */
export const darkScheme = window.matchMedia('(prefers-color-scheme: dark)')

const palette = new Map<string, string>()

export function colour(name: string): string {
  const key = `${darkScheme.matches}:${name}`
  let value = palette.get(key)
  if (value === undefined) {
    value = getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888'
    palette.set(key, value)
  }
  return value
}
