// Smoke test against a running server (FINPLAT_E2E_URL, default http://127.0.0.1:8765):
// register a new investor, sign in, open the account page, and screenshot each step to e2e/out/.
// Uses playwright-core with the system Chromium (no browser downloads).
import { createHmac } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const baseUrl = (process.env.FINPLAT_E2E_URL ?? 'http://127.0.0.1:8765').replace(/\/$/, '')
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const outDir = join(dirname(fileURLToPath(import.meta.url)), 'out')
const userDataDir = mkdtempSync(join(tmpdir(), 'finplat-e2e-chromium-'))
mkdirSync(outDir, { recursive: true })

// A fresh, valid mainland mobile number per run, so the registration never collides.
const phone = `139${String(Date.now()).slice(-8)}`
const password = 'Smoke-test-2026'

/** RFC 6238 code (SHA-1, 30 s, 6 digits) from a base32 secret, as the staff's authenticator app would show. */
function totp(secret, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const char of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, '0')
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30000)))
  const digest = createHmac('sha1', key).update(counter).digest()
  const offset = digest[digest.length - 1] & 0xf
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0')
}

const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: { width: 1280, height: 860 },
  locale: 'zh-CN',
})

const failures = []
let step = 0

/** Waits until the network is quiet and no Element Plus loading mask is showing. */
async function settle(page) {
  await page.waitForLoadState('networkidle')
  await page.waitForFunction(() => [...document.querySelectorAll('.el-loading-mask')]
    .every((mask) => getComputedStyle(mask).display === 'none' || mask.getClientRects().length === 0))
}

async function shot(page, name) {
  await settle(page)
  step += 1
  const path = join(outDir, `${String(step).padStart(2, '0')}-${name}.png`)
  await page.screenshot({ path, fullPage: true })
  console.log(`screenshot ${path}`)
}

