/** The investor's rewards: coupons, red packets and points. */
export default {
  'zh-CN': {
    title: '我的福利',
    tab: { coupons: '优惠券', redPackets: '红包', points: '积分' },
    empty: '暂无记录',
    claimable: '可领取',
    claim: '领取', claimAll: '全部领取', claimed: '已领取', redeem: '兑换',
    kind: { cashback: '返现券', rate_boost: '加息券' },
    cashback: '返 {amount}', rateBoost: '加息 {rate}，最高 {cap}', minOrder: '满 {amount} 可用', noMinimum: '无门槛',
    status: { available: '可使用', reserved: '已占用', used: '已使用', settled: '已结清', expired: '已过期' },
    column: {
      coupon: '优惠券', terms: '使用规则', status: '状态', expires: '有效期至', campaign: '活动', amount: '金额',
      claimedAt: '领取时间', time: '时间', change: '变动', balanceAfter: '余额', reason: '来源', cost: '所需积分',
    },
    reason: { investment: '投资奖励', redemption: '积分兑换' },
    points: { balance: '积分余额', earned: '累计获得', spent: '累计使用', rate: '每投资 1 元得 {rate} 积分', redeemable: '积分兑换', journal: '积分明细' },
    done: { coupon: '优惠券已领取', redPacket: '红包 {amount} 已存入账户余额', redeemed: '已兑换优惠券' },
    needVerified: '完成实名认证后才能领取',
  },
  en: {
    title: 'My rewards',
    tab: { coupons: 'Coupons', redPackets: 'Red packets', points: 'Points' },
    empty: 'Nothing yet',
    claimable: 'To claim',
    claim: 'Claim', claimAll: 'Claim all', claimed: 'Claimed', redeem: 'Redeem',
    kind: { cashback: 'Cash-back', rate_boost: 'Rate boost' },
    cashback: '{amount} back', rateBoost: '+{rate}, at most {cap}', minOrder: 'orders from {amount}', noMinimum: 'no minimum',
    status: { available: 'Available', reserved: 'In use', used: 'Used', settled: 'Settled', expired: 'Expired' },
    column: {
      coupon: 'Coupon', terms: 'Terms', status: 'State', expires: 'Expires', campaign: 'Campaign', amount: 'Amount',
      claimedAt: 'Claimed', time: 'Time', change: 'Change', balanceAfter: 'Balance', reason: 'Source', cost: 'Points',
    },
    reason: { investment: 'Investing', redemption: 'Redeemed' },
    points: { balance: 'Points', earned: 'Earned', spent: 'Spent', rate: '{rate} points per yuan invested', redeemable: 'Redeem points', journal: 'Points history' },
    done: { coupon: 'Coupon claimed', redPacket: 'Red packet of {amount} added to your balance', redeemed: 'Coupon redeemed' },
    needVerified: 'Verify your identity to claim',
  },
}
