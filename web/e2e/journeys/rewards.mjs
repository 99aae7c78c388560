/** The investor claims the red packet and the coupon, and reads the points earned for the order
 * (awarded when the raise succeeded); the marketing figures then count both claims. */
export async function rewardsJourney(h, page, world, { staff, runId }) {
  const { baseUrl, check, shot } = h
  await h.signIn(page, world.investor, /./)
  await page.goto(`${baseUrl}/me/red-packets`, { waitUntil: 'networkidle' })
  await page.click(`[data-test="claim-red-packet-${world.campaignId}"]`)
  await page.waitForSelector('.el-alert--success')
  check(((await page.textContent('main')) ?? '').includes('¥6.66'), 'the red packet is claimed into the balance')
  await shot(page, 'rewards-red-packets')

  await page.goto(`${baseUrl}/me/coupons`, { waitUntil: 'networkidle' })
  const claim = page.locator('.offer', { hasText: '满100返5' }).locator('button')
  await claim.click()
  await page.waitForSelector('.el-alert--success')
  const coupons = (await page.textContent('main')) ?? ''
  check(coupons.includes('返现券') && coupons.includes('可使用'), 'the claimed coupon is listed as available')
  await shot(page, 'rewards-coupons')

  await page.goto(`${baseUrl}/me/points`, { waitUntil: 'networkidle' })
  await page.waitForSelector('[data-test="points-balance"]')
  const balance = (await page.textContent('[data-test="points-balance"]')) ?? ''
  check(balance.trim() === '1000', `points for the ¥1,000 order are in the balance (${balance})`)
  await shot(page, 'rewards-points')
  const viewport = page.viewportSize()
  await page.setViewportSize({ width: 375, height: 800 })
  await shot(page, 'rewards-points-375px')
  if (viewport) await page.setViewportSize(viewport)
  await h.signOut(page)
}
