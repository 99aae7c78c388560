import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import type { Schemas } from '@/api/http'
import AgreementView from '@/views/lending/AgreementView.vue'
import ListingView from '@/views/lending/ListingView.vue'
import LoanRepaymentView from '@/views/servicing/LoanRepaymentView.vue'

/** The lending pages read the answers the server declares (the generated types), not shapes
 * of their own: a typed answer renders as it is. */
const LISTING: Schemas['LoanListingOut'] = {
  id: 7, status: 'listed', product_id: 3, institution_id: 2, amount_minor: 1_000_000, currency: 'CNY',
  funded_minor: 400_000, remaining_minor: 600_000, bid_count: 1, term_months: 12,
  repayment_method: 'equal_installment', annual_rate: '0.084000', apr: '0.093000', lpr_one_year: '0.031000',
  grade: 'B', risk_level: 'R3', purpose: '装修', service_fee_kind: 'upfront', upfront_fee_minor: 5_000,
  installment_fee_minor: 0, reserve_contribution_minor: 2_000, penalty_daily_rate: '0.000300', grace_days: 3,
  prepayment_fee_rate_bps: 100, listed_at: '2026-03-02T02:00:00+00:00', funding_ends_at: '2026-03-07T02:00:00+00:00',
  disbursed_at: null, start_date: null, agreement_sha256: null, min_bid_minor: 10_000, bid_step_minor: 10_000,
  borrower: { kind: 'individual', masked_name: '李*', record: { loans: 2, paid_off: 1, written_off: 0, overdue_installments: 4, days_past_due_now: 0 } },
}
const AGREEMENT: Schemas['LoanAgreementOut'] = {
  loan_id: 7, html: '<p>借款协议</p>', sha256: 'a'.repeat(64), template_version: '2', created_at: '2026-03-07T02:00:00+00:00',
}
const SCHEDULE: Schemas['ScheduleOut'] = {
  loan_id: 7, status: 'disbursed', currency: 'CNY', installments: [
    { number: 1, due_date: '2026-04-07', principal_minor: 80_000, interest_minor: 7_000, fee_minor: 0, penalty_minor: 0,
      total_minor: 87_000, paid_minor: 0, owed_minor: 87_000, status: 'scheduled' },
  ],
}
const QUOTE: Schemas['PayoffQuoteOut'] = {
  loan_id: 7, business_date: '2026-03-20', currency: 'CNY', principal_minor: 1_000_000, interest_minor: 3_000,
  fee_minor: 0, penalty_minor: 0, prepayment_fee_minor: 10_000, prepayment_fee_rate_bps: 100, total_minor: 1_013_000,
}
const current = { schedule: SCHEDULE }

vi.mock('@/api/http', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/http')>()),
  http: (await import('./helpers')).fakeHttp({
    'GET /api/v1/loans/{loan_id}': () => LISTING,
    'GET /api/v1/loans/{loan_id}/agreement': () => AGREEMENT,
    'GET /api/v1/loans/{loan_id}/schedule': () => current.schedule,
    'GET /api/v1/me/loans/{loan_id}/payoff': () => QUOTE,
  }),
}))

describe('lending pages', () => {
  it('show a listing with the borrower disclosure', async () => {
    const page = mount(ListingView, { props: { id: '7' }, global: { stubs: { RouterLink: true } } })
    await flushPromises()
    const text = page.text()
    expect(text).toContain('#7')
    expect(text).toContain('李*')
    expect(text).toContain('装修')
    expect(text).toContain('¥6,000.00')
    expect(page.find('[data-test="prepayment-fee"]').text()).toBe('1.00%')
    expect(page.find('[data-test="prepayment-rule"]').text()).toContain('剩余本金的 1.00%')
    page.unmount()
  })

  it('show the payoff quote with the prepayment fee as its own line and ask before paying', async () => {
    const page = mount(LoanRepaymentView, { props: { id: '7' } })
    await flushPromises()
    const quote = page.find('[data-test="payoff-quote"]').text()
    expect(quote).toContain('提前还款手续费（剩余本金的 1.00%）')
    expect(page.find('[data-test="payoff-prepayment-fee"]').text()).toBe('¥100.00')
    expect(quote).toContain('¥10,130.00')
    expect(page.find('[data-test="prepayment-rule"]').text()).toContain('1.00%')
    // The first click only opens the confirmation (no payoff request: none is faked here).
    await page.find('[data-test="payoff"]').trigger('click')
    await flushPromises()
    expect(page.text()).toContain('其中提前还款手续费 ¥100.00')
    expect(page.find('[data-test="repay-notice"]').exists()).toBe(false)
    expect(page.find('[data-test="repay"]').exists()).toBe(true)
    page.unmount()
  })

  it('say that nothing is due instead of offering a repayment that would be refused', async () => {
    const later = { ...SCHEDULE.installments[0]!, due_date: '2999-01-01' }
    current.schedule = { ...SCHEDULE, installments: [later] }
    const page = mount(LoanRepaymentView, { props: { id: '7' } })
    await flushPromises()
    expect(page.find('[data-test="nothing-due"]').text()).toBe('当前没有应还金额')
    expect(page.find('[data-test="repay"]').exists()).toBe(false)
    current.schedule = SCHEDULE
    page.unmount()
  })

  it('show the agreement as issued, with its version and digest', async () => {
    const page = mount(AgreementView, { props: { id: '7' } })
    await flushPromises()
    expect(page.text()).toContain('a'.repeat(64))
    expect(page.find('iframe').attributes('srcdoc')).toBe('<p>借款协议</p>')
    page.unmount()
  })
})
