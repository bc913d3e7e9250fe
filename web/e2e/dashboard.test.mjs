// End-to-end: the release binary with the 1× demo data, driven in real headless
// Chromium. Each test saves a screenshot under e2e/failures/ when it fails.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { PASSWORD, USERS } from './server.mjs'
import { eventually as retried, login as signIn, useHarness, withPage as pageOf } from './harness.mjs'

const PAINTED = 'callvitals:dashboard-painted'
const harness = useHarness()
const login = (context, email) => signIn(harness, context, email)
const withPage = (name, options, body) => pageOf(harness, name, options, body)
const eventually = retried

const paintedCount = (page) => page.evaluate((name) => performance.getEntriesByName(name).length, PAINTED)

async function waitPainted(page, count = 1) {
  await page.waitForFunction(([name, n]) => performance.getEntriesByName(name).length >= n, [PAINTED, count])
}

/** Opens a chart's table of numbers (the charts draw on a canvas). */
async function showNumbers(page, chart) {
  if ((await page.locator(`[data-table="${chart}"]`).count()) === 0)
    await page.click(`[data-chart="${chart}"] [data-show-numbers]`)
  await page.locator(`[data-table="${chart}"]`).waitFor()
}

/** The numbers of a chart's table, row by row, as the page shows them. */
async function tableValues(page, chart) {
  await showNumbers(page, chart)
  return page.$$eval(`[data-table="${chart}"] tbody tr`, (rows) =>
    rows.map((row) => [...row.querySelectorAll('[data-value]')].map((cell) => Number(cell.dataset.value))),
  )
}

/** What each chart must show, from the bundle the API answered. */
function expectedCharts(bundle) {
  const column = (rows, field) => rows.map((row) => [row[field]])
  return {
    conferences: bundle.conferences.map((day) => [day.error, day.warning, day.success, day.ongoing]),
    issues: column(bundle.issues, 'conferences'),
    get_user_media: column(bundle.get_user_media.data, 'count'),
    durations: column(bundle.durations, 'count'),
    setup_times: column(bundle.setup_times, 'count'),
    participants: column(bundle.participants.data, 'conferences'),
    relayed: column(bundle.connections.data, 'count'),
    connection_types: column(bundle.connections.types, 'count'),
    browsers: column(bundle.sessions.browsers, 'count'),
    os: column(bundle.sessions.os, 'count'),
    app_versions: column(bundle.sessions.app_versions, 'count'),
  }
}

async function shownCharts(page, names) {
  const shown = {}
  for (const name of names) shown[name] = await tableValues(page, name)
  return shown
}

const isBundle = (response, test = () => true) => {
  const url = new URL(response.url())
  return url.pathname === '/v1/dashboard' && test(url.searchParams)
}

