import { describe, expect, it } from 'vitest'
import { createInferenceClient, createModelStore } from './index.ts'
import { ORT_RUNTIME_MANIFEST } from './ort-runtime.ts'
import { ORT_GLUE } from './ort-runtime.ts'
import { OCR_DET_FILE, OCR_MODEL_MANIFEST } from '../subnet/index.ts'

// Real headless Chromium; the models Vite plugin serves the model and ORT's files and counts the
// requests that reach it (models/... and ort/...), whoever made them (page, inference worker, ORT's threads).

async function requests(reset = false): Promise<Record<string, number>> {
  return (await (await fetch(`/__test/models/requests${reset ? '?reset' : ''}`)).json()) as Record<string, number>
}

const probe = () => ({ x: { type: 'float32' as const, data: new Float32Array(3 * 64 * 64).fill(0.5), dims: [1, 3, 64, 64] } })

/** One visit: model and runtime through a store on `cacheName`, a session, one run. */
async function visit(cacheName: string) {
  const model = await createModelStore({ cacheName }).load(OCR_MODEL_MANIFEST)
  const client = createInferenceClient({ ep: 'wasm', runtime: createModelStore({ cacheName }) })
  try {
    const init = await client.start()
    await client.createSession('det', model.files.get(OCR_DET_FILE)!)
    const out = await client.run('det', probe())
    return { init, fromCache: model.fromCache.length, outputs: Object.keys(out).length, workerFetched: await client.workerResources() }
  } finally {
    client.stop()
  }
}

describe('ORT runtime from the Cache API', () => {
  it('a returning visit downloads neither the model nor ORT\'s wasm; the first downloads each once', async () => {
    const cacheName = `runtime-test-${crypto.randomUUID()}`
    try {
      await requests(true)
      const first = await visit(cacheName)
      expect(first.init.runtime).toBe('store')
      expect(first.outputs).toBeGreaterThan(0)
      const cold = await requests(true)
      for (const f of ORT_RUNTIME_MANIFEST.files) expect(cold[f.url], f.url).toBe(1)
      for (const f of OCR_MODEL_MANIFEST.files) expect(cold[f.url], f.url).toBe(1)
      // The worker got the wasm as bytes: ORT fetched only its glue script.
      expect(first.workerFetched.filter((u) => /\/(ort|models)\//u.test(u) && !u.endsWith(ORT_GLUE))).toEqual([])

      const second = await visit(cacheName)
      expect(second.init.runtime).toBe('store')
      expect(second.outputs).toBe(first.outputs)
      expect(second.fromCache).toBe(OCR_MODEL_MANIFEST.files.length)
      // Only the 47 KB glue script may reach the server here (no service worker in the dev server;
      // the built app's precaches it): no model file, no wasm.
      expect(Object.keys(await requests(true)).filter((k) => !k.endsWith(ORT_GLUE))).toEqual([])
      expect(second.workerFetched.filter((u) => /\/(ort|models)\//u.test(u) && !u.endsWith(ORT_GLUE))).toEqual([])
    } finally {
      await caches.delete(cacheName)
    }
  }, 300_000)

  it('without a runtime store ORT fetches its wasm itself (the path a returning visit used to pay each time)', async () => {
    await requests(true)
    const client = createInferenceClient({ ep: 'wasm', runtime: null })
    try {
      expect((await client.start()).runtime).toBe('url')
      const model = await createModelStore({ cacheName: 'runtime-test-url' }).load(OCR_MODEL_MANIFEST)
      await client.createSession('det', model.files.get(OCR_DET_FILE)!)
      expect((await requests(true))[ORT_RUNTIME_MANIFEST.files[0]!.url]).toBeGreaterThanOrEqual(1)
    } finally {
      client.stop()
      await caches.delete('runtime-test-url')
    }
  }, 300_000)
})
