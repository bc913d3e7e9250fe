/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson, 2013) for the quality
 * graphs: at most `threshold` points that keep the shape a person sees.
 *
 * Two additions to the published algorithm, both for call-quality data:
 * - the series' highest and lowest points always survive (a loss spike or an RTT
 *   peak is the reason someone opened the graph): the bucket holding one picks it
 *   instead of its largest triangle;
 * - gaps survive: a bucket with no value yields one `null` point at its start, so a
 *   missing interval stays a break in the line rather than a straight bridge.
 *
 * Deterministic: the same input gives the same output.
 */

export interface Point {
  x: number
  y: number | null
}

export function lttb(points: readonly Point[], threshold: number): Point[] {
  const n = points.length
  if (threshold >= n) return points.slice()
  if (threshold < 3) throw new RangeError('LTTB keeps the first and last points and needs a threshold of 3 or more')

  let highest = -1
  let lowest = -1
  points.forEach((point, i) => {
    if (point.y === null) return
    if (highest < 0 || point.y > (points[highest]!.y as number)) highest = i
    if (lowest < 0 || point.y < (points[lowest]!.y as number)) lowest = i
  })

  const sampled: Point[] = [points[0]!]
  // The first and last points stay; the rest fall into threshold - 2 buckets.
  const size = (n - 2) / (threshold - 2)
  let previous = 0
  for (let bucket = 0; bucket < threshold - 2; bucket++) {
    const start = Math.floor(bucket * size) + 1
    const end = Math.min(Math.floor((bucket + 1) * size) + 1, n - 1)

    // The next bucket's average is the triangle's third corner.
    const nextStart = end
    const nextEnd = Math.min(Math.floor((bucket + 2) * size) + 1, n)
    let averageX = 0
    let averageY = 0
    let counted = 0
    for (let i = nextStart; i < nextEnd; i++) {
      const y = points[i]!.y
      if (y === null) continue
      averageX += points[i]!.x
      averageY += y
      counted++
    }
    if (counted) {
      averageX /= counted
      averageY /= counted
    } else {
      averageX = points[Math.min(nextStart, n - 1)]!.x
      averageY = points[previous]!.y ?? 0
    }

    let chosen = -1
    if (highest >= start && highest < end) chosen = highest
    else if (lowest >= start && lowest < end) chosen = lowest
    else {
      const anchor = points[previous]!
      const anchorY = anchor.y ?? averageY
      let largest = -1
      for (let i = start; i < end; i++) {
        const y = points[i]!.y
        if (y === null) continue
        const area = Math.abs((anchor.x - averageX) * (y - anchorY) - (anchor.x - points[i]!.x) * (averageY - anchorY))
        if (area > largest) {
          largest = area
          chosen = i
        }
      }
    }
    if (chosen < 0) {
      // Nothing but gaps in this bucket: keep one gap.
      sampled.push({ x: points[start]!.x, y: null })
      continue
    }
    sampled.push(points[chosen]!)
    previous = chosen
  }
  sampled.push(points[n - 1]!)
  return sampled
}
