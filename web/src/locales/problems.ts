/**
 * Messages for the problem codes the app's users meet most, by the server's `code`
 * (`auth.invalid_credentials` → `problems.auth.invalid_credentials`). A code missing here is
 * shown with the server's own `detail`, already in the user's language (`Accept-Language`).
 */
export default {
  'zh-CN': {
    network: { unreachable: '无法连接服务器，请检查网络后重试' },
    http: { rate_limited: '请求过于频繁，请稍后再试', not_found: '请求的内容不存在' },
    auth: {
      invalid_credentials: '账号或密码错误', account_locked: '登录失败次数过多，账号已暂时锁定，请稍后再试',
      account_disabled: '账号已停用', forbidden: '您的角色无权执行此操作', token_expired: '登录已过期，请重新登录',
      totp_required: '请输入动态验证码', totp_invalid: '动态验证码错误',
    },
    identity: {
      login_taken: '该手机号或邮箱已被注册', weak_password: '密码强度不足：至少 8 位，包含字母和数字',
      code_invalid: '验证码错误或已过期', kyc_required: '请先完成实名认证', kyc_mismatch: '实名信息核验未通过',
      invalid_id_number: '身份证号码无效', under_age: '未满 18 周岁，不能开户', invalid_bank_card: '银行卡号无效',
    },
    ledger: { insufficient_funds: '可用余额不足', account_frozen: '账户已冻结，资金不能变动' },
    idempotency: { key_reused: '该请求已用不同的内容提交过，请重新操作' },
  },
  en: {
    network: { unreachable: 'Cannot reach the server; check the connection and try again' },
    http: { rate_limited: 'Too many requests; please wait a moment', not_found: 'Not found' },
    auth: {
      invalid_credentials: 'Wrong login or password', account_locked: 'Too many failed sign-ins; the account is locked for a while',
      account_disabled: 'This account is disabled', forbidden: 'Your role may not do this', token_expired: 'Your sign-in expired; please sign in again',
      totp_required: 'Enter the code from your authenticator', totp_invalid: 'Wrong authenticator code',
    },
    identity: {
      login_taken: 'This phone number or email is already registered', weak_password: 'Password too weak: at least 8 characters with letters and digits',
      code_invalid: 'Wrong or expired code', kyc_required: 'Please verify your identity first', kyc_mismatch: 'The identity check failed',
      invalid_id_number: 'Invalid ID number', under_age: 'You must be 18 or older to open an account', invalid_bank_card: 'Invalid bank card number',
    },
    ledger: { insufficient_funds: 'Insufficient available balance', account_frozen: 'The account is frozen; funds cannot move' },
    idempotency: { key_reused: 'This request was already sent with different content; please start again' },
  },
}
