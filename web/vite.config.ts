import type { Plugin } from 'vite'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { brotliCompressSync, gzipSync, constants } from 'node:zlib'
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { landPath } from './src/charts/landPath.ts'

const COMPILE_HINT = '//# allFunctionsCalledOnLoad\n'

/** Files worth compressing: text, at least 1 KiB. */
const compressible = /\.(js|css|html|svg|json|txt|map)$/

/**
 * Finishes the build on disk, once every other plugin has written its part:
 *
 * - the scripts `index.html` loads get V8's explicit compile hint, so V8 compiles all
 *   their functions on a background thread while they download, instead of lazily
 *   on the main thread the first time each runs: the dashboard calls nearly all of
 *   them before its first paint;
 * - every compressible file gets `.gz` and `.br` beside it, at the highest levels:
 *   the server sends them as they are, so a request never pays for compression.
 */
function precompress(): Plugin {
  let outDir = 'dist'
  return {
    name: 'callvitals-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir
    },
    closeBundle() {
      const page = readFileSync(join(outDir, 'index.html'), 'utf8')
      for (const [, script] of page.matchAll(/"\/(assets\/[^"]+\.js)"/g)) {
        const file = join(outDir, script!)
        const code = readFileSync(file, 'utf8')
        if (!code.startsWith(COMPILE_HINT)) writeFileSync(file, COMPILE_HINT + code)
      }
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name)
          return statSync(path).isDirectory() ? walk(path) : [path]
        })
      for (const file of walk(outDir)) {
        if (!compressible.test(file)) continue
        const body = readFileSync(file)
        if (body.length < 1024) continue
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }))
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, {
            params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
          }),
        )
      }
    },
  }
}

/** `virtual:land-path`: the map's outline as a finished SVG path string. */
function landPathModule(): Plugin {
  const id = 'virtual:land-path'
  return {
    name: 'callvitals-land-path',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load: (source) => (source === `\0${id}` ? `export default ${JSON.stringify(landPath())}` : undefined),
  }
}

// The build is embedded in the server binary (build.rs) and served at `/`; `/v1` and
// `/api` go to a locally running server during development (`npm run dev`).
export default defineConfig({
  plugins: [vue(), landPathModule(), precompress()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    // Vite's inline module-preload polyfill would need an inline script, which the
    // Content-Security-Policy forbids; every browser we support preloads modules.
    modulePreload: { polyfill: false },
  },
  // Unit tests only: the end-to-end tests in e2e/ run in Chromium (`npm run e2e`).
  test: { include: ['src/**/*.test.ts'] },
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:8080',
      '/api': 'http://127.0.0.1:8080',
    },
  },
})
