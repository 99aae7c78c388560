// Lending journey against a running server (FINPLAT_E2E_URL), after e2e/smoke.mjs in e2e/run.sh.
// Through the API: an institution's loan product approved, a borrower applies (new borrowers until
// the credit decision sends one to review), a reviewer approves, two investors bid and the loan
// disburses. The first due date passes: `finplat scheduler --date D` runs that business date's
// jobs, which collect the installment. In the browser: the borrower sees the schedule and pays
// the loan off; both investors see the money in their loan holdings; the public disclosure shows
// it. Screenshots in var/screenshots/lending-*-{1280,390}.png. Uses playwright-core with the system Chromium.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { totp } from './totp.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const baseUrl = (process.env.FINPLAT_E2E_URL ?? 'http://127.0.0.1:8765').replace(/\/$/, '')
const finplat = process.env.FINPLAT_BIN ?? join(here, '..', '..', '.venv', 'bin', 'finplat')
const outDir = process.env.FINPLAT_E2E_SCREENSHOTS ?? join(here, '..', '..', 'var', 'screenshots')
mkdirSync(outDir, { recursive: true })
const runId = String(Date.now()).slice(-7)
const staff = {
  login: process.env.FINPLAT_E2E_STAFF_LOGIN,
  password: process.env.FINPLAT_E2E_STAFF_PASSWORD,
  secret: process.env.FINPLAT_E2E_STAFF_TOTP_SECRET,
}
const failures = []
function check(condition, message) {
  if (!condition) failures.push(message)
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${message}`)
}

function idNumber(birthDate, sequence) {
  const body = `110105${birthDate}${String(sequence).padStart(3, '0')}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((total, digit, index) => total + Number(digit) * weights[index], 0)
  return body + '10X98765432'[sum % 11]
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function api(method, path, { body, token, key } = {}) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  if (key) headers['Idempotency-Key'] = key
  let response = null
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      response = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    } catch (error) {
      // A kept-alive connection the server closed while the scheduler ran (execFileSync holds
      // this process meanwhile): open a new one.
      if (attempt > 2) throw error
      continue
    }
    if (response.status !== 429) break
    await wait(1200) // the sign-in rate limit per address: this journey makes many users
  }
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path} -> ${response.status} ${text}`)
  return text ? JSON.parse(text) : null
}

/** A verified customer (created by the admin), signed in: `{ login, password, token, id }`. */
async function customer(adminToken, roles, sequence, extra = {}) {
  const user = { login: `e2e-${roles[0]}-${runId}-${sequence}`, password: 'Lending-e2e-2026' }
  const made = await api('POST', '/admin/users', { token: adminToken, body: { ...user, roles, ...extra } })
  const { access_token: token } = await api('POST', '/auth/login', { body: user })
  await api('POST', '/me/kyc', { token, body: { real_name: '王五', id_number: idNumber('19850615', sequence % 1000) } })
  return { ...user, token, id: made.user_id }
}

/** The borrower tops up what the payoff needs beyond the net disbursement (interest, fees, the
 * reserve contribution taken at disbursement): waits until the wallet holds the quote's total. */
async function topUpForPayoff(user, loanId) {
  const quote = await api('GET', `/me/loans/${loanId}/payoff`, { token: user.token })
  const account = await api('GET', '/me/account', { token: user.token })
  const short = quote.total_minor - account.available_minor
  if (short <= 0) return
  await api('POST', '/me/deposits', { token: user.token, key: randomUUID(), body: { amount_minor: short + 10000, channel: 'bank' } })
  for (let attempt = 0; attempt < 40; attempt++) {
    const now = await api('GET', '/me/account', { token: user.token }).catch(() => null)
    if (now && now.available_minor >= quote.total_minor) return
    await wait(500)
  }
  throw new Error(`the top-up of ${user.login} did not arrive`)
}

async function fund(user, amountMinor) {
  await api('POST', '/me/deposits', { token: user.token, key: randomUUID(), body: { amount_minor: amountMinor, channel: 'bank' } })
  for (let attempt = 0; attempt < 40; attempt++) {
    const account = await api('GET', '/me/account', { token: user.token }).catch(() => null)
    if (account && JSON.stringify(account).includes(String(amountMinor))) return
    await wait(500)
  }
  throw new Error(`the deposit of ${user.login} did not arrive`)
}

/** Answers grading the investor C5 on questionnaire 2026.1 (the API shows no scores). */
const CONFIDENT = { q1: 'q1b', q2: 'q2e', q3: 'q3e', q4: 'q4c', q5: 'q5e', q6: 'q6d', q7: 'q7d', q8: 'q8d', q9: 'q9e', q10: 'q10d' }

async function assess(user) {
  const questionnaire = await api('GET', '/risk-assessment/questionnaire')
  await api('POST', '/me/risk-assessment', { token: user.token, body: { version: questionnaire.version, answers: CONFIDENT } })
}

async function setUpLoan() {
  const { access_token: adminToken } = await api('POST', '/auth/login', {
    body: { login: staff.login, password: staff.password, totp_code: await totp(staff.secret) },
  })
  const institution = await api('POST', '/admin/institutions', {
    token: adminToken, body: { name: `E2E 小贷 ${runId}`, uscc: '91350100M00020077C' },
  })
  const issuer = await customer(adminToken, ['institution'], 900 + (Number(runId) % 50), { institution_id: institution.id })
  const product = await api('POST', '/lending/products', {
    token: issuer.token,
    body: {
      name: `消费贷 ${runId}`, borrower_kind: 'individual', min_amount_minor: 100000, max_amount_minor: 5000000,
      term_months: [3, 6, 12], min_annual_rate: '0.06', max_annual_rate: '0.10', repayment_methods: ['equal_installment'],
      service_fee_kind: 'per_installment', service_fee_rate: '0.0005', penalty_daily_rate: '0.0003', grace_days: 3,
      reserve_rate: '0.002', funding_window_days: 7,
    },
  })
  await api('POST', `/lending/products/${product.id}/submit`, { token: issuer.token })
  await api('POST', `/admin/lending/products/${product.id}/approve`, { token: adminToken, body: {} })
  let borrower = null
  let application = null
  for (let sequence = 1; sequence <= 40 && !application; sequence++) {
    const candidate = await customer(adminToken, ['borrower'], 100 + sequence)
    const applied = await api('POST', '/loans/applications', {
      token: candidate.token, key: randomUUID(),
      body: {
        product_id: product.id, amount_minor: 1000000, term_months: 12, repayment_method: 'equal_installment',
        purpose: '装修', monthly_income_minor: 3000000, dependants: 0, monthly_debt_payments_minor: 0, employment: 'employed',
      },
    }).catch((error) => ({ status: String(error) }))
    if (applied.status === 'pending_review') { borrower = candidate; application = applied }
    else console.log(`     application ${sequence} refused: ${JSON.stringify(applied.refusal ?? applied.status)}`)
  }
  check(application !== null, 'a borrower applies and the credit decision sends the application to review')
  const approved = await api('POST', `/admin/loans/${application.id}/approve`, { token: adminToken, body: {} })
  const loanId = approved.loan_id
  check(Boolean(loanId), `the reviewer approves: listing #${loanId} opens`)
  const investors = []
  for (const [n, amount] of [[1, 600000], [2, 400000]]) {
    const investor = await customer(adminToken, ['investor'], 300 + n)
    await assess(investor)
    await fund(investor, amount)
    const bid = await api('POST', `/loans/${loanId}/bids`, {
      token: investor.token, key: randomUUID(), body: { amount_minor: amount, acknowledge_risk_mismatch: true },
    })
    investors.push({ ...investor, amount, bid })
  }
  check(investors[1].bid.disbursed === true, 'two investors bid; the full listing disburses')
  return { borrower, investors, loanId, product }
}

