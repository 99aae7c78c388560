// The lending journey against a running server (FINPLAT_E2E_URL), after e2e/smoke.mjs in e2e/run.sh.
// Through the API: an institution's loan product approved, a borrower applies (new borrowers until
// the credit decision sends one to review), a reviewer approves, two investors bid and the loan
// disburses. The first due date passes: `finplat scheduler --date D` runs that business date's
// jobs, which collect the installment. In the browser: the institution finds its loan product;
// the borrower sees the schedule, pays the loan off and withdraws a second application; each
// investor finds the listing disbursed with its agreement (and the agreement's SHA-256), and the
// money back in their loan holdings; the public disclosure shows the loan. Helpers, waits and
// screenshots (1366 px and 375 px, axe-checked) from lib.mjs, into var/screenshots/lending/.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { api, eventually, idNumber, journey, open, runId, signIn, signOut, staffFromEnv, staffToken, textWith } from './lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const finplat = process.env.FINPLAT_BIN ?? join(here, '..', '..', '.venv', 'bin', 'finplat')
const admin = staffFromEnv('staff')
if (!admin) throw new Error('FINPLAT_E2E_STAFF_* not set')
const yuan = (minor) => `¥${(minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`

/** A verified customer (created by the admin), signed in: `{ login, password, token, id }`. */
async function customer(adminToken, roles, sequence, extra = {}) {
  const user = { login: `e2e-${roles[0]}-${runId}-${sequence}`, password: 'Lending-e2e-2026' }
  const made = await api('POST', '/admin/users', { token: adminToken, body: { ...user, roles, ...extra } })
  const { access_token: token } = await api('POST', '/auth/login', { body: user })
  await api('POST', '/me/kyc', { token, body: { real_name: '王五', id_number: idNumber('19850615', sequence % 1000) } })
  return { ...user, token, id: made.user_id }
}

/** Deposits through the simulated bank and waits until the wallet holds at least `atLeast`. */
async function deposit(user, amountMinor, atLeast) {
  await api('POST', '/me/deposits', { token: user.token, key: randomUUID(), body: { amount_minor: amountMinor, channel: 'bank' } })
  const account = await eventually(() => api('GET', '/me/account', { token: user.token }).catch(() => null),
    (now) => now !== null && now.available_minor >= atLeast, { timeout: 20000, every: 250 })
  if (!account || account.available_minor < atLeast) throw new Error(`the deposit of ${user.login} did not arrive`)
}

/** The borrower tops up what the payoff needs beyond the net disbursement (interest, fees, the
 * reserve contribution taken at disbursement). */
async function topUpForPayoff(user, loanId) {
  const quote = await api('GET', `/me/loans/${loanId}/payoff`, { token: user.token })
  const account = await api('GET', '/me/account', { token: user.token })
  const short = quote.total_minor - account.available_minor
  if (short > 0) await deposit(user, short + 10000, quote.total_minor)
}

/** Answers grading the investor C5 on questionnaire 2026.1 (the API shows no scores). */
const CONFIDENT = { q1: 'q1b', q2: 'q2e', q3: 'q3e', q4: 'q4c', q5: 'q5e', q6: 'q6d', q7: 'q7d', q8: 'q8d', q9: 'q9e', q10: 'q10d' }

async function assess(user) {
  const questionnaire = await api('GET', '/risk-assessment/questionnaire')
  await api('POST', '/me/risk-assessment', { token: user.token, body: { version: questionnaire.version, answers: CONFIDENT } })
}

const APPLICATION = {
  term_months: 12, repayment_method: 'equal_installment', monthly_income_minor: 3000000, dependants: 0,
  monthly_debt_payments_minor: 0, employment: 'employed',
}

async function setUpLoan(check) {
  const adminToken = await staffToken(admin)
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
      reserve_rate: '0.002', funding_window_days: 7, prepayment_fee_rate_bps: 100,
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
      body: { ...APPLICATION, product_id: product.id, amount_minor: 1000000, purpose: '装修' },
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
    await deposit(investor, amount, amount)
    const bid = await api('POST', `/loans/${loanId}/bids`, {
      token: investor.token, key: randomUUID(), body: { amount_minor: amount, acknowledge_risk_mismatch: true },
    })
    investors.push({ ...investor, amount, bid })
  }
  check(investors[1].bid.disbursed === true, 'two investors bid; the full listing disburses')
  return { issuer, borrower, investors, loanId, product }
}

