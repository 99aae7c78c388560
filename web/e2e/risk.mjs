// The risk officer's console in the browser: an admin signs in with a TOTP code, finds the
// built-in monitoring rules, the held-withdrawal queue, generates a large-value report, opens
// the alerts and cases queue, the credit scorecard's model card and its drift (PSI) chart. Every
// page is screenshotted at 1366 px and 375 px into var/screenshots/risk/ and checked by axe-core
// (lib.mjs). Needs the FINPLAT_E2E_STAFF_* account that e2e/run.sh creates;
// `FINPLAT_E2E_URL=http://host:port node e2e/risk.mjs` against a running server.
import { journey, open, settle, signIn, staffFromEnv, textWith } from './lib.mjs'

const admin = staffFromEnv('staff')
if (!admin) throw new Error('FINPLAT_E2E_STAFF_* not set')

await journey('risk', async ({ page, check, shot }) => {
  await signIn(page, admin, /^\/admin(?!\/login)/)

  await open(page, '/admin/risk/rules')
  const rules = await textWith(page.locator('.el-table'), ['large_value_cash', 'hold_large_withdrawal'])
  check(rules.includes('large_value_cash') && rules.includes('hold_large_withdrawal'), 'the rules page lists the built-in rules')
  await shot('rules')

  await open(page, '/admin/risk/reviews')
  await shot('held-withdrawals')

  await open(page, '/admin/risk/reports')
  const generated = page.waitForResponse((response) => response.url().endsWith('/admin/risk/reports')
    && response.request().method() === 'POST', { timeout: 30000 })
  await page.click('.report-form button.el-button--primary')
  check((await generated.catch(() => null))?.ok() === true, 'the report is generated')
  const reports = await textWith(page.locator('.el-table'), ['大额交易报告'], { timeout: 30000 })
  check(reports.includes('大额交易报告'), `a large-value report is listed (${reports.slice(0, 80)})`)
  const saved = page.waitForEvent('download', { timeout: 15000 })
  await page.locator('.el-table__row', { hasText: '大额交易报告' }).first().locator('button').click()
  const file = await saved.catch(() => null)
  check(/^large-value-\d{4}-\d{2}-\d{2}\.csv$/.test(file?.suggestedFilename() ?? ''), `the report downloads as CSV (${file?.suggestedFilename()})`)
  await settle(page)
  await shot('reports')

  await open(page, '/admin/risk')
  await shot('alerts-and-cases')

  await open(page, '/admin/risk/model')
  await page.locator('[data-test="model-version"]').waitFor({ timeout: 30000 })
  const card = await page.textContent('.el-card')
  check(card.includes('1.0.0') && card.includes('0.8614') && card.includes('620'),
    'the model card shows the version, the held-out AUC and the grade cut-offs')
  await page.locator('.el-collapse-item__header').first().click()
  await page.locator('.el-collapse-item__content .el-table__row').first().waitFor()
  const bins = await textWith(page.locator('.el-collapse-item__content'), ['[-inf, 0.060416)', '1.390'])
  check(bins.includes('[-inf, 0.060416)') && bins.includes('1.390'), 'a feature opens on its bins with WOE and points')
  await shot('model-card')

  await open(page, '/admin/risk/drift')
  await page.locator('[data-test="drift-summary"]').waitFor({ timeout: 30000 })
  check(await page.locator('.psi-chart canvas').first().waitFor().then(() => true, () => false), 'the drift page draws the PSI chart')
  const table = await textWith(page.locator('.psi-table'), ['评分', '年龄'])
  check(table.includes('评分') && table.includes('年龄'), 'the drift table lists the score and every feature')
  const ninety = page.waitForResponse((response) => response.url().includes('/admin/risk/drift?days=90'))
  await page.locator('.el-radio-button', { hasText: '90' }).click()
  check((await ninety.catch(() => null))?.status() === 200, 'the 90-day window is asked for')
  await settle(page)
  await shot('drift')
}, { dir: 'risk', clean: true })
