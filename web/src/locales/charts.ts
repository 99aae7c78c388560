/** Chart titles and series names. */
export default {
  'zh-CN': { flowsTitle: '近 30 天收支', in: '收入', out: '支出' },
  en: { flowsTitle: 'In and out, last 30 days', in: 'In', out: 'Out' },
}
