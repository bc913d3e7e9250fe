/**
 * Only the latest of a series of requests counts: each new one aborts the one before,
 * and an answer that arrives after a newer request started is dropped, whatever
 * order the network delivers them in (search-as-you-type).
 */
export type Outcome<T> = { current: true; value: T } | { current: false }

export class Latest<T> {
  private sequence = 0
  private controller: AbortController | null = null

  /** Runs `task`; its answer is delivered only if no newer run started meanwhile. */
  async run(task: (signal: AbortSignal) => Promise<T>): Promise<Outcome<T>> {
    this.controller?.abort()
    const controller = new AbortController()
    this.controller = controller
    const mine = ++this.sequence
    try {
      const value = await task(controller.signal)
      return mine === this.sequence ? { current: true, value } : { current: false }
    } catch (error) {
      if (mine !== this.sequence) return { current: false }
      throw error
    }
  }

  /** Drops whatever is in flight (the box was cleared or closed). */
  cancel(): void {
    this.sequence++
    this.controller?.abort()
    this.controller = null
  }
}
