/** The support console: users, institutions, staff, roles and TOTP. */
export default {
  'zh-CN': {
    menu: { users: '用户', institutions: '机构', staff: '员工与角色' },
    title: { users: '用户查询', user: '用户详情', institutions: '机构管理', staff: '员工与角色' },
    search: {
      label: '手机号 / 邮箱 / 身份证号 / 用户编号', placeholder: '精确匹配，例如 13800138000', submit: '查询',
      hint: '每次查询均记入审计日志（仅记录查询类型）。', none: '未找到匹配的用户', all: '全部用户',
    },
    field: {
      id: '编号', status: '状态', login: '登录名', phone: '手机号', email: '邮箱', roles: '角色', kyc: '实名',
      realName: '姓名', idNumber: '身份证号', risk: '风险等级', institution: '机构', created: '注册时间',
      card: '银行卡', bank: '银行', name: '名称', uscc: '统一社会信用代码', registry: '需登记核验',
      session: '会话', refreshed: '最近刷新', expires: '过期时间', actions: '操作',
    },
    status: { active: '正常', frozen: '已冻结', closed: '已注销' },
    kyc: { verified: '已实名', unverified: '未实名' },
    role: {
      investor: '投资人', borrower: '借款人', institution: '机构用户', reviewer: '审核员', risk_officer: '风控专员',
      support: '客服', auditor: '审计员', admin: '管理员', finance: '运营财务',
    },
    detail: {
      profile: '基本信息（已脱敏）', cards: '银行卡', sessions: '登录会话', noCards: '未绑定银行卡', noSessions: '没有在线会话',
      freeze: '冻结账号', unfreeze: '解冻账号', revoke: '结束全部会话', unmask: '查看完整信息', back: '返回列表',
      reason: '原因', reasonHint: '请说明原因（将记入审计日志）', confirm: '确认', cancel: '取消',
      unmasked: '完整个人信息（已审计）', frozenDone: '账号已冻结', activeDone: '账号已解冻', revoked: '已结束全部会话',
    },
    institutions: {
      create: '新建机构', created: '机构已创建', users: '机构用户', noUsers: '该机构暂无用户', yes: '是', no: '否',
    },
    staff: {
      create: '新建员工', login: '登录名（用户名、手机号或邮箱）', password: '初始密码', roles: '角色',
      editRoles: '修改角色', save: '保存', resetTotp: '重置动态验证码', created: '员工已创建',
      saved: '角色已更新', secretTitle: '动态验证码密钥（仅显示一次）',
      secretHint: '请立即将密钥或链接添加到身份验证器应用；关闭后将无法再次查看。', close: '我已保存',
    },
  },
  en: {
    menu: { users: 'Users', institutions: 'Institutions', staff: 'Staff & roles' },
    title: { users: 'Find users', user: 'User', institutions: 'Institutions', staff: 'Staff & roles' },
    search: {
      label: 'Mobile / email / ID number / user id', placeholder: 'Exact match, e.g. 13800138000', submit: 'Search',
      hint: 'Each search is recorded in the audit log (its kind only).', none: 'No matching user', all: 'All users',
    },
    field: {
      id: 'ID', status: 'Status', login: 'User name', phone: 'Mobile', email: 'Email', roles: 'Roles', kyc: 'Real name',
      realName: 'Name', idNumber: 'ID number', risk: 'Risk level', institution: 'Institution', created: 'Registered',
      card: 'Bank card', bank: 'Bank', name: 'Name', uscc: 'USCC', registry: 'Registry check',
      session: 'Session', refreshed: 'Last refreshed', expires: 'Expires', actions: 'Actions',
    },
    status: { active: 'Active', frozen: 'Frozen', closed: 'Closed' },
    kyc: { verified: 'Verified', unverified: 'Not verified' },
    role: {
      investor: 'Investor', borrower: 'Borrower', institution: 'Institution user', reviewer: 'Reviewer',
      risk_officer: 'Risk officer', support: 'Support', auditor: 'Auditor', admin: 'Admin', finance: 'Finance',
    },
    detail: {
      profile: 'Profile (masked)', cards: 'Bank cards', sessions: 'Sessions', noCards: 'No bank card', noSessions: 'No live session',
      freeze: 'Freeze account', unfreeze: 'Unfreeze account', revoke: 'End all sessions', unmask: 'Show full data',
      back: 'Back to list', reason: 'Reason', reasonHint: 'State the reason (kept in the audit log)', confirm: 'Confirm',
      cancel: 'Cancel', unmasked: 'Full personal data (audited)', frozenDone: 'Account frozen',
      activeDone: 'Account unfrozen', revoked: 'All sessions ended',
    },
    institutions: {
      create: 'New institution', created: 'Institution created', users: 'Users of the institution',
      noUsers: 'No users yet', yes: 'Yes', no: 'No',
    },
    staff: {
      create: 'New staff user', login: 'Login (user name, mobile or email)', password: 'Initial password', roles: 'Roles',
      editRoles: 'Change roles', save: 'Save', resetTotp: 'Reset TOTP', created: 'Staff user created',
      saved: 'Roles updated', secretTitle: 'TOTP secret (shown once)',
      secretHint: 'Add the secret or link to an authenticator app now; it cannot be shown again.', close: 'I have saved it',
    },
  },
}
