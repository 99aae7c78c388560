import { flushPromises, mount } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/client'
import LoansView from '@/views/LoansView.vue'

const calls = vi.hoisted(() => ({ loans: vi.fn(), myLoans: vi.fn() }))
vi.mock('@/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api')>()),
  api: { loans: calls.loans, myLoans: calls.myLoans },
}))

function mountLoans(mine = false) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: { template: '<div />' } }] })
  return mount(LoansView, { props: { mine }, global: { plugins: [router] } })
}

describe('LoansView', () => {
  beforeEach(() => {
    calls.loans.mockReset()
    calls.myLoans.mockReset()
  })

  it('says the listings are not available while the server has no such endpoint', async () => {
    calls.loans.mockRejectedValue(new ApiError({ status: 404, code: 'http.not_found', detail: 'Not Found' }))
    const wrapper = mountLoans()
    await flushPromises()
    expect(wrapper.text()).toContain('散标投资暂未开放')
  })

  it('lists listings with money and rates formatted', async () => {
    calls.loans.mockResolvedValue({
      items: [{ id: 3, amount_minor: 5000000, annual_rate: '0.0800', term_months: 12, repayment_method: 'equal_installment', funded_minor: 120000, status: 'listed' }],
      next_cursor: null,
    })
    const wrapper = mountLoans()
    await flushPromises()
    const text = wrapper.text()
    expect(text).toContain('¥50,000.00')
    expect(text).toContain('8.00%')
    expect(text).toContain('等额本息')
    expect(text).toContain('¥1,200.00')
    expect(wrapper.find('a[href="/loans/3"]').exists()).toBe(true)
  })

  it('lists one\'s own loans from /me/loans', async () => {
    calls.myLoans.mockResolvedValue({ items: [{ id: 9, amount_minor: 100, status: 'repaying' }], next_cursor: null })
    const wrapper = mountLoans(true)
    await flushPromises()
    expect(calls.loans).not.toHaveBeenCalled()
    expect(wrapper.find('a[href="/me/loans/9"]').exists()).toBe(true)
    expect(wrapper.text()).toContain('还款中')
  })
})