await journey('lending', async ({ page, check, shot }) => {
  const { issuer, borrower, investors, loanId, product } = await setUpLoan(check)
  const schedule = await api('GET', `/loans/${loanId}/schedule`, { token: borrower.token })
  const due = schedule.installments[0].due_date
  await promisify(execFile)(finplat, ['scheduler', '--date', due], { env: process.env })
  const after = await api('GET', `/loans/${loanId}/schedule`, { token: borrower.token })
  check(after.installments[0].status === 'paid', `the scheduler run for ${due} collects installment 1`)
  await topUpForPayoff(borrower, loanId)

  await signIn(page, issuer)
  await open(page, '/institution/loan-products')
  const products = await textWith(page.locator('.el-table'), [product.name])
  check(products.includes(product.name), 'the institution finds its loan product')
  await shot('institution-products')
  await signOut(page)

  await signIn(page, borrower)
  await open(page, `/me/repayments/${loanId}`)
  check((await textWith(page.locator('[data-test="schedule"]'), ['已还清'])).includes('已还清'),
    'the borrower sees installment 1 paid in the schedule')
  const feeLine = await textWith(page.locator('[data-test="payoff-quote"]'), ['提前还款手续费（剩余本金的'])
  check(feeLine.includes('提前还款手续费（剩余本金的'), 'the payoff quote shows the prepayment fee and its rate as a line of its own')
  await shot('borrower-schedule')
  await page.click('[data-test="payoff"]')
  await page.locator('[data-test="payoff-confirm"]').waitFor({ state: 'visible' })
  await shot('borrower-payoff-confirm')
  await page.click('[data-test="payoff-confirm"]')
  check((await textWith(page.locator('[data-test="repay-notice"]'), ['已提前还清'])).includes('已提前还清'),
    'the borrower pays the loan off early')
  await shot('borrower-paid-off')
  // A second application, withdrawn by the borrower on the application page before review.
  const second = await api('POST', '/loans/applications', {
    token: borrower.token, body: { ...APPLICATION, product_id: product.id, amount_minor: 500000, term_months: 6, purpose: '进修' },
  })
  check(second.status === 'pending_review', `the borrower applies again: application #${second.id} waits for review`)
  await open(page, '/borrow')
  await page.click(`[data-test="withdraw-${second.id}"]`)
  await page.locator('[data-test="withdraw-confirm"]').waitFor({ state: 'visible' })
  await shot('borrower-withdraw-confirm')
  await page.click('[data-test="withdraw-confirm"]')
  await page.locator('[data-test="withdraw-notice"]').waitFor()
  await page.locator(`[data-test="withdraw-${second.id}"]`).waitFor({ state: 'detached' })
  const withdrawn = await api('GET', `/me/loans/applications/${second.id}`, { token: borrower.token })
  const mine = await textWith(page.locator('[data-test="my-applications"]'), ['已撤回'])
  check(withdrawn.status === 'withdrawn' && mine.includes('已撤回'), 'the borrower withdraws the undecided application on its page')
  await shot('borrower-withdrawn')
  await signOut(page)

  for (const [index, investor] of investors.entries()) {
    await signIn(page, investor)
    if (index === 0) {
      await open(page, `/loans/${loanId}`)
      const agreementLink = page.locator(`a[href="/loans/${loanId}/agreement"]`)
      check(await agreementLink.waitFor().then(() => true, () => false), 'the listing shows the loan disbursed, with its agreement')
      await shot('investor-listing')
      await agreementLink.click()
      await page.waitForURL(/\/agreement$/)
      const sha = await textWith(page.locator('.el-descriptions code'), [/^[0-9a-f]{64}$/])
      check(/^[0-9a-f]{64}$/.test(sha), `the agreement shows its SHA-256 (${sha})`)
      check(await page.locator('iframe.agreement').waitFor().then(() => true, () => false), 'the agreement text is shown in its frame')
      await shot('investor-agreement')
    }
    await open(page, '/me/loan-holdings')
    const holdings = await textWith(page.locator('[data-test="loan-holdings"]'), [yuan(investor.amount), '已结清'])
    check(holdings.includes(yuan(investor.amount)) && holdings.includes('已结清'),
      `investor ${investor.login} sees the principal back and the loan paid off`)
    await shot(`investor-${investor.amount}`)
    await signOut(page)
  }

  await open(page, '/disclosure')
  check((await textWith(page.locator('[data-test="disclosure"]'), ['¥10,000.00'])).includes('¥10,000.00'),
    'the public disclosure shows the amount lent')
  await shot('disclosure')
}, { dir: 'lending', clean: true })
