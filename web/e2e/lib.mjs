// What every browser journey shares (smoke.mjs, console/*.mjs, roles.mjs with journeys/*.mjs):
// the server's address, the API from Node, TOTP codes (totp.mjs), test identities, the browser
// (playwright-core with the system Chromium, never downloaded), signing in and out, waiting for
// the page's state, and `shot`: a screenshot at 1366 px and at 375 px under var/screenshots/,
// each checked by axe-core (no serious or critical violation) and for nothing wider than the
// screen. Waits are for a state (an answer, a text, a quiet network), never a fixed sleep.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { totp } from './totp.mjs'

export { totp }

const here = dirname(fileURLToPath(import.meta.url))
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export const baseUrl = (process.env.FINPLAT_E2E_URL ?? 'http://127.0.0.1:8765').replace(/\/$/, '')
export const SIZES = { desktop: { width: 1366, height: 860 }, phone: { width: 375, height: 812 } }
export const screenshotsDir = process.env.FINPLAT_E2E_SCREENSHOTS ?? join(here, '..', '..', 'var', 'screenshots')
/** Fresh logins and names per run, so a run never collides with an earlier one on the same database. */
export const runId = String(Date.now()).slice(-8)

// ---------------------------------------------------------------- the API from Node

/** Calls `/api/v1{path}`; a refusal throws with the status and the problem. */
export async function api(method, path, { body, token, key, headers = {} } = {}) {
  const sent = { 'Content-Type': 'application/json', ...headers }
  if (token) sent.Authorization = `Bearer ${token}`
  if (key) sent['Idempotency-Key'] = key
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path} -> ${response.status} ${text}`)
  return text ? JSON.parse(text) : null
}

/** A staff user from the FINPLAT_E2E_<ROLE>_* variables that e2e/run.sh sets (null without). */
export function staffFromEnv(role) {
  const prefix = `FINPLAT_E2E_${role.toUpperCase()}_`
  const login = process.env[`${prefix}LOGIN`]
  if (!login) return null
  return { login, password: process.env[`${prefix}PASSWORD`], secret: process.env[`${prefix}TOTP_SECRET`] }
}

/** An access token for a staff user (signed in through the API with a TOTP code). */
export async function staffToken(staff) {
  const pair = await api('POST', '/auth/login', {
    body: { login: staff.login, password: staff.password, totp_code: await totp(staff.secret) },
  })
  return pair.access_token
}

// ---------------------------------------------------------------- test identities

/** A resident ID number with a valid GB 11643-1999 check character (ISO 7064 MOD 11-2). */
export function idNumber(birthDate, sequence) {
  const body = `110105${birthDate}${String(sequence).padStart(3, '0')}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((total, digit, index) => total + Number(digit) * weights[index], 0)
  return body + '10X98765432'[sum % 11]
}

/** A 19-digit UnionPay-style card number (62...) with a valid Luhn check digit. */
export function bankCard(seed) {
  const body = `622202${String(seed).padStart(12, '0').slice(-12)}`
  let sum = 0
  for (let index = 0; index < body.length; index++) {
    let digit = Number(body[body.length - 1 - index])
    if (index % 2 === 0) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2
    sum += digit
  }
  return body + String((10 - (sum % 10)) % 10)
}

/** What a date picker takes typed in: the browser's local time (the same machine as Node's). */
export function localStamp(date) {
  const two = (value) => String(value).padStart(2, '0')
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
}

// ---------------------------------------------------------------- waiting for the page's state

const inFlight = new WeakMap()

/** Counts the page's requests still waiting for an answer (`settle` waits for none). */
function trackRequests(page) {
  const pending = new Set()
  inFlight.set(page, pending)
  page.on('request', (request) => pending.add(request))
  for (const done of ['requestfinished', 'requestfailed']) page.on(done, (request) => pending.delete(request))
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) pending.clear() })
}

/** Polls `read()` until `accept(value)` holds (default: truthy) or the time is up; resolves the
 * last value read either way, so the caller checks it and reports what was there. */
export async function eventually(read, accept = Boolean, { timeout = 15000, every = 100 } = {}) {
  const until = Date.now() + timeout
  let value
  for (;;) {
    value = await read()
    if (accept(value) || Date.now() >= until) return value
    await new Promise((resolve) => setTimeout(resolve, every))
  }
}

/** Waits until no request of the page is in flight (twice in a row), no loading mask shows and
 * no transition or animation runs (dialogs, messages, tabs). */
export async function settle(page, { timeout = 15000 } = {}) {
  await page.waitForLoadState('load').catch(() => {})
  const pending = inFlight.get(page)
  if (pending) {
    let quietChecks = 0
    await eventually(() => (pending.size === 0 ? ++quietChecks : (quietChecks = 0)), (n) => n >= 2, { timeout, every: 75 })
  }
  await page.waitForFunction(() => [...document.querySelectorAll('.el-loading-mask')]
    .every((mask) => getComputedStyle(mask).display === 'none' || mask.getClientRects().length === 0), null, { timeout })
    .catch(() => {})
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
    null, { timeout: 5000 }).catch(() => {})
}

/** The text of `locator` once it contains every one of `parts` (strings or regular expressions);
 * after `timeout` the text as it is (or '' when absent), for the check to report. */
export async function textWith(locator, parts, { timeout = 15000 } = {}) {
  const has = (text) => parts.every((part) => (typeof part === 'string' ? text.includes(part) : part.test(text)))
  const read = async () => ((await locator.first().textContent({ timeout: 1000 }).catch(() => '')) ?? '').replace(/\s+/g, ' ')
  return eventually(read, has, { timeout })
}

