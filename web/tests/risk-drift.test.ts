import { describe, expect, it } from 'vitest'
import { binLabel, psiChart, psiRows, shareSeries, type Drift } from '@/views/risk/drift'

const bucket = (key: string, label: string, expected: number, actual: number | null) => ({ key, label, expected, actual })
const drift: Drift = {
  model_version: '1.0.0', window_days: 30, from_at: '2026-11-03T00:00:00Z', to_at: '2026-12-03T00:00:00Z',
  decisions: 4, status: 'shifted', bands: { watch: 0.1, shifted: 0.25 },
  score: { psi: 0.123456, status: 'watch', buckets: [bucket('0', '< 536', 0.099029, 0.25)] },
  features: [{
    name: 'age', label_zh: '年龄', label_en: 'Age', psi: 1.5, status: 'shifted',
    buckets: [bucket('0', '[-inf, 28.5)', 0.0477, 0.5), bucket('missing', 'missing', 0, 0)],
  }],
}
const t = (key: string) => `<${key}>`

describe('drift chart data', () => {
  it('puts the score first with labels in the language', () => {
    expect(psiRows(drift, 'en', 'Score').map((row) => [row.name, row.label, row.status])).toEqual([
      ['score', 'Score', 'watch'], ['age', 'Age', 'shifted']])
    expect(psiRows(drift, 'zh-CN', '评分')[1].label).toBe('年龄')
  })

  it('draws bars bottom-up, coloured by band, on an axis that shows both bands', () => {
    const chart = psiChart(psiRows(drift, 'en', 'Score'), drift.bands)
    expect(chart.categories).toEqual(['Age', 'Score'])
    expect(chart.values.map((v) => v.value)).toEqual([1.5, 0.1235])
    expect(chart.values[0].itemStyle.color).toBe('#b91c1c')
    expect(chart.max).toBe(1.5)
    const quiet = psiChart([{ name: 'score', label: 'Score', psi: null, status: 'no_data' }], drift.bands)
    expect(quiet.values[0].value).toBe(0)
    expect(quiet.max).toBe(0.3)
  })

  it('gives shares in per cent and names the missing bin in words', () => {
    expect(shareSeries(drift.features[0].buckets, t)).toEqual({
      labels: ['[-inf, 28.5)', '<risk.model.missingBin>'], expected: [4.77, 0], actual: [50, 0]})
    expect(shareSeries([bucket('0', '< 536', 0.1, null)], t).actual).toEqual([null])
    expect(binLabel({ key: 'special', range: 'special codes 96/98' }, t)).toBe('<risk.model.specialBin>')
  })
})
