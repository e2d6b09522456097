/**
 * The tab's solver runs any task plug-in: the second task, text detection, through the same solve
 * worker and inference worker (WASM here) as OCR, its answer crossing the task's wire codec and
 * scoring high against the boxes the validator drew. Real headless Chromium, real model (the
 * PP-OCRv4 detection file from the model store).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createInferenceClient, createModelStore } from '../gpu/index.ts'
import { getTask } from '../subnet/index.ts'
import { createBrowserSolver } from './browser-solver.ts'

const task = getTask('textdet')
const cacheName = `test-task-plugin-${crypto.randomUUID()}`
const inits: unknown[] = []
const solver = createBrowserSolver({
  task,
  store: createModelStore({ cacheName }),
  inference: createInferenceClient({ ep: 'wasm', memory: { get: () => undefined, set: () => {} } }),
  createWorker: () => {
    const w = new Worker(new URL('./solve.worker.ts', import.meta.url), { type: 'module' })
    const post = w.postMessage.bind(w)
    w.postMessage = ((msg: Record<string, unknown>, transfer?: Transferable[]) => { if (msg['type'] === 'init') inits.push(msg['task']); post(msg, transfer ?? []) }) as Worker['postMessage']
    return w
  },
})

afterAll(async () => {
  solver.stop()
  await caches.delete(cacheName)
})

describe('a second task in a tab', () => {
  it('the solve worker runs text detection: the answer crosses the wire and scores high', async () => {
    const { challenge, truth } = await task.makeChallenge(task.roundDefaults)
    const received = task.wire.decodeChallenge(task.wire.encodeChallenge(challenge)).challenge
    const answer = await solver.solve(received, { signal: AbortSignal.timeout(300_000) })
    expect(inits).toEqual(['textdet'])
    expect(answer.ep).toBe('wasm')
    const decoded = task.wire.decodeAnswer(task.wire.encodeAnswer(answer))
    expect(decoded.id).toBe(challenge.id)
    expect(task.score(truth, decoded).score).toBeGreaterThan(0.6)
    expect(task.score(truth, task.randomAnswer(challenge)).score).toBeLessThan(0.3)
  }, 300_000)
})
