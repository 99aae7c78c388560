/** The drift page's data shaped for its charts (plain functions, tested): the PSI of every
 * bucket set against the stability bands, and one set's training and recent shares. */
import type { Schemas } from '@/api/http'

export type Drift = Schemas['DriftOut']
export type DriftStatus = Drift['status']

/** Bar colours by band; dark enough for text contrast and told apart by label too. */
export const BAND_COLOURS: Record<DriftStatus, string> = {
  stable: '#15803d', watch: '#b45309', shifted: '#b91c1c', no_data: '#6b7280',
}

export interface PsiRow {
  name: string
  label: string
  psi: number | null
  status: DriftStatus
}

/** The score first, then the features in the model's order, each with its label in `locale`. */
export function psiRows(drift: Drift, locale: string, scoreLabel: string): PsiRow[] {
  const english = locale.startsWith('en')
  return [
    { name: 'score', label: scoreLabel, psi: drift.score.psi, status: drift.score.status },
    ...drift.features.map((feature) => ({
      name: feature.name, label: english ? feature.label_en : feature.label_zh,
      psi: feature.psi, status: feature.status,
    })),
  ]
}

/** The PSI bars' option values: categories bottom-up (ECharts draws the first at the bottom),
 * values rounded to 4 places, a colour per band, and the axis wide enough for both bands. */
export function psiChart(rows: PsiRow[], bands: Drift['bands']): {
  categories: string[]; values: { value: number; itemStyle: { color: string } }[]; max: number
} {
  const reversed = [...rows].reverse()
  const values = reversed.map((row) => ({
    value: row.psi === null ? 0 : Math.round(row.psi * 10_000) / 10_000,
    itemStyle: { color: BAND_COLOURS[row.status] },
  }))
  const largest = Math.max(bands.shifted * 1.2, ...values.map((v) => v.value))
  return { categories: reversed.map((row) => row.label), values, max: Math.ceil(largest * 10) / 10 }
}

/** A bin's or bucket's words: the special-code and missing bins by message, the rest as ranges. */
export function binLabel(bucket: { key: string; range?: string; label?: string }, t: (key: string) => string): string {
  if (bucket.key === 'missing') return t('risk.model.missingBin')
  if (bucket.key === 'special') return t('risk.model.specialBin')
  return bucket.range ?? bucket.label ?? bucket.key
}

/** One bucket set's shares in per cent (two decimals), training and recent side by side. */
export function shareSeries(buckets: Schemas['DriftBucketOut'][], t: (key: string) => string): {
  labels: string[]; expected: number[]; actual: (number | null)[]
} {
  const percent = (share: number) => Math.round(share * 10_000) / 100
  return {
    labels: buckets.map((bucket) => binLabel(bucket, t)),
    expected: buckets.map((bucket) => percent(bucket.expected)),
    actual: buckets.map((bucket) => (bucket.actual === null ? null : percent(bucket.actual))),
  }
}
