import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { nextTick } from 'vue'
import { i18n } from '@/i18n'
import { ApiError } from '@/api/client'
import type { Schemas } from '@/api/http'
import MoneyText from '@/components/MoneyText.vue'
import OrderForm from '@/components/OrderForm.vue'
import ProblemAlert from '@/components/ProblemAlert.vue'
import { session } from '@/session'
import { profile } from './helpers'

const placeOrder = vi.hoisted(() => vi.fn())
vi.mock('@/api/http', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/http')>()),
  http: (await import('./helpers')).fakeHttp({
    'POST /api/v1/products/{product_id}/orders': (options) =>
      placeOrder(options.params.path.product_id, options.body, options.params.header['Idempotency-Key']),
  }),
}))

const PRODUCT = {
  id: 7, name: '稳盈 90 天', type: 'fixed_income', risk_level: 'R4', annual_rate: '0.0490', term_days: 90,
  min_amount_minor: 100000, step_amount_minor: 10000, raise_target_minor: 100000000, status: 'raising',
  disclosures: {
    risk_disclosure: { version: 3, text: '本产品不保本。' },
    mismatch_warning: { version: 2, text: '风险不匹配警示：本产品风险等级为R4。' },
  },
} as unknown as Schemas['ProductOut']

/** Element Plus debounces a form item's error state before showing the message. */
async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 150))
  await flushPromises()
}

function router() {
  return createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: { template: '<div />' } }] })
}

describe('MoneyText', () => {
  it('formats fen as yuan and marks negatives', () => {
    expect(mount(MoneyText, { props: { minor: 123456 } }).text()).toBe('¥1,234.56')
    const negative = mount(MoneyText, { props: { minor: -1 } })
    expect(negative.text()).toBe('-¥0.01')
    expect(negative.classes()).toContain('negative')
  })
})

describe('ProblemAlert', () => {
  it('lists the field errors and the stable code', () => {
    const error = new ApiError({
      status: 422, code: 'validation.invalid', detail: '身份证号校验位错误',
      errors: [{ field: 'id_number', message: 'bad check character' }],
    })
    const wrapper = mount(ProblemAlert, { props: { error } })
    expect(wrapper.text()).toContain('身份证号校验位错误')
    expect(wrapper.text()).toContain('id_number')
    expect(wrapper.text()).toContain('bad check character')
    expect(wrapper.text()).toContain('validation.invalid')
  })

  it('shows the app\'s message for a known code, in the chosen language', async () => {
    const error = new ApiError({ status: 401, code: 'auth.invalid_credentials', detail: 'invalid credentials' })
    const wrapper = mount(ProblemAlert, { props: { error } })
    expect(wrapper.find('.el-alert__title').text()).toBe('账号或密码错误')
    i18n.global.locale.value = 'en'
    await nextTick()
    expect(wrapper.find('.el-alert__title').text()).toBe('Wrong login or password')
    i18n.global.locale.value = 'zh-CN'
  })

  it('says a missing endpoint is not available instead of failing', () => {
    const error = new ApiError({ status: 404, code: 'http.not_found', detail: 'Not Found' })
    const wrapper = mount(ProblemAlert, { props: { error, feature: '审计日志' } })
    expect(wrapper.text()).toContain('审计日志暂未开放')
    expect(wrapper.text()).toContain('服务器尚未提供该功能')
  })

  it('renders nothing without an error', () => {
    expect(mount(ProblemAlert, { props: { error: null } }).text()).toBe('')
  })
})