function check(condition, message) {
  if (!condition) failures.push(message)
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${message}`)
}

try {
  const page = browser.pages()[0] ?? (await browser.newPage())
  const consoleErrors = []
  page.on('pageerror', (error) => consoleErrors.push(String(error)))
  page.setDefaultTimeout(15000)

  await page.goto(`${baseUrl}/`, { waitUntil: 'networkidle' })
  check((await page.title()).includes('finplat'), 'home page loads')
  await shot(page, 'home')

  await page.goto(`${baseUrl}/register`, { waitUntil: 'networkidle' })
  await page.fill('input[name="login"]', phone)
  await page.fill('input[name="password"]', password)
  await page.fill('input[name="confirm"]', password)
  await shot(page, 'register')
  await page.click('button[type="submit"]')
  // After registering, the app signs in and moves on to real-name verification.
  await page.waitForURL(/\/(kyc|profile|account)/, { timeout: 15000 }).catch(() => {})
  check(/\/kyc/.test(page.url()), `registered and signed in (now at ${page.url()})`)
  await shot(page, 'after-register')

  // Real-name verification with the example number from GB 11643-1999 (a valid checksum).
  await page.fill('input[name="real_name"]', '张三')
  await page.fill('input[name="id_number"]', '11010519491231002X')
  await page.click('button[type="submit"]')
  await page.waitForSelector('.el-result, .el-alert', { timeout: 15000 })
  const kycText = await page.textContent('body')
  check(kycText.includes('认证成功') && kycText.includes('张*'), 'real-name verification succeeds and shows the name masked')
  check(!kycText.includes('11010519491231002X'), 'the ID number is not shown in full')
  await shot(page, 'kyc')

  // Sign out and in again through the login form.
  await page.click('[data-test="logout"]')
  await page.waitForURL(/\/login/)
  await page.fill('input[name="login"]', phone)
  await page.fill('input[name="password"]', password)
  await page.click('button[type="submit"]')
  await page.waitForURL(/\/account/, { timeout: 15000 }).catch(() => {})
  check(/\/account/.test(page.url()), `logged in and on the account page (now at ${page.url()})`)
  await page.waitForLoadState('networkidle')
  await page.waitForSelector('.el-card')
  const accountText = await page.textContent('body')
  check(accountText.includes('我的账户'), 'account page renders')
  check(!/Internal error|internal\.error/.test(accountText), 'account page shows no internal error')
  await shot(page, 'account')

  // Deposit ¥1,000.00 through the simulated bank channel.
  await page.fill('input[name="充值"]', '1000')
  await page.click('.el-card:has-text("Deposit") button[type="submit"]')
  await page.waitForSelector('.el-card:has-text("Deposit") .el-alert', { timeout: 15000 })
  const depositText = await page.textContent('.el-card:has-text("Deposit")')
  check(depositText.includes('¥1,000.00'), `deposit accepted (${depositText.replace(/\s+/g, ' ').slice(0, 120)})`)
  // The simulated channel completes the deposit by itself; reload until the balance shows it.
  let balance = ''
  for (let attempt = 0; attempt < 10; attempt++) {
    await page.reload({ waitUntil: 'networkidle' })
    balance = (await page.textContent('[data-test="balance"]').catch(() => '')) ?? ''
    if (balance.includes('1,000.00')) break
    await page.waitForTimeout(500)
  }
  check(balance.includes('¥1,000.00'), `balance shows the deposit (${balance || 'no balance shown'})`)
  await shot(page, 'account-after-deposit')

  // A deep link survives a reload (history-mode routing served by the API server).
  await page.goto(`${baseUrl}/profile`, { waitUntil: 'networkidle' })
  const profileText = await page.textContent('body')
  check(profileText.includes(phone.slice(0, 3)) && !profileText.includes(phone), 'profile shows the phone masked')
  await shot(page, 'profile')

  await page.goto(`${baseUrl}/products`, { waitUntil: 'networkidle' })
  check((await page.textContent('body')).includes('理财产品'), 'product list renders')
  await shot(page, 'products')

  const staff = {
    login: process.env.FINPLAT_E2E_STAFF_LOGIN,
    password: process.env.FINPLAT_E2E_STAFF_PASSWORD,
    secret: process.env.FINPLAT_E2E_STAFF_TOTP_SECRET,
  }
  if (staff.login && staff.password && staff.secret) {
    await page.click('[data-test="logout"]')
    await page.waitForURL(/\/login/)
    await page.goto(`${baseUrl}/admin/login`, { waitUntil: 'networkidle' })
    await page.fill('input[name="login"]', staff.login)
    await page.fill('input[name="password"]', staff.password)
    await page.fill('input[name="totp_code"]', totp(staff.secret))
    await page.click('button[type="submit"]')
    await page.waitForURL(/\/admin\/products/, { timeout: 15000 }).catch(() => {})
    check(/\/admin\/products/.test(page.url()), `staff signed in with TOTP to the review queue (now at ${page.url()})`)
    await page.waitForLoadState('networkidle')
    check((await page.textContent('body')).includes('产品审核'), 'the review queue renders')
    await shot(page, 'admin-products')
    await page.goto(`${baseUrl}/admin/audit`, { waitUntil: 'networkidle' })
    await page.waitForSelector('.el-table__row', { timeout: 15000 }).catch(() => {})
    const auditText = await page.textContent('body')
    check(auditText.includes('审计日志') && auditText.includes('identity.'), 'the audit log lists the sign-ups and sign-ins')
    await shot(page, 'admin-audit')
  } else {
    console.log('skip operator console (FINPLAT_E2E_STAFF_* not set)')
  }

  check(consoleErrors.length === 0, `no uncaught page errors ${consoleErrors.join('; ')}`)
} catch (error) {
  failures.push(String(error))
  console.error(error)
} finally {
  await browser.close()
  rmSync(userDataDir, { recursive: true, force: true })
}

if (failures.length) {
  console.error(`smoke test failed:\n- ${failures.join('\n- ')}`)
  process.exit(1)
}
console.log('smoke test passed')
