import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { defineComponent, h, ref, resolveDirective, withDirectives } from 'vue'
import { ElTable, ElTableColumn } from 'element-plus'

/** A table with `v-cards`, as the views write it. */
const Table = defineComponent({
  setup() {
    const rows = ref([{ name: '稳盈 90 天', amount: '¥1,000.00' }])
    return { rows }
  },
  render() {
    const cards = resolveDirective('cards')!
    return withDirectives(h(ElTable, { data: this.rows }, () => [
      h(ElTableColumn, { prop: 'name', label: '产品' }),
      h(ElTableColumn, { prop: 'amount', label: '金额', align: 'right' }),
    ]), [[cards]])
  },
})

describe('v-cards', () => {
  it('marks the table and labels every cell with its column heading, also for rows loaded later', async () => {
    const wrapper = mount(Table, { attachTo: document.body })
    await flushPromises()
    const table = wrapper.find('.el-table')
    expect(table.attributes()).toHaveProperty('data-cards')
    const labels = () => wrapper.findAll('.el-table__body td').map((td) => [td.attributes('data-label'), td.text()])
    expect(labels()).toEqual([['产品', '稳盈 90 天'], ['金额', '¥1,000.00']])

    ;(wrapper.vm as unknown as { rows: unknown[] }).rows.push({ name: '安心 30 天', amount: '¥50.00' })
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(labels()).toEqual([['产品', '稳盈 90 天'], ['金额', '¥1,000.00'], ['产品', '安心 30 天'], ['金额', '¥50.00']])
    // The table re-renders its own classes: the marker survives that.
    await wrapper.vm.$forceUpdate()
    await flushPromises()
    expect(wrapper.find('.el-table').attributes()).toHaveProperty('data-cards')
    wrapper.unmount()
  })
})
