import { defineConfig } from 'vitest/config'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { VitePWA } from 'vite-plugin-pwa'
import { playwright } from '@vitest/browser-playwright'
import { CHROMIUM_ARGS, chromiumPath } from './scripts/chromium.ts'
import { modelsPlugin } from './scripts/vite-plugin-models.ts'

/** COOP/COEP: cross-origin isolation, so ONNX Runtime can use multithreaded WASM. */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'cross-origin',
}

export default defineConfig({
  publicDir: 'static',
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  build: { target: 'es2022', sourcemap: true },
  worker: { format: 'es' },
  // The wallet loads the extension bridge only on the first Connect click; pre-bundle it so the
  // dev server does not reload the page at that moment.
  optimizeDeps: { include: ['@polkadot/extension-dapp'] },
  plugins: [
    svelte(),
    modelsPlugin(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/ui',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      manifest: false, // static/manifest.webmanifest is the manifest, linked from index.html
      injectManifest: {
        // ORT's glue script is precached (sw.ts adds its sha256 as integrity).
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,woff2}', 'ort/*.mjs'],
        // Models and ORT's wasm are cached by the model store (Cache API), not precached with the shell.
        globIgnores: ['models/**', '**/*.wasm', 'widget.js', 'partner/**'],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
      devOptions: { enabled: false },
    }),
  ],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', 'node_modules/**'],
          setupFiles: ['test/setup-node.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Opt-in: runs against the subtensor runtime named by WEBTENSOR_REAL_RUNTIME, skipped without it.
        extends: true,
        test: {
          name: 'real-runtime',
          environment: 'node',
          include: ['test/real-runtime/**/*.test.ts'],
          setupFiles: ['test/setup-node.ts'],
          testTimeout: 1_800_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['src/**/*.browser.test.ts', 'test/browser/**/*.browser.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
})