describe('OrderForm', () => {
  beforeEach(() => {
    placeOrder.mockReset()
    session.me = profile(['investor'], 'C2')
  })
  afterEach(() => {
    document.body.innerHTML = ''
    session.me = null
  })

  async function mountForm() {
    const wrapper = mount(OrderForm, { props: { product: PRODUCT }, global: { plugins: [router()] }, attachTo: document.body })
    await wrapper.find('input[name="order_amount"]').setValue('1,500')
    await wrapper.find('input[name="disclosure_read"]').setValue(true)
    return wrapper
  }

  it('checks the minimum and the step before sending anything', async () => {
    const wrapper = mount(OrderForm, {
      props: { product: PRODUCT }, global: { plugins: [router()], stubs: { 'transition-group': false } },
    })
    await wrapper.find('input[name="order_amount"]').setValue('999.99')
    await settled()
    expect(wrapper.text()).toContain('起投金额 ¥1,000.00')
    await wrapper.find('input[name="order_amount"]').setValue('1050')
    await settled()
    expect(wrapper.text()).toContain('¥100.00')
    expect(placeOrder).not.toHaveBeenCalled()
  })

  it('asks for the risk warning on a suitability mismatch, then buys with acknowledgement', async () => {
    placeOrder
      .mockRejectedValueOnce(new ApiError({ status: 403, code: 'investment.suitability_mismatch', detail: 'R4 exceeds C2' }))
      .mockResolvedValueOnce({ id: 55, status: 'confirmed' })
    const wrapper = await mountForm()
    await wrapper.find('form').trigger('submit')
    await flushPromises()

    expect(placeOrder).toHaveBeenCalledTimes(1)
    const [productId, firstBody, firstKey] = placeOrder.mock.calls[0]
    expect(productId).toBe(7)
    expect(firstBody).toEqual({ amount_minor: 150000, disclosure_version: 3, acknowledge_risk_mismatch: false })
    expect(document.body.textContent).toContain('R4 exceeds C2')
    expect(document.body.textContent).toContain('C2 谨慎型')
    expect(document.body.textContent).toContain('风险不匹配警示：本产品风险等级为R4。')

    const buyAnyway = document.querySelector('[data-test="buy-anyway"]') as HTMLButtonElement
    expect(buyAnyway.disabled).toBe(true)
    const confirm = document.querySelector<HTMLInputElement>('input[name="acknowledge_risk_mismatch"]')!
    confirm.click()
    await flushPromises()
    expect(buyAnyway.disabled).toBe(false)
    buyAnyway.click()
    await flushPromises()

    expect(placeOrder).toHaveBeenCalledTimes(2)
    const [, secondBody, secondKey] = placeOrder.mock.calls[1]
    expect(secondBody).toEqual({
      amount_minor: 150000, disclosure_version: 3, acknowledge_risk_mismatch: true, risk_warning_version: 2,
    })
    expect(secondKey).not.toBe(firstKey)
    expect(wrapper.text()).toContain('下单成功')
    expect(wrapper.emitted('ordered')?.[0]).toEqual([{ id: 55, status: 'confirmed' }])
  })

  it('reuses the idempotency key when the same order is retried after a network failure', async () => {
    placeOrder
      .mockRejectedValueOnce(new ApiError({ status: 0, code: 'network.unreachable', detail: 'offline' }))
      .mockResolvedValueOnce({ id: 56, status: 'confirmed' })
    const wrapper = await mountForm()
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('无法连接服务器')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(placeOrder.mock.calls[0][2]).toBe(placeOrder.mock.calls[1][2])
    expect(wrapper.text()).toContain('下单成功')
  })

  it('never offers the acknowledgement when the server says it cannot be given', async () => {
    placeOrder.mockRejectedValueOnce(new ApiError({
      status: 403, code: 'investment.suitability_mismatch', detail: 'a C1 investor may only buy R1 products',
      can_acknowledge: false,
    }))
    const wrapper = await mountForm()
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('a C1 investor may only buy R1 products')
    expect(document.body.textContent).not.toContain('确认购买')
  })

  it('asks the parent to reload when the disclosure was revised meanwhile', async () => {
    placeOrder.mockRejectedValueOnce(new ApiError({ status: 409, code: 'investment.disclosure_outdated', detail: 'read the new disclosure' }))
    const wrapper = await mountForm()
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.emitted('stale')).toHaveLength(1)
    expect(wrapper.find<HTMLInputElement>('input[name="disclosure_read"]').element.checked).toBe(false)
  })

  it('shows a 409 (quota or funds) as an error, without the risk dialog', async () => {
    placeOrder.mockRejectedValueOnce(new ApiError({ status: 409, code: 'ledger.insufficient_funds', detail: '余额不足' }))
    const wrapper = await mountForm()
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('余额不足')
    expect(document.body.textContent).not.toContain('确认购买')
  })
})
