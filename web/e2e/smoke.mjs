// Smoke test against a running server (FINPLAT_E2E_URL, default http://127.0.0.1:8765).
// An investor registers, passes real-name verification, signs out and in, deposits and withdraws,
// sees both in the balance and in the inbox behind the header's bell. With a staff account (FINPLAT_E2E_STAFF_*, created by e2e/run.sh) an
// institution's R4 product is set up through the API, a reviewer approves and publishes it in the
// operator console and reads the audit log, and the investor (graded C3 by the questionnaire)
// buys it through the suitability warning. Every step is screenshotted to e2e/out/.
// Uses playwright-core with the system Chromium (no browser downloads).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { totp } from './totp.mjs'

const baseUrl = (process.env.FINPLAT_E2E_URL ?? 'http://127.0.0.1:8765').replace(/\/$/, '')
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
// Screenshots of every step at desktop (1366 px) and phone (375 px) widths.
const outDir = process.env.FINPLAT_E2E_SCREENSHOTS ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'var', 'screenshots')
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const DESKTOP = { width: 1366, height: 860 }
const PHONE = { width: 375, height: 812 }
const userDataDir = mkdtempSync(join(tmpdir(), 'finplat-e2e-chromium-'))
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })

// Fresh logins per run, so a run never collides with an earlier one on the same database.
const runId = String(Date.now()).slice(-8)
const investor = { login: `139${runId}`, password: 'Smoke-test-2026' }
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

/** A resident ID number with a valid GB 11643-1999 check character (ISO 7064 MOD 11-2). */
function idNumber(birthDate, sequence) {
  const body = `110105${birthDate}${String(sequence).padStart(3, '0')}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((total, digit, index) => total + Number(digit) * weights[index], 0)
  return body + '10X98765432'[sum % 11]
}

/** A 19-digit UnionPay-style card number (62...) with a valid Luhn check digit. */
function bankCard(seed) {
  const body = `622202${String(seed).padStart(12, '0').slice(-12)}`
  let sum = 0
  for (let index = 0; index < body.length; index++) {
    let digit = Number(body[body.length - 1 - index])
    if (index % 2 === 0) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2
    sum += digit
  }
  return body + String((10 - (sum % 10)) % 10)
}

async function api(method, path, { body, token } = {}) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  const response = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path} -> ${response.status} ${text}`)
  return text ? JSON.parse(text) : null
}

/** An institution with a submitted R4 product whose raise is open now. */
async function setUpProduct() {
  const { access_token: adminToken } = await api('POST', '/auth/login', {
    body: { login: staff.login, password: staff.password, totp_code: await totp(staff.secret) },
  })
  const institution = await api('POST', '/admin/institutions', {
    token: adminToken, body: { name: `E2E 资产管理 ${runId}`, uscc: '91350100M000100Y43' },
  })
  const issuer = { login: `e2e-institution-${runId}`, password: 'Smoke-issuer-2026' }
  await api('POST', '/admin/users', {
    token: adminToken, body: { ...issuer, roles: ['institution'], institution_id: institution.id },
  })
  const { access_token: issuerToken } = await api('POST', '/auth/login', { body: issuer })
  await api('POST', '/me/kyc', {
    token: issuerToken, body: { real_name: '李四', id_number: idNumber('19800101', Number(runId) % 1000) },
  })
  const now = Date.now()
  const product = await api('POST', '/products', {
    token: issuerToken,
    body: {
      name: `稳健增利 90 天 ${runId}`, type: 'mixed', risk_level: 'R4', annual_rate: '0.0525', term_days: 90,
      min_amount_minor: 100000, step_amount_minor: 10000, raise_target_minor: 10000000,
      raise_start_at: new Date(now - 3600_000).toISOString(), raise_end_at: new Date(now + 7 * 86400_000).toISOString(),
      disclosure: '投资于债券与股票的混合型产品，期限 90 天。A mixed bond and equity product, 90 days.',
      risk_disclosure: '本产品不保证本金和收益，可能损失部分本金。Principal and yield are not guaranteed.',
    },
  })
  await api('POST', `/products/${product.id}/submit`, { token: issuerToken })
  return product
}

