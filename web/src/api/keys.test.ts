import { describe, expect, it, vi } from 'vitest'
import { QueryClient } from '@tanstack/vue-query'
import { keys } from './keys'
import { CHART_NAMES, fetchBundle } from './charts'
import type { ViewKey } from '../dashboard/state'

const view: ViewKey = { range: '30d', tz: 'UTC', filters: {} }

describe('query keys', () => {
  it('are stable for equal views, whatever the order of their fields', () => {
    const client = new QueryClient()
    client.setQueryData(keys.bundle('app', view), 1)
    expect(client.getQueryData(keys.bundle('app', { filters: {}, tz: 'UTC', range: '30d' }))).toBe(1)
    expect(client.getQueryData(keys.bundle('app', { ...view, tz: 'Asia/Kolkata' }))).toBeUndefined()
    expect(client.getQueryData(keys.bundle('other', view))).toBeUndefined()
  })

  it('keep every chart of a view under the view', () => {
    expect(keys.chart('app', view, 'durations')).toEqual(['chart', 'app', view, 'durations'])
    expect(keys.conferences('app', view, { day: '2026-11-01' }, null)).toEqual([
      'conferences',
      'app',
      view,
      { day: '2026-11-01' },
      null,
    ])
  })
})

describe('drill-down keys', () => {
  it('tell the windows of a connection apart and page a participant by cursor', () => {
    expect(keys.series('c1', 'last:120')).toEqual(['series', 'c1', 'last:120'])
    expect(keys.series('c1', 'full')).not.toEqual(keys.series('c1', 'last:120'))
    expect(keys.search('wee')).toEqual(['search', 'wee'])
    expect(keys.participant('p', null)).toEqual(['participant', 'p', null])
    expect(keys.participant('p', 'next')).toEqual(['participant', 'p', 'next'])
  })
})

describe('the bundle', () => {
  it('primes every chart with its part, so no chart asks again', async () => {
    const bundle = Object.fromEntries(CHART_NAMES.map((name) => [name, { part: name }]))
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) => new Response(JSON.stringify(bundle), { status: 200 }))
    vi.stubGlobal('fetch', fetch)
    const client = new QueryClient()
    await fetchBundle(client, 'app', view, { appId: 'app', tz: 'UTC' })
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(fetch.mock.calls[0]?.[0]).toBe('/v1/dashboard?appId=app&tz=UTC')
    for (const name of CHART_NAMES) expect(client.getQueryData(keys.chart('app', view, name))).toEqual({ part: name })
    vi.unstubAllGlobals()
  })
})
