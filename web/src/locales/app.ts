/** The app's shell: menus, page titles, header, footer, language switch. */
export default {
  'zh-CN': {
    brand: 'finplat',
    footer: '理财非存款，产品有风险，投资须谨慎',
    signIn: '登录',
    register: '注册',
    signOut: '退出',
    language: '语言',
    // The switch names the other language in that language.
    otherLanguage: 'English',
    // Each language is named in itself, whatever the page's language.
    languageNames: { zh: '简体中文', en: 'English' },
    mainMenu: '主菜单',
    consoleMenu: '运营菜单',
    menu: {
      products: '理财', loans: '散标', account: '账户', holdings: '持仓', transactions: '明细',
      myLoans: '借款', profile: '我的', review: '审核', audit: '审计',
    },
    title: {
      login: '登录', register: '注册', products: '理财产品', product: '产品详情', loans: '散标投资',
      loan: '借款详情', account: '我的账户', holdings: '我的持仓', transactions: '交易明细', myLoans: '我的借款',
      borrow: '借款申请', profile: '个人信息', kyc: '实名认证', risk: '风险测评', notifications: '消息',
      console: '运营后台', staffLogin: '运营登录', review: '产品审核', audit: '审计日志', notFound: '页面不存在',
    },
    bell: '通知',
    bellUnread: '通知（{count} 条未读）',
    console: { welcome: '欢迎使用运营后台', none: '您的角色暂无可用的后台页面。' },
    notFound: { title: '页面不存在', home: '返回首页' },
  },
  en: {
    brand: 'finplat',
    footer: 'Wealth products are not deposits; investing carries risk',
    signIn: 'Sign in',
    register: 'Register',
    signOut: 'Sign out',
    language: 'Language',
    otherLanguage: '中文',
    languageNames: { zh: '简体中文', en: 'English' },
    mainMenu: 'Main menu',
    consoleMenu: 'Console menu',
    menu: {
      products: 'Products', loans: 'Loans', account: 'Account', holdings: 'Holdings', transactions: 'Transactions',
      myLoans: 'Borrowing', profile: 'Me', review: 'Review', audit: 'Audit',
    },
    title: {
      login: 'Sign in', register: 'Register', products: 'Products', product: 'Product', loans: 'Loan listings',
      loan: 'Loan', account: 'My account', holdings: 'My holdings', transactions: 'Transactions', myLoans: 'My loans',
      borrow: 'Apply for a loan', profile: 'Profile', kyc: 'Identity verification', risk: 'Risk assessment',
      notifications: 'Messages', console: 'Operator console', staffLogin: 'Staff sign-in', review: 'Product review',
      audit: 'Audit log', notFound: 'Page not found',
    },
    bell: 'Notifications',
    bellUnread: 'Notifications ({count} unread)',
    console: { welcome: 'Welcome to the operator console', none: 'Your roles have no console pages yet.' },
    notFound: { title: 'Page not found', home: 'Home' },
  },
}