/** Waits until no date picker's panel is showing (a panel still open or closing is a dialog
 * without a name to axe, and covers what comes next). */
export async function pickersClosed(page) {
  await page.waitForFunction(() => [...document.querySelectorAll('.el-picker__popper')]
    .every((panel) => getComputedStyle(panel).display === 'none' || panel.getClientRects().length === 0), null, { timeout: 5000 })
    .catch(() => {})
}

/** True once `text` shows on the page. */
export async function appears(page, text, timeout = 15000) {
  return page.getByText(text).first().waitFor({ timeout }).then(() => true, () => false)
}

/** Opens a page of the app and waits for it to load its data. */
export async function open(page, path) {
  await page.goto(`${baseUrl}${path}`)
  await settle(page)
}

/** The input (or textarea) of an Element Plus field marked with `data-test` (the attribute
 * lands on the input itself or on its wrapper, depending on the component). */
export function field(scope, name) {
  const sel = `[data-test="${name}"]`
  return scope.locator(`input${sel}, textarea${sel}, ${sel} input, ${sel} textarea`).first()
}

/** Types the reason into the open reason dialog, confirms it and waits for the dialog to close. */
export async function giveReason(page, reason) {
  const dialog = page.locator('.el-dialog:visible', { has: page.locator('[data-test="reason-confirm"]') }).last()
  await dialog.waitFor()
  await field(dialog, 'reason').fill(reason)
  await dialog.locator('[data-test="reason-confirm"]').click()
  await page.locator('.el-dialog:visible [data-test="reason-confirm"]').waitFor({ state: 'hidden' }).catch(() => {})
  await settle(page)
}

// ---------------------------------------------------------------- signing in and out

/** Signs in through the page: staff (with `secret`, their TOTP secret) at /admin/login, customers
 * at /login; waits to leave the login page (for `landing`, when given) and for the page's data. */
export async function signIn(page, { login, password, secret }, landing = /./) {
  await open(page, secret ? '/admin/login' : '/login')
  await page.fill('input[name="login"]', login)
  await page.fill('input[name="password"]', password)
  if (secret) await page.fill('input[name="totp_code"]', await totp(secret))
  await page.click('form button[type="submit"]')
  await page.waitForURL((url) => !url.pathname.endsWith('/login') && landing.test(url.pathname), { timeout: 15000 }).catch(() => {})
  await settle(page)
}

/** Signs out with the header's button and waits for the login page. */
export async function signOut(page) {
  await page.click('[data-test="logout"]')
  await page.waitForURL(/\/login/)
  await settle(page)
}

// ---------------------------------------------------------------- a journey

/** Runs one journey in a fresh Chromium and reports it: `body({ page, check, shot, failures })`.
 * Screenshots go to `var/screenshots/<dir>/` (emptied first, `dir` defaults to none: the top
 * folder), named `<name>-<step>-<label>-{1366,375}.png`. An uncaught page error, a thrown error
 * or a failed check fails the run (exit code 1). */
export async function journey(name, body, { dir = '', clean = false } = {}) {
  const outDir = join(screenshotsDir, dir)
  if (clean) rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const failures = []
  const check = (condition, message) => {
    if (!condition) failures.push(message)
    console.log(`${condition ? 'ok  ' : 'FAIL'} [${name}] ${message}`)
    return condition
  }
  const userDataDir = mkdtempSync(join(tmpdir(), `finplat-${name}-`))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: SIZES.desktop,
    locale: 'zh-CN',
  })
  const page = context.pages()[0] ?? (await context.newPage())
  page.setDefaultTimeout(15000)
  trackRequests(page)
  const pageErrors = []
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  let step = 0

  /** axe-core on the page as it is: serious and critical violations fail the run. */
  async function accessible(label) {
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource })
    const found = await page.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ['violations'] })
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)
    })
    check(found.length === 0, `${label}: no serious accessibility violations ${found.join('; ')}`)
  }

  /** Screenshots the page at 1366 px and 375 px, each checked by axe and, on the phone, for
   * nothing wider than the screen; then back to the desktop size. */
  async function shot(label) {
    step += 1
    const base = join(outDir, `${name}-${String(step).padStart(2, '0')}-${label}`)
    for (const viewport of [SIZES.desktop, SIZES.phone]) {
      await page.setViewportSize(viewport)
      await settle(page)
      if (viewport === SIZES.phone) {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        check(overflow <= 1, `${label} at ${viewport.width} px: nothing wider than the screen (${overflow} px over)`)
      }
      await accessible(`${label} at ${viewport.width} px`)
      await page.screenshot({ path: `${base}-${viewport.width}.png`, fullPage: true })
    }
    await page.setViewportSize(SIZES.desktop)
    await settle(page)
    console.log(`     screenshot ${base}-{1366,375}.png`)
  }

  try {
    await body({ page, check, shot, failures })
  } catch (error) {
    check(false, `${error.stack ?? error}`)
    await page.screenshot({ path: join(outDir, `${name}-error.png`), fullPage: true }).catch(() => {})
  } finally {
    check(pageErrors.length === 0, `no uncaught page errors ${pageErrors.join('; ')}`)
    await context.close()
    rmSync(userDataDir, { recursive: true, force: true })
  }
  if (failures.length) {
    console.log(`\n${name}: ${failures.length} failure(s):\n- ${failures.join('\n- ')}`)
    process.exitCode = 1
  } else {
    console.log(`\n${name}: all checks passed`)
  }
  return failures
}
