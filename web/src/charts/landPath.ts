/**
 * The land of the world as one SVG path, in an equirectangular projection (x is the
 * longitude + 180, y is 90 − the latitude). Run at build time (vite.config.ts makes it
 * the module `virtual:land-path`), so the browser downloads a finished path, lazily,
 * and spends nothing decoding TopoJSON.
 */
import { feature } from 'topojson-client'
import type { Topology, GeometryCollection } from 'topojson-specification'
import land from 'world-atlas/land-110m.json' with { type: 'json' }

type Ring = number[][]

function ringPath(ring: Ring): string {
  return (
    ring.map(([lon, lat], i) => `${i ? 'L' : 'M'}${((lon ?? 0) + 180).toFixed(1)},${(90 - (lat ?? 0)).toFixed(1)}`).join('') +
    'Z'
  )
}

export function landPath(): string {
  const topology = land as unknown as Topology<{ land: GeometryCollection }>
  const geo = feature(topology, topology.objects.land)
  const parts: string[] = []
  for (const item of geo.features) {
    const geometry = item.geometry
    if (geometry.type === 'Polygon') parts.push(...geometry.coordinates.map(ringPath))
    if (geometry.type === 'MultiPolygon')
      for (const polygon of geometry.coordinates) parts.push(...polygon.map(ringPath))
  }
  return parts.join('')
}
