// What every end-to-end test file shares: the server and browser started once per
// file, signing in, and a page per test that records its data requests and any
// Content-Security-Policy violation, saving a screenshot under e2e/failures/ when
// the test fails.
import { after, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { CHROMIUM, PASSWORD, USERS, startServer } from './server.mjs'

/** Starts the server and Chromium before the file's tests and stops them after. */
export function useHarness() {
  const harness = { server: null, browser: null, apps: {} }
  before(async () => {
    harness.server = await startServer()
    harness.browser = await chromium.launch(CHROMIUM)
    const context = await harness.browser.newContext()
    await login(harness, context, USERS.owner)
    const answer = await context.request.get(`${harness.server.url}/v1/apps`)
    harness.appList = (await answer.json()).results
    harness.apps = Object.fromEntries(harness.appList.map((app) => [app.name, app.id]))
    await context.close()
  })
  after(async () => {
    await harness.browser?.close()
    await harness.server?.stop()
  })
  return harness
}

export async function login(harness, context, email) {
  const answer = await context.request.post(`${harness.server.url}/api/session`, { data: { email, password: PASSWORD } })
  assert.equal(answer.status(), 200, `login of ${email}`)
}

/**
 * A fresh browser context (cookies, cache and storage of its own) and a page in it,
 * signed in as `user` unless null.
 */
export async function withPage(harness, name, options, body) {
  const { user = USERS.owner, ...contextOptions } = options
  const context = await harness.browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions })
  const page = await context.newPage()
  page.dataRequests = []
  page.cspViolations = []
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname
    if (path.startsWith('/v1/') || path.startsWith('/api/')) page.dataRequests.push(`${request.method()} ${request.url()}`)
  })
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) page.cspViolations.push(message.text())
  })
  try {
    if (user) await login(harness, context, user)
    await body(page, context)
    assert.deepEqual(page.cspViolations, [], 'no Content-Security-Policy violation')
  } catch (error) {
    mkdirSync(new URL('./failures/', import.meta.url), { recursive: true })
    await page.screenshot({ path: new URL(`./failures/${name}.png`, import.meta.url).pathname, fullPage: true }).catch(() => {})
    throw error
  } finally {
    await context.close()
  }
}

/** Retries `check` until it passes or `timeout` ms have gone by. */
export async function eventually(check, timeout = 10_000) {
  const deadline = Date.now() + timeout
  for (;;) {
    try {
      return await check()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((done) => setTimeout(done, 100))
    }
  }
}
