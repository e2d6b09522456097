/**
 * The inference worker's direct channel in real Chromium, without a model: requests on a connected
 * port are validated and answered on the port, they join the worker's one queue, which a page job
 * of the client's GPU queue holds (the gate), and a stopped client's gate no longer holds anything.
 * (src/roles/roles.browser.test.ts runs real OCR solves over the channel.)
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createInferenceClient, type WorkerResponse } from './index.ts'
import { createGpuQueue } from './queue.ts'

const queue = createGpuQueue()
const client = createInferenceClient({ ep: 'wasm', runtime: null, queue })

afterAll(() => client.stop())

/** Every answer that came back on the port, in order. */
function listen(port: MessagePort): WorkerResponse[] {
  const got: WorkerResponse[] = []
  port.onmessage = (e: MessageEvent<WorkerResponse>) => { got.push(e.data) }
  return got
}

describe('direct channel to the inference worker', () => {
  it('validates port requests and answers them on the port, naming the field', async () => {
    const port = await client.connect()
    const got = listen(port)
    port.postMessage({ id: 7, type: 'create', session: 'x' })
    port.postMessage({ id: 8, type: 'run', session: 42, feeds: {} })
    port.postMessage({ id: 9, type: 'run', session: 'nothing', feeds: {} })
    await expect.poll(() => got.length, { timeout: 30_000 }).toBe(3)
    const byId = new Map(got.map((m) => [m.id, m]))
    expect(byId.get(7)).toMatchObject({ ok: false, error: { message: expect.stringContaining('type') } })
    expect(byId.get(8)).toMatchObject({ ok: false, error: { message: expect.stringContaining('session') } })
    expect(byId.get(9)).toMatchObject({ ok: false, error: { code: 'MODEL_NOT_FOUND' } })
    const stats = await client.workerStats()
    expect(stats.port).toEqual({ received: 3, sent: 3 })
    expect(stats.runs).toEqual({ page: 0, port: 0 })
  })

  it('a page job holds the worker queue: a port request waits for it, then is answered', async () => {
    const port = await client.connect()
    const got = listen(port)
    const start = await client.workerStats()
    let release!: () => void
    let started = false
    const job = queue.run(async () => {
      started = true
      await new Promise<void>((r) => { release = r })
    }, { label: 'consensus batch' })
    await expect.poll(() => started, { timeout: 30_000 }).toBe(true)
    port.postMessage({ id: 1, type: 'run', session: 'nothing', feeds: {} })
    // The worker has the request (counted on receipt) but its queue is held: no answer.
    await expect.poll(async () => (await client.workerStats()).port.received, { timeout: 30_000 }).toBe(start.port.received + 1)
    expect((await client.workerStats()).port.sent).toBe(start.port.sent)
    expect(got).toEqual([])
    release()
    await job
    await expect.poll(() => got.length, { timeout: 30_000 }).toBe(1)
    expect(got[0]).toMatchObject({ id: 1, ok: false, error: { code: 'MODEL_NOT_FOUND' } })
  })

  it('a stopped client holds nothing: page jobs run', async () => {
    const other = createInferenceClient({ ep: 'wasm', runtime: null, queue })
    await other.start()
    other.stop()
    await expect(queue.run(async () => 'ran', { label: 'after stop' })).resolves.toBe('ran')
  })

  it('a job aborted while its hold waits rejects without running, and the hold, once granted, is let go', async () => {
    // A stand-in worker (named as such): it answers init and grants a hold only when the test says,
    // as a real worker would once its run in flight (which needs a model) finished.
    const script = `let hold = null
onmessage = (e) => {
  const m = e.data
  if (m.type === 'init') postMessage({ id: m.id, ok: true, result: { capabilities: {}, crossOriginIsolated: false, numThreads: 1, webgpu: false, runtime: 'url' } })
  else if (m.type === 'hold') hold = m.id
  else if (m.type === 'grant') postMessage({ id: hold, ok: true, result: hold })
  else if (m.type === 'unhold') postMessage({ id: m.id, ok: true, result: true })
}`
    const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }))
    const sent: Array<{ type: string; id: number; hold?: number }> = []
    let worker!: Worker
    const q = createGpuQueue()
    const stub = createInferenceClient({ ep: 'wasm', runtime: null, queue: q, createWorker: () => {
      worker = new Worker(url)
      const post = worker.postMessage.bind(worker)
      worker.postMessage = ((msg: { type: string; id: number }, transfer?: Transferable[]) => { sent.push(msg); post(msg, transfer ?? []) }) as Worker['postMessage']
      return worker
    } })
    try {
      await stub.start()
      const abort = new AbortController()
      let ran = false
      const job = q.run(async () => { ran = true }, { signal: abort.signal, label: 'consensus batch' })
      await expect.poll(() => sent.some((m) => m.type === 'hold'), { timeout: 30_000 }).toBe(true)
      const holdId = sent.find((m) => m.type === 'hold')!.id
      abort.abort()
      await expect(job).rejects.toMatchObject({ code: 'ABORTED' })
      expect(ran).toBe(false)
      // The worker grants the hold late: the client lets it go at once, so the worker's queue goes on.
      worker.postMessage({ type: 'grant' })
      await expect.poll(() => sent.filter((m) => m.type === 'unhold').map((m) => m.hold), { timeout: 30_000 }).toEqual([holdId])
      const next = q.run(async () => 'next', { label: 'next batch' })
      await expect.poll(() => sent.filter((m) => m.type === 'hold').length, { timeout: 30_000 }).toBe(2)
      worker.postMessage({ type: 'grant' })
      await expect(next).resolves.toBe('next')
    } finally {
      stub.stop()
      URL.revokeObjectURL(url)
    }
  })
})
