// The risk officer's console in the browser: an admin signs in with a TOTP code, finds the
// built-in monitoring rules, the held-withdrawal queue, generates a large-value report, opens
// the alerts and cases queue, the credit scorecard's model card and its drift (PSI) chart. Every
// page is screenshotted at desktop and phone (375 px) widths and checked by axe-core. Needs the FINPLAT_E2E_STAFF_* account that e2e/run.sh creates;
// `FINPLAT_E2E_URL=http://host:port node e2e/risk.mjs` against a running server.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { totp } from './totp.mjs'

const baseUrl = (process.env.FINPLAT_E2E_URL ?? 'http://127.0.0.1:8765').replace(/\/$/, '')
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const outDir = process.env.FINPLAT_E2E_SCREENSHOTS ?? join(dirname(fileURLToPath(import.meta.url)), 'out')
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const DESKTOP = { width: 1280, height: 860 }
const PHONE = { width: 375, height: 812 }
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

/** axe-core on the page as it is: serious and critical violations fail the run. */
async function accessible(page, name) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SOURCE })
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] })
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)
  })
  check(found.length === 0, `${name}: no serious accessibility violations ${found.join('; ')}`)
}

/** Screenshots the step at desktop and phone widths, checking accessibility at both. */
async function shot(page, name) {
  await settle(page)
  await page.waitForTimeout(400)
  step += 1
  const base = join(outDir, `risk-${String(step).padStart(2, '0')}-${name}`)
  await accessible(page, `${name} at ${DESKTOP.width} px`)
  await page.screenshot({ path: `${base}-${DESKTOP.width}.png`, fullPage: true })
  await page.setViewportSize(PHONE)
  await page.waitForTimeout(400)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  check(overflow <= 1, `${name} at ${PHONE.width} px: nothing wider than the screen (${overflow} px over)`)
  await accessible(page, `${name} at ${PHONE.width} px`)
  await page.screenshot({ path: `${base}-${PHONE.width}.png`, fullPage: true })
  await page.setViewportSize(DESKTOP)
  console.log(`screenshot ${base}-{${DESKTOP.width},${PHONE.width}}.png`)
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

  await page.goto(`${baseUrl}/admin/risk/model`, { waitUntil: 'networkidle' })
  await page.locator('[data-test="model-version"]').waitFor({ timeout: 30000 })
  const card = await page.textContent('.el-card')
  check(card.includes('1.0.0') && card.includes('0.8614') && card.includes('620'),
    'the model card shows the version, the held-out AUC and the grade cut-offs')
  await page.locator('.el-collapse-item__header').first().click()
  await page.locator('.el-collapse-item__content .el-table__row').first().waitFor({ timeout: 15000 })
  const bins = await page.textContent('.el-collapse-item__content')
  check(bins.includes('[-inf, 0.060416)') && bins.includes('1.390'), 'a feature opens on its bins with WOE and points')
  await shot(page, 'model-card')

  await page.goto(`${baseUrl}/admin/risk/drift`, { waitUntil: 'networkidle' })
  await page.locator('[data-test="drift-summary"]').waitFor({ timeout: 30000 })
  check(await page.isVisible('.psi-chart canvas'), 'the drift page draws the PSI chart')
  const table = await page.textContent('.psi-table')
  check(table.includes('评分') && table.includes('年龄'), 'the drift table lists the score and every feature')
  const ninety = page.waitForResponse((response) => response.url().includes('/admin/risk/drift?days=90'), { timeout: 15000 })
  await page.locator('.el-radio-button', { hasText: '90' }).click()
  check((await ninety.catch(() => null))?.status() === 200, 'the 90-day window is asked for')
  await shot(page, 'drift')
}

const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  viewport: DESKTOP,
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
