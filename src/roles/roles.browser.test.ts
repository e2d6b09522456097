/**
 * The roles' in-tab parts in real Chromium: the miner's browser solver (model store with
 * progress, sha256-checked files, the inference worker) answering a challenge that crossed the
 * wire codec, and the validator's scoring of the decoded answer. (Chain and mesh need Node
 * services the browser tier does not start; src/roles/roles.test.ts covers them end to end.)
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createInferenceClient, createModelStore, type ModelProgress } from '../gpu/index.ts'
import { makeOcrChallenge, scoreOcr } from '../subnet/index.ts'
import { createBrowserOcrSolver } from './browser-solver.ts'
import { decodeOcrAnswer, decodeOcrChallenge, encodeOcrAnswer, encodeOcrChallenge } from './ocr-wire.ts'

const cacheName = `test-roles-${crypto.randomUUID()}`
const solver = createBrowserOcrSolver({
  store: createModelStore({ cacheName }),
  inference: createInferenceClient({ ep: 'wasm', memory: { get: () => undefined, set: () => {} } }),
  onProgress: (p) => progress.push(p),
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
    const { challenge, truth } = await makeOcrChallenge({ words: 3, width: 320, height: 128 })
    const received = decodeOcrChallenge(encodeOcrChallenge(challenge))
    expect(received).toEqual(challenge)
    const answer = await solver.solve(received, { signal: AbortSignal.timeout(300_000) })
    expect(answer.ep).toBe('wasm')
    const wire = decodeOcrAnswer(encodeOcrAnswer(answer))
    expect(wire.id).toBe(challenge.id)
    const s = scoreOcr(truth.id, truth.words, wire)
    expect(s.score).toBeGreaterThanOrEqual(0.6)
  }, 600_000)
})
