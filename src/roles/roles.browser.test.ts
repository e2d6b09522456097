/**
 * The roles' in-tab parts in real Chromium: the miner's browser solver (model store with
 * progress, sha256-checked files, the inference worker) answering a challenge that crossed the
 * wire codec, and the validator's scoring of the decoded answer. (Chain and mesh need Node
 * services the browser tier does not start; src/roles/roles.test.ts covers them end to end.)
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createInferenceClient, createModelStore, type ModelProgress } from '../gpu/index.ts'
import { makeOcrChallenge, ocrTask, scoreOcr } from '../subnet/index.ts'
import { createBrowserSolver } from './browser-solver.ts'
import { decodeOcrAnswer, decodeOcrChallenge, encodeOcrAnswer, encodeOcrChallenge } from '../subnet/index.ts'

const cacheName = `test-roles-${crypto.randomUUID()}`
/** Every message between the page and the solve worker, in order. */
const wire: Array<{ dir: 'to' | 'from'; msg: Record<string, unknown> }> = []
const solver = createBrowserSolver({
  task: ocrTask,
  store: createModelStore({ cacheName }),
  inference: createInferenceClient({ ep: 'wasm', memory: { get: () => undefined, set: () => {} } }),
  onProgress: (p) => progress.push(p),
  createWorker: () => {
    const w = new Worker(new URL('./solve.worker.ts', import.meta.url), { type: 'module' })
    const post = w.postMessage.bind(w)
    w.postMessage = ((msg: Record<string, unknown>, transfer?: Transferable[]) => { wire.push({ dir: 'to', msg }); post(msg, transfer ?? []) }) as Worker['postMessage']
    w.addEventListener('message', (e: MessageEvent<Record<string, unknown>>) => { wire.push({ dir: 'from', msg: e.data }) })
    return w
  },
})
const progress: ModelProgress[] = []

afterAll(async () => {
  solver.stop()
  await caches.delete(cacheName)
})

describe('miner solver in a tab', () => {
  it('loads the model with progress, answers a wire challenge, and the validator scores it', async () => {
    await solver.load({})
    expect(progress.length).toBeGreaterThan(0)
    // After load the worker creates both sessions on its own, before any challenge arrives.
    await expect.poll(() => wire.some((w) => w.dir === 'from' && w.msg['type'] === 'warmed'), { timeout: 300_000, interval: 50 }).toBe(true)
    expect(wire.filter((w) => w.dir === 'from' && w.msg['type'] === 'call').map((w) => w.msg['method'])).toEqual(['createSession', 'createSession'])
    wire.length = 0
    const { challenge, truth } = await makeOcrChallenge({ words: 3, width: 320, height: 128 })
    const received = decodeOcrChallenge(encodeOcrChallenge(challenge))
    expect(received).toEqual(challenge)
    const answer = await solver.solve(received, { signal: AbortSignal.timeout(300_000) })
    expect(answer.ep).toBe('wasm')
    // So the first challenge paid only for its runs.
    expect(new Set(wire.filter((w) => w.dir === 'from' && w.msg['type'] === 'call').map((w) => w.msg['method']))).toEqual(new Set(['run']))
    const decoded = decodeOcrAnswer(encodeOcrAnswer(answer))
    expect(decoded.id).toBe(challenge.id)
    const s = scoreOcr(truth.id, truth.words, decoded)
    expect(s.score).toBeGreaterThanOrEqual(0.6)
  }, 600_000)

  it('decodes and pre/post-processes in the solve worker: the page only relays tensor calls, and the answer equals a main-thread solve', async () => {
    const { challenge } = await makeOcrChallenge({ words: 4, width: 320, height: 160 })
    wire.length = 0
    const answer = await solver.solve(challenge, { signal: AbortSignal.timeout(300_000) })
    // The challenge (image included) went to the worker, which asked the page only for session
    // runs (tensors in, tensors out) and sent back the finished answer.
    const toWorker = wire.filter((w) => w.dir === 'to').map((w) => w.msg)
    const fromWorker = wire.filter((w) => w.dir === 'from').map((w) => w.msg)
    expect(toWorker.find((m) => m['type'] === 'solve')?.['challenge']).toEqual(challenge)
    const calls = fromWorker.filter((m) => m['type'] === 'call')
    expect(calls.length).toBeGreaterThanOrEqual(2) // detection, then recognition
    expect(new Set(calls.map((m) => m['method']))).toEqual(new Set(['run']))
    expect(fromWorker.filter((m) => m['type'] === 'solved').map((m) => (m['answer'] as { id: string }).id)).toEqual([challenge.id])
    // The same challenge solved on this thread, with the same sessions, reads the same words.
    const files = (await createModelStore({ cacheName }).load(ocrTask.manifest, {})).files
    const here = await ocrTask.solve(challenge, { runner: solver.inference, files, signal: AbortSignal.timeout(300_000) })
    expect(answer.words.map((w) => [w.text, w.box])).toEqual(here.words.map((w) => [w.text, w.box]))
  }, 600_000)

  it('a solve aborted mid-way in the worker rejects, and the worker goes on solving the next one', async () => {
    const { challenge } = await makeOcrChallenge({ words: 2, width: 320, height: 96 })
    const abort = new AbortController()
    wire.length = 0
    const solving = solver.solve(challenge, { signal: abort.signal })
    solving.catch(() => {})
    // Abort once the worker is mid-solve (it has asked for its first tensor run).
    await expect.poll(() => wire.some((w) => w.dir === 'from' && w.msg['type'] === 'call'), { timeout: 60_000, interval: 5 }).toBe(true)
    abort.abort()
    await expect(solving).rejects.toMatchObject({ code: 'ABORTED' })
    const next = await solver.solve(challenge, { signal: AbortSignal.timeout(300_000) })
    expect(next.id).toBe(challenge.id)
  }, 600_000)
})
