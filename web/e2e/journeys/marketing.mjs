import { localStamp, open, pickersClosed, signIn, signOut, textWith } from '../lib.mjs'

/** Marketing staff create a campaign with a red packet, fund it, add a claimable cash-back offer
 * and set a points rule. */
export async function marketingJourney({ page, check, shot }, world, { staff, runId }) {
  await signIn(page, staff.marketing, /\/admin/)
  await open(page, `/admin/campaigns`)
  await page.click('[data-test="new-campaign"]')
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  const name = `周年庆 ${runId}`
  await dialog.locator('input[name="campaign-name"]').fill(name)
  for (const [field, offset] of [['starts-at', -3600_000], ['ends-at', 10 * 86400_000]]) {
    const input = dialog.locator(`input[name="${field}"]`)
    await input.click()
    await input.fill(localStamp(new Date(Date.now() + offset)))
    await input.press('Enter')
  }
  await dialog.locator('input[name="red-packet"]').fill('6.66')
  await pickersClosed(page)
  await shot('marketing-new-campaign')
  await dialog.locator('[data-test="create-campaign"]').click()
  const row = page.locator('.el-table__row', { hasText: name })
  await row.waitFor()
  world.campaignName = name
  await shot('marketing-campaigns')
  await row.locator('a', { hasText: name }).click()
  await page.waitForURL(/\/admin\/campaigns\/\d+/)
  world.campaignId = Number(page.url().split('/').pop())
  await page.fill('input[name="campaign-fund"]', '100')
  await page.click('.fund-form button[type="submit"]')
  await page.waitForSelector('.el-alert--success')
  await page.click('[data-test="add-offer"]')
  const offer = page.locator('.el-dialog:visible')
  await offer.waitFor()
  await offer.locator('input[name="offer-name"]').fill('满100返5')
  await offer.locator('input[name="cashback"]').fill('5')
  await offer.locator('input[name="min-order"]').fill('100')
  await offer.locator('[data-test="save-offer"]').click()
  await page.locator('.el-table__row', { hasText: '满100返5' }).waitFor()
  const text = await textWith(page.locator('main'), ['¥100.00', '满100返5'])
  check(text.includes('¥100.00') && text.includes('满100返5'), 'the campaign is funded and has its offer')
  await shot('marketing-campaign')

  await open(page, `/admin/points-rules`)
  await page.fill('input[name="points-per-yuan"]', '2')
  await page.click('[data-test="save-rule"]')
  await page.locator('.el-table__row', { hasText: '待生效' }).waitFor()
  check(true, 'a points rule to come is listed')
  await shot('marketing-points-rules')
  await signOut(page)
}
