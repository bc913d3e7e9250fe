// `npm run screenshots`: the dashboard, a click-to-detail list, the app settings, the
// showcase conference page with its quality graphs and a participant page, light and
// dark, into docs/screenshots/ (shown in the README).
import { mkdirSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { CHROMIUM, PASSWORD, USERS, startServer } from './server.mjs'

const out = new URL('../../docs/screenshots/', import.meta.url).pathname
mkdirSync(out, { recursive: true })
const server = await startServer()
const browser = await chromium.launch(CHROMIUM)
try {
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme, timezoneId: 'Europe/Paris' })
    await context.request.post(`${server.url}/api/session`, { data: { email: USERS.owner, password: PASSWORD } })
    const apps = (await (await context.request.get(`${server.url}/v1/apps`)).json()).results
    const prod = apps.find((app) => app.name === 'prod')
    const page = await context.newPage()
    const painted = () => page.waitForFunction(() => performance.getEntriesByName('callvitals:dashboard-painted').length > 0)

    await page.setViewportSize({ width: 1280, height: 2900 })
    await page.goto(`${server.url}/apps/${prod.id}`)
    await painted()
    await page.waitForTimeout(300)
    await page.screenshot({ path: `${out}dashboard-${colorScheme}.png`, fullPage: true })

    await page.click('[data-chart="issues"] [data-show-numbers]')
    const bar = page.locator('[data-table="issues"] button[data-value]').first()
    await bar.focus()
    await page.keyboard.press('Enter')
    await page.locator('[data-detail] [data-row]').first().waitFor()
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.evaluate(() => {
      document.querySelector('[data-detail]').scrollIntoView()
      window.scrollBy(0, -12)
    })
    await page.screenshot({ path: `${out}detail-${colorScheme}.png` })

    await page.goto(`${server.url}/apps/${prod.id}/settings`)
    await page.locator('[data-member]').first().waitFor()
    await page.screenshot({ path: `${out}settings-${colorScheme}.png`, fullPage: true })

    // The all-hands, on the graphs of Priya's connection through her bad quarter hour.
    const found = await (await context.request.get(`${server.url}/v1/search?q=all-hands-showcase`)).json()
    const showcase = found.results.find((one) => one.customer_id === 'all-hands-showcase')
    const detail = (await (await context.request.get(`${server.url}/v1/conferences/${showcase.id}`)).json()).data
    const priya = detail.participants.find((one) => one.participant_name === 'Priya')
    await page.goto(`${server.url}/apps/${showcase.app}/conferences/${showcase.id}`)
    await page.waitForFunction(() => performance.getEntriesByName('callvitals:graphs-painted').length > 0)
    await page.selectOption('[data-select-participant]', priya.id)
    // The timeline renders as it nears the viewport; the graphs are below it.
    await page.locator('[data-timeline-slot]').scrollIntoViewIfNeeded()
    await page.locator('[data-timeline-row]').first().waitFor()
    await page.click('[data-load-full]')
    await page.locator('[data-testid="window-chip"][data-state="complete"]').waitFor()
    await page.waitForTimeout(300)
    await page.screenshot({ path: `${out}conference-${colorScheme}.png`, fullPage: true })

    await page.goto(`${server.url}/apps/${showcase.app}/participants/${priya.id}`)
    await page.locator(`[data-conference-row="${showcase.id}"]`).waitFor()
    await page.waitForTimeout(200)
    await page.screenshot({ path: `${out}participant-${colorScheme}.png`, fullPage: true })
    await context.close()
  }
  console.log(`screenshots written to ${out}`)
} finally {
  await browser.close()
  await server.stop()
}
