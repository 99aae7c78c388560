// The world the role journeys share, set up through the API as its users would: an
// institution with its user, a small R2 product raising now, and a verified, assessed investor
// who bought all of its target.
import { api, eventually, idNumber, staffToken } from '../lib.mjs'

const DAY = 86400_000

/** Everything the journeys share, set up through the API: an institution with its user, a small
 * R2 product raising now (target ¥1,000), and a verified, assessed, funded investor. */
export async function setUpWorld({ staff, runId }) {
  const admin = { access_token: await staffToken(staff.admin) }
  const institution = await api('POST', '/admin/institutions', {
    token: admin.access_token, body: { name: `E2E 财富管理 ${runId}`, uscc: '91110000600037341L' },
  })
  const issuer = { login: `e2e-issuer-${runId}`, password: 'Journey-issuer-2026' }
  await api('POST', '/admin/users', {
    token: admin.access_token, body: { ...issuer, roles: ['institution'], institution_id: institution.id },
  })
  const issuerToken = (await api('POST', '/auth/login', { body: issuer })).access_token
  await api('POST', '/me/kyc', { token: issuerToken, body: { real_name: '王五', id_number: idNumber('19820202', (Number(runId) + 7) % 1000) } })
  await deposit(issuerToken, 10000)

  const now = Date.now()
  const product = await api('POST', '/products', {
    token: issuerToken,
    body: {
      name: `安心 30 天 ${runId}`, type: 'fixed_income', risk_level: 'R2', annual_rate: '0.0365', term_days: 30,
      min_amount_minor: 10000, step_amount_minor: 10000, raise_target_minor: 100000, raise_cap_minor: 200000,
      raise_start_at: new Date(now - 3600_000).toISOString(), raise_end_at: new Date(now + 2 * DAY).toISOString(),
      disclosure: '短期固定收益产品，期限 30 天。A 30-day fixed-income product.',
      risk_disclosure: '本产品不保证本金和收益。Principal and yield are not guaranteed.',
    },
  })
  await api('POST', `/products/${product.id}/submit`, { token: issuerToken })
  // The admin reviews it here (maker-checker: not its author); the reviewer's pages come later.
  for (const step of ['approve', 'publish']) await api('POST', `/admin/products/${product.id}/${step}`, { token: admin.access_token })

  const investor = { login: `137${runId}`, password: 'Journey-invest-2026' }
  await api('POST', '/admin/users', { token: admin.access_token, body: { ...investor, roles: ['investor'] } })
  const investorToken = (await api('POST', '/auth/login', { body: investor })).access_token
  await api('POST', '/me/kyc', {
    token: investorToken, body: { real_name: '赵六', id_number: idNumber('19910404', (Number(runId) + 3) % 1000) },
  })
  await deposit(investorToken, 200000)
  const form = await api('GET', '/risk-assessment/questionnaire')
  const answers = Object.fromEntries(form.questions.map((question) => [question.id, question.options[1].id]))
  await api('POST', '/me/risk-assessment', { token: investorToken, body: { version: form.version, answers } })
  const full = await api('GET', `/products/${product.id}`)
  await api('POST', `/products/${product.id}/orders`, {
    token: investorToken, key: `order-${runId}`,
    body: { amount_minor: 100000, disclosure_version: full.disclosures.risk_disclosure.version },
  })
  return { institution, issuer, issuerToken, product, investor, investorToken }
}

/** A deposit through the simulated bank channel, waited for until it is in the balance. */
async function deposit(token, amountMinor) {
  const key = `deposit-${token.slice(-12)}-${amountMinor}`
  // The wallet is opened by an event handler just after verification: until then the deposit is
  // refused; send it again (the same key) until it is accepted.
  const accepted = await eventually(
    () => api('POST', '/me/deposits', { token, key, body: { amount_minor: amountMinor, channel: 'bank' } }).then((d) => d, () => null),
    Boolean, { every: 500 })
  if (!accepted) throw new Error('the deposit was not accepted')
  const done = await eventually(async () => (await api('GET', '/me/deposits', { token })).items.find((d) => d.id === accepted.id)?.status,
    (status) => status === 'succeeded', { every: 250 })
  if (done !== 'succeeded') throw new Error(`the deposit did not arrive (${done})`)
}