/** Waits until the network is quiet and no Element Plus loading mask is showing. */
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
  await page.waitForTimeout(400) // let dialog and message transitions finish
  step += 1
  const base = join(outDir, `${String(step).padStart(2, '0')}-${name}`)
  await accessible(page, `${name} at ${DESKTOP.width} px`)
  await page.screenshot({ path: `${base}-${DESKTOP.width}.png`, fullPage: true })
  await page.setViewportSize(PHONE)
  await page.waitForTimeout(300)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  check(overflow <= 1, `${name} at ${PHONE.width} px: nothing wider than the screen (${overflow} px over)`)
  await accessible(page, `${name} at ${PHONE.width} px`)
  await page.screenshot({ path: `${base}-${PHONE.width}.png`, fullPage: true })
  await page.setViewportSize(DESKTOP)
  console.log(`screenshot ${base}-{${DESKTOP.width},${PHONE.width}}.png`)
}

async function signIn(page, { login, password, totpSecret }, landing) {
  await page.goto(`${baseUrl}${totpSecret ? '/admin/login' : '/login'}`, { waitUntil: 'networkidle' })
  await page.fill('input[name="login"]', login)
  await page.fill('input[name="password"]', password)
  if (totpSecret) await page.fill('input[name="totp_code"]', await totp(totpSecret))
  await page.click('button[type="submit"]')
  await page.waitForURL(landing, { timeout: 15000 }).catch(() => {})
  await settle(page)
}

async function signOut(page) {
  await page.click('[data-test="logout"]')
  await page.waitForURL(/\/login/)
}

/** Reloads the account page until the balance reads `expected` (channels complete on their own). */
async function balanceBecomes(page, expected) {
  let balance = ''
  for (let attempt = 0; attempt < 10 && !balance.includes(expected); attempt++) {
    if (attempt) await page.waitForTimeout(500)
    await page.reload({ waitUntil: 'networkidle' })
    balance = (await page.textContent('[data-test="balance"]').catch(() => '')) ?? ''
  }
  console.log(`     balance ${balance || '(none shown)'}`)
  return balance.includes(expected)
}

