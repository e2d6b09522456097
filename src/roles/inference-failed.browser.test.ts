/**
 * A miner whose inference worker fails mid-solve, in real Chromium: the solve worker's runs go to
 * the inference worker over a direct channel (a MessagePort), which a failed worker never answers
 * and never closes. The solve must fail at once with WORKER_FAILED, not wait for the challenge's
 * deadline. The solve worker, its OCR task and the model files are real; the inference worker is a
 * stand-in (named as such: a real one cannot be made to fail on cue) that answers start, connect
 * and session creation like the real one, then throws on the first run it gets on the port.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createInferenceClient, createModelStore } from '../gpu/index.ts'
import { makeOcrChallenge, ocrTask } from '../subnet/index.ts'
import { createBrowserSolver } from './browser-solver.ts'

const STAND_IN = `let port = null
onmessage = (e) => {
  const m = e.data
  if (m.type === 'init') postMessage({ id: m.id, ok: true, result: { capabilities: {}, crossOriginIsolated: false, numThreads: 1, webgpu: false, runtime: 'url' } })
  else if (m.type === 'connect') { port = m.port; port.onmessage = () => { throw new Error('stand-in inference worker failed') }; postMessage({ id: m.id, ok: true, result: true }) }
  else if (m.type === 'create') postMessage({ id: m.id, ok: true, result: { ep: 'wasm', inputNames: ['x'], outputNames: ['y'], inputShapes: [null] } })
  else if (m.type === 'hold' || m.type === 'unhold') postMessage({ id: m.id, ok: true, result: m.id })
  else postMessage({ id: m.id, ok: false, error: { name: 'GpuError', code: 'MODEL_NOT_FOUND', message: 'stand-in: ' + m.type } })
}`

const url = URL.createObjectURL(new Blob([STAND_IN], { type: 'text/javascript' }))
const cacheName = `test-inference-failed-${crypto.randomUUID()}`
const solver = createBrowserSolver({
  task: ocrTask,
  store: createModelStore({ cacheName }),
  inference: createInferenceClient({ ep: 'wasm', runtime: null, memory: { get: () => undefined, set: () => {} }, createWorker: () => new Worker(url) }),
})

afterAll(async () => {
  solver.stop()
  URL.revokeObjectURL(url)
  await caches.delete(cacheName)
})

describe('the inference worker fails during a solve', () => {
  it('the solve fails at once with WORKER_FAILED, and so does the next one (through the page)', async () => {
    await solver.load({})
    const { challenge } = await makeOcrChallenge({ words: 3, width: 320, height: 128 })
    // Without the failure reaching the solve worker, its run waits on the port until this abort: ABORTED.
    await expect(solver.solve(challenge, { signal: AbortSignal.timeout(60_000) })).rejects.toMatchObject({ code: 'WORKER_FAILED' })
    await expect(solver.solve(challenge, { signal: AbortSignal.timeout(60_000) })).rejects.toMatchObject({ code: 'WORKER_FAILED' })
  }, 300_000)
})
