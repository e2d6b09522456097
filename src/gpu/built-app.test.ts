import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { extname, join, resolve } from 'node:path'
import type { AddressInfo } from 'node:net'
import { build } from 'vite'
import { chromium, type Browser } from 'playwright'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/chromium.ts'
import { modelsPlugin } from '../../scripts/vite-plugin-models.ts'

// The production path: a real `vite build` with the models plugin (worker bundle, models/ and
// ort/ copied from node_modules), served by a plain static server with COOP/COEP, solved in
// headless Chromium by the built inference worker.
const root = resolve(import.meta.dirname, '../..')
const out = mkdtempSync(join(tmpdir(), 'webtensor-built-'))
const hits: string[] = []
let server: Server
let browser: Browser
let origin: string

const ENTRY = `
import { createInferenceClient, createModelStore } from ${JSON.stringify(join(root, 'src/gpu/index.ts'))}
import { ocrTask } from ${JSON.stringify(join(root, 'src/subnet/index.ts'))}
globalThis.ocrApp = { createInferenceClient, createModelStore, ocrTask }
`
const MIME: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.woff2': 'font/woff2' }

beforeAll(async () => {
  await build({
    configFile: false,
    root,
    logLevel: 'silent',
    plugins: [modelsPlugin(), { name: 'entry', resolveId: (id) => (id === 'virtual:ocr-entry' ? '\0ocr-entry' : null), load: (id) => (id === '\0ocr-entry' ? ENTRY : null) }],
    worker: { format: 'es' },
    build: { outDir: out, emptyOutDir: true, target: 'es2022', rollupOptions: { input: 'virtual:ocr-entry', output: { entryFileNames: 'entry.js' } } },
  })
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    hits.push(path)
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp')
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
    if (path === '/') {
      res.setHeader('Content-Type', 'text/html')
      res.end('<!doctype html><script type="module" src="/entry.js"></script>')
      return
    }
    const file = join(out, path)
    if (!file.startsWith(out) || !existsSync(file)) { res.statusCode = 404; res.end(); return }
    res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream')
    res.end(readFileSync(file))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  rmSync(out, { recursive: true, force: true })
})

describe('built app: models and ORT served from our origin', () => {
  it('the build holds the models, their manifest and ORT wasm once, and nothing native', () => {
    expect(readdirSync(join(out, 'models/ocr')).sort()).toEqual(['ch_PP-OCRv4_det_infer.onnx', 'ch_PP-OCRv4_rec_infer.onnx', 'manifest.json', 'ppocr_keys_v1.txt'])
    expect(readdirSync(join(out, 'ort')).sort()).toEqual(['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'])
    const assets = readdirSync(join(out, 'assets'))
    expect(assets.filter((f) => f.endsWith('.wasm'))).toEqual([])
    expect(assets.some((f) => f.startsWith('inference.worker'))).toBe(true)
    for (const f of assets.filter((a) => a.endsWith('.js'))) expect(readFileSync(join(out, 'assets', f), 'utf8')).not.toContain('@napi-rs/canvas')
  })

  it('the built worker verifies the models and solves a challenge with threaded WASM', async () => {
    const page = await browser.newPage()
    try {
      await page.goto(`${origin}/`)
      await page.waitForFunction(() => 'ocrApp' in globalThis)
      const r = await page.evaluate(async () => {
        type App = { createInferenceClient: typeof import('./index.ts').createInferenceClient; createModelStore: typeof import('./index.ts').createModelStore; ocrTask: typeof import('../subnet/index.ts').ocrTask }
        const app = (globalThis as unknown as { ocrApp: App }).ocrApp
        const model = await app.createModelStore().load(app.ocrTask.manifest)
        const client = app.createInferenceClient()
        const init = await client.start()
        const { challenge, truth } = await app.ocrTask.makeChallenge()
        const answer = await app.ocrTask.solve(challenge, { runner: client, files: model.files })
        client.stop()
        return { isolated: crossOriginIsolated, threads: init.numThreads, ep: client.path?.ep, exact: app.ocrTask.score(truth, answer).parts['exact'], words: truth.words.length }
      })
      expect(r.isolated).toBe(true)
      expect(r.ep).toBe('wasm')
      expect(r.exact).toBeGreaterThanOrEqual(r.words - 1)
      expect(hits).toContain('/ort/ort-wasm-simd-threaded.jsep.wasm')
      expect(hits).toContain('/models/ocr/ch_PP-OCRv4_rec_infer.onnx')
    } finally {
      await page.close()
    }
  }, 300_000)
})
