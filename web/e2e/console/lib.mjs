// Shared by the console journeys: the browser (playwright-core with the system Chromium), staff
// sign-in with a TOTP code, screenshots at desktop and phone sizes under var/screenshots/, and
// the axe check (no serious or critical violation) on every page visited.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { totp } from '../totp.mjs'

const here = dirname(fileURLToPath(import.meta.url))
export { totp }

export const baseUrl = (process.env.FINPLAT_E2E_URL ?? 'http://127.0.0.1:8765').replace(/\/$/, '')
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const screenshots = resolve(here, '..', '..', '..', 'var', 'screenshots')
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
export const SIZES = { desktop: { width: 1366, height: 900 }, phone: { width: 375, height: 812 } }

/** A journey: its checks, screenshots and axe results, and the browser it runs in. */
export async function journey(name, run) {
  const failures = []
  const check = (condition, message) => {
    if (!condition) failures.push(message)
    console.log(`${condition ? 'ok  ' : 'FAIL'} [${name}] ${message}`)
  }
  const userDataDir = mkdtempSync(join(tmpdir(), `finplat-${name}-`))
  mkdirSync(screenshots, { recursive: true })
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath, headless: true, viewport: SIZES.desktop, locale: 'zh-CN', args: ['--no-sandbox'],
  })
  const page = context.pages()[0] ?? (await context.newPage())
  page.setDefaultTimeout(15000)
  let step = 0
  const tools = {
    page, check,
    /** Screenshot at desktop and phone size, and the axe check of the page as it is. */
    async shot(label) {
      await settle(page)
      step += 1
      for (const [size, viewport] of Object.entries(SIZES)) {
        await page.setViewportSize(viewport)
        await settle(page)
        const path = join(screenshots, `${name}-${String(step).padStart(2, '0')}-${label}-${size}.png`)
        await page.screenshot({ path, fullPage: true })
      }
      await page.setViewportSize(SIZES.desktop)
      await settle(page)
      await axeCheck(page, `${label}`, check)
    },
  }
  try {
    await run(tools)
  } catch (error) {
    failures.push(`${name}: ${error.stack ?? error}`)
    console.log(`FAIL [${name}] ${error.stack ?? error}`)
    await page.screenshot({ path: join(screenshots, `${name}-error.png`), fullPage: true }).catch(() => {})
  } finally {
    await context.close()
    rmSync(userDataDir, { recursive: true, force: true })
  }
  if (failures.length) {
    console.log(`\n${name}: ${failures.length} failure(s)`)
    process.exitCode = 1
  } else {
    console.log(`\n${name}: all checks passed`)
  }
}

export async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.waitForTimeout(150)
}

async function axeCheck(page, label, check) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axeSource })
  const result = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document, { resultTypes: ['violations'] })
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)
  })
  check(result.length === 0, `axe: no serious violation on ${label}${result.length ? `: ${result.join('; ')}` : ''}`)
}

/** A staff user from the FINPLAT_E2E_<ROLE>_* variables that e2e/run.sh sets. */
export function staffFromEnv(role) {
  const prefix = `FINPLAT_E2E_${role.toUpperCase()}_`
  const login = process.env[`${prefix}LOGIN`]
  if (!login) return null
  return { login, password: process.env[`${prefix}PASSWORD`], secret: process.env[`${prefix}TOTP_SECRET`] }
}

export async function api(method, path, { body, token, headers = {} } = {}) {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return text ? JSON.parse(text) : null
}

export async function staffToken(staff) {
  const pair = await api('POST', '/auth/login', {
    body: { login: staff.login, password: staff.password, totp_code: await totp(staff.secret) },
  })
  return pair.access_token
}

/** Signs a staff user in at /admin/login and waits to leave the login page. */
export async function signInStaff(page, staff) {
  await page.goto(`${baseUrl}/admin/login`, { waitUntil: 'networkidle' })
  await page.fill('input[name="login"]', staff.login)
  await page.fill('input[name="password"]', staff.password)
  await page.fill('input[name="totp_code"]', await totp(staff.secret))
  await page.locator('form button[type="submit"], form .el-button--primary').first().click()
  await page.waitForURL((url) => !url.pathname.endsWith('/login'), { timeout: 15000 })
  await settle(page)
}

/** Ends the browser's session (the next sign-in starts afresh). */
export async function signOut(page) {
  await page.evaluate(() => { localStorage.clear(); sessionStorage.clear() })
  await page.context().clearCookies()
}

/** The input (or textarea) of an Element Plus field marked with ``data-test`` (the attribute
 * lands on the input itself or on its wrapper, depending on the component). */
export function field(scope, name) {
  const sel = `[data-test="${name}"]`
  return scope.locator(`input${sel}, textarea${sel}, ${sel} input, ${sel} textarea`).first()
}

/** Types the reason into the open reason dialog and confirms it. */
export async function giveReason(page, reason) {
  const dialog = page.locator('.el-dialog:visible', { has: page.locator('[data-test="reason-confirm"]') }).last()
  await dialog.waitFor()
  await field(dialog, 'reason').fill(reason)
  await dialog.locator('[data-test="reason-confirm"]').click()
  // Wait for the dialog to close, so the next one opened is not mistaken for it.
  await page.locator('.el-dialog:visible [data-test="reason-confirm"]').waitFor({ state: 'hidden' }).catch(() => {})
  await settle(page)
}

/** Waits (briefly) for a text to appear; false if it does not. */
export async function appears(page, text, timeout = 10000) {
  return page.getByText(text).first().waitFor({ timeout }).then(() => true, () => false)
}

export async function open(page, path) {
  await page.goto(`${baseUrl}${path}`, { waitUntil: 'networkidle' })
  await settle(page)
}
