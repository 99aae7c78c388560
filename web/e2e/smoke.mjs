// Smoke test against a running server (FINPLAT_E2E_URL, default http://127.0.0.1:8765).
// An investor registers, passes real-name verification, signs out and in, deposits and withdraws,
// sees both in the balance and in the inbox behind the header's bell. With a staff account (FINPLAT_E2E_STAFF_*, created by e2e/run.sh) an
// institution's R4 product is set up through the API, a reviewer approves and publishes it in the
// operator console and reads the audit log, and the investor (graded C3 by the questionnaire)
// buys it through the suitability warning. Every step is screenshotted at 1366 and 375 px to
// var/screenshots/smoke-*.png and checked by axe-core (helpers: e2e/lib.mjs).
// Uses playwright-core with the system Chromium (no browser downloads).
import {
  api, bankCard, eventually, idNumber, journey, open, runId, settle, signIn, signOut, SIZES, staffFromEnv, textWith, totp,
} from './lib.mjs'

const investor = { login: `139${runId}`, password: 'Smoke-test-2026' }
const staff = staffFromEnv('staff') ?? {}
/** Set by the journey below: its check and a screenshot at both widths (with the axe check). */
let check
let shot

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

/** Reloads the account page until the balance reads `expected` (channels complete on their own). */
async function balanceBecomes(page, expected) {
  const balance = await eventually(async () => {
    await page.reload()
    await settle(page)
    return (await page.textContent('[data-test="balance"]').catch(() => '')) ?? ''
  }, (text) => text.includes(expected), { every: 1500 })
  console.log(`     balance ${balance || '(none shown)'}`)
  return balance.includes(expected)
}

async function investorOnboarding(page) {
  await open(page, `/`)
  check((await page.title()).includes('finplat'), 'home page loads')
  await shot(page, 'home')

  await open(page, `/register`)
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
  const kycText = await textWith(page.locator('body'), ['认证成功', '张*'])
  check(kycText.includes('认证成功') && kycText.includes('张*'), 'real-name verification succeeds and shows the name masked')
  check(!kycText.includes(investorId), 'the ID number is not shown in full')
  await shot(page, 'kyc')

  await signOut(page)
  await signIn(page, investor, /\/account/)
  check(/\/account/.test(page.url()), `signed in again and on the account page (now at ${page.url()})`)
  await page.waitForSelector('[data-test="balance"]', { timeout: 15000 }).catch(() => {})
  const accountText = await textWith(page.locator('body'), ['我的账户', '¥0.00'])
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
  const inboxText = await eventually(async () => {
    await open(page, '/account')
    await page.click('[data-test="bell"]')
    await page.waitForURL(/\/notifications/)
    await settle(page)
    return (await page.textContent('.el-card')) ?? ''
  }, told, { every: 1500 })
  check(/充值成功|Deposit credited/.test(inboxText) && /¥1,500\.00/.test(inboxText), 'the inbox tells of the deposit')
  check(/提现成功|Withdrawal paid/.test(inboxText), 'the inbox tells of the withdrawal')
  await shot(page, 'inbox')
  await page.setViewportSize(SIZES.phone)
  check(await page.isVisible('[data-test="bell"]'), 'the bell shows on a 375 px screen')
  await page.setViewportSize(SIZES.desktop)
  // The list is read again after the change: wait for that answer, not just an idle network.
  await Promise.all([
    page.waitForResponse((answer) => answer.url().includes('/me/notifications?') && answer.request().method() === 'GET'),
    page.click('[data-test="read-all"]'),
  ])
  await settle(page)
  check(await page.locator('[data-test="notification"].unread').count() === 0, 'mark all read clears the unread marks')

  // Lending pages render (or say the service is not available yet) without breaking.
  await open(page, `/loans`)
  check((await textWith(page.locator('body'), ['散标投资'])).includes('散标投资'), 'loan listings page renders')
  await open(page, `/borrow`)
  check((await textWith(page.locator('body'), ['借款申请'])).includes('借款申请'), 'loan application page renders')
  await shot(page, 'borrow')

  // A deep link survives a reload (history-mode routing served by the API server).
  await open(page, `/profile`)
  const profileText = await textWith(page.locator('body'), ['139****'])
  check(profileText.includes('139****') && !profileText.includes(investor.login), 'profile shows the phone masked')
  await shot(page, 'profile')
}

