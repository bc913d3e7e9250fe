import { describe, expect, it } from 'vitest'
import { Latest } from './latest'

/** A task whose answer the test releases when it wants, and which records its abort. */
function deferred(value: string) {
  let release = () => {}
  let aborted = false
  const task = (signal: AbortSignal) =>
    new Promise<string>((resolve) => {
      signal.addEventListener('abort', () => (aborted = true))
      release = () => resolve(value)
    })
  return { task, release: () => release(), aborted: () => aborted }
}

describe('latest-only requests', () => {
  it('shows only the newest answer when fast typing gets answers out of order', async () => {
    const latest = new Latest<string>()
    const shown: string[] = []
    const typed = ['w', 'we', 'wee'].map(deferred)
    const runs = typed.map((one) => latest.run(one.task).then((outcome) => outcome.current && shown.push(outcome.value)))
    // The newest answer arrives first, the oldest last.
    typed[2]!.release()
    typed[0]!.release()
    typed[1]!.release()
    await Promise.all(runs)
    expect(shown).toEqual(['wee'])
    expect(typed[0]!.aborted()).toBe(true)
    expect(typed[1]!.aborted()).toBe(true)
    expect(typed[2]!.aborted()).toBe(false)
  })

  it('drops an older answer that arrives after the newer one was shown', async () => {
    const latest = new Latest<string>()
    const first = deferred('a')
    const second = deferred('ab')
    const one = latest.run(first.task)
    const two = latest.run(second.task)
    second.release()
    expect(await two).toEqual({ current: true, value: 'ab' })
    first.release()
    expect(await one).toEqual({ current: false })
  })

  it('reports the failure of the latest request only', async () => {
    const latest = new Latest<string>()
    const stale = latest.run(() => Promise.reject(new Error('old')))
    const fresh = latest.run(() => Promise.reject(new Error('new')))
    expect(await stale).toEqual({ current: false })
    await expect(fresh).rejects.toThrow('new')
  })

  it('drops everything in flight when cancelled', async () => {
    const latest = new Latest<string>()
    const pending = deferred('x')
    const run = latest.run(pending.task)
    latest.cancel()
    pending.release()
    expect(await run).toEqual({ current: false })
    expect(pending.aborted()).toBe(true)
  })
})