describe('the dashboard in Chromium', () => {
  test('login: a wrong password is refused with a clear error; the right one opens the page asked for', async () => {
    await withPage('login', { user: null }, async (page) => {
      await page.goto(`${harness.server.url}/apps/${harness.apps.prod}`)
      await page.waitForURL(/\/login\?next=/)
      await page.fill('input[name=email]', USERS.owner)
      await page.fill('input[name=password]', 'not-the-password')
      await page.click('button[type=submit]')
      const error = page.locator('[data-login-error]')
      await error.waitFor()
      assert.equal((await error.textContent()).trim(), 'The email or the password is wrong.')
      assert.match(page.url(), /\/login/)

      await page.fill('input[name=password]', PASSWORD)
      await page.click('button[type=submit]')
      await page.waitForURL(`${harness.server.url}/apps/${harness.apps.prod}`)
      await page.locator('[data-card="conferences"] canvas').waitFor()
      await page.click('a.brand')
      await page.locator('[data-org="Demo"]').waitFor()
      const names = await page.$$eval('[data-org="Demo"] [data-app]', (links) => links.map((link) => link.dataset.app))
      assert.deepEqual(names, ['dev', 'prod', 'staging'])
      assert.equal(await page.locator('[data-org="Elsewhere"]').count(), 0)
    })
  })

  test('every chart shows the numbers the API answered', async () => {
    await withPage('charts', { timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 6000 } }, async (page) => {
      const answer = page.waitForResponse((response) => isBundle(response))
      await page.goto(`${harness.server.url}/apps/${harness.apps.prod}`)
      const bundle = await (await answer).json()
      await waitPainted(page)
      // One request filled every chart: none asked its own endpoint.
      const dataPaths = page.dataRequests.map((request) => new URL(request.split(' ')[1]).pathname)
      assert.deepEqual(dataPaths.filter((path) => path.startsWith('/v1/')).sort(), ['/v1/apps', '/v1/dashboard'])
      const expected = expectedCharts(bundle)
      assert.ok(expected.conferences.length >= 30, 'the default range is 30 local days')
      assert.deepEqual(await shownCharts(page, Object.keys(expected)), expected)
      const cities = await page.$$eval('[data-city]', (dots) => dots.map((dot) => [dot.dataset.city, Number(dot.dataset.value)]))
      assert.deepEqual(cities, bundle.sessions.cities.map((city) => [city.city, city.count]))
      assert.ok(cities.length > 0)
      // The country view of the map.
      await page.click('button:text("Countries")')
      assert.deepEqual(await tableValues(page, 'countries'), bundle.sessions.countries.map((row) => [row.count]))
    })
  })

  test('range, filter and time zone change the URL and the numbers; a shared URL reproduces the view', async () => {
    await withPage('controls', { timezoneId: 'America/St_Johns', viewport: { width: 1280, height: 3000 } }, async (page, context) => {
      const first = page.waitForResponse((response) => isBundle(response))
      await page.goto(`${harness.server.url}/apps/${harness.apps.prod}`)
      const initial = new URL((await first).url()).searchParams
      assert.equal(initial.get('tz'), 'America/St_Johns', "the browser's zone is sent")
      assert.equal((await page.textContent('[data-tz]')).trim(), 'Days in America/St_Johns')
      await waitPainted(page)
      const month = await tableValues(page, 'conferences')

      const week = page.waitForResponse((response) => isBundle(response, (params) => params.get('tz') === 'America/St_Johns'))
      await page.click('[data-range="7d"]')
      await page.waitForURL(/range=7d/)
      const weekAnswer = await week
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/St_Johns' }).format(new Date())
      const start = new Date(`${today}T00:00:00Z`)
      start.setUTCDate(start.getUTCDate() - 6)
      assert.equal(new URL(weekAnswer.url()).searchParams.get('created_at_gte'), start.toISOString().slice(0, 10))
      const weekBundle = await weekAnswer.json()
      await eventually(async () => assert.deepEqual(await tableValues(page, 'conferences'), expectedCharts(weekBundle).conferences))
      assert.equal((await tableValues(page, 'conferences')).length, 7)
      assert.notDeepEqual(await tableValues(page, 'conferences'), month)

      const filtered = page.waitForResponse((response) => isBundle(response, (params) => params.get('browser') === 'Firefox'))
      await page.click('[data-filter="browser"] summary')
      await page.check('[data-filter="browser"] input[value="Firefox"]')
      await page.waitForURL(/browser=Firefox/)
      const filteredBundle = await (await filtered).json()
      const expected = expectedCharts(filteredBundle)
      await eventually(async () => assert.deepEqual(await shownCharts(page, Object.keys(expected)), expected))
      assert.deepEqual(expected.browsers, [[filteredBundle.sessions.browsers[0].count]], 'only Firefox sessions remain')
      assert.notDeepEqual(expected.conferences, expectedCharts(weekBundle).conferences)

      // The URL alone brings the same view back: in a new tab, and after a reload.
      const shared = page.url()
      const other = await context.newPage()
      await other.goto(shared)
      await waitPainted(other)
      await eventually(async () => assert.deepEqual(await shownCharts(other, Object.keys(expected)), expected))
      assert.equal((await other.textContent('[data-filter="browser"] summary')).trim(), 'Browser (1)')
      await other.click('[data-filter="browser"] summary')
      assert.equal(await other.isChecked('[data-filter="browser"] input[value="Firefox"]'), true)
      assert.equal(await other.getAttribute('[data-range="7d"]', 'aria-pressed'), 'true')
      await other.reload()
      await waitPainted(other)
      await eventually(async () => assert.deepEqual(await shownCharts(other, Object.keys(expected)), expected))

      // Back returns to the unfiltered week.
      await page.goBack()
      await page.waitForURL((url) => !url.search.includes('browser='))
      await eventually(async () => assert.deepEqual(await tableValues(page, 'conferences'), expectedCharts(weekBundle).conferences))
    })
  })

  test('clicking a bar lists exactly its conferences, with the bar as the total', async () => {
    await withPage('click-to-detail', { viewport: { width: 1280, height: 3000 } }, async (page) => {
      await page.goto(`${harness.server.url}/apps/${harness.apps.prod}`)
      await waitPainted(page)
      // A real click on the canvas, at the centre of the error bar of the busiest day.
      await showNumbers(page, 'conferences')
      const bars = await page.$$eval('[data-table="conferences"] button[data-value]', (buttons) =>
        buttons.map((button) => ({ value: Number(button.dataset.value), x: Number(button.dataset.x), y: Number(button.dataset.y), label: button.getAttribute('aria-label') })),
      )
      const bar = bars.filter((candidate) => candidate.label.includes('With errors')).sort((a, b) => b.value - a.value)[0]
      assert.ok(bar && bar.value > 0)
      const canvas = await page.locator('[data-chart="conferences"] .u-over').boundingBox()
      await page.mouse.click(canvas.x + bar.x, canvas.y + bar.y)
      await page.waitForURL(/d\.day=.*d\.status=error|d\.status=error.*d\.day=/)
      const total = page.locator('[data-detail] [data-total]')
      await total.waitFor()
      assert.equal(Number(await total.getAttribute('data-count')), bar.value)
      assert.match(await page.textContent('#detail-title'), /^Conferences on .*, with errors$/)
      const rows = await page.locator('[data-detail] [data-row]').count()
      assert.equal(rows, Math.min(25, bar.value))
      assert.equal(await page.locator('[data-detail] [data-row] .badge.error').count(), rows)

      // The keyboard way: a duration bucket's button in the chart's table.
      await page.click('[data-detail] button:text("Close")')
      await showNumbers(page, 'durations')
      const bucket = page.locator('[data-table="durations"] button[data-value]').nth(2)
      const value = Number(await bucket.getAttribute('data-value'))
      await bucket.focus()
      await page.keyboard.press('Enter')
      await page.waitForURL(/d\.duration_gte=/)
      await eventually(async () => assert.equal(Number(await page.locator('[data-detail] [data-total]').getAttribute('data-count')), value))
      assert.match(await page.textContent('#detail-title'), /^Conferences lasting /)
      // The next page continues the list.
      if (value > 25) {
        const firstPage = await page.locator('[data-detail] [data-row] a').first().textContent()
        await page.click('[data-detail] button:text("Next page")')
        await eventually(async () => assert.notEqual(await page.locator('[data-detail] [data-row] a').first().textContent(), firstPage))
      }
    })
  })

  test('a second visit within the stale time makes no data request, in the app and after a reload', async () => {
    await withPage('repeat-visit', { viewport: { width: 1280, height: 3000 } }, async (page) => {
      await page.goto(`${harness.server.url}/apps/${harness.apps.prod}`)
      await waitPainted(page)
      assert.ok(page.dataRequests.some((request) => request.includes('/v1/dashboard')))
      await page.waitForTimeout(400) // the cache is written to the tab's storage
      page.dataRequests.length = 0
      await page.click('a.brand')
      await page.locator('[data-app="prod"]').click()
      await waitPainted(page, 2)
      await page.reload()
      await waitPainted(page)
      assert.deepEqual(page.dataRequests, [])
    })
  })

  test('an API error shows the error state, and retry recovers', async () => {
    await withPage('api-error', { viewport: { width: 1280, height: 3000 } }, async (page) => {
      await page.route('**/v1/dashboard?**', (route) =>
        route.fulfill({ status: 500, contentType: 'application/json', body: '{"error_code":"internal","message":"The server failed."}' }),
      )
      await page.goto(`${harness.server.url}/apps/${harness.apps.prod}`)
      const failed = page.locator('[data-card="conferences"] [data-state="error"]')
      await failed.waitFor()
      assert.match(await failed.textContent(), /could not be loaded\. The server failed\./)
      assert.equal(await page.locator('[data-card="conferences"] canvas').count(), 0, 'no empty chart in place of the error')
      await page.unroute('**/v1/dashboard?**')
      await failed.locator('button:text("Retry")').click()
      await page.locator('[data-card="conferences"] canvas').waitFor()
      assert.equal(await page.locator('[data-state="error"]').count(), 0)
      assert.ok((await tableValues(page, 'conferences')).length >= 30)
    })
  })

  test('a member of another organization cannot see the app', async () => {
    await withPage('other-organization', { user: USERS.outsider }, async (page, context) => {
      await page.goto(`${harness.server.url}/apps/${harness.apps.prod}`)
      await page.locator('[data-state="missing-app"]').waitFor()
      assert.equal(await page.locator('canvas').count(), 0)
      const answer = await context.request.get(`${harness.server.url}/v1/dashboard?appId=${harness.apps.prod}`)
      assert.equal(answer.status(), 404)
      await page.goto(`${harness.server.url}/apps/${harness.apps.prod}/settings`)
      await page.locator('[data-state="missing-app"]').waitFor()
      assert.equal(await page.locator('[data-api-key]').count(), 0)
      await page.goto(`${harness.server.url}/`)
      await page.locator('[data-org="Elsewhere"]').waitFor()
      assert.equal(await page.locator('[data-org="Demo"]').count(), 0)

      // Their own app has no data yet: the dashboard says so and shows the snippet.
      await page.click('[data-app="theirs"]')
      const empty = page.locator('[data-state="no-data"]')
      await empty.waitFor()
      const key = (await (await context.request.get(`${harness.server.url}/v1/apps`)).json()).results[0].api_key
      assert.ok((await empty.locator('[data-snippet]').textContent()).includes(`apiKey: '${key}'`))
      assert.equal(await page.locator('[data-card="conferences"] [data-state="empty"]').count(), 1)
    })
  })

  test('on a phone, and by keyboard alone', async () => {
    await withPage('phone-keyboard', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, async (page) => {
      await page.goto(`${harness.server.url}/apps/${harness.apps.prod}`)
      await page.locator('[data-card="conferences"] .u-over').waitFor()
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`)
      const chart = await page.locator('[data-card="conferences"]').boundingBox()
      assert.ok(chart.width <= 390)

      // Tab to the 7-day preset and press Enter; then open a bar's list from its table.
      await page.locator('[data-range="30d"]').focus()
      await page.keyboard.press('Shift+Tab')
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.range), '7d')
      await page.keyboard.press('Enter')
      await page.waitForURL(/range=7d/)
      await page.locator('[data-chart="conferences"] [data-show-numbers]').focus()
      await page.keyboard.press('Enter')
      await page.keyboard.press('Tab')
      const focused = await page.evaluate(() => document.activeElement?.closest('[data-table]')?.dataset.table)
      assert.equal(focused, 'conferences')
      await page.keyboard.press('Enter')
      await page.waitForURL(/d\.day=/)
      await page.locator('[data-detail] [data-total]').waitFor()
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'detail-title', 'focus moves to the list')
    })
  })

  test('settings: owners rename and rotate; members see the snippet but change nothing', async () => {
    await withPage('settings', {}, async (page, context) => {
      await page.goto(`${harness.server.url}/apps/${harness.apps.dev}/settings`)
      const key = (await page.textContent('[data-api-key]')).trim()
      const snippet = await page.textContent('[data-snippet]')
      assert.ok(snippet.includes(`apiKey: '${key}'`))
      assert.ok(snippet.includes(`apiRoot: '${harness.server.url}/v1'`))

      await page.fill('input[name=name]', 'dev <b>renamed</b>')
      await page.click('button:text("Save")')
      await page.locator('[role=status]:text("Saved.")').waitFor()
      assert.equal((await page.textContent('h1')).trim(), 'Settings of dev <b>renamed</b>', 'names are text, never HTML')
      await page.fill('input[name=name]', 'dev')
      await page.click('button:text("Save")')
      await page.locator('h1:text("Settings of dev")').waitFor()

      page.once('dialog', (dialog) => dialog.accept())
      await page.click('button:text("Rotate the key")')
      await eventually(async () => assert.notEqual((await page.textContent('[data-api-key]')).trim(), key))
      const stored = await (await context.request.get(`${harness.server.url}/api/apps/${harness.apps.dev}`)).json()
      assert.equal(stored.api_key, (await page.textContent('[data-api-key]')).trim())
    })
    await withPage('settings-member', { user: USERS.member }, async (page) => {
      await page.goto(`${harness.server.url}/apps/${harness.apps.dev}/settings`)
      await page.locator('[data-snippet]').waitFor()
      assert.equal(await page.locator('button:text("Rotate the key")').count(), 0)
      assert.equal(await page.locator('button:text("Save")').count(), 0)
      assert.equal(await page.isDisabled('input[name=name]'), true)
    })
  })

  test('the conference list sorts, and searches by id or name', async () => {
    await withPage('conference-list', {}, async (page, context) => {
      const answer = await context.request.get(`${harness.server.url}/v1/conferences?appId=${harness.apps.prod}&limit=1`)
      const [conference] = (await answer.json()).results
      await page.goto(`${harness.server.url}/apps/${harness.apps.prod}?tab=conferences`)
      await page.locator('[data-tab="conferences"] [data-row]').first().waitFor()
      const created = () => page.$$eval('[data-tab="conferences"] [data-row]', (rows) => rows.map((row) => row.dataset.created))
      const newest = await created()
      assert.deepEqual(newest, [...newest].sort().reverse(), 'newest first')
      await page.click('[data-tab="conferences"] [data-sort]')
      await page.waitForURL(/sort=oldest/)
      await eventually(async () => assert.notDeepEqual(await created(), newest))
      const oldest = await created()
      assert.deepEqual(oldest, [...oldest].sort(), 'oldest first')
      assert.ok(oldest[0] < newest[newest.length - 1])
      await page.fill('input[name=search]', conference.conference_id)
      await page.waitForURL(new RegExp(`q=${conference.conference_id}`))
      await eventually(async () => {
        assert.equal(await page.locator('[data-tab="conferences"] [data-total]').getAttribute('data-count'), '1')
      })
      await page.locator('[data-tab="conferences"] [data-row] a').click()
      await page.waitForURL(new RegExp(`/conferences/${conference.id}$`))
      await page.locator(`dd:text("${conference.conference_id}")`).waitFor()
    })
  })
})