async function operatorReview(page, product) {
  const reviewer = staff
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
  check((await textWith(page.locator('body'), ['已批准'])).includes('已批准'), 'the reviewer approved it')

  await page.click('[data-test="queue-approved"]')
  await settle(page)
  const approved = page.locator('.el-table__row', { hasText: product.name })
  await approved.locator('[data-test="publish"]').click()
  await page.waitForSelector('.el-alert--success:has-text("已发布")', { timeout: 15000 }).catch(() => {})
  check((await textWith(page.locator('body'), ['已发布'])).includes('已发布'), 'the reviewer published it')
  await shot(page, 'admin-published')

  await open(page, `/admin/audit`)
  await page.waitForSelector('.el-table__row', { timeout: 15000 }).catch(() => {})
  const auditText = await textWith(page.locator('body'), ['审计日志', 'product.'])
  check(auditText.includes('审计日志') && auditText.includes('product.'), 'the audit log lists the review')
  await shot(page, 'admin-audit')
  await signOut(page)
}

async function investorBuys(page, product) {
  await signIn(page, investor, /\/account/)
  await open(page, `/risk`)
  await page.waitForSelector('.el-radio-group', { timeout: 15000 })
  // The second option of every question scores 45: C3, one level below the R4 product.
  for (const group of await page.locator('.el-radio-group').all()) await group.locator('.el-radio').nth(1).click()
  await page.click('button[type="submit"]')
  await page.waitForSelector('.el-result', { timeout: 15000 }).catch(() => {})
  check((await textWith(page.locator('body'), ['C3'])).includes('C3'), 'the questionnaire grades the investor C3')
  await shot(page, 'risk-assessment')

  await open(page, `/products`)
  await page.click(`a:has-text("${product.name}")`)
  await page.waitForURL(/\/products\/\d+/)
  await page.waitForSelector('input[name="order_amount"]', { timeout: 15000 })
  check((await textWith(page.locator('body'), ['5.25%'])).includes('5.25%'), 'the product shows its rate as a percentage')
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
  check((await textWith(page.locator('body'), ['下单成功'])).includes('下单成功'), 'the order is placed after the warning is confirmed')
  await shot(page, 'order-placed')

  await open(page, `/account`)
  await page.waitForSelector('[data-test="frozen"]', { timeout: 15000 }).catch(() => {})
  const frozen = (await page.textContent('[data-test="frozen"]').catch(() => '')) ?? ''
  const available = (await page.textContent('[data-test="available"]').catch(() => '')) ?? ''
  check(frozen.includes('¥1,000.00') && available.includes('¥0.00'), `the order holds the funds (available ${available}, frozen ${frozen})`)
  await shot(page, 'account-after-order')
  await open(page, `/holdings`)
  await page.click('.el-tabs__item:has-text("订单")')
  const order = page.locator('.el-table__row', { hasText: product.name })
  await order.waitFor({ timeout: 15000 }).catch(() => {})
  const orderText = (await order.textContent().catch(() => '')) ?? ''
  check(orderText.includes('¥1,000.00') && orderText.includes('待确认'), `the order is listed as pending (${orderText})`)
  await shot(page, 'orders')
  await open(page, `/transactions`)
  await shot(page, 'transactions')
}

await journey('smoke', async (tools) => {
  check = tools.check
  shot = (page, name) => tools.shot(name)
  const { page } = tools
  const product = staff.login && staff.password && staff.secret ? await setUpProduct() : null
  await investorOnboarding(page)
  if (product) {
    await signOut(page)
    await operatorReview(page, product)
    await investorBuys(page, product)
  } else {
    console.log('skip the operator console and the purchase (FINPLAT_E2E_STAFF_* not set)')
  }
})
