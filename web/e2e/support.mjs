// What the role journeys share: the API from Node, TOTP codes, test identities, signing in and
// out in the browser, screenshots (var/screenshots/) and the axe-core check of every page shot.
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { totp } from './totp.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export function journeyKit({ baseUrl, outDir = join(here, '..', '..', 'var', 'screenshots', 'roles') }) {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const failures = []
  let step = 0

  function check(condition, message) {
    if (!condition) failures.push(message)
    console.log(`${condition ? 'ok  ' : 'FAIL'} ${message}`)
  }

  async function api(method, path, { body, token, key } = {}) {
    const headers = { 'Content-Type': 'application/json' }
    if (token) headers.Authorization = `Bearer ${token}`
    if (key) headers['Idempotency-Key'] = key
    const response = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path} -> ${response.status} ${text}`)
    return text ? JSON.parse(text) : null
  }

  /** Waits until the network is quiet and no Element Plus loading mask is showing. */
  async function settle(page) {
    await page.waitForLoadState('networkidle')
    await page.waitForFunction(() => [...document.querySelectorAll('.el-loading-mask')]
      .every((mask) => getComputedStyle(mask).display === 'none' || mask.getClientRects().length === 0))
  }

  /** No serious or critical accessibility violation (axe-core) on the page as it is now. */
  async function axe(page, name) {
    await page.addScriptTag({ content: axeSource })
    const violations = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const result = await axe.run(document, { resultTypes: ['violations'] })
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(', ')}`)
    })
    check(violations.length === 0, `axe: no serious violations on ${name} ${violations.join('; ')}`)
  }

  /** A full-page screenshot at the current size and at 375 px, each checked by axe. */
  async function shot(page, name, { phone = true } = {}) {
    await settle(page)
    await page.waitForTimeout(400) // let dialog and message transitions finish
    const sizes = [['', page.viewportSize()]]
    if (phone) sizes.push(['-375px', { width: 375, height: 800 }])
    const original = page.viewportSize()
    for (const [suffix, size] of sizes) {
      if (size) await page.setViewportSize(size)
      await page.waitForTimeout(suffix ? 300 : 0)
      step += 1
      const path = join(outDir, `${String(step).padStart(2, '0')}-${name}${suffix}.png`)
      await page.screenshot({ path, fullPage: true })
      console.log(`screenshot ${path}`)
      await axe(page, `${name}${suffix}`)
    }
    if (original) await page.setViewportSize(original)
    if (phone) {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      check(overflow <= 0, `${name}: nothing wider than the screen at its size (overflow ${overflow}px)`)
    }
  }

  async function signIn(page, { login, password, secret }, landing = /./) {
    await page.goto(`${baseUrl}${secret ? '/admin/login' : '/login'}`, { waitUntil: 'networkidle' })
    await page.fill('input[name="login"]', login)
    await page.fill('input[name="password"]', password)
    if (secret) await page.fill('input[name="totp_code"]', await totp(secret))
    await page.click('button[type="submit"]')
    await page.waitForURL((url) => !/\/login/.test(url.pathname) && landing.test(url.pathname), { timeout: 15000 }).catch(() => {})
    await settle(page)
  }

  async function signOut(page) {
    await page.click('[data-test="logout"]')
    await page.waitForURL(/\/login/)
  }

  return { baseUrl, failures, check, api, totp, settle, shot, signIn, signOut }
}

/** A resident ID number with a valid GB 11643-1999 check character (ISO 7064 MOD 11-2). */
export function idNumber(birthDate, sequence) {
  const body = `110105${birthDate}${String(sequence).padStart(3, '0')}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((total, digit, index) => total + Number(digit) * weights[index], 0)
  return body + '10X98765432'[sum % 11]
}

/** What a date picker takes typed in: the browser's local time (the same machine as Node's). */
export function localStamp(date) {
  const two = (value) => String(value).padStart(2, '0')
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
}
