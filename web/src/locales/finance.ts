/** The operations and finance console. */
export default {
  'zh-CN': {
    menu: {
      funds: '资金统计', payments: '充值提现', stuck: '异常订单', reconciliation: '对账', freezes: '司法冻结', ledger: '账务核验',
    },
    title: {
      funds: '资金统计', payments: '充值提现查询', stuck: '滞留与异常订单', reconciliation: '对账报告', freezes: '司法冻结',
      ledger: '账务核验与平台账户',
    },
    field: {
      id: '编号', kind: '类型', user: '用户', status: '状态', amount: '金额', fee: '手续费', channel: '渠道',
      reference: '订单号', channelReference: '渠道流水号', created: '创建时间', completed: '完成时间', recoveryDue: '下次补查',
      failure: '失败原因', date: '业务日期', matched: '一致笔数', discrepancies: '差异笔数', channelTotal: '渠道合计',
      platformTotal: '平台合计', account: '账户', owner: '用户', reason: '原因', released: '解冻时间', name: '名称',
      balance: '余额', available: '可用', frozen: '冻结', outcome: '结果', detail: '说明', received: '收到时间',
      platformAmount: '平台金额', channelAmount: '渠道金额', item: '差异类型',
    },
    kind: { deposit: '充值', withdrawal: '提现' },
    status: {
      created: '已创建', pending: '处理中', sent: '已发送', succeeded: '成功', failed: '失败',
      matched: '一致', mismatch: '有差异', open: '冻结中', voided: '已解冻', anomaly: '异常', applied: '已处理',
      unknown_order: '未知订单',
    },
    channel: { bank: '银行', thirdparty: '第三方支付' },
    filter: { any: '全部', from: '起始日', to: '截止日（不含）', user: '用户编号', search: '查询', olderThan: '超过（分钟）' },
    funds: {
      deposits: '充值', withdrawals: '提现', netInflow: '净流入', balances: '客户余额', totals: '区间合计',
      flows: '每日资金流', balanceChart: '日终客户余额',
    },
    stuck: { orders: '未完成订单', anomalies: '渠道通知异常', hint: '恢复任务会持续向渠道补查；超时仍未完成的订单将置为失败。' },
    recon: { items: '差异明细', noItems: '无差异', view: '查看' },
    freezes: {
      create: '新建冻结', account: '账户编号', amount: '金额（元）', reason: '原因（如法院文书编号）', submit: '冻结',
      release: '解冻', releaseReason: '解冻原因', created: '已冻结', releasedDone: '已解冻',
    },
    accountKind: {
      custody_cash: '托管银行存款', fee_revenue: '手续费收入', marketing_expense: '营销费用', risk_reserve: '风险准备金',
      suspense: '暂挂账户', customer_wallet: '客户钱包',
    },
    ledger: {
      verify: '立即核验', last: '最近一次核验', never: '尚未核验', ok: '账务平衡', problems: '发现问题',
      entries: '分录数', accounts: '账户数', checkedAt: '核验时间', platform: '平台账户',
    },
  },
  en: {
    menu: {
      funds: 'Fund statistics', payments: 'Deposits & withdrawals', stuck: 'Stuck orders', reconciliation: 'Reconciliation',
      freezes: 'Judicial freezes', ledger: 'Ledger',
    },
    title: {
      funds: 'Fund statistics', payments: 'Deposits & withdrawals', stuck: 'Stuck and anomalous orders',
      reconciliation: 'Reconciliation reports', freezes: 'Judicial freezes', ledger: 'Ledger check and platform accounts',
    },
    field: {
      id: 'ID', kind: 'Kind', user: 'User', status: 'Status', amount: 'Amount', fee: 'Fee', channel: 'Channel',
      reference: 'Reference', channelReference: 'Channel reference', created: 'Created', completed: 'Completed',
      recoveryDue: 'Next check', failure: 'Failure', date: 'Business date', matched: 'Matched',
      discrepancies: 'Discrepancies', channelTotal: 'Channel total', platformTotal: 'Platform total', account: 'Account',
      owner: 'User', reason: 'Reason', released: 'Released', name: 'Name', balance: 'Balance', available: 'Available',
      frozen: 'Frozen', outcome: 'Outcome', detail: 'Detail', received: 'Received', platformAmount: 'Platform amount',
      channelAmount: 'Channel amount', item: 'Discrepancy',
    },
    kind: { deposit: 'Deposit', withdrawal: 'Withdrawal' },
    status: {
      created: 'Created', pending: 'Pending', sent: 'Sent', succeeded: 'Succeeded', failed: 'Failed',
      matched: 'Matched', mismatch: 'Mismatch', open: 'In force', voided: 'Released', anomaly: 'Anomaly',
      applied: 'Applied', unknown_order: 'Unknown order',
    },
    channel: { bank: 'Bank', thirdparty: 'Third party' },
    filter: { any: 'Any', from: 'From', to: 'To (exclusive)', user: 'User id', search: 'Search', olderThan: 'Older than (minutes)' },
    funds: {
      deposits: 'Deposits', withdrawals: 'Withdrawals', netInflow: 'Net inflow', balances: 'Customer balances',
      totals: 'Totals for the period', flows: 'Daily flows', balanceChart: 'Customer balances at day end',
    },
    stuck: {
      orders: 'Unfinished orders', anomalies: 'Callback anomalies',
      hint: 'The recovery loop keeps asking the channel; orders unfinished for too long are failed.',
    },
    recon: { items: 'Discrepancies', noItems: 'No discrepancy', view: 'View' },
    freezes: {
      create: 'New freeze', account: 'Account id', amount: 'Amount (yuan)', reason: 'Reason (e.g. court order number)',
      submit: 'Freeze', release: 'Release', releaseReason: 'Reason for release', created: 'Frozen', releasedDone: 'Released',
    },
    accountKind: {
      custody_cash: 'Custody bank cash', fee_revenue: 'Fee revenue', marketing_expense: 'Marketing expense',
      risk_reserve: 'Risk reserve', suspense: 'Suspense', customer_wallet: 'Customer wallet',
    },
    ledger: {
      verify: 'Verify now', last: 'Last check', never: 'Never checked', ok: 'Books balance', problems: 'Problems found',
      entries: 'Entries', accounts: 'Accounts', checkedAt: 'Checked at', platform: 'Platform accounts',
    },
  },
}
