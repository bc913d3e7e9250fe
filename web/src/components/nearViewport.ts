/**
 * One IntersectionObserver for every lazily mounted element of the page (200 px
 * ahead of the viewport), rather than one per chart: each element is told once,
 * with the width the observer measured anyway, and is then forgotten.
 */
type Arrived = (width: number) => void

const waiting = new Map<Element, Arrived>()
let observer: IntersectionObserver | undefined

export function whenNearViewport(element: Element, arrived: Arrived): () => void {
  if (!('IntersectionObserver' in window)) {
    arrived(0)
    return () => {}
  }
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const callback = waiting.get(entry.target)
        if (!entry.isIntersecting || !callback) continue
        forget(entry.target)
        callback(Math.floor(entry.boundingClientRect.width))
      }
    },
    { rootMargin: '0px 0px 200px 0px' },
  )
  waiting.set(element, arrived)
  observer.observe(element)
  return () => forget(element)
}

function forget(element: Element) {
  waiting.delete(element)
  observer?.unobserve(element)
}
