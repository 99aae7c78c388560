import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Schemas } from '@/api/http'
import NotificationBell from '@/components/NotificationBell.vue'
import { POLL_MS, unread } from '@/notifications'
import NotificationsView from '@/views/NotificationsView.vue'

const api = vi.hoisted(() => ({
  unreadCount: vi.fn(),
  notifications: vi.fn(),
  markNotificationRead: vi.fn(),
  markAllNotificationsRead: vi.fn(),
}))
vi.mock('@/api/http', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/http')>()),
  http: (await import('./helpers')).fakeHttp({
    'GET /api/v1/me/notifications/unread-count': () => api.unreadCount(),
    'GET /api/v1/me/notifications': (options) => api.notifications(options.params.query),
    'POST /api/v1/me/notifications/{message_id}/read': (options) => api.markNotificationRead(options.params.path.message_id),
    'POST /api/v1/me/notifications/read-all': () => api.markAllNotificationsRead(),
  }),
}))

/** The badge's text, or '' while it is hidden. */
function badge(wrapper: ReturnType<typeof mount>): string {
  const content = wrapper.find('.el-badge__content')
  return content.exists() && content.isVisible() ? content.text() : ''
}

function router() {
  return createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: { template: '<div />' } }] })
}

const INBOX: Schemas['InboxOut'] = {
  items: [
    { id: 2, topic: 'payment.withdrawal_failed', title: '提现失败', body: '您提现的 ¥70.00 未能完成，资金已退回账户余额。', created_at: '2026-03-02T02:00:00Z', read_at: null },
    { id: 1, topic: 'payment.deposit_succeeded', title: '充值成功', body: '您充值的 ¥1,234.56 已到账。', created_at: '2026-03-01T02:00:00Z', read_at: '2026-03-01T03:00:00Z' },
  ],
  next_cursor: null,
  unread: 1,
}

describe('NotificationBell', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    unread.value = 0
    api.unreadCount.mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('shows the unread count, polls it and asks again on navigation', async () => {
    api.unreadCount.mockResolvedValueOnce({ unread: 3 }).mockResolvedValueOnce({ unread: 0 })
      .mockResolvedValue({ unread: 120 })
    const routes = router()
    await routes.push('/')
    const bell = mount(NotificationBell, { global: { plugins: [routes] } })
    await flushPromises()
    expect(api.unreadCount).toHaveBeenCalledTimes(1)
    expect(badge(bell)).toBe('3')
    expect(bell.find('.sr-only').text()).toBe('通知（3 条未读）')
    expect(bell.attributes('href')).toBe('/notifications')

    await vi.advanceTimersByTimeAsync(POLL_MS)
    await flushPromises()
    expect(api.unreadCount).toHaveBeenCalledTimes(2)
    expect(badge(bell)).toBe('')

    await routes.push('/account')
    await flushPromises()
    expect(api.unreadCount).toHaveBeenCalledTimes(3)
    expect(badge(bell)).toBe('99+')
    bell.unmount()
    await vi.advanceTimersByTimeAsync(POLL_MS * 2)
    expect(api.unreadCount).toHaveBeenCalledTimes(3)
  })

  it('keeps the last count when the server does not answer', async () => {
    api.unreadCount.mockResolvedValueOnce({ unread: 2 }).mockRejectedValue(new Error('offline'))
    const routes = router()
    await routes.push('/')
    const bell = mount(NotificationBell, { global: { plugins: [routes] } })
    await flushPromises()
    await vi.advanceTimersByTimeAsync(POLL_MS)
    await flushPromises()
    expect(badge(bell)).toBe('2')
    bell.unmount()
  })
})

describe('NotificationsView', () => {
  beforeEach(() => {
    for (const fn of Object.values(api)) fn.mockReset()
    api.unreadCount.mockResolvedValue({ unread: 1 })
  })

  it('lists the inbox, marks one read and all read', async () => {
    api.notifications.mockResolvedValue(INBOX)
    api.markNotificationRead.mockResolvedValue(undefined)
    api.markAllNotificationsRead.mockResolvedValue(undefined)
    const view = mount(NotificationsView, { global: { plugins: [router()] } })
    await flushPromises()
    expect(api.notifications).toHaveBeenCalledWith({ limit: 20, cursor: undefined })
    const rows = view.findAll('[data-test="notification"]')
    expect(rows.map((row) => row.find('strong').text())).toEqual(['提现失败', '充值成功'])
    expect(rows[0].classes()).toContain('unread')
    expect(rows[1].find('[data-test="read"]').exists()).toBe(false)
    expect(unread.value).toBe(1)

    await rows[0].find('[data-test="read"]').trigger('click')
    await flushPromises()
    expect(api.markNotificationRead).toHaveBeenCalledWith(2)
    expect(api.notifications).toHaveBeenCalledTimes(2)

    await view.find('[data-test="read-all"]').trigger('click')
    await flushPromises()
    expect(api.markAllNotificationsRead).toHaveBeenCalledTimes(1)
    expect(api.unreadCount).toHaveBeenCalled()
  })
})
