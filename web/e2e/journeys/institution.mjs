import { localStamp, open, pickersClosed, signIn, signOut, textWith } from '../lib.mjs'

/** The institution user drafts a product in the form and submits it, then reads the raised
 * product's sales, the settlement account (funds it) and the upcoming payout. */
export async function institutionJourney({ page, check, shot }, world, { runId }) {
  await signIn(page, world.issuer)
  await open(page, `/institution/products`)
  await page.locator('.el-table__row', { hasText: world.product.name }).waitFor()
  await shot('institution-products')
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
  await pickersClosed(page)
  await page.fill('textarea[name="disclosure"]', '投资于高等级债券。Invests in high-grade bonds.')
  await page.fill('textarea[name="risk-disclosure"]', '本产品不保证本金和收益。Principal and yield are not guaranteed.')
  await shot('institution-draft-form')
  await page.click('[data-test="submit-product"]')
  await page.waitForURL(/\/institution\/products\/\d+/)
  await page.waitForSelector('.el-alert--success')
  // The detail loads after the redirect: wait for its state before reading it.
  const detail = await textWith(page.locator('main'), [name, '待审核'])
  check(detail.includes(name) && detail.includes('待审核'), 'the drafted product is submitted for review')
  await shot('institution-submitted')

  await open(page, `/institution/settlement`)
  await page.locator('.el-table__row', { hasText: '募集资金划入' }).waitFor()
  check((await textWith(page.locator('main'), ['¥1,000.00'])).includes('¥1,000.00'), 'the raised money is in the settlement account')
  await page.fill('input[name="settlement-fund"]', '20')
  await page.click('.moves form:first-child button[type="submit"]')
  await page.locator('.el-table__row', { hasText: '转入' }).waitFor()
  check(true, 'funding the settlement account from the wallet lists a funding line')
  await shot('institution-settlement')

  await open(page, `/institution/payouts`)
  const payout = page.locator('.el-table__row', { hasText: world.product.name })
  const payoutText = await textWith(payout, ['¥1,000.00', '充足'])
  check(payoutText.includes('¥1,000.00') && payoutText.includes('充足'), `the upcoming payout shows what is due and that it is covered (${payoutText})`)
  await shot('institution-payouts')
  await signOut(page)
}
