import { open, signIn, signOut, textWith } from '../lib.mjs'

/** The reviewer finds the product sold out to its target in the sales list, opens it, closes the
 * raise early and sees it raised with one holder. */
export async function reviewerJourney({ page, check, shot }, world, { staff }) {
  await signIn(page, staff.reviewer, /\/admin/)
  await open(page, '/admin/sales')
  const row = page.locator('.el-table__row', { hasText: world.product.name })
  const rowText = await textWith(row, ['募集中', '¥1,000.00', '100.00%'])
  check(rowText.includes('募集中') && rowText.includes('¥1,000.00') && rowText.includes('100.00%'),
    `the sales list shows the product raising, ¥1,000.00 sold, 100% of target (${rowText})`)
  await shot('reviewer-sales')
  await row.locator('a', { hasText: world.product.name }).click()
  await page.waitForURL(/\/admin\/sales\/\d+/)
  await page.waitForSelector('[data-test="closeRaise"]')
  await shot('reviewer-sales-detail')
  await page.click('[data-test="closeRaise"]')
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  await shot('reviewer-close-raise')
  await dialog.locator('[data-test="confirm"]').click()
  await page.waitForSelector('.el-alert--success')
  // The detail is read again after the close: wait for its new state, not just the notice.
  const text = await textWith(page.locator('main'), ['募集成功', /持有人数\s*1/])
  check(text.includes('募集成功'), 'closing the raise early leaves the product raised')
  check(/持有人数\s*1/.test(text), 'the detail counts one holder')
  await shot('reviewer-raised')
  await signOut(page)
}
