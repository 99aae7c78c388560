// The console journeys against a running server (FINPLAT_E2E_URL): the reviewer's product
// sales and raise close, the institution's product form, sales, settlement account and payouts,
// marketing's campaign and points rule, and the investor's red packet, coupon and points. Each
// page is screenshotted at desktop and 375 px to var/screenshots/roles/ and checked by axe-core.
// Staff accounts come from e2e/run.sh (FINPLAT_E2E_STAFF_*, _REVIEWER_*, _MARKETING_*).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { institutionJourney } from './journeys/institution.mjs'
import { marketingJourney } from './journeys/marketing.mjs'
import { reviewerJourney } from './journeys/reviewer.mjs'
import { rewardsJourney } from './journeys/rewards.mjs'
import { setUpWorld } from './journeys/world.mjs'
import { journeyKit } from './support.mjs'

const baseUrl = (process.env.FINPLAT_E2E_URL ?? 'http://127.0.0.1:8765').replace(/\/$/, '')
const env = (name) => process.env[name]
const account = (prefix) => ({ login: env(`${prefix}_LOGIN`), password: env(`${prefix}_PASSWORD`), secret: env(`${prefix}_TOTP_SECRET`) })
const staff = {
  admin: account('FINPLAT_E2E_STAFF'), reviewer: account('FINPLAT_E2E_REVIEWER'), marketing: account('FINPLAT_E2E_MARKETING'),
}
const runId = String(Date.now()).slice(-8)
const h = journeyKit({ baseUrl })

if (Object.values(staff).some((who) => !who.login || !who.secret)) {
  console.log('skip the console journeys (FINPLAT_E2E_STAFF_*, _REVIEWER_*, _MARKETING_* not set)')
  process.exit(0)
}

const userDataDir = mkdtempSync(join(tmpdir(), 'finplat-roles-chromium-'))
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1366, height: 860 },
  locale: 'zh-CN',
})
try {
  const page = browser.pages()[0] ?? (await browser.newPage())
  const pageErrors = []
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  page.setDefaultTimeout(15000)
  const context = { staff, runId }
  const world = await setUpWorld(h, context)
  for (const journey of [reviewerJourney, institutionJourney, marketingJourney, rewardsJourney]) {
    console.log(`--- ${journey.name}`)
    try {
      await journey(h, page, world, context)
    } catch (error) {
      h.failures.push(`${journey.name}: ${error}`)
      console.error(error)
      await page.screenshot({ path: join(process.cwd(), '..', 'var', 'screenshots', 'roles', `failed-${journey.name}.png`), fullPage: true }).catch(() => {})
      await page.context().clearCookies()
      await page.goto(`${baseUrl}/`).catch(() => {})
      await page.evaluate(() => sessionStorage.clear()).catch(() => {})
    }
  }
  h.check(pageErrors.length === 0, `no uncaught page errors ${pageErrors.join('; ')}`)
} catch (error) {
  h.failures.push(String(error))
  console.error(error)
} finally {
  await browser.close()
  rmSync(userDataDir, { recursive: true, force: true })
}

if (h.failures.length) {
  console.error(`console journeys failed:\n- ${h.failures.join('\n- ')}`)
  process.exit(1)
}
console.log('console journeys passed')
