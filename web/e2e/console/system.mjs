// The system journey: the day's scheduled jobs, the outbox and failed deliveries, the audit log
// filtered by action prefix with the hash chain's verification.
import { journey, open, settle, signIn, staffFromEnv, textWith } from '../lib.mjs'

const admin = staffFromEnv('staff')

await journey('console-system', async ({ page, check, shot }) => {
  await signIn(page, admin)
  await open(page, '/admin/system/scheduler')
  const jobs = page.locator('[data-test="jobs"] .el-table__row')
  check(await jobs.first().waitFor().then(() => true, () => false), 'the day\'s jobs are listed with their runs')
  await shot('scheduler')

  await open(page, '/admin/system/events')
  check(await page.locator('[data-test="outbox-status"]').waitFor().then(() => true, () => false), 'the outbox status is shown')
  await shot('events')

  await open(page, '/admin/audit')
  check((await textWith(page.locator('[data-test="chain-status"]'), ['哈希链完整'])).includes('哈希链完整'),
    'the audit chain verifies')
  await page.getByPlaceholder('动作前缀').fill('identity.')
  await page.locator('[data-test="audit-filter"]').click()
  await settle(page)
  const actions = await page.locator('[data-test="audit-records"] .el-table__row').allInnerTexts()
  check(actions.length > 0 && actions.every((text) => text.includes('identity.')), 'the log is filtered by action prefix')
  await shot('audit')
})
