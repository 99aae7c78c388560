// The risk officer's console in the browser: an admin signs in with a TOTP code, finds the
// built-in monitoring rules, the held-withdrawal queue, generates a large-value report and opens
// the alerts and cases queue. Needs the FINPLAT_E2E_STAFF_* account that e2e/run.sh creates;
// `FINPLAT_E2E_URL=http://host:port node e2e/risk.mjs` against a running server.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { totp } from './totp.mjs'

const baseUrl = (process.env.FINPLAT_E2E_URL ?? 'http://127.0.0.1:8765').replace(/\/$/, '')
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const outDir = join(dirname(fileURLToPath(import.meta.url)), 'out')
const userDataDir = mkdtempSync(join(tmpdir(), 'finplat-e2e-chromium-'))
mkdirSync(outDir, { recursive: true })

const staff = {
  login: process.env.FINPLAT_E2E_STAFF_LOGIN,
  password: process.env.FINPLAT_E2E_STAFF_PASSWORD,
  secret: process.env.FINPLAT_E2E_STAFF_TOTP_SECRET,
}
const failures = []
let step = 0
function check(condition, message) {
  if (!condition) failures.push(message)
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${message}`)
}


async function settle(page) {
  await page.waitForLoadState('networkidle')
  await page.waitForFunction(() => [...document.querySelectorAll('.el-loading-mask')]
    .every((mask) => getComputedStyle(mask).display === 'none' || mask.getClientRects().length === 0))
}

async function shot(page, name) {
  await settle(page)
  await page.waitForTimeout(400)
  step += 1
  const path = join(outDir, `risk-${String(step).padStart(2, '0')}-${name}.png`)
  await page.screenshot({ path, fullPage: true })
  console.log(`screenshot ${path}`)
}

async function riskJourney(page) {
  await page.goto(`${baseUrl}/admin/login`, { waitUntil: 'networkidle' })
  await page.fill('input[name="login"]', staff.login)
  await page.fill('input[name="password"]', staff.password)
  await page.fill('input[name="totp_code"]', await totp(staff.secret))
  await page.click('button[type="submit"]')
  // argon2 on a busy machine can take a while: wait until the console replaced the login form
  await page.waitForURL((url) => !url.pathname.startsWith('/admin/login'), { timeout: 60000 })
  await settle(page)

  await page.goto(`${baseUrl}/admin/risk/rules`, { waitUntil: 'networkidle' })
  await settle(page)
  const rules = await page.textContent('.el-table')
  check(rules.includes('large_value_cash') && rules.includes('hold_large_withdrawal'), 'the rules page lists the built-in rules')
  await shot(page, 'rules')

  await page.goto(`${baseUrl}/admin/risk/reviews`, { waitUntil: 'networkidle' })
  await shot(page, 'held-withdrawals')

  await page.goto(`${baseUrl}/admin/risk/reports`, { waitUntil: 'networkidle' })
  await settle(page)
  await page.click('.report-form button.el-button--primary')
  await page.locator('.el-table__row', { hasText: '大额交易报告' }).waitFor({ timeout: 30000 }).catch(() => {})
  const reports = await page.textContent('.el-table')
  check(reports.includes('大额交易报告'), `a large-value report was generated (${reports.slice(0, 80)})`)
  await shot(page, 'reports')

  await page.goto(`${baseUrl}/admin/risk`, { waitUntil: 'networkidle' })
  await shot(page, 'alerts-and-cases')
}

const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  viewport: { width: 1280, height: 860 },
  locale: 'zh-CN',
})

try {
  const page = browser.pages()[0] ?? (await browser.newPage())
  const pageErrors = []
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  page.setDefaultTimeout(15000)
  if (!(staff.login && staff.password && staff.secret)) throw new Error('FINPLAT_E2E_STAFF_* not set')
  await riskJourney(page)
  check(pageErrors.length === 0, `no uncaught page errors ${pageErrors.join('; ')}`)
} catch (error) {
  failures.push(String(error))
  console.error(error)
} finally {
  await browser.close()
  rmSync(userDataDir, { recursive: true, force: true })
}

if (failures.length) {
  console.error(`risk journey failed:\n- ${failures.join('\n- ')}`)
  process.exit(1)
}
console.log('risk journey passed')
