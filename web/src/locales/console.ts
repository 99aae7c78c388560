/** The operator console's first pages: product review and the audit log. */
export default {
  'zh-CN': {
    review: {
      title: '产品审核', submitted: '待审核', approved: '待发布', empty: '队列为空', id: '编号', product: '产品', risk: '风险',
      rate: '年化', target: '规模', raiseEnds: '募集截止', decision: '操作', view: '查看', approve: '批准', reject: '驳回',
      publish: '发布', done: { approve: '已批准', reject: '已驳回', publish: '已发布' }, days: '{days} 天',
      reason: '驳回原因（将发送给机构）', readOnly: '只读：您的角色可以查看队列，审核决定由审核员作出。',
      disclosure: { disclosure: '产品说明', risk_disclosure: '风险揭示', mismatch_warning: '不匹配警示' },
    },
    audit: {
      title: '审计日志', sequence: '序号', time: '时间', actor: '操作人', action: '动作', target: '对象', targetId: '对象编号',
      summary: '摘要', ip: 'IP',
    },
  },
  en: {
    review: {
      title: 'Product review', submitted: 'Submitted', approved: 'Approved', empty: 'Nothing waiting', id: 'Id', product: 'Product',
      risk: 'Risk', rate: 'Rate', target: 'Target', raiseEnds: 'Raise ends', decision: 'Decision', view: 'View', approve: 'Approve',
      reject: 'Reject', publish: 'Publish', done: { approve: 'approved', reject: 'rejected', publish: 'published' }, days: '{days} days',
      reason: 'Reason (sent to the institution)', readOnly: 'Read only: your role may read the queue; reviewers decide.',
      disclosure: { disclosure: 'Disclosure', risk_disclosure: 'Risk disclosure', mismatch_warning: 'Mismatch warning' },
    },
    audit: {
      title: 'Audit log', sequence: 'Seq', time: 'Time', actor: 'Actor', action: 'Action', target: 'Target', targetId: 'Target id',
      summary: 'Summary', ip: 'IP',
    },
  },
}
