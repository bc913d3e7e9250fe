// End-to-end: the conference page, its quality graphs, the participant page and the
// search box, against the release binary with the 1× demo data (which holds the
// showcase all-hands: six people, a one-hour mesh, 360 points per connection).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { eventually, useHarness, withPage as pageOf } from './harness.mjs'

const harness = useHarness()
const withPage = (name, options, body) => pageOf(harness, name, options, body)
const GRAPHS_PAINTED = 'callvitals:graphs-painted'

async function api(context, path) {
  const get = () => context.request.get(`${harness.server.url}${path}`)
  // The server closes a keep-alive connection after 10 s idle (its header timeout);
  // a GET sent on it just then is reset, and is sent again, as browsers do.
  const answer = await get().catch((error) => {
    if (!/ECONNRESET|socket hang up/.test(String(error))) throw error
    return get()
  })
  assert.equal(answer.status(), 200, `${path}: ${await answer.text()}`)
  return answer.json()
}

async function showcase(context) {
  const found = await api(context, '/v1/search?q=all-hands-showcase')
  const hit = found.results.find((result) => result.customer_id === 'all-hands-showcase')
  assert.ok(hit, 'the demo holds the showcase conference')
  return hit
}

async function openConference(page, hit) {
  await page.goto(`${harness.server.url}/apps/${hit.app}/conferences/${hit.id}`)
  await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, GRAPHS_PAINTED)
}

const chart = (page, metric) => page.locator(`[data-metric="${metric}"]`)
const attribute = (page, metric, name) => chart(page, metric).getAttribute(`data-${name}`)

/** The last value of a series that is not null, as the API answered it. */
function lastValue(series, groupKey, metric) {
  const group = series.groups.find((one) => one.key.startsWith(groupKey))
  const values = group.series.find((one) => one.metric === metric).values
  return values.findLast((value) => value !== null)
}

/** An SDK-shaped stats post, cumulative counters at `tick` (10 s apart). */
function statsBody(token, peer, connection, tick) {
  return {
    token,
    peerId: peer,
    connectionId: connection,
    timeTaken: 2,
    data: {
      audio: {
        inbound: [{ kind: 'audio', ssrc: 11, trackIdentifier: 'remote-audio', bytesReceived: 40_000 * tick,
          packetsReceived: 500 * tick, packetsLost: tick, jitter: 0.004 }],
        outbound: [{ kind: 'audio', ssrc: 12, bytesSent: 40_000 * tick, packetsSent: 500 * tick,
          track: { trackIdentifier: 'local-audio', audioLevel: 0.1 } }],
      },
      video: { inbound: [], outbound: [] },
      connection: { state: 'succeeded', nominated: true, bytesSent: 50_000 * tick, bytesReceived: 60_000 * tick,
        currentRoundTripTime: 0.02 + tick / 1000, local: { candidateType: 'host', protocol: 'udp' },
        remote: { candidateType: 'srflx', protocol: 'udp' } },
    },
  }
}

