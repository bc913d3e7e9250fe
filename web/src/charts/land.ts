/**
 * The map's outline (Natural Earth's land, drawn at build time), loaded once and
 * outside the initial JavaScript: the dashboard starts the download with its data
 * request, so the map does not wait for it after the other charts.
 */
let land: Promise<string> | undefined

export function loadLand(): Promise<string> {
  land ??= import('virtual:land-path').then((module) => module.default)
  return land
}
