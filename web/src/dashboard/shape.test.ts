import { describe, expect, it } from 'vitest'
import {
  conferencesModel,
  durationsModel,
  fillDays,
  relayedModel,
  setupTimesModel,
  sliceTitle,
} from './shape'
import { durationBucketLabel, formatDuration, parseServerTime, setupBucketLabel } from './format'

describe('filling empty days', () => {
  it('puts a zero day wherever the data has none, in order', () => {
    const days = fillDays([{ date: '2026-11-02', success: 1, warning: 2, error: 3, ongoing: 0, total: 6 }], '2026-10-31', '2026-11-03')
    expect(days.map((day) => day.date)).toEqual(['2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03'])
    expect(days.map((day) => day.total)).toEqual([0, 0, 6, 0])
  })

  it('keeps a range of one day and crosses month ends', () => {
    expect(fillDays([], '2026-02-28', '2026-03-01').map((day) => day.date)).toEqual(['2026-02-28', '2026-03-01'])
    expect(fillDays([], '2026-11-05', '2026-11-05')).toHaveLength(1)
  })

  it('gives every bar of the day chart its day and status as the slice', () => {
    const model = conferencesModel(fillDays([], '2026-11-01', '2026-11-02'))
    expect(model.series.map((series) => series.name)).toEqual(['With errors', 'With warnings', 'No issues', 'Ongoing'])
    expect(model.series[0]?.slices[1]).toEqual({ day: '2026-11-02', status: 'error' })
    expect(model.stacked).toBe(true)
  })
})

describe('bucket labels in the user terms', () => {
  it('reads durations as durations', () => {
    expect(formatDuration(45)).toBe('45 s')
    expect(formatDuration(200)).toBe('3 min 20 s')
    expect(formatDuration(3720)).toBe('1 h 2 min')
    expect(formatDuration(3600)).toBe('1 h')
    expect(formatDuration(93_600)).toBe('1 d 2 h')
    expect(durationBucketLabel(0, 60)).toBe('under 1 min')
    expect(durationBucketLabel(60, 180)).toBe('1 min – 3 min')
    expect(durationBucketLabel(3600, null)).toBe('1 h or more')
  })

  it('reads setup times in ms, then seconds', () => {
    expect(setupBucketLabel(0, 250)).toBe('under 250 ms')
    expect(setupBucketLabel(750, 1000)).toBe('750 ms – 1 s')
    expect(setupBucketLabel(5000, null)).toBe('5 s or more')
  })

  it('opens the bucket the bar draws: [min, max), the last one open-ended', () => {
    const model = durationsModel([
      { range: '< 1 m', min_sec: 0, max_sec: 60, count: 3 },
      { range: '> 60 m', min_sec: 3600, max_sec: null, count: 1 },
    ])
    expect(model.series[0]?.slices).toEqual([{ duration_gte: '0', duration_lt: '60' }, { duration_gte: '3600' }])
    const setup = setupTimesModel([{ range: '< 250 ms', min_ms: 0, max_ms: 250, count: 9 }])
    expect(setup.series[0]?.slices).toEqual([{ setup_time_gte: '0', setup_time_lt: '250' }])
  })

  it('opens relayed connections, and nothing for direct, which no single list selects', () => {
    const model = relayedModel({
      data: [
        { name: 'Direct', count: 10 },
        { name: 'Relayed', count: 2 },
      ],
      types: [],
    })
    expect(model.series[0]?.slices).toEqual([null, { connection_type: 'relay' }])
  })
})

describe('list titles', () => {
  it('say which slice it is, in the user terms', () => {
    expect(sliceTitle({ day: '2026-11-03', status: 'error' })).toMatch(/^Conferences on .*2026, with errors$/)
    expect(sliceTitle({ issue_code: 'high_rtt' }, { high_rtt: 'High round-trip time' })).toBe(
      'Conferences with the issue “High round-trip time”',
    )
    expect(sliceTitle({ duration_gte: '60', duration_lt: '180' })).toBe('Conferences lasting 1 min – 3 min')
    expect(sliceTitle({ participant_count: '1' })).toBe('Conferences with 1 participant')
    expect(sliceTitle({ browser: 'Firefox' })).toBe('Conferences with a participant on Firefox')
    expect(sliceTitle({})).toBe('All conferences')
  })
})

describe('server times', () => {
  it('reads the zone-less UTC times of the API as UTC', () => {
    expect(parseServerTime('2026-11-20 22:55:50.443813').toISOString()).toBe('2026-11-20T22:55:50.443Z')
    expect(parseServerTime('2026-11-20T22:55:50Z').toISOString()).toBe('2026-11-20T22:55:50.000Z')
  })
})
