import { api, eventually, open, settle, signIn, signOut, textWith } from '../lib.mjs'

/** The investor claims the red packet and the coupon, and reads the points earned for the order
 * (awarded when the raise succeeded); the marketing figures then count both claims. */
export async function rewardsJourney({ page, check, shot }, world) {
  await signIn(page, world.investor)
  await open(page, '/me/red-packets')
  await page.click(`[data-test="claim-red-packet-${world.campaignId}"]`)
  await page.waitForSelector('.el-alert--success')
  check((await textWith(page.locator('main'), ['¥6.66'])).includes('¥6.66'), 'the red packet is claimed into the balance')
  await shot('rewards-red-packets')

  await open(page, '/me/coupons')
  const claim = page.locator('.offer', { hasText: '满100返5' }).locator('button')
  await claim.click()
  await page.waitForSelector('.el-alert--success')
  const coupons = await textWith(page.locator('main'), ['返现券', '可使用'])
  check(coupons.includes('返现券') && coupons.includes('可使用'), 'the claimed coupon is listed as available')
  await shot('rewards-coupons')

  // The points are awarded by an event handler once the raise succeeded: wait for them through
  // the API (one sign-in, a look a second; reloading the page would hit the rate limits), then
  // read them on the page.
  const { access_token: token } = await api('POST', '/auth/login', { body: { login: world.investor.login, password: world.investor.password } })
  await eventually(() => api('GET', '/me/points', { token }).then((p) => p.balance_points, () => null),
    (points) => points === 1000, { timeout: 30000, every: 1000 })
  await open(page, '/me/points')
  const balance = (await textWith(page.locator('[data-test="points-balance"]'), [/^\s*1000\s*$/])).trim()
  check(balance === '1000', `points for the ¥1,000 order are in the balance (${balance})`)
  await settle(page)
  await shot('rewards-points')
  await signOut(page)
}