async function investorOnboarding(page) {
  await page.goto(`${baseUrl}/`, { waitUntil: 'networkidle' })
  check((await page.title()).includes('finplat'), 'home page loads')
  await shot(page, 'home')

  await page.goto(`${baseUrl}/register`, { waitUntil: 'networkidle' })
  await page.fill('input[name="login"]', investor.login)
  await page.fill('input[name="password"]', investor.password)
  await page.fill('input[name="confirm"]', investor.password)
  // In development the code is not sent anywhere: the answer carries it and the page fills it in.
  await page.click('[data-test="send-code"]')
  await page.waitForFunction(() => /^\d{6}$/.test(document.querySelector('input[name="code"]')?.value ?? ''))
  await page.click('[data-test="agree"]')
  await shot(page, 'register')
  await page.click('button[type="submit"]')
  // After registering, the app signs in and moves on to real-name verification.
  await page.waitForURL(/\/kyc/, { timeout: 15000 }).catch(() => {})
  check(/\/kyc/.test(page.url()), `registered and signed in (now at ${page.url()})`)

  const investorId = idNumber('19900307', (Number(runId) + 1) % 1000)
  await page.fill('input[name="real_name"]', '张三')
  await page.fill('input[name="id_number"]', investorId)
  await page.fill('input[name="bank_card_number"]', bankCard(runId))
  await page.fill('input[name="bank_reserved_phone"]', investor.login)
  await page.click('button[type="submit"]')
  await page.waitForSelector('.el-result, .el-alert', { timeout: 15000 })
  const kycText = await page.textContent('body')
  check(kycText.includes('认证成功') && kycText.includes('张*'), 'real-name verification succeeds and shows the name masked')
  check(!kycText.includes(investorId), 'the ID number is not shown in full')
  await shot(page, 'kyc')

  await signOut(page)
  await signIn(page, investor, /\/account/)
  check(/\/account/.test(page.url()), `signed in again and on the account page (now at ${page.url()})`)
  await page.waitForSelector('[data-test="balance"]', { timeout: 15000 }).catch(() => {})
  const accountText = await page.textContent('body')
  check(accountText.includes('我的账户') && accountText.includes('¥0.00'), 'account page shows a zero balance')
  await shot(page, 'account')

  // Deposit ¥1,500.00 through the simulated bank channel, which completes it by itself.
  await page.fill('input[name="deposit_amount"]', '1,500')
  await page.click('[data-test="deposit"] button[type="submit"]')
  await page.waitForSelector('[data-test="deposit"] .el-alert', { timeout: 20000 })
  const depositText = await page.textContent('[data-test="deposit"]')
  check(depositText.includes('充值成功') && depositText.includes('¥1,500.00'), `deposit credited and said so (${depositText.replace(/\s+/g, ' ').slice(0, 100)})`)
  check(((await page.textContent('[data-test="balance"]')) ?? '').includes('¥1,500.00'), 'the balance shows the deposit without a reload')
  check(await balanceBecomes(page, '¥1,500.00'), 'balance shows the deposit')
  await shot(page, 'account-after-deposit')

  // Withdraw ¥500.00 to the card bound at verification; the simulated bank completes it.
  await page.fill('input[name="withdraw_amount"]', '500')
  await page.click('[data-test="withdraw"] button[type="submit"]')
  await page.waitForSelector('[data-test="withdraw"] .el-alert', { timeout: 20000 })
  const withdrawText = await page.textContent('[data-test="withdraw"]')
  check(withdrawText.includes('¥500.00'), `withdrawal accepted (${withdrawText.replace(/\s+/g, ' ').slice(0, 160)})`)
  check(await balanceBecomes(page, '¥1,000.00'), 'balance shows the withdrawal')
  await shot(page, 'account-after-withdrawal')

  // The deposit and the withdrawal reach the inbox (event handlers, after the commit); the bell
  // leads there and the messages can be marked read.
  const told = (text) => /充值成功|Deposit credited/.test(text) && /提现成功|Withdrawal paid/.test(text)
  let inboxText = ''
  for (let attempt = 0; attempt < 10 && !told(inboxText); attempt++) {
    if (attempt) {
      await page.waitForTimeout(1000)
      await page.goto(`${baseUrl}/account`, { waitUntil: 'networkidle' })
    }
    await page.click('[data-test="bell"]')
    await page.waitForURL(/\/notifications/)
    await settle(page)
    inboxText = (await page.textContent('.el-card')) ?? ''
  }
  check(/充值成功|Deposit credited/.test(inboxText) && /¥1,500\.00/.test(inboxText), 'the inbox tells of the deposit')
  check(/提现成功|Withdrawal paid/.test(inboxText), 'the inbox tells of the withdrawal')
  await shot(page, 'inbox')
  const viewport = page.viewportSize()
  await page.setViewportSize({ width: 375, height: 800 })
  check(await page.isVisible('[data-test="bell"]'), 'the bell shows on a 375 px screen')
  await shot(page, 'inbox-375px')
  if (viewport) await page.setViewportSize(viewport)
  // The list is read again after the change: wait for that answer, not just an idle network.
  await Promise.all([
    page.waitForResponse((answer) => answer.url().includes('/me/notifications?') && answer.request().method() === 'GET'),
    page.click('[data-test="read-all"]'),
  ])
  await settle(page)
  check(await page.locator('[data-test="notification"].unread').count() === 0, 'mark all read clears the unread marks')

  // Lending pages render (or say the service is not available yet) without breaking.
  await page.goto(`${baseUrl}/loans`, { waitUntil: 'networkidle' })
  check((await page.textContent('body')).includes('散标投资'), 'loan listings page renders')
  await page.goto(`${baseUrl}/borrow`, { waitUntil: 'networkidle' })
  check((await page.textContent('body')).includes('借款申请'), 'loan application page renders')
  await shot(page, 'borrow')

  // A deep link survives a reload (history-mode routing served by the API server).
  await page.goto(`${baseUrl}/profile`, { waitUntil: 'networkidle' })
  const profileText = await page.textContent('body')
  check(profileText.includes('139****') && !profileText.includes(investor.login), 'profile shows the phone masked')
  await shot(page, 'profile')
}

async function operatorReview(page, product) {
  const reviewer = { login: staff.login, password: staff.password, totpSecret: staff.secret }
  await signIn(page, reviewer, /\/admin\/products/)
  check(/\/admin\/products/.test(page.url()), `staff signed in with a TOTP code (now at ${page.url()})`)
  const row = page.locator('.el-table__row', { hasText: product.name })
  await row.waitFor({ timeout: 15000 }).catch(() => {})
  check(await row.count() === 1, 'the submitted product is in the review queue')
  await shot(page, 'admin-review-queue')
  await row.locator('[data-test="view"]').click()
  const details = page.locator('.el-dialog', { hasText: product.name })
  await details.locator('h4').first().waitFor({ timeout: 15000 }).catch(() => {})
  check((await details.textContent().catch(() => '')).includes('Principal and yield are not guaranteed'), 'the reviewer reads the risk disclosure')
  await shot(page, 'admin-product-details')
  await details.locator('.el-dialog__headerbtn').click()
  await details.waitFor({ state: 'hidden' })
  await row.locator('[data-test="approve"]').click()
  await page.waitForSelector('.el-alert--success', { timeout: 15000 }).catch(() => {})
  check((await page.textContent('body')).includes('已批准'), 'the reviewer approved it')

  await page.click('[data-test="queue-approved"]')
  await settle(page)
  const approved = page.locator('.el-table__row', { hasText: product.name })
  await approved.locator('[data-test="publish"]').click()
  await page.waitForSelector('.el-alert--success:has-text("已发布")', { timeout: 15000 }).catch(() => {})
  check((await page.textContent('body')).includes('已发布'), 'the reviewer published it')
  await shot(page, 'admin-published')

  await page.goto(`${baseUrl}/admin/audit`, { waitUntil: 'networkidle' })
  await page.waitForSelector('.el-table__row', { timeout: 15000 }).catch(() => {})
  const auditText = await page.textContent('body')
  check(auditText.includes('审计日志') && auditText.includes('product.'), 'the audit log lists the review')
  await shot(page, 'admin-audit')
  await signOut(page)
}

