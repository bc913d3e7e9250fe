import { describe, expect, it } from 'vitest'
import { addDays, fromQuery, localDate, rangeParams, toQuery, viewKey, type DashboardState } from './state'

const state = (change: Partial<DashboardState> = {}): DashboardState => ({
  range: '30d',
  filters: { browser: [], os: [], country: [], app_version: [] },
  tab: 'overview',
  detail: {},
  ...change,
})

describe('URL state', () => {
  it('leaves defaults out of the URL', () => {
    expect(toQuery(state())).toEqual({})
  })

  it('round-trips every part of the state', () => {
    const full = state({
      range: 'custom',
      from: '2026-10-01',
      to: '2026-10-31',
      filters: { browser: ['Chrome', 'Firefox'], os: ['macOS'], country: ['FR'], app_version: ['2.3.0'] },
      tab: 'conferences',
      search: 'standup',
      order: 'oldest',
      detail: { day: '2026-10-04', status: 'error' },
    })
    const query = toQuery(full)
    expect(query).toEqual({
      range: 'custom',
      from: '2026-10-01',
      to: '2026-10-31',
      browser: 'Chrome,Firefox',
      os: 'macOS',
      country: 'FR',
      app_version: '2.3.0',
      tab: 'conferences',
      q: 'standup',
      sort: 'oldest',
      'd.day': '2026-10-04',
      'd.status': 'error',
    })
    expect(fromQuery(query)).toEqual(full)
  })

  it('sorts and deduplicates filter values, so one view has one URL', () => {
    expect(fromQuery({ browser: 'Safari,Chrome,Safari' }).filters.browser).toEqual(['Chrome', 'Safari'])
  })

  it('falls back to defaults for values it cannot read', () => {
    expect(fromQuery({ range: 'forever', tab: 'nope' })).toEqual(state())
    // A custom range needs two dates in order.
    expect(fromQuery({ range: 'custom', from: '2026-10-31', to: '2026-10-01' }).range).toBe('30d')
    expect(fromQuery({ range: 'custom', from: 'yesterday', to: '2026-10-01' }).range).toBe('30d')
  })
})

describe('range parameters', () => {
  const now = new Date('2026-11-30T20:30:00Z')

  it('turns day presets into local dates the server reads in the zone', () => {
    expect(rangeParams(state({ range: '7d' }), 'UTC', now)).toEqual({ created_at_gte: '2026-11-24', tz: 'UTC' })
    // Already 1 December in Kolkata.
    expect(rangeParams(state({ range: '7d' }), 'Asia/Kolkata', now)).toEqual({
      created_at_gte: '2026-11-25',
      tz: 'Asia/Kolkata',
    })
    expect(rangeParams(state({ range: '90d' }), 'UTC', now).created_at_gte).toBe('2026-09-02')
  })

  it('makes 24 h the instant a day ago', () => {
    expect(rangeParams(state({ range: '24h' }), 'UTC', now)).toEqual({
      created_at_gte: '2026-11-29T20:30:00.000Z',
      tz: 'UTC',
    })
  })

  it('sends a custom range as its two dates', () => {
    expect(rangeParams(state({ range: 'custom', from: '2026-10-01', to: '2026-10-31' }), 'Europe/Paris', now)).toEqual({
      created_at_gte: '2026-10-01',
      created_at_lte: '2026-10-31',
      tz: 'Europe/Paris',
    })
  })

  it('moves dates across months, years and leap days', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(localDate(new Date('2026-11-30T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-12-01')
  })
})

describe('view keys', () => {
  it('name the range as chosen, not the instants, so a key survives the clock', () => {
    expect(viewKey(state({ range: '24h' }), 'UTC')).toEqual({ range: '24h', tz: 'UTC', filters: {} })
  })

  it('tell apart zones, filters and custom ranges', () => {
    const base = viewKey(state(), 'UTC')
    expect(viewKey(state(), 'Asia/Kolkata')).not.toEqual(base)
    expect(viewKey(state({ filters: { browser: ['Chrome'], os: [], country: [], app_version: [] } }), 'UTC')).toEqual({
      range: '30d',
      tz: 'UTC',
      filters: { browser: 'Chrome' },
    })
    expect(viewKey(state({ range: 'custom', from: '2026-10-01', to: '2026-10-02' }), 'UTC')).toEqual({
      range: 'custom',
      from: '2026-10-01',
      to: '2026-10-02',
      tz: 'UTC',
      filters: {},
    })
  })
})
