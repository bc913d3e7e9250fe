// `npm run bench:ui`: time from navigation start until every chart of the app
// dashboard has painted (the page's `callvitals:dashboard-painted` mark), in headless
// Chromium against the release binary with the 1× demo data, warmed up first.
//
// First visit: a new browser profile (empty HTTP cache, empty storage). Repeat visit,
// within the stale time, two ways: loading the page again in the same tab (warm HTTP
// cache, the query cache restored from the tab's storage), and coming back to it from
// the app list inside the app (navigation start is then the router's). Neither may
// make a data request. RUNS (default 10) of each; prints the median and the maximum.
//
// Then the conference page of the showcase all-hands (six people, a one-hour mesh):
// navigation start until its first quality graphs have painted
// (`callvitals:graphs-painted`), on a first visit in a new profile.
import { chromium } from 'playwright-core'
import { CHROMIUM, PASSWORD, USERS, startServer } from './server.mjs'

const RUNS = Number(process.env.RUNS ?? 10)
const VIEWPORT = { width: 1280, height: 3000 } // every chart in view, so every chart paints
const MARK = 'callvitals:dashboard-painted'

const server = await startServer()
const browser = await chromium.launch(CHROMIUM)
try {
  const setup = await browser.newContext()
  await setup.request.post(`${server.url}/api/session`, { data: { email: USERS.owner, password: PASSWORD } })
  const apps = (await (await setup.request.get(`${server.url}/v1/apps`)).json()).results
  const prod = apps.find((app) => app.name === 'prod')
  const url = `${server.url}/apps/${prod.id}`

  const painted = (page) =>
    page
      .waitForFunction((name) => performance.getEntriesByName(name).length > 0, MARK, { timeout: 30_000 })
      .then(() => page.evaluate((name) => performance.getEntriesByName(name)[0].startTime, MARK))

  const first = []
  const repeat = []
  const inApp = []
  let repeatRequests = 0
  for (let run = -1; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: VIEWPORT })
    await context.request.post(`${server.url}/api/session`, { data: { email: USERS.owner, password: PASSWORD } })
    const page = await context.newPage()
    const requests = []
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname
      if (path.startsWith('/v1/') || path.startsWith('/api/')) requests.push(path)
    })
    await page.goto(url)
    const firstMs = await painted(page)
    await page.waitForTimeout(500) // the query cache reaches the tab's storage
    requests.length = 0
    await page.goto(url)
    const repeatMs = await painted(page)
    // Out to the app list and back, inside the app.
    await page.click('a.brand')
    await page.locator('[data-app="prod"]').waitFor()
    await page.evaluate(() => performance.clearMarks())
    await page.click('[data-app="prod"]')
    await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, MARK)
    // (A build from before the router marked its navigations has no in-app figure.)
    const inAppMs = await page.evaluate((name) => {
      const start = performance.getEntriesByName('callvitals:navigation')[0]
      return start ? performance.getEntriesByName(name)[0].startTime - start.startTime : NaN
    }, MARK)
    await context.close()
    if (run < 0) continue // the warm-up run
    first.push(firstMs)
    repeat.push(repeatMs)
    inApp.push(inAppMs)
    repeatRequests += requests.length
    process.stderr.write(`\rrun ${run + 1}/${RUNS}: first ${firstMs.toFixed(0)} ms, repeat ${repeatMs.toFixed(0)} ms, in-app ${inAppMs.toFixed(0)} ms   `)
  }
  process.stderr.write('\n')

  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b)
    const middle = Math.floor(sorted.length / 2)
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }
  const row = (name, values, target) =>
    values.some(Number.isNaN)
      ? `${name.padEnd(16)} ${'n/a'.padStart(9)} ${'n/a'.padStart(9)}   ≤ ${target} ms`
      : `${name.padEnd(16)} ${median(values).toFixed(0).padStart(6)} ms ${Math.max(...values).toFixed(0).padStart(6)} ms   ≤ ${target} ms`
  console.log(`navigation start → every chart painted, ${RUNS} runs each, ${VIEWPORT.width}×${VIEWPORT.height}`)
  console.log(`${'visit'.padEnd(16)} ${'median'.padStart(9)} ${'max'.padStart(9)}   target`)
  console.log(row('first visit', first, 300))
  console.log(row('repeat (load)', repeat, 50))
  console.log(row('repeat (in app)', inApp, 50))
  console.log(`data requests on repeat visits: ${repeatRequests}`)

  const found = await (await setup.request.get(`${server.url}/v1/search?q=all-hands-showcase`)).json()
  const hit = found.results.find((one) => one.customer_id === 'all-hands-showcase')
  await setup.close()
  const conferenceUrl = `${server.url}/apps/${hit.app}/conferences/${hit.id}`
  const GRAPHS = 'callvitals:graphs-painted'
  const graphs = []
  for (let run = -1; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    await context.request.post(`${server.url}/api/session`, { data: { email: USERS.owner, password: PASSWORD } })
    const page = await context.newPage()
    await page.goto(conferenceUrl)
    await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, GRAPHS, { timeout: 30_000 })
    const ms = await page.evaluate((name) => performance.getEntriesByName(name)[0].startTime, GRAPHS)
    await context.close()
    if (run < 0) continue
    graphs.push(ms)
    process.stderr.write(`\rconference run ${run + 1}/${RUNS}: ${ms.toFixed(0)} ms   `)
  }
  process.stderr.write('\n')
  console.log(`\nconference page, 6 participants: navigation start → graphs painted, ${RUNS} runs, 1280×800`)
  console.log(row('first visit', graphs, 500))
} finally {
  await browser.close()
  await server.stop()
}
