/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { defineConfig } from 'vite'

// The API server for `npm run dev` (finplat serve, default port 8000).
const apiTarget = process.env.FINPLAT_API_URL ?? 'http://127.0.0.1:8000'

export default defineConfig({
  plugins: [
    vue(),
    // Element Plus components (and their CSS) are imported where templates use them.
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
  ],
  // vue-i18n: Composition API only, no devtools hooks in production (smaller bundle).
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': apiTarget,
      '/healthz': apiTarget,
      '/readyz': apiTarget,
    },
  },
  build: {
    outDir: '../src/finplat/static',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
    rolldownOptions: {
      output: {
        // Vue and the Element Plus parts in use change rarely: one long-cached vendor chunk,
        // and a small chunk per page for the app's own code. ECharts (only the charts and
        // components registered in src/charts/echarts.ts) is a chunk of its own, loaded by the
        // pages that draw a chart, not by every page.
        codeSplitting: {
          groups: [
            // First the vendor chunk (everything but the charts) takes its modules...
            { name: 'vendor', test: /node_modules[\\/](?!(echarts|zrender|vue-echarts)[\\/])/, priority: 2 },
            // ...so the charts chunk does not pull Vue in with vue-echarts.
            { name: 'charts', test: /node_modules[\\/](echarts|zrender|vue-echarts)[\\/]/, priority: 1 },
          ],
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    css: false,
    // Every mounted component gets the app's i18n and pinia (tests/setup.ts).
    setupFiles: ['tests/setup.ts'],
    // Route tests load the lazy views through Vite's transform, slow on a busy machine.
    testTimeout: 90000,
    // Element Plus imports its CSS from its ES modules; inlining lets Vite handle those imports.
    server: { deps: { inline: ['element-plus'] } },
  },
})