/** Signs in through the login page and waits until the app has left it: the session exists
 * only once the sign-in answer is in (navigating earlier lands back on /login). */
async function signIn(page, user) {
  await page.goto(`${baseUrl}/login`, { waitUntil: 'networkidle' })
  await page.fill('input[name="login"]', user.login)
  await page.fill('input[name="password"]', user.password)
  await page.click('button[type="submit"]')
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 30000 })
  await settle(page)
}

/** The page has loaded and no loading mask is showing. */
async function settle(page) {
  await page.waitForLoadState('networkidle')
  await page.waitForFunction(() => [...document.querySelectorAll('.el-loading-mask')]
    .every((mask) => getComputedStyle(mask).display === 'none' || mask.getClientRects().length === 0))
}

const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1280, height: 800 }

/** Screenshots at desktop and phone width (nothing may be wider than the phone's screen). */
async function shot(page, name) {
  await settle(page)
  // Element Plus transitions (dialogs, messages) done: no element is mid-animation.
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
  await page.screenshot({ path: join(outDir, `lending-${name}-${DESKTOP.width}.png`), fullPage: true })
  await page.setViewportSize(PHONE)
  await page.waitForFunction((width) => window.innerWidth === width, PHONE.width)
  await settle(page)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  check(overflow <= 1, `${name} at ${PHONE.width} px: nothing wider than the screen (${overflow} px over)`)
  await page.screenshot({ path: join(outDir, `lending-${name}-${PHONE.width}.png`), fullPage: true })
  await page.setViewportSize(DESKTOP)
  await page.waitForFunction((width) => window.innerWidth === width, DESKTOP.width)
}

