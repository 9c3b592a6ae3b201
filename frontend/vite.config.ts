// Builds the UI into the Python package (src/vwed/web/ui), with a local copy of Swagger UI for /docs.
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import type { Plugin } from 'vite'
import { defineConfig } from 'vitest/config'

const here = dirname(fileURLToPath(import.meta.url))
const outDir = resolve(here, '../src/vwed/web/ui')

// The /docs page loads these from the package, never from a CDN.
function swaggerUi(): Plugin {
  return {
    name: 'vwed-swagger-ui',
    apply: 'build',
    closeBundle() {
      const from = resolve(here, 'node_modules/swagger-ui-dist')
      mkdirSync(resolve(outDir, 'swagger'), { recursive: true })
      for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
        copyFileSync(resolve(from, name), resolve(outDir, 'swagger', name))
      }
    },
  }
}

export default defineConfig({
  plugins: [vue(), swaggerUi()],
  define: { __UI_VERSION__: JSON.stringify(process.env.npm_package_version ?? '0.0.0') },
  resolve: { alias: { '@': resolve(here, 'src') } },
  build: {
    outDir,
    emptyOutDir: true,
    // read (and then removed) by scripts/bundle-sizes.mjs
    manifest: true,
    chunkSizeWarningLimit: 5000,
    rollupOptions: {
      output: {
        manualChunks(id: string): string | undefined {
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus'
          if (id.includes('node_modules/vue') || id.includes('node_modules/@vue') || id.includes('node_modules/pinia'))
            return 'vue'
          return undefined
        },
      },
    },
  },
  worker: { format: 'es' },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8000', ws: true } } },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts'],
  },
})
