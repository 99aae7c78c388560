/**
 * ECharts, tree-shaken: only the chart types and components registered here are bundled. A page
 * that needs another type (LineChart, PieChart...) adds it to `use([...])` below and renders
 * `<VChart :option="option" autoresize />` (see components/FlowsChart.vue).
 */
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components'
import { use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import VChart from 'vue-echarts'

use([BarChart, LineChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer])

export default VChart
