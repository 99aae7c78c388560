// The operations/finance journey: fund statistics as charts, deposit search, stuck orders and
// callback anomalies, reconciliation reports, a judicial freeze created and released with its
// reasons, the ledger verified on demand and the platform accounts' balances.
import { appears, eventually, field, api, giveReason, journey, open, settle, signIn, staffFromEnv, textWith } from '../lib.mjs'

const finance = staffFromEnv('finance')
const customer = {
  login: process.env.FINPLAT_E2E_CUSTOMER_LOGIN, password: process.env.FINPLAT_E2E_CUSTOMER_PASSWORD,
  id: process.env.FINPLAT_E2E_CUSTOMER_ID,
}

/** The customer deposits through the simulated bank, which completes it by itself. */
async function deposit(yuan) {
  const { access_token: token } = await api('POST', '/auth/login', { body: { login: customer.login, password: customer.password } })
  await api('POST', '/me/deposits', {
    token, body: { amount_minor: yuan * 100, channel: 'bank' },
    headers: { 'Idempotency-Key': `e2e-${Date.now()}-${yuan}` },
  })
  for (let tries = 0; tries < 40; tries++) {
    const account = await api('GET', '/me/account', { token })
    if (account.available_minor >= yuan * 100) return true
    await new Promise((done) => setTimeout(done, 250))
  }
  return false
}

await journey('console-finance', async ({ page, check, shot }) => {
  check(await deposit(5000), 'the customer has deposited ¥5,000')
  await signIn(page, finance)
  await open(page, '/admin/funds')
  check(await page.locator('[data-test="flows-chart"] canvas').first().waitFor().then(() => true, () => false),
    'the fund flows are drawn as a chart')
  // Other journeys deposit too: the period's deposits include at least this one.
  const depositsIn = (text) => Number((/[¥￥]\s?([\d,]+\.\d{2})/.exec(text)?.[1] ?? '0').replace(/,/g, ''))
  const totals = await eventually(() => textWith(page.locator('[data-test="fund-totals"]'), [], { timeout: 1000 }),
    (text) => depositsIn(text) >= 5000)
  const deposits = depositsIn(totals)
  check(deposits >= 5000, `the deposit counts in the totals (${totals})`)
  await shot('funds')

  await open(page, '/admin/payments')
  await page.getByPlaceholder('用户编号').fill(customer.id)
  await page.locator('[data-test="orders-search"]').click()
  await settle(page)
  const rows = page.locator('[data-test="orders"] .el-table__row')
  check((await textWith(rows, ['成功'])).includes('成功'), 'the succeeded deposit is found by user')
  await shot('payments')

  await open(page, '/admin/payments/stuck')
  check(await page.locator('[data-test="anomalies"]').waitFor().then(() => true, () => false), 'stuck orders and callback anomalies are listed')
  await shot('stuck')

  await open(page, '/admin/reconciliation')
  check(await page.locator('[data-test="reports"]').waitFor().then(() => true, () => false), 'reconciliation reports are listed')
  await shot('reconciliation')

  await open(page, '/admin/freezes')
  await field(page, 'freeze-user').fill(customer.id)
  await field(page, 'freeze-amount').fill('1,000')
  await field(page, 'freeze-reason').fill('（2026）京0105执1号 协助冻结')
  await page.locator('[data-test="freeze-submit"]').click()
  await settle(page)
  const freeze = page.locator('[data-test="freezes"] .el-table__row', { hasText: '执1号' }).first()
  check((await textWith(freeze, ['1,000.00'])).includes('1,000.00'), 'the judicial freeze is listed with its amount and reason')
  await shot('freeze-created')
  await freeze.getByRole('button', { name: '解冻' }).click()
  await giveReason(page, '法院解除冻结通知')
  await settle(page)
  check(await page.locator('[data-test="freezes"] .el-table__row', { hasText: '执1号' }).count() === 0,
    'the freeze is released with a reason (no longer in force)')

  await open(page, '/admin/ledger')
  await page.locator('[data-test="verify"]').click()
  await settle(page)
  check((await textWith(page.locator('[data-test="verify-result"]'), ['账务平衡'])).includes('账务平衡'), 'the books verify')
  check((await textWith(page.locator('[data-test="platform-accounts"]'), ['托管银行存款'])).includes('托管银行存款'), 'platform accounts with balances')
  await shot('ledger')
})
