/** The reviewer finds the product sold out to its target in the sales list, opens it, closes the
 * raise early and sees it raised with one holder. */
export async function reviewerJourney(h, page, world, { staff, runId }) {
  const { baseUrl, check, shot } = h
  await h.signIn(page, staff.reviewer, /\/admin/)
  await page.goto(`${baseUrl}/admin/sales`, { waitUntil: 'networkidle' })
  const row = page.locator('.el-table__row', { hasText: world.product.name })
  await row.waitFor()
  const rowText = (await row.textContent()) ?? ''
  check(rowText.includes('募集中') && rowText.includes('¥1,000.00') && rowText.includes('100.00%'),
    `the sales list shows the product raising, ¥1,000.00 sold, 100% of target (${rowText.replace(/\s+/g, ' ')})`)
  await shot(page, 'reviewer-sales')
  await row.locator('a', { hasText: world.product.name }).click()
  await page.waitForURL(/\/admin\/sales\/\d+/)
  await page.waitForSelector('[data-test="closeRaise"]')
  await shot(page, 'reviewer-sales-detail')
  await page.click('[data-test="closeRaise"]')
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  await shot(page, 'reviewer-close-raise')
  await dialog.locator('[data-test="confirm"]').click()
  await page.waitForSelector('.el-alert--success')
  const text = (await page.textContent('main')) ?? ''
  check(text.includes('募集成功'), 'closing the raise early leaves the product raised')
  check(/持有人数\s*1/.test(text.replace(/\s+/g, ' ')), 'the detail counts one holder')
  await shot(page, 'reviewer-raised')
  await h.signOut(page)
}
