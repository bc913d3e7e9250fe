import { describe, expect, it } from 'vitest'
import type { ConferenceDetail, DetailIssue, SeriesGroup } from '../../api/types'
import { groupIssues, summarise, timelineRows } from './model'
import { chartsFor, groupsFor } from './graphSpecs'

const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '+00:00')
const NOW = Date.UTC(2026, 4, 5, 21, 0, 0)

function issue(code: string, type: 'error' | 'warning', data: unknown = null): DetailIssue {
  return { id: `${code}-${Math.random()}`, session: 's', participant: 'alice', connection: null, type, code, data, created_at: at(NOW), title: code, explanation: '…' }
}

const detail = {
  id: 'k', app: 'a', conference_id: 'room', conference_name: null, start_time: at(NOW - 3600_000), end_time: null,
  call_start: null, ongoing: true, duration: 0, created_at: at(NOW - 3600_000), has_errors: false, has_warnings: false,
  participants_count: 2, errors_count: 0, warnings_count: 0,
  participants: [
    { id: 'alice', participant_id: 'alice', participant_name: 'Alice', is_sfu: false, created_at: at(NOW), has_sessions: true, aliases: ['alice-stub'],
      sessions: [{ id: 's', created_at: at(NOW - 600_000), end_time: null, duration: null, browser: { name: 'Chrome', version: '126' }, os: null,
        location: { city: 'Paris', country_code: 'FR', latitude: 0, longitude: 0 }, devices: { audioinput: ['Mic', 'Mic'], videoinput: [] }, app_version: '2.4.1', webrtc_sdk: null, metadata: {} }] },
    { id: 'bob', participant_id: 'bob', participant_name: null, is_sfu: false, created_at: at(NOW), has_sessions: true, aliases: [], sessions: [] },
  ],
  issues: [],
  connections: [
    { id: 'c1', session: 's', participant: 'alice', peer: 'bob', peer_participant: 'bob', type: 'relay', state: 'connected',
      connection_info: { negotiations: [{ type: 'initial', status: 'failed', start_time: at(NOW - 500_000), end_time: at(NOW - 499_000), duration: 1000 }] },
      setup_time_ms: null, start_time: at(NOW - 490_000), end_time: null, duration: null, ongoing: true },
    { id: 'c2', session: 's2', participant: 'bob', peer: 'alice-stub', peer_participant: 'alice', type: null, state: null,
      connection_info: null, setup_time_ms: null, start_time: null, end_time: null, duration: null, ongoing: false },
  ],
  events: [
    { id: 'g', category: 'getUserMedia', type: 'getUserMediaError', created_at: at(NOW - 550_000), session: 's', participant: 'alice-stub', peer: null, connection: null, track: null, data: { name: 'NotAllowedError' }, data_truncated: false },
    { id: 'x', category: 'browser', type: 'custom', created_at: at(NOW - 10_000), session: 's', participant: 'alice', peer: null, connection: null, track: null, data: null, data_truncated: true },
    { id: 'y', category: 'connection', type: 'onconnectionstatechange', created_at: at(NOW - 10_000), session: 's', participant: 'alice', peer: 'bob', connection: 'c1', track: null, data: 'connected', data_truncated: false },
  ],
  events_truncated: false,
} satisfies ConferenceDetail

describe('the conference page model', () => {
  it('groups issues by code, errors first, with the eMOS average', () => {
    const groups = groupIssues([issue('low_emos', 'warning', { average: 3.4 }), issue('low_emos', 'warning'), issue('ice_failed', 'error')])
    expect(groups.map((g) => [g.code, g.count, g.average])).toEqual([
      ['ice_failed', 1, null],
      ['low_emos', 2, 3.4],
    ])
  })

  it('summarises a participant: open sessions count up to now, devices once each', () => {
    const summary = summarise(detail.participants[0]!, NOW)
    expect(summary.timeOnPage).toBe(600)
    expect(summary.stillPresent).toBe(true)
    expect(summary.devices).toEqual([{ kind: 'audioinput', labels: ['Mic'] }])
    expect(summary.locations).toEqual(['Paris, FR'])
    expect(summary.meta).toEqual([])
  })

  it('puts each event once on its participant’s row, aliases included, and names peers after merging', () => {
    const rows = timelineRows(detail, NOW)
    const alice = rows[0]!
    expect(alice.markers.map((m) => m.kind)).toEqual(['gum-error', 'custom'])
    expect(alice.spans).toEqual([{ kind: 'presence', start: NOW - 600_000, end: NOW, open: true, label: 'On the page' }])
    expect(alice.connections[0]!.label).toBe('to bob')
    expect(alice.connections[0]!.spans.map((s) => s.kind)).toEqual(['connected', 'negotiation-failed'])
    expect(rows[1]!.connections[0]!.label).toBe('to Alice')
  })
})

describe('the graphs of a selection', () => {
  const t = [1, 2]
  const groups: SeriesGroup[] = [
    { key: 'connection', scope: 'connection', kind: null, direction: null, track: null, label: 'Connection', t, series: [
      { metric: 'bitrate_in', unit: 'bit/s', values: [1, 2] }, { metric: 'bitrate_out', unit: 'bit/s', values: [3, 4] },
      { metric: 'rtt', unit: 'ms', values: [5, 6] }, { metric: 'available_outgoing_bitrate', unit: 'bit/s', values: [7, 8] }] },
    { key: 'video:inbound:v', scope: 'track', kind: 'video', direction: 'inbound', track: 'v', label: 'video', t, series: [
      { metric: 'fps', unit: 'fps', values: [30, 30] }, { metric: 'frame_width', unit: 'px', values: [1280, 640] },
      { metric: 'frame_height', unit: 'px', values: [720, 360] }] },
  ]
  it('shows the connection’s received or sent side by direction', () => {
    expect(chartsFor(groups[0], 'connection', 'inbound').map((c) => c.metricKey)).toEqual(['connection:bitrate_in', 'connection:rtt'])
    expect(chartsFor(groups[0], 'connection', 'outbound').map((c) => c.metricKey)).toEqual([
      'connection:bitrate_out', 'connection:rtt', 'connection:available_outgoing_bitrate',
    ])
  })
  it('never mixes directions, and gives the resolution its widths', () => {
    expect(groupsFor(groups, 'video', 'outbound')).toEqual([])
    const charts = chartsFor(groupsFor(groups, 'video', 'inbound')[0], 'video', 'inbound')
    expect(charts.map((c) => c.slot)).toEqual(['fps', 'resolution'])
    expect(charts[1]!.widths).toEqual([1280, 640])
  })
})
