import { flushPromises, mount } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/client'
import RegisterView from '@/views/RegisterView.vue'

const calls = vi.hoisted(() => ({
  register: vi.fn(), confirmContact: vi.fn(), resendCode: vi.fn(), signIn: vi.fn(), agreements: vi.fn(), sendRegistrationCode: vi.fn(),
}))
vi.mock('@/api/http', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/http')>()),
  http: (await import('./helpers')).fakeHttp({
    'POST /api/v1/auth/register': (options) => calls.register(options.body),
    'POST /api/v1/auth/confirm': (options) => calls.confirmContact(options.body),
    'POST /api/v1/auth/confirm/resend': (options) => calls.resendCode(options.body),
    'GET /api/v1/agreements': () => calls.agreements(),
    'POST /api/v1/auth/register/code': (options) => calls.sendRegistrationCode(options.body),
  }),
}))
vi.mock('@/session', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/session')>()),
  signIn: calls.signIn,
}))

const AGREEMENTS = {
  agreements: [
    { kind: 'user_agreement', version: 1, title: '用户协议', body: '…' },
    { kind: 'privacy_policy', version: 2, title: '隐私政策', body: '…' },
  ],
}

async function mountAndFill(login: string, password: string, { code = '123456', agree = true } = {}) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: { template: '<div />' } }] })
  await router.push('/register')
  const wrapper = mount(RegisterView, { global: { plugins: [router] } })
  await wrapper.find('input[name="login"]').setValue(login)
  await wrapper.find('input[name="password"]').setValue(password)
  await wrapper.find('input[name="confirm"]').setValue(password)
  await wrapper.find('input[name="code"]').setValue(code)
  if (agree) await wrapper.find('input[name="agree"]').setValue(true)
  await flushPromises()
  return { wrapper, router }
}

describe('RegisterView', () => {
  beforeEach(() => {
    Object.values(calls).forEach((mock) => mock.mockReset())
    calls.agreements.mockResolvedValue(AGREEMENTS)
  })

  it('checks the phone number and the password before calling the server', async () => {
    const { wrapper } = await mountAndFill('12345', 'Password-1')
    await wrapper.find('form').trigger('submit')
    expect(wrapper.text()).toContain('11 位手机号')
    const weak = await mountAndFill('13800138000', 'onlylowercase')
    await weak.wrapper.find('form').trigger('submit')
    expect(weak.wrapper.text()).toContain('两类字符')
    expect(calls.register).not.toHaveBeenCalled()
  })

  it('asks for the code and for consent to the agreements before calling the server', async () => {
    const noCode = await mountAndFill('13800138000', 'Password-1', { code: '' })
    await noCode.wrapper.find('form').trigger('submit')
    expect(noCode.wrapper.text()).toContain('6 位验证码')
    const noConsent = await mountAndFill('13800138000', 'Password-1', { agree: false })
    await noConsent.wrapper.find('form').trigger('submit')
    expect(noConsent.wrapper.text()).toContain('用户协议和隐私政策')
    expect(calls.register).not.toHaveBeenCalled()
  })

  it('registers by phone, signs in and goes on to real-name verification', async () => {
    calls.register.mockResolvedValue({ user_id: 5 })
    calls.signIn.mockResolvedValue(undefined)
    const { wrapper, router } = await mountAndFill('13800138000', 'Password-1')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(calls.register).toHaveBeenCalledWith({
      phone: '13800138000', password: 'Password-1', code: '123456', agreements: { user_agreement: 1, privacy_policy: 2 },
    })
    expect(calls.signIn).toHaveBeenCalledWith('13800138000', 'Password-1')
    expect(router.currentRoute.value.path).toBe('/kyc')
  })

  it('asks for the confirmation code when the server requires one, then signs in', async () => {
    calls.register.mockResolvedValue({ user_id: 6 })
    calls.signIn
      .mockRejectedValueOnce(new ApiError({ status: 403, code: 'identity.contact_unconfirmed', detail: 'confirm first' }))
      .mockResolvedValueOnce(undefined)
    calls.confirmContact.mockResolvedValue(undefined)
    const { wrapper, router } = await mountAndFill('a@example.com', 'Password-1')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(calls.register).toHaveBeenCalledWith({
      email: 'a@example.com', password: 'Password-1', code: '123456', agreements: { user_agreement: 1, privacy_policy: 2 },
    })
    expect(wrapper.find('input[name="confirmation_code"]').exists()).toBe(true)

    await wrapper.find('input[name="confirmation_code"]').setValue('123456')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(calls.confirmContact).toHaveBeenCalledWith({ login: 'a@example.com', code: '123456' })
    expect(calls.signIn).toHaveBeenCalledTimes(2)
    expect(router.currentRoute.value.path).toBe('/kyc')
  })

  it('shows a refusal from the server', async () => {
    calls.register.mockRejectedValue(new ApiError({
      status: 409, code: 'identity.login_taken', detail: '该手机号已注册',
    }))
    const { wrapper } = await mountAndFill('13800138000', 'Password-1')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('该手机号或邮箱已被注册')
    expect(calls.signIn).not.toHaveBeenCalled()
  })
})
