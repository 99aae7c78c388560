/** Words shared by every area: buttons, generic states, the problem box. */
export default {
  'zh-CN': {
    cancel: '取消', confirm: '确认', save: '保存', submit: '提交', search: '搜索', reset: '重置', back: '返回',
    refresh: '刷新', view: '查看', previous: '上一页', next: '下一页', loading: '加载中', empty: '暂无数据', none: '—',
    problem: {
      code: '错误代码 {code}',
      notAvailable: '{feature}暂未开放',
      notAvailableFeature: '此功能',
      notAvailableDetail: '服务器尚未提供该功能，请稍后再试。',
    },
  },
  en: {
    cancel: 'Cancel', confirm: 'Confirm', save: 'Save', submit: 'Submit', search: 'Search', reset: 'Reset', back: 'Back',
    refresh: 'Refresh', view: 'View', previous: 'Previous', next: 'Next', loading: 'Loading', empty: 'Nothing here yet', none: '—',
    problem: {
      code: 'Error code {code}',
      notAvailable: '{feature} is not available yet',
      notAvailableFeature: 'This feature',
      notAvailableDetail: 'The server does not offer this yet; please try again later.',
    },
  },
}
