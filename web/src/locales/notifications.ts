/** The inbox. */
export default {
  'zh-CN': { title: '消息', readAll: '全部已读', read: '标为已读', empty: '暂无消息' },
  en: { title: 'Notifications', readAll: 'Mark all read', read: 'Mark read', empty: 'No notifications' },
}
