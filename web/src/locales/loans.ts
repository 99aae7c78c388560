/** Lending as the portal shows it: listings, one's own loans, applying, bidding, repaying. */
export default {
  'zh-CN': {
    listings: '散标投资', mine: '我的借款', loan: '编号', amount: '金额', rate: '年化', term: '期限', termMonths: '{months} 个月',
    repayment: '还款方式', funded: '已投', status: '状态', empty: '暂无借款', apply: '申请借款 →',
    detail: '借款 #{id}', schedule: '还款计划', repay: '还款', dueNow: '当前应还 {amount}（第 {number} 期，{date}）',
    repaid: '还款成功', repayDue: '归还当期', bid: '投标', bidAmount: '投标金额', bidPlaced: '投标成功：{amount}',
    installment: { number: '期数', due: '到期日', principal: '本金', interest: '利息', total: '合计', status: '状态', empty: '暂无还款计划' },
    form: {
      title: '借款申请', amount: '借款金额', amountInvalid: '请输入正确金额', term: '期限（月）', repayment: '还款方式',
      purpose: '借款用途', income: '月收入', note: '借款额度与利率（含费用）受监管上限约束，以审批结果为准。', submit: '提交申请',
      submitted: '申请已提交：{id}', score: '信用评分', grade: '信用等级', limit: '授信额度', reasons: '主要因素', view: '查看借款 →',
    },
  },
  en: {
    listings: 'Loan listings', mine: 'My loans', loan: 'Loan', amount: 'Amount', rate: 'Rate', term: 'Term', termMonths: '{months} months',
    repayment: 'Repayment', funded: 'Funded', status: 'Status', empty: 'Nothing here yet', apply: 'Apply for a loan →',
    detail: 'Loan #{id}', schedule: 'Repayment schedule', repay: 'Repay', dueNow: 'Due now: {amount} (installment {number}, {date})',
    repaid: 'Repaid', repayDue: 'Repay what is due', bid: 'Bid', bidAmount: 'Amount to bid', bidPlaced: 'Bid placed: {amount}',
    installment: { number: 'No.', due: 'Due', principal: 'Principal', interest: 'Interest', total: 'Total', status: 'Status', empty: 'No schedule yet' },
    form: {
      title: 'Apply for a loan', amount: 'Amount', amountInvalid: 'Enter a valid amount', term: 'Term (months)', repayment: 'Repayment',
      purpose: 'Purpose', income: 'Monthly income', note: 'Loan amounts and the all-in rate are subject to regulatory caps; the approval decides.',
      submit: 'Apply', submitted: 'Application {id} submitted', score: 'Credit score', grade: 'Grade', limit: 'Credit limit',
      reasons: 'Main factors', view: 'View the loan →',
    },
  },
}
