// The console journeys against a running server (FINPLAT_E2E_URL): the reviewer's product
// sales and raise close, the institution's product form, sales, settlement account and payouts,
// marketing's campaign and points rule, and the investor's red packet, coupon and points. Each
// page is screenshotted at 1366 and 375 px to var/screenshots/roles/ and checked by axe-core
// (helpers: e2e/lib.mjs). Staff accounts come from e2e/run.sh (FINPLAT_E2E_STAFF_*, _REVIEWER_*,
// _MARKETING_*).
import { institutionJourney } from './journeys/institution.mjs'
import { marketingJourney } from './journeys/marketing.mjs'
import { reviewerJourney } from './journeys/reviewer.mjs'
import { rewardsJourney } from './journeys/rewards.mjs'
import { setUpWorld } from './journeys/world.mjs'
import { baseUrl, journey, runId, staffFromEnv } from './lib.mjs'

const staff = { admin: staffFromEnv('staff'), reviewer: staffFromEnv('reviewer'), marketing: staffFromEnv('marketing') }

if (Object.values(staff).some((who) => !who?.login || !who.secret)) {
  console.log('skip the console journeys (FINPLAT_E2E_STAFF_*, _REVIEWER_*, _MARKETING_* not set)')
  process.exit(0)
}

await journey('roles', async (tools) => {
  const context = { staff, runId }
  const world = await setUpWorld(context)
  // One after the other, each on the state the one before left (the raise closed, the campaign
  // created), each signed in as its own person and signed out at the end.
  for (const part of [reviewerJourney, institutionJourney, marketingJourney, rewardsJourney]) {
    console.log(`--- ${part.name}`)
    try {
      await part(tools, world, context)
    } catch (error) {
      tools.check(false, `${part.name}: ${error.stack ?? error}`)
      await tools.page.context().clearCookies()
      await tools.page.goto(`${baseUrl}/`).catch(() => {})
      await tools.page.evaluate(() => { sessionStorage.clear(); localStorage.clear() }).catch(() => {})
    }
  }
}, { dir: 'roles', clean: true })