async function investorBuys(page, product) {
  await signIn(page, investor, /\/account/)
  await page.goto(`${baseUrl}/risk`, { waitUntil: 'networkidle' })
  await page.waitForSelector('.el-radio-group', { timeout: 15000 })
  // The second option of every question scores 45: C3, one level below the R4 product.
  for (const group of await page.locator('.el-radio-group').all()) await group.locator('.el-radio').nth(1).click()
  await page.click('button[type="submit"]')
  await page.waitForSelector('.el-result', { timeout: 15000 }).catch(() => {})
  check((await page.textContent('body')).includes('C3'), 'the questionnaire grades the investor C3')
  await shot(page, 'risk-assessment')

  await page.goto(`${baseUrl}/products`, { waitUntil: 'networkidle' })
  await page.click(`a:has-text("${product.name}")`)
  await page.waitForURL(/\/products\/\d+/)
  await page.waitForSelector('input[name="order_amount"]', { timeout: 15000 })
  check((await page.textContent('body')).includes('5.25%'), 'the product shows its rate as a percentage')
  await page.fill('input[name="order_amount"]', '1000')
  await page.click('label:has(input[name="disclosure_read"])')
  await shot(page, 'product-detail')
  await page.click('[data-test="buy"]')
  const dialog = page.locator('.el-dialog', { hasText: '风险不匹配警示' })
  await dialog.waitFor({ timeout: 15000 }).catch(() => {})
  check(await dialog.isVisible(), 'buying above one\'s level shows the suitability warning')
  await shot(page, 'suitability-warning')
  await dialog.locator('label:has(input[name="acknowledge_risk_mismatch"])').click()
  await dialog.locator('[data-test="buy-anyway"]').click()
  await page.waitForSelector('.el-result:has-text("下单成功")', { timeout: 15000 }).catch(() => {})
  check((await page.textContent('body')).includes('下单成功'), 'the order is placed after the warning is confirmed')
  await shot(page, 'order-placed')

  await page.goto(`${baseUrl}/account`, { waitUntil: 'networkidle' })
  await page.waitForSelector('[data-test="frozen"]', { timeout: 15000 }).catch(() => {})
  const frozen = (await page.textContent('[data-test="frozen"]').catch(() => '')) ?? ''
  const available = (await page.textContent('[data-test="available"]').catch(() => '')) ?? ''
  check(frozen.includes('¥1,000.00') && available.includes('¥0.00'), `the order holds the funds (available ${available}, frozen ${frozen})`)
  await shot(page, 'account-after-order')
  await page.goto(`${baseUrl}/holdings`, { waitUntil: 'networkidle' })
  await page.click('.el-tabs__item:has-text("订单")')
  const order = page.locator('.el-table__row', { hasText: product.name })
  await order.waitFor({ timeout: 15000 }).catch(() => {})
  const orderText = (await order.textContent().catch(() => '')) ?? ''
  check(orderText.includes('¥1,000.00') && orderText.includes('待确认'), `the order is listed as pending (${orderText})`)
  await shot(page, 'orders')
  await page.goto(`${baseUrl}/transactions`, { waitUntil: 'networkidle' })
  await shot(page, 'transactions')
}

const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: DESKTOP,
  locale: 'zh-CN',
})

try {
  const page = browser.pages()[0] ?? (await browser.newPage())
  const pageErrors = []
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  page.setDefaultTimeout(15000)

  const product = staff.login && staff.password && staff.secret ? await setUpProduct() : null
  await investorOnboarding(page)
  if (product) {
    await signOut(page)
    await operatorReview(page, product)
    await investorBuys(page, product)
  } else {
    console.log('skip the operator console and the purchase (FINPLAT_E2E_STAFF_* not set)')
  }
  check(pageErrors.length === 0, `no uncaught page errors ${pageErrors.join('; ')}`)
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
