/** Signing up and in, identity verification, the risk assessment, the profile and the home page. */
export default {
  'zh-CN': {
    home: {
      title: 'finplat 互联网金融平台', lead: '理财、借贷、资金存管一站式服务。', warning: '理财非存款，产品有风险，投资须谨慎。',
      browse: '浏览产品', welcome: '欢迎，{name}', account: '我的账户', products: '理财产品',
    },
    login: {
      title: '登录', staffTitle: '运营登录', login: '手机号或邮箱', password: '密码', totp: '动态验证码', submit: '登录',
      toRegister: '没有账号？注册', staff: '员工入口',
    },
    register: {
      title: '注册', confirm: '确认密码', submit: '注册', toLogin: '已有账号？登录',
      badLogin: '请输入 11 位手机号或邮箱', short: '密码至少 8 位', kinds: '密码须包含至少两类字符：小写、大写、数字、符号',
      differ: '两次密码不一致', code: '验证码', sendCode: '获取验证码', codeSent: '验证码已发送',
      codeFilled: '开发环境：验证码已填入', badCode: '请输入 6 位验证码', agree: '我已阅读并同意',
      mustAgree: '请阅读并同意用户协议和隐私政策',
    },
    contact: { sent: '验证码已发送至 {login}，请输入验证码完成验证。', code: '验证码', resent: '已重新发送', resend: '重新发送', feature: '验证' },
    kyc: {
      title: '实名认证', verified: '认证成功', next: '下一步：风险测评', name: '真实姓名', idNumber: '身份证号',
      card: '银行卡号（选填）', phone: '银行预留手机号（选填）', note: '依法仅向年满 18 周岁的用户提供服务；您的信息加密存储、脱敏显示。',
    },
    risk: {
      title: '风险承受能力测评', level: '您的风险等级：{level}', result: '得分 {score} · 有效期至 {until}', browse: '查看产品',
      answerAll: '请回答全部问题', feature: '风险测评',
    },
    profile: {
      title: '个人信息', userId: '用户编号', phone: '手机', email: '邮箱', name: '姓名', idNumber: '身份证', roles: '角色',
      kyc: '实名认证', verify: '去认证', riskLevel: '风险等级', validUntil: '有效期至 {date}', retake: '重新测评', take: '去测评',
      language: '语言',
    },
  },
  en: {
    home: {
      title: 'finplat internet finance', lead: 'Wealth products, lending and custody-backed funds in one place.',
      warning: 'Wealth products are not deposits; investing carries risk.', browse: 'Browse products', welcome: 'Welcome, {name}',
      account: 'My account', products: 'Products',
    },
    login: {
      title: 'Sign in', staffTitle: 'Staff sign-in', login: 'Phone or email', password: 'Password', totp: 'Authenticator code',
      submit: 'Sign in', toRegister: 'No account? Register', staff: 'Staff',
    },
    register: {
      title: 'Register', confirm: 'Confirm password', submit: 'Register', toLogin: 'Have an account? Sign in',
      badLogin: 'Enter an 11-digit mainland mobile number or an email', short: 'At least 8 characters',
      kinds: 'Mix at least two kinds of characters: lower case, upper case, digits, symbols', differ: 'The passwords differ',
      code: 'Code', sendCode: 'Send code', codeSent: 'Code sent', codeFilled: 'Development: the code is filled in',
      badCode: 'Enter the 6-digit code', agree: 'I have read and accept', mustAgree: 'Accept the user agreement and the privacy policy',
    },
    contact: { sent: 'A code was sent to {login}; enter it to confirm.', code: 'Code', resent: 'Sent again', resend: 'Send again', feature: 'Confirmation' },
    kyc: {
      title: 'Identity verification', verified: 'Verified', next: 'Next: risk assessment', name: 'Legal name', idNumber: 'Resident ID number',
      card: 'Bank card (optional)', phone: 'Phone registered with the bank (optional)', note: 'Adults (18+) only; your data is encrypted and shown masked.',
    },
    risk: {
      title: 'Risk assessment', level: 'Your risk level: {level}', result: 'Score {score} · valid until {until}', browse: 'Browse products',
      answerAll: 'Answer every question', feature: 'Risk assessment',
    },
    profile: {
      title: 'Profile', userId: 'User id', phone: 'Phone', email: 'Email', name: 'Name', idNumber: 'ID number', roles: 'Roles',
      kyc: 'Identity', verify: 'Verify now', riskLevel: 'Risk level', validUntil: 'valid until {date}', retake: 'Retake', take: 'Take the test',
      language: 'Language',
    },
  },
}
