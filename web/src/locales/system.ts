/** The system console: scheduled jobs, event deliveries, the audit log. */
export default {
  'zh-CN': {
    menu: { scheduler: '定时任务', events: '事件投递' },
    title: { scheduler: '定时任务', events: '事件投递失败' },
    field: {
      job: '任务', status: '状态', attempts: '尝试次数', error: '错误', started: '开始时间', finished: '完成时间',
      event: '事件', topic: '主题', handler: '处理器', next: '下次重试', updated: '更新时间', actions: '操作',
    },
    status: { not_run: '未运行', running: '运行中', done: '已完成', failed: '失败', dead: '已放弃', skipped: '已跳过', gave_up: '已放弃' },
    scheduler: { date: '业务日期', retry: '重试', retried: '已重试：{status}' },
    events: {
      undispatched: '待投递事件', retry: '重试', retried: '已安排重试', filter: '状态', any: '全部',
    },
    audit: {
      actor: '操作人编号', action: '动作', prefix: '动作前缀', targetType: '对象类型', targetId: '对象编号',
      from: '起始时间', to: '截止时间', search: '筛选', verify: '校验哈希链', chainOk: '哈希链完整',
      chainBroken: '哈希链损坏', records: '已封存记录', unsealed: '未封存', head: '链头序号',
      sequence: '序号', time: '时间', target: '对象', summary: '摘要',
    },
  },
  en: {
    menu: { scheduler: 'Scheduled jobs', events: 'Event deliveries' },
    title: { scheduler: 'Scheduled jobs', events: 'Failed event deliveries' },
    field: {
      job: 'Job', status: 'Status', attempts: 'Attempts', error: 'Error', started: 'Started', finished: 'Finished',
      event: 'Event', topic: 'Topic', handler: 'Handler', next: 'Next attempt', updated: 'Updated', actions: 'Actions',
    },
    status: {
      not_run: 'Not run', running: 'Running', done: 'Done', failed: 'Failed', dead: 'Dead', skipped: 'Skipped',
      gave_up: 'Gave up',
    },
    scheduler: { date: 'Business date', retry: 'Retry', retried: 'Retried: {status}' },
    events: { undispatched: 'Undispatched events', retry: 'Retry', retried: 'Retry scheduled', filter: 'Status', any: 'Any' },
    audit: {
      actor: 'Actor id', action: 'Action', prefix: 'Action prefix', targetType: 'Target type', targetId: 'Target id',
      from: 'From', to: 'To', search: 'Filter', verify: 'Verify the chain', chainOk: 'Chain intact',
      chainBroken: 'Chain broken', records: 'Sealed records', unsealed: 'Unsealed', head: 'Head sequence',
      sequence: 'Seq', time: 'Time', target: 'Target', summary: 'Summary',
    },
  },
}