describe('the conference page in Chromium', () => {
  test('a seeded conference shows its participants, issues and timeline, and links to a participant page', async () => {
    await withPage('conference-overview', {}, async (page, context) => {
      const hit = await showcase(context)
      const detail = (await api(context, `/v1/conferences/${hit.id}`)).data
      await openConference(page, hit)
      assert.match(await page.textContent('h1'), /All-hands/)
      const cards = await page.$$eval('[data-participant]', (nodes) => nodes.map((node) => node.dataset.participant))
      assert.deepEqual(cards, detail.participants.map((participant) => participant.id))
      const issueRows = page.locator('[data-issue]')
      assert.equal(await issueRows.count(), detail.issues.length)
      for (const issue of detail.issues) assert.match(await page.textContent('main'), new RegExp(issue.title))
      // The timeline renders as it nears the viewport.
      await page.locator('[data-timeline-slot]').scrollIntoViewIfNeeded()
      await page.locator('[data-timeline-row]').first().waitFor()
      const rows = await page.$$eval('[data-timeline-row]', (nodes) => nodes.map((node) => node.dataset.timelineRow))
      assert.deepEqual(rows, detail.participants.map((participant) => participant.id))

      // The struggler's card, then her page: the all-hands among her conferences.
      const priya = detail.participants.find((participant) => participant.participant_name === 'Priya')
      await page.click(`[data-participant="${priya.id}"] a`)
      await page.waitForURL(new RegExp(`/participants/${priya.id}`))
      await page.locator(`[data-conference-row="${hit.id}"]`).waitFor()
      assert.match(await page.textContent('main'), /Bengaluru/)
      assert.deepEqual(page.cspViolations, [])
    })
  })

  test('the graphs show the numbers the series API returns, in both directions', async () => {
    await withPage('conference-graphs', {}, async (page, context) => {
      const hit = await showcase(context)
      await openConference(page, hit)
      const connection = await page.getAttribute('[data-quality-graphs]', 'data-connection')
      const series = await api(context, `/v1/connections/${connection}/series?last=120`)
      await eventually(async () => {
        assert.equal(Number(await attribute(page, 'connection:rtt', 'last-value')), lastValue(series, 'connection', 'rtt'))
        assert.equal(
          Number(await attribute(page, 'connection:bitrate_in', 'last-value')),
          lastValue(series, 'connection', 'bitrate_in'),
        )
        assert.equal(Number(await attribute(page, 'connection:rtt', 'points')), 120)
      })

      // Sent audio: the loss the receiver reported, a series of its own.
      await page.click('[data-kind="audio"]')
      await page.click('[data-direction="outbound"]')
      const loss = page.locator('[data-metric^="audio:outbound:"][data-metric$=":packet_loss"]')
      await loss.waitFor()
      await eventually(async () =>
        assert.equal(Number(await loss.getAttribute('data-last-value')), lastValue(series, 'audio:outbound', 'packet_loss')),
      )
    })
  })

  test('the window chip goes from windowed to complete and the visible range does not move', async () => {
    await withPage('conference-window', {}, async (page, context) => {
      const hit = await showcase(context)
      await openConference(page, hit)
      const chip = page.getByTestId('window-chip')
      assert.equal(await chip.getAttribute('data-state'), 'windowed')
      assert.equal(await chip.getAttribute('data-total'), '360')
      assert.match(await chip.textContent(), /120 of 360/)
      const bounds = async () => [await attribute(page, 'connection:rtt', 'x-min'), await attribute(page, 'connection:rtt', 'x-max')]
      const before = await bounds()
      assert.ok(Number(before[0]) > 0 && Number(before[1]) > Number(before[0]), `x bounds ${before}`)

      await page.click('[data-load-full]')
      await eventually(async () => assert.equal(await chip.getAttribute('data-state'), 'complete'))
      await eventually(async () => assert.equal(Number(await attribute(page, 'connection:rtt', 'points')), 360))
      assert.deepEqual(await bounds(), before, 'the full history fills in on the axis it was drawn on')
    })
  })

  test('search finds a conference by part of its name, and typing fast never shows stale results', async () => {
    await withPage('search', {}, async (page, context) => {
      const hit = await showcase(context)
      await page.goto(`${harness.server.url}/`)
      // The answer for the first letters arrives last: it must not replace the newer one.
      await page.route('**/v1/search?*', async (route) => {
        const q = new URL(route.request().url()).searchParams.get('q')
        if (q.length < 4) await new Promise((done) => setTimeout(done, 1_500))
        await route.continue().catch(() => {})
      })
      const input = page.getByTestId('search-input')
      await input.click()
      await input.pressSequentially('al', { delay: 20 })
      await page.waitForTimeout(400) // past the debounce: the slow request is out
      await input.pressSequentially('L-HANDS', { delay: 20 })
      const result = page.locator(`[data-result-kind="conference"][data-result-id="${hit.id}"]`)
      await result.waitFor()
      await page.waitForTimeout(1_800) // the stale answer has arrived by now
      assert.equal(await input.inputValue(), 'alL-HANDS')
      const shown = await page.$$eval('[data-result-id]', (nodes) => nodes.map((node) => node.dataset.resultId))
      const expected = await api(context, '/v1/search?q=alL-HANDS')
      // Grouped as the list shows them: conferences, then participants, each in rank order.
      const grouped = ['conference', 'participant'].flatMap((kind) =>
        expected.results.filter((one) => one.kind === kind).map((one) => one.id),
      )
      assert.deepEqual(shown, grouped, 'the latest query’s results')

      await input.press('ArrowDown')
      await input.press('Enter')
      await page.waitForURL(new RegExp(`/conferences/${hit.id}`))
    })
  })

  test('a live call grows on screen as its stats arrive', async () => {
    await withPage('live', {}, async (page, context) => {
      const prod = harness.appList.find((app) => app.name === 'prod')
      const post = async (path, body) => {
        const answer = await context.request.post(`${harness.server.url}${path}`, {
          data: JSON.stringify(body),
          headers: { 'content-type': 'text/plain;charset=UTF-8' },
        })
        assert.equal(answer.status(), 200, `${path}: ${await answer.text()}`)
        return answer.json()
      }
      const room = `e2e-live-${Date.now()}`
      const join = async (user) => {
        const init = await post('/v1/initialize', { apiKey: prod.api_key, conferenceId: room, conferenceName: 'E2E live', userId: user })
        return (await post('/v1/sessions', { token: init.token, platform: {}, devices: [] })).token
      }
      const alice = await join('e2e-alice')
      await join('e2e-bob')
      const added = await post('/v1/connection', { token: alice, eventName: 'addConnection', peerId: 'e2e-bob', connectionState: 'new' })
      let tick = 0
      const report = () => post('/v1/stats', statsBody(alice, added.peer_id, added.connection_id, ++tick))
      for (let i = 0; i < 3; i++) await report()

      const found = await api(context, `/v1/search?q=${room}`)
      await openConference(page, { app: prod.id, id: found.results[0].id })
      const points = async () => Number(await attribute(page, 'connection:rtt', 'points'))
      assert.equal(await points(), 3)
      assert.equal(await page.getByTestId('window-chip').getAttribute('data-state'), 'live')

      await report()
      await report()
      // The page asks for newer points every stats interval (10 s).
      await eventually(async () => assert.equal(await points(), 5), 25_000)
      const series = await api(context, `/v1/connections/${added.connection_id}/series`)
      assert.equal(Number(await attribute(page, 'connection:rtt', 'last-value')), lastValue(series, 'connection', 'rtt'))
    })
  })
})
