/**
 * The roles' in-tab parts in real Chromium: the miner's browser solver (model store with
 * progress, sha256-checked files, the inference worker) answering a challenge that crossed the
 * wire codec, and the validator's scoring of the decoded answer. (Chain and mesh need Node
 * services the browser tier does not start; src/roles/roles.test.ts covers them end to end.)
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createInferenceClient, createModelStore, sharedGpuQueue, type ModelProgress } from '../gpu/index.ts'
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
    // So the first challenge paid only for its runs, which went worker to worker: no call reached the page.
    expect(wire.filter((w) => w.dir === 'from' && w.msg['type'] === 'call')).toEqual([])
    const decoded = decodeOcrAnswer(encodeOcrAnswer(answer))
    expect(decoded.id).toBe(challenge.id)
    const s = scoreOcr(truth.id, truth.words, decoded)
    expect(s.score).toBeGreaterThanOrEqual(0.6)
  }, 600_000)

  it('decodes and pre/post-processes in the solve worker, whose runs go worker to worker: the page sees the challenge and the answer only, and the answer equals a main-thread solve and a relayed one', async () => {
    const { challenge } = await makeOcrChallenge({ words: 4, width: 320, height: 160 })
    wire.length = 0
    const before = await solver.inference.workerStats()
    const answer = await solver.solve(challenge, { signal: AbortSignal.timeout(300_000) })
    const after = await solver.inference.workerStats()
    // The challenge (image included) went to the worker, which sent back the finished answer and
    // nothing else: its session runs (detection, then recognition) reached the inference worker
    // on the port.
    expect(wire.map((w) => `${w.dir} ${String(w.msg['type'])}`)).toEqual(['to solve', 'from solved'])
    expect(wire[0]!.msg['challenge']).toEqual(challenge)
    expect((wire[1]!.msg['answer'] as { id: string }).id).toBe(challenge.id)
    const portRuns = after.runs.port - before.runs.port
    expect(portRuns).toBeGreaterThanOrEqual(2)
    expect(after.port.received - before.port.received).toBe(portRuns)
    expect(after.port.sent - before.port.sent).toBe(portRuns)
    // Between the two stats calls the page sent the inference worker only the second one, and got
    // only the first one's answer.
    expect(after.runs.page - before.runs.page).toBe(0)
    expect([after.page.received - before.page.received, after.page.sent - before.page.sent]).toEqual([1, 1])
    // The same challenge solved on this thread, with the same sessions, reads the same words.
    const files = (await createModelStore({ cacheName }).load(ocrTask.manifest, {})).files
    const here = await ocrTask.solve(challenge, { runner: solver.inference, files, signal: AbortSignal.timeout(300_000) })
    expect(answer.words.map((w) => [w.text, w.box])).toEqual(here.words.map((w) => [w.text, w.box]))
    // And so does a solver whose runs the page relays (the path before the direct channel).
    const relayWire: string[] = []
    const relay = createBrowserSolver({
      task: ocrTask,
      store: createModelStore({ cacheName }),
      inference: createInferenceClient({ ep: 'wasm', memory: { get: () => undefined, set: () => {} } }),
      direct: false,
      createWorker: () => {
        const w = new Worker(new URL('./solve.worker.ts', import.meta.url), { type: 'module' })
        w.addEventListener('message', (e: MessageEvent<Record<string, unknown>>) => { relayWire.push(`${String(e.data['type'])} ${String(e.data['method'])}`) })
        return w
      },
    })
    try {
      await relay.load({})
      await expect.poll(() => relayWire.filter((m) => m === 'call createSession').length, { timeout: 300_000, interval: 50 }).toBe(2)
      relayWire.length = 0
      const relayed = await relay.solve(challenge, { signal: AbortSignal.timeout(300_000) })
      expect(relayed.words.map((w) => [w.text, w.box])).toEqual(answer.words.map((w) => [w.text, w.box]))
      expect(relayWire.filter((m) => m === 'call run').length).toBe(portRuns)
    } finally {
      relay.stop()
    }
  }, 600_000)

  it('one GPU queue: a page job waits for the worker run in flight, and the worker runs wait for the page job', async () => {
    const { challenge } = await makeOcrChallenge({ words: 2, width: 320, height: 96 })
    const stats = () => solver.inference.workerStats()
    const start = await stats()
    let solved = false
    const solving = solver.solve(challenge, { signal: AbortSignal.timeout(300_000) }).finally(() => { solved = true })
    // A run of the solve has reached the inference worker (its queue), and has not finished.
    await expect.poll(async () => { const s = await stats(); return s.port.received - start.port.received }, { timeout: 60_000, interval: 1 }).toBeGreaterThanOrEqual(1)
    const received = (await stats()).port.received - start.port.received
    let release!: () => void
    let inJob: Awaited<ReturnType<typeof stats>> | null = null
    const page = sharedGpuQueue().run(async () => {
      inJob = await stats()
      await new Promise<void>((r) => { release = r })
    }, { label: 'consensus batch' })
    await expect.poll(() => inJob !== null, { timeout: 60_000, interval: 5 }).toBe(true)
    const held = inJob! as Awaited<ReturnType<typeof stats>>
    // Every run that reached the worker before the page job asked finished before it started.
    expect(held.runs.port - start.runs.port).toBeGreaterThanOrEqual(received)
    // While the page job holds the GPU, a new solve's first run reaches the worker and waits in its queue.
    let solved2 = false
    const solving2 = solver.solve({ ...challenge, id: `${challenge.id}-2` }, { signal: AbortSignal.timeout(300_000) }).finally(() => { solved2 = true })
    await expect.poll(async () => (await stats()).port.received, { timeout: 60_000, interval: 5 }).toBeGreaterThan(held.port.received)
    expect((await stats()).runs.port).toBe(held.runs.port)
    expect(solved2).toBe(false)
    release()
    await page
    expect((await solving).id).toBe(challenge.id)
    expect((await solving2).id).toBe(`${challenge.id}-2`)
    expect(solved).toBe(true)
    expect((await stats()).runs.port).toBeGreaterThan(held.runs.port)
  }, 600_000)

  it('a solve aborted mid-way in the worker rejects, and the worker goes on solving the next one', async () => {
    const { challenge } = await makeOcrChallenge({ words: 2, width: 320, height: 96 })
    const abort = new AbortController()
    wire.length = 0
    const solving = solver.solve(challenge, { signal: abort.signal })
    solving.catch(() => {})
    // Abort once the worker is mid-solve (its first tensor run reached the inference worker).
    const start = (await solver.inference.workerStats()).port.received
    await expect.poll(async () => (await solver.inference.workerStats()).port.received > start, { timeout: 60_000, interval: 5 }).toBe(true)
    abort.abort()
    await expect(solving).rejects.toMatchObject({ code: 'ABORTED' })
    const next = await solver.solve(challenge, { signal: AbortSignal.timeout(300_000) })
    expect(next.id).toBe(challenge.id)
  }, 600_000)
})
