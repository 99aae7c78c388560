/** The investor's account: balances, deposits, withdrawals, transactions. */
export default {
  'zh-CN': {
    title: '我的账户',
    balance: '总资产', available: '可用', frozen: '冻结', toTransactions: '交易明细 →',
    amount: '金额', amountInvalid: '请输入正确金额，最多两位小数', moreThanAvailable: '超过可用余额 {max}',
    deposit: {
      title: '充值', amount: '充值金额', submit: '充值', channel: '渠道',
      succeeded: '充值成功：{amount} 已到账', processing: '充值已受理：{amount} 处理中，到账后余额自动更新',
      failed: '充值失败：{reason}',
    },
    withdraw: {
      title: '提现', amount: '提现金额', submit: '提现', card: '到账银行卡',
      succeeded: '提现成功：{amount} 已转出', processing: '提现已受理：{amount} 处理中', failed: '提现失败：{reason}',
    },
    transactions: {
      title: '交易明细', ledger: '账户流水', deposits: '充值记录', withdrawals: '提现记录', from: '开始日期', to: '结束日期',
      type: '类型', export: '导出 CSV', time: '时间', direction: '方向', status: '状态', balanceAfter: '余额',
      reference: '参考号', channel: '渠道', empty: '暂无交易', emptyMovements: '暂无记录',
    },
  },
  en: {
    title: 'My account',
    balance: 'Balance', available: 'Available', frozen: 'Frozen', toTransactions: 'Transactions →',
    amount: 'Amount', amountInvalid: 'Enter a positive amount with at most 2 decimals', moreThanAvailable: 'More than the available {max}',
    deposit: {
      title: 'Deposit', amount: 'Amount to deposit', submit: 'Deposit', channel: 'Channel',
      succeeded: 'Deposit credited: {amount}', processing: 'Deposit accepted: {amount} is on its way; the balance updates when it arrives',
      failed: 'Deposit failed: {reason}',
    },
    withdraw: {
      title: 'Withdraw', amount: 'Amount to withdraw', submit: 'Withdraw', card: 'To card',
      succeeded: 'Withdrawal paid: {amount}', processing: 'Withdrawal accepted: {amount} is being paid', failed: 'Withdrawal failed: {reason}',
    },
    transactions: {
      title: 'Transactions', ledger: 'Ledger', deposits: 'Deposits', withdrawals: 'Withdrawals', from: 'From', to: 'To',
      type: 'Type', export: 'Export CSV', time: 'Time', direction: 'Direction', status: 'Status', balanceAfter: 'Balance after',
      reference: 'Reference', channel: 'Channel', empty: 'No transactions yet', emptyMovements: 'Nothing yet',
    },
  },
}
