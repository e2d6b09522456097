/**
 * The returning visit fetches no runtime file: ORT's glue script is in the service worker's
 * precache (with its sha256 as integrity), and ORT's wasm comes from the model store's cache
 * (src/gpu/runtime-cache.browser.test.ts). Requests are counted where they arrive: the app server.
 */
import { test, expect } from './fixtures.ts'

test('ORT\'s glue script is precached: once the service worker controls the page, fetching it reaches no server', async ({ page, stack }) => {
  const hits: string[] = []
  const onRequest = (req: { url?: string }): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path.startsWith('/ort/')) hits.push(path)
  }
  stack.app.server.on('request', onRequest)
  try {
    await page.goto(stack.url)
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 })
    // The install fetched it once, checked against its integrity.
    expect(hits.filter((p) => p.endsWith('.mjs'))).toHaveLength(1)
    hits.length = 0
    const served = await page.evaluate(async () => {
      const r = await fetch('/ort/ort-wasm-simd-threaded.jsep.mjs')
      return { ok: r.ok, bytes: (await r.arrayBuffer()).byteLength }
    })
    expect(served).toEqual({ ok: true, bytes: 46851 })
    expect(hits).toEqual([])
  } finally {
    stack.app.server.off('request', onRequest)
  }
})
