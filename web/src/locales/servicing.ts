/** Loan servicing: repayments, schedule, payoff, loan holdings, the overdue console, disclosure. */
export default {
  'zh-CN': {
    menu: { repayments: '我的还款', holdings: '出借持有', overdue: '逾期管理', disclosure: '信息披露' },
    title: { repayments: '我的还款', loan: '借款还款', holdings: '出借持有', overdue: '逾期管理', disclosure: '网贷信息披露' },
    loan: {
      id: '借款编号', amount: '借款金额', outstanding: '剩余本金', status: '状态', bucket: '逾期分类',
      daysPastDue: '逾期天数', nextDue: '下期应还', dueDate: '还款日', owed: '应还', open: '查看',
      none: '暂无借款',
    },
    schedule: {
      title: '还款计划', number: '期数', dueDate: '还款日', principal: '本金', interest: '利息', fee: '服务费',
      penalty: '罚息', total: '合计', paid: '已还', owed: '待还', status: '状态',
    },
    repay: {
      title: '还款', dueNow: '当前应还', amount: '还款金额（元，留空则还清当前应还）', submit: '立即还款',
      done: '还款成功：{amount}', nothingDue: '当前没有应还金额',
    },
    payoff: {
      title: '提前还清', principal: '剩余本金', interest: '截至今日利息', fee: '服务费', penalty: '罚息',
      prepaymentFee: '提前还款手续费', prepaymentFeeAt: '提前还款手续费（剩余本金的 {rate}）', total: '合计应付', submit: '提前还清', done: '已提前还清：{amount}',
      feeRule: '本借款合同约定的提前还款手续费率为 {rate}：按提前还清时的剩余本金计算，向下取整到分，且不超过年化综合成本上限所允许的金额；按期还款不收取。',
      noFee: '本借款不收取提前还款手续费。',
      confirmTitle: '确认提前还清', confirm: '将从您的账户支付 {total}（其中提前还款手续费 {fee}），借款随即结清。确定继续吗？', cancel: '取消',
      rule: '提前还清金额 = 剩余本金 + 截至今日的利息 + 已到期未还的服务费和罚息 + 提前还款手续费（按合同费率计算，且不超过年化利率上限所允许的金额）。',
    },
    holdings: {
      loan: '借款', principal: '出借本金', receivedPrincipal: '已收本金', receivedInterest: '已收利息',
      receivedPenalty: '已收罚息', expectedPrincipal: '待收本金', expectedInterest: '待收利息', status: '状态',
      takenOver: '已由风险备付金代偿', none: '暂无出借',
    },
    overdue: {
      reserve: '风险备付金', balance: '余额', overduePrincipal: '逾期本金', coverage: '逾期覆盖率',
      coverageAll: '在贷覆盖率', borrower: '借款人', bucketAll: '全部', writeOff: '核销', reason: '核销原因',
      writeOffDone: '已核销借款 #{id}', none: '暂无逾期借款',
    },
    disclosure: {
      intro: '本页公开展示平台借贷业务的累计数据、逾期情况与风险备付金，无需登录。',
      loans: '累计借款笔数', lent: '累计借款金额', repaidPrincipal: '累计已还本金', repaidInterest: '累计已还利息',
      outstanding: '借贷余额', overdueRate: '逾期率（占借贷余额）', bucket: '逾期分类', count: '笔数',
      amount: '本金', rate: '比例', reserve: '风险备付金余额', coverage: '备付金覆盖逾期本金',
      compensations: '代偿笔数', compensated: '代偿金额', writtenOff: '核销笔数',
    },
    status: {
      disbursed: '还款中', paid_off: '已结清', written_off: '已核销', scheduled: '未到期', due: '待还', partial: '部分已还',
      paid: '已还清', overdue: '已逾期', compensated: '已代偿',
    },
    bucket: { current: '正常', M1: 'M1（1–30 天）', M2: 'M2（31–60 天）', 'M3+': 'M3+（60 天以上）' },
  },
  en: {
    menu: { repayments: 'Repayments', holdings: 'Loan holdings', overdue: 'Overdue loans', disclosure: 'Disclosure' },
    title: { repayments: 'My repayments', loan: 'Repay a loan', holdings: 'Loan holdings', overdue: 'Overdue loans', disclosure: 'Lending disclosure' },
    loan: {
      id: 'Loan', amount: 'Amount', outstanding: 'Principal outstanding', status: 'Status', bucket: 'Bucket',
      daysPastDue: 'Days past due', nextDue: 'Next due', dueDate: 'Due date', owed: 'Owed', open: 'Open',
      none: 'No loans yet',
    },
    schedule: {
      title: 'Schedule', number: 'No.', dueDate: 'Due date', principal: 'Principal', interest: 'Interest', fee: 'Fee',
      penalty: 'Penalty', total: 'Total', paid: 'Paid', owed: 'Owed', status: 'Status',
    },
    repay: {
      title: 'Repay', dueNow: 'Due now', amount: 'Amount (yuan; empty pays everything due now)', submit: 'Repay now',
      done: 'Repaid: {amount}', nothingDue: 'Nothing is due now',
    },
    payoff: {
      title: 'Pay off early', principal: 'Principal outstanding', interest: 'Interest to date', fee: 'Fees',
      penalty: 'Penalty', prepaymentFee: 'Prepayment fee', prepaymentFeeAt: 'Prepayment fee ({rate} of the principal outstanding)',
      total: 'Total to pay', submit: 'Pay off now', done: 'Paid off: {amount}',
      feeRule: 'This loan\'s contract sets the prepayment fee at {rate} of the principal outstanding when you pay off, rounded down to the fen and never more than the APR cap allows; repaying on schedule costs no such fee.',
      noFee: 'This loan has no prepayment fee.',
      confirmTitle: 'Confirm early payoff', confirm: '{total} will be paid from your account (of which {fee} is the prepayment fee) and the loan will be closed. Continue?', cancel: 'Cancel',
      rule: 'Payoff = principal outstanding + interest to date + fees and penalty already due + the prepayment fee (at the contract rate, never more than the APR cap allows).',
    },
    holdings: {
      loan: 'Loan', principal: 'Principal lent', receivedPrincipal: 'Principal received', receivedInterest: 'Interest received',
      receivedPenalty: 'Penalty received', expectedPrincipal: 'Principal expected', expectedInterest: 'Interest expected',
      status: 'Status', takenOver: 'Compensated by the risk reserve', none: 'No loan holdings yet',
    },
    overdue: {
      reserve: 'Risk reserve', balance: 'Balance', overduePrincipal: 'Overdue principal', coverage: 'Coverage of overdue',
      coverageAll: 'Coverage of outstanding', borrower: 'Borrower', bucketAll: 'All', writeOff: 'Write off', reason: 'Reason',
      writeOffDone: 'Loan #{id} written off', none: 'No overdue loans',
    },
    disclosure: {
      intro: 'The platform\'s lending figures, overdue rates and risk reserve, public and without sign-in.',
      loans: 'Loans made', lent: 'Amount lent', repaidPrincipal: 'Principal repaid', repaidInterest: 'Interest repaid',
      outstanding: 'Outstanding principal', overdueRate: 'Overdue rates (share of outstanding)', bucket: 'Bucket', count: 'Loans',
      amount: 'Principal', rate: 'Rate', reserve: 'Risk reserve balance', coverage: 'Reserve coverage of overdue',
      compensations: 'Compensations', compensated: 'Amount compensated', writtenOff: 'Loans written off',
    },
    status: {
      disbursed: 'Repaying', paid_off: 'Paid off', written_off: 'Written off', scheduled: 'Not yet due', due: 'Due', partial: 'Partly paid',
      paid: 'Paid', overdue: 'Overdue', compensated: 'Compensated',
    },
    bucket: { current: 'Current', M1: 'M1 (1–30 days)', M2: 'M2 (31–60 days)', 'M3+': 'M3+ (over 60 days)' },
  },
}
