import { describe, expect, it } from 'vitest'
import { shouldRetry } from './query'

describe('shouldRetry', () => {
  it('retries network failures a few times', () => {
    expect(shouldRetry(0, new TypeError('Failed to fetch'))).toBe(true)
    expect(shouldRetry(3, new TypeError('Failed to fetch'))).toBe(false)
  })
  it('never retries an answer the server gave', () => {
    expect(shouldRetry(0, new Error('404 app_not_found'))).toBe(false)
  })
})
