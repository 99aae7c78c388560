import { localStamp } from '../support.mjs'

/** The institution user drafts a product in the form and submits it, then reads the raised
 * product's sales, the settlement account (funds it) and the upcoming payout. */
export async function institutionJourney(h, page, world, { staff, runId }) {
  const { baseUrl, check, shot } = h
  await h.signIn(page, world.issuer, /./)
  await page.goto(`${baseUrl}/institution/products`, { waitUntil: 'networkidle' })
  await page.locator('.el-table__row', { hasText: world.product.name }).waitFor()
  await shot(page, 'institution-products')
  await page.click('[data-test="new-product"]')
  await page.waitForURL(/\/institution\/products\/new/)
  const name = `稳盈 60 天 ${runId}`
  await page.fill('input[name="name"]', name)
  await page.fill('input[name="rate"]', '4.2')
  await page.fill('input[name="target"]', '50000')
  await page.fill('input[name="cap"]', '80000')
  const start = new Date(Date.now() + 86400_000)
  const end = new Date(Date.now() + 5 * 86400_000)
  for (const [field, date] of [['raise-start', start], ['raise-end', end]]) {
    const input = page.locator(`input[name="${field}"]`)
    await input.click()
    await input.fill(localStamp(date))
    await input.press('Enter')
  }
  await page.fill('textarea[name="disclosure"]', '投资于高等级债券。Invests in high-grade bonds.')
  await page.fill('textarea[name="risk-disclosure"]', '本产品不保证本金和收益。Principal and yield are not guaranteed.')
  await shot(page, 'institution-draft-form')
  await page.click('[data-test="submit-product"]')
  await page.waitForURL(/\/institution\/products\/\d+/)
  await page.waitForSelector('.el-alert--success')
  // The detail loads after the redirect: wait for its state before reading it.
  await page.locator('main').getByText('待审核').first().waitFor({ timeout: 10000 }).catch(() => {})
  const detail = (await page.textContent('main')) ?? ''
  check(detail.includes(name) && detail.includes('待审核'), 'the drafted product is submitted for review')
  await shot(page, 'institution-submitted')

  await page.goto(`${baseUrl}/institution/settlement`, { waitUntil: 'networkidle' })
  await page.locator('.el-table__row', { hasText: '募集资金划入' }).waitFor()
  check(((await page.textContent('main')) ?? '').includes('¥1,000.00'), 'the raised money is in the settlement account')
  await page.fill('input[name="settlement-fund"]', '20')
  await page.click('.moves form:first-child button[type="submit"]')
  await page.locator('.el-table__row', { hasText: '转入' }).waitFor()
  check(true, 'funding the settlement account from the wallet lists a funding line')
  await shot(page, 'institution-settlement')

  await page.goto(`${baseUrl}/institution/payouts`, { waitUntil: 'networkidle' })
  const payout = page.locator('.el-table__row', { hasText: world.product.name })
  await payout.waitFor()
  const payoutText = (await payout.textContent()) ?? ''
  check(payoutText.includes('¥1,000.00') && payoutText.includes('充足'), `the upcoming payout shows what is due and that it is covered (${payoutText.replace(/\s+/g, ' ')})`)
  await shot(page, 'institution-payouts')
  await h.signOut(page)
}
