/** Products as the people who run them see them: sales, raise progress, holders (reviewers and
 * institutions share these words). */
export default {
  'zh-CN': {
    title: '产品销售',
    detailTitle: '产品销售详情',
    allStates: '全部状态',
    status: {
      draft: '草稿', submitted: '待审核', approved: '待发布', rejected: '已驳回', raising: '募集中',
      raised: '募集成功', failed: '募集失败', running: '存续中', payout_pending: '待兑付', matured: '已兑付',
      delisted: '已下架',
    },
    orderStatus: { pending: '待确认', confirmed: '已确认', cancelled: '已撤单', refunded: '已退款' },
    column: {
      id: '编号', name: '产品', status: '状态', sold: '已售', target: '募集目标', cap: '募集上限', progress: '募集进度',
      orders: '订单数', investors: '投资人数', holders: '持有人数', principalHeld: '持有本金', raiseEnds: '募集截止',
      maturity: '到期日', rate: '年化', term: '期限', risk: '风险等级', remaining: '剩余额度', valueDate: '起息日',
      raiseWindow: '募集期', actions: '操作',
    },
    days: '{n} 天',
    ordersByStatus: '订单状态',
    action: {
      view: '查看', closeRaise: '结束募集', closeEarly: '提前结束（募集期未满）', delist: '下架', payout: '兑付',
      confirm: '确认', cancel: '取消', reason: '下架原因（选填）',
    },
    confirm: {
      closeRaise: '结束「{name}」的募集？达到目标则募集成功，否则全部退款。',
      delist: '下架「{name}」？所有订单将全额退款。',
      payout: '现在为「{name}」兑付到期本息？',
    },
    done: {
      closeRaise: '募集已结束，状态：{status}', delist: '已下架，订单已退款',
      payout: { matured: '已兑付', awaiting_funds: '结算账户余额不足，等待机构补足资金', blocked: '部分账户被冻结，其余已兑付', not_due: '尚未到期' },
    },
    readOnly: '您的角色只能查看，不能操作。',
    back: '返回列表',
  },
  en: {
    title: 'Product sales',
    detailTitle: 'Product sales detail',
    allStates: 'All states',
    status: {
      draft: 'Draft', submitted: 'Submitted', approved: 'Approved', rejected: 'Rejected', raising: 'Raising',
      raised: 'Raised', failed: 'Raise failed', running: 'Running', payout_pending: 'Payout pending', matured: 'Matured',
      delisted: 'Delisted',
    },
    orderStatus: { pending: 'Pending', confirmed: 'Confirmed', cancelled: 'Cancelled', refunded: 'Refunded' },
    column: {
      id: 'ID', name: 'Product', status: 'State', sold: 'Sold', target: 'Target', cap: 'Cap', progress: 'Raise progress',
      orders: 'Orders', investors: 'Investors', holders: 'Holders', principalHeld: 'Principal held', raiseEnds: 'Raise ends',
      maturity: 'Maturity', rate: 'Rate', term: 'Term', risk: 'Risk level', remaining: 'Remaining', valueDate: 'Value date',
      raiseWindow: 'Raise window', actions: 'Actions',
    },
    days: '{n} days',
    ordersByStatus: 'Orders by state',
    action: {
      view: 'View', closeRaise: 'Close raise', closeEarly: 'Close early (window still open)', delist: 'Delist', payout: 'Pay out',
      confirm: 'Confirm', cancel: 'Cancel', reason: 'Reason for delisting (optional)',
    },
    confirm: {
      closeRaise: 'Close the raise of “{name}”? It succeeds if the target was met; otherwise every order is refunded.',
      delist: 'Delist “{name}”? Every order is refunded in full.',
      payout: 'Pay out principal and yield of “{name}” now?',
    },
    done: {
      closeRaise: 'Raise closed: {status}', delist: 'Delisted; orders refunded',
      payout: { matured: 'Paid out', awaiting_funds: 'The settlement account is short; waiting for the institution to fund it', blocked: 'Some wallets are frozen; the rest were paid', not_due: 'Not due yet' },
    },
    readOnly: 'Your role may view this page but not act on it.',
    back: 'Back to the list',
  },
}
