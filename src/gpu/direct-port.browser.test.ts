/**
 * The inference worker's direct channel in real Chromium, without a model: requests on a connected
 * port are validated and answered on the port, they join the worker's one queue, which a page job
 * of the client's GPU queue holds (the gate), and a stopped client's gate no longer holds anything.
 * (src/roles/roles.browser.test.ts runs real OCR solves over the channel.)
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createGpuQueue, createInferenceClient, type WorkerResponse } from './index.ts'

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
})