async function main() {
  const { borrower, investors, loanId, product } = await setUpLoan()
  const schedule = await api('GET', `/loans/${loanId}/schedule`, { token: borrower.token })
  const due = schedule.installments[0].due_date
  execFileSync(finplat, ['scheduler', '--date', due], { stdio: 'inherit', env: process.env })
  const after = await api('GET', `/loans/${loanId}/schedule`, { token: borrower.token })
  check(after.installments[0].status === 'paid', `the scheduler run for ${due} collects installment 1`)
  await topUpForPayoff(borrower, loanId)

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'],
  })
  try {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: DESKTOP })
    let page = await context.newPage()
    if (process.env.E2E_DEBUG) {
      page.on('console', (m) => console.log('console:', m.type(), m.text()))
      page.on('request', (r) => r.url().includes('/api/') && console.log('request:', r.method(), r.url()))
      page.on('response', async (r) => r.status() >= 400 && console.log('response:', r.status(), r.url(), await r.text().catch(() => '')))
      page.on('framenavigated', (f) => f === page.mainFrame() && console.log('nav:', f.url()))
    }
    await signIn(page, borrower)
    await page.goto(`${baseUrl}/me/repayments/${loanId}`, { waitUntil: 'networkidle' })
    await page.waitForSelector('[data-test="payoff-quote"]', { timeout: 15000 })
    check((await page.textContent('[data-test="schedule"]')).includes('已还清'), 'the borrower sees installment 1 paid in the schedule')
    await shot(page, 'borrower-schedule')
    await page.click('[data-test="payoff"]')
    await page.waitForSelector('[data-test="repay-notice"]', { timeout: 15000 })
    check((await page.textContent('[data-test="repay-notice"]')).includes('已提前还清'), 'the borrower pays the loan off early')
    await shot(page, 'borrower-paid-off')
    // A second application, withdrawn by the borrower on the application page before review.
    const second = await api('POST', '/loans/applications', {
      token: borrower.token,
      body: {
        product_id: product.id, amount_minor: 500000, term_months: 6, repayment_method: 'equal_installment',
        purpose: '进修', monthly_income_minor: 3000000, dependants: 0, monthly_debt_payments_minor: 0, employment: 'employed',
      },
    })
    check(second.status === 'pending_review', `the borrower applies again: application #${second.id} waits for review`)
    await page.goto(`${baseUrl}/borrow`, { waitUntil: 'networkidle' })
    await page.click(`[data-test="withdraw-${second.id}"]`)
    await page.waitForSelector('[data-test="withdraw-confirm"]', { state: 'visible' })
    await shot(page, 'borrower-withdraw-confirm')
    await page.click('[data-test="withdraw-confirm"]')
    await page.waitForSelector('[data-test="withdraw-notice"]', { timeout: 15000 })
    await page.waitForSelector(`[data-test="withdraw-${second.id}"]`, { state: 'detached' })
    const withdrawn = await api('GET', `/me/loans/applications/${second.id}`, { token: borrower.token })
    check(withdrawn.status === 'withdrawn' && (await page.textContent('[data-test="my-applications"]')).includes('已撤回'),
      'the borrower withdraws the undecided application on its page')
    await shot(page, 'borrower-withdrawn')
    for (const investor of investors) {
      await page.close()
      page = await (await browser.newContext({ locale: 'zh-CN', viewport: DESKTOP })).newPage()
      await signIn(page, investor)
      await page.goto(`${baseUrl}/me/loan-holdings`, { waitUntil: 'networkidle' })
      await page.waitForSelector('[data-test="loan-holdings"] .el-table__row', { timeout: 15000 })
      const text = await page.textContent('[data-test="loan-holdings"]')
      check(text.includes(`¥${(investor.amount / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`) && text.includes('已结清'),
        `investor ${investor.login} sees the principal back and the loan paid off`)
      await shot(page, `investor-${investor.amount}`)
    }
    await page.goto(`${baseUrl}/disclosure`, { waitUntil: 'networkidle' })
    await page.waitForSelector('[data-test="disclosure"]', { timeout: 15000 })
    check((await page.textContent('[data-test="disclosure"]')).includes('¥10,000.00'), 'the public disclosure shows the amount lent')
    await shot(page, 'disclosure')
  } finally {
    await browser.close()
  }
  if (failures.length) {
    console.error(`\n${failures.length} lending check(s) failed`)
    process.exit(1)
  }
  console.log('\nlending journey passed')
}

main().catch((error) => { console.error(error); process.exit(1) })
