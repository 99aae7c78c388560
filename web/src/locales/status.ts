/** Labels of the values the API sends as codes (statuses, types, levels), by group:
 * `label(PRODUCT_STATUS, 'raising')` in src/format.ts reads `status.product.raising`. */
export default {
  'zh-CN': {
    riskLevel: { C1: 'C1 保守型', C2: 'C2 谨慎型', C3: 'C3 稳健型', C4: 'C4 积极型', C5: 'C5 激进型' },
    productRisk: { R1: 'R1 低风险', R2: 'R2 中低风险', R3: 'R3 中风险', R4: 'R4 中高风险', R5: 'R5 高风险' },
    product: {
      draft: '草稿', submitted: '待审核', approved: '已批准', rejected: '已驳回', raising: '募集中', raised: '募集完成',
      failed: '募集失败', running: '运作中', payout_pending: '待兑付', matured: '已到期', delisted: '已下架',
      not_started: '未开始', raise_ended: '募集已截止',
    },
    productType: { fixed_income: '固定收益', mixed: '混合', equity: '权益', derivative: '衍生品' },
    kyc: { verified: '已实名', unverified: '未实名', pending: '审核中', rejected: '未通过', none: '未实名' },
    movement: { created: '已创建', pending: '处理中', sent: '处理中', succeeded: '成功', failed: '失败' },
    channel: { bank: '银行', thirdparty: '第三方支付' },
    transaction: {
      deposit: '充值', withdraw: '提现', fee: '手续费', invest: '投资', product_payout: '兑付', red_packet: '红包', coupon: '优惠券',
    },
    posting: { pending: '冻结中', posted: '已入账', voided: '已解冻' },
    order: { pending: '待确认', confirmed: '已确认', cancelled: '已撤单', refunded: '已退款' },
    holding: { accruing: '计息中', awaiting_payout: '待兑付', paid: '已兑付' },
    repayment: { equal_installment: '等额本息', equal_principal: '等额本金', interest_first: '先息后本', bullet: '到期还本付息' },
    loan: {
      applied: '已申请', scored: '已评分', approved: '已批准', rejected: '已拒绝', listed: '募集中', funded: '已满标',
      expired: '已流标', disbursed: '已放款', repaying: '还款中', settled: '已结清', overdue: '逾期', written_off: '已核销',
      held_for_review: '放款审核中', refused: '放款未通过', unfunded: '已流标', paid_off: '已结清',
    },
    installment: { due: '待还', pending: '待还', paid: '已还', overdue: '逾期', partially_paid: '部分已还' },
    direction: { credit: '收入', debit: '支出', in: '收入', out: '支出' },
    role: {
      investor: '投资人', borrower: '借款人', institution: '机构', reviewer: '审核员', risk_officer: '风控专员',
      support: '客服', auditor: '审计员', admin: '管理员',
    },
  },
  en: {
    riskLevel: { C1: 'C1 Conservative', C2: 'C2 Cautious', C3: 'C3 Balanced', C4: 'C4 Growth', C5: 'C5 Aggressive' },
    productRisk: { R1: 'R1 Low', R2: 'R2 Medium-low', R3: 'R3 Medium', R4: 'R4 Medium-high', R5: 'R5 High' },
    product: {
      draft: 'Draft', submitted: 'Submitted', approved: 'Approved', rejected: 'Rejected', raising: 'Raising', raised: 'Raised',
      failed: 'Raise failed', running: 'Running', payout_pending: 'Payout pending', matured: 'Matured', delisted: 'Delisted',
      not_started: 'Not started', raise_ended: 'Raise closed',
    },
    productType: { fixed_income: 'Fixed income', mixed: 'Mixed', equity: 'Equity', derivative: 'Derivative' },
    kyc: { verified: 'Verified', unverified: 'Not verified', pending: 'Under review', rejected: 'Rejected', none: 'Not verified' },
    movement: { created: 'Created', pending: 'Processing', sent: 'Processing', succeeded: 'Succeeded', failed: 'Failed' },
    channel: { bank: 'Bank', thirdparty: 'Third-party payment' },
    transaction: {
      deposit: 'Deposit', withdraw: 'Withdrawal', fee: 'Fee', invest: 'Investment', product_payout: 'Payout',
      red_packet: 'Red packet', coupon: 'Coupon',
    },
    posting: { pending: 'Held', posted: 'Posted', voided: 'Released' },
    order: { pending: 'Pending', confirmed: 'Confirmed', cancelled: 'Cancelled', refunded: 'Refunded' },
    holding: { accruing: 'Accruing', awaiting_payout: 'Awaiting payout', paid: 'Paid out' },
    repayment: { equal_installment: 'Equal installments', equal_principal: 'Equal principal', interest_first: 'Interest first', bullet: 'Bullet' },
    loan: {
      applied: 'Applied', scored: 'Scored', approved: 'Approved', rejected: 'Rejected', listed: 'Listed', funded: 'Funded',
      expired: 'Expired', disbursed: 'Disbursed', repaying: 'Repaying', settled: 'Settled', overdue: 'Overdue', written_off: 'Written off',
      held_for_review: 'Payout under review', refused: 'Payout refused', unfunded: 'Unfunded', paid_off: 'Paid off',
    },
    installment: { due: 'Due', pending: 'Due', paid: 'Paid', overdue: 'Overdue', partially_paid: 'Partly paid' },
    direction: { credit: 'In', debit: 'Out', in: 'In', out: 'Out' },
    role: {
      investor: 'Investor', borrower: 'Borrower', institution: 'Institution', reviewer: 'Reviewer', risk_officer: 'Risk officer',
      support: 'Support', auditor: 'Auditor', admin: 'Administrator',
    },
  },
}
