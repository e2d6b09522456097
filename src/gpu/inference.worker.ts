/**
 * The inference worker: owns ORT and, for the WebGPU EP, its own GPU device. Messages are
 * handled one at a time (a local queue), so sessions never run concurrently. Runs also arrive on
 * connected ports (a solve worker's direct channel) and join the same queue, as do the page's
 * holds (its GPU queue's gate: a consensus batch waits for the runs ahead of it, and the runs
 * after it wait for the batch). Protocol in `protocol.ts`.
 */
/// <reference lib="webworker" />
import { createGpuDevice, type DeviceLostDetail, type GpuDeviceHandle } from './device.ts'
import { GpuError, errorToData } from './errors.ts'
import { configureOrt, createOrtSession, type OrtSession } from './ort.ts'
import { probeGpu, type GpuCapabilities } from './probe.ts'
import type { CreateResult, ExecutionProvider, InitResult, MeasureResult, PortRequest, RunResult, TensorMap, WorkerRequest, WorkerResponse, WorkerStats } from './protocol.ts'
import { createGpuQueue } from './queue.ts'

const scope = self as unknown as DedicatedWorkerGlobalScope
const queue = createGpuQueue()

interface Held {
  model: ArrayBuffer
  session: OrtSession
}

const sessions = new Map<string, Held>()
let gpu: GpuDeviceHandle | null = null
let webgpuUsable = false
let capabilities: GpuCapabilities | null = null
let initialized: InitResult | null = null

const stats: WorkerStats = { page: { received: 0, sent: 0 }, port: { received: 0, sent: 0 }, runs: { page: 0, port: 0 } }
/** Page holds granted and not yet let go, by the id of their `hold` request. */
const holds = new Map<number, () => void>()

function post(msg: WorkerResponse, transfer: Transferable[] = []): void {
  stats.page.sent++
  scope.postMessage(msg, transfer)
}

async function init(req: Extract<WorkerRequest, { type: 'init' }>): Promise<InitResult> {
  if (initialized !== null) return initialized
  capabilities = await probeGpu()
  let device: GPUDevice | undefined
  if (req.webgpu && capabilities.available) {
    try {
      gpu = createGpuDevice({ maxBufferLimits: true, recover: false })
      gpu.addEventListener('lost', (e) => void onDeviceLost((e as CustomEvent<DeviceLostDetail>).detail))
      device = await gpu.start()
      webgpuUsable = true
    } catch {
      webgpuUsable = false
    }
  }
  const numThreads = scope.crossOriginIsolated ? Math.max(1, req.numThreads) : 1
  configureOrt({ wasmPaths: req.wasmPaths, numThreads, ...(device !== undefined ? { device } : {}), ...(req.runtime !== undefined ? { runtime: req.runtime } : {}) })
  initialized = { capabilities, crossOriginIsolated: scope.crossOriginIsolated, numThreads, webgpu: webgpuUsable, runtime: req.runtime !== undefined ? 'store' : 'url' }
  return initialized
}

/** A real loss: every WebGPU session moves to WASM (ORT's WebGPU backend cannot take a new device). */
async function onDeviceLost(detail: DeviceLostDetail): Promise<void> {
  webgpuUsable = false
  await queue.run(async () => {
    for (const [name, held] of sessions) {
      if (held.session.ep !== 'webgpu') continue
      await held.session.release().catch(() => {})
      held.session = await createOrtSession(held.model, 'wasm')
      sessions.set(name, held)
    }
  })
  post({ type: 'path', ep: 'wasm', reason: `GPU device lost (${detail.reason}: ${detail.message}); running on WASM` })
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? Number.NaN
}

async function measure(req: Extract<WorkerRequest, { type: 'measure' }>): Promise<MeasureResult> {
  const result: MeasureResult = { ms: {}, errors: {} }
  const eps: ExecutionProvider[] = webgpuUsable ? ['webgpu', 'wasm'] : ['wasm']
  for (const ep of eps) {
    let s: OrtSession | null = null
    try {
      s = await createOrtSession(req.model, ep)
      await s.run(req.feeds) // warm-up: shader compilation and allocation are not the steady state
      const times: number[] = []
      for (let i = 0; i < Math.max(1, req.runs); i++) {
        const t0 = performance.now()
        await s.run(req.feeds)
        times.push(performance.now() - t0)
      }
      result.ms[ep] = median(times)
    } catch (err) {
      result.errors[ep] = (err as Error).message
    } finally {
      await s?.release().catch(() => {})
    }
  }
  return result
}

async function create(req: Extract<WorkerRequest, { type: 'create' }>): Promise<CreateResult> {
  const old = sessions.get(req.session)
  if (old !== undefined) {
    if (old.session.ep === req.ep || (req.ep === 'webgpu' && !webgpuUsable)) return old.session.info
    await old.session.release().catch(() => {})
    sessions.delete(req.session)
  }
  const ep: ExecutionProvider = req.ep === 'webgpu' && !webgpuUsable ? 'wasm' : req.ep
  if (ep !== req.ep) post({ type: 'path', ep, reason: 'WebGPU is unavailable in this worker; running on WASM' })
  const session = await createOrtSession(req.model, ep)
  sessions.set(req.session, { model: req.model, session })
  return session.info
}

async function run(req: Extract<WorkerRequest, { type: 'run' }>): Promise<RunResult> {
  const held = sessions.get(req.session)
  if (held === undefined) throw new GpuError('MODEL_NOT_FOUND', `no session '${req.session}' in the inference worker: create it first`)
  try {
    return { outputs: await held.session.run(req.feeds), ep: held.session.ep }
  } catch (err) {
    if (held.session.ep !== 'webgpu' || webgpuUsable) throw err
    // The device went away under this run: move the session to WASM and run once more.
    await held.session.release().catch(() => {})
    held.session = await createOrtSession(held.model, 'wasm')
    return { outputs: await held.session.run(req.feeds), ep: 'wasm' }
  }
}

function transferables(outputs: TensorMap): Transferable[] {
  return Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer)
}

async function handle(req: WorkerRequest): Promise<{ result: unknown; transfer: Transferable[] }> {
  switch (req.type) {
    case 'init':
      return { result: await init(req), transfer: [] }
    case 'measure':
      return { result: await measure(req), transfer: [] }
    case 'create':
      return { result: await create(req), transfer: [] }
    case 'run': {
      const r = await run(req)
      stats.runs.page++
      return { result: r, transfer: transferables(r.outputs) }
    }
    case 'connect':
      connect(req.port)
      return { result: true, transfer: [] }
    case 'hold':
    case 'unhold':
    case 'stats':
      throw new GpuError('INFERENCE_FAILED', `'${req.type}' is not a queued request`)
    case 'release': {
      const held = sessions.get(req.session)
      sessions.delete(req.session)
      await held?.session.release()
      return { result: held !== undefined, transfer: [] }
    }
    case 'resources':
      // Diagnostics and tests: every URL this worker fetched (its resource timing entries).
      return { result: performance.getEntriesByType('resource').map((e) => e.name), transfer: [] }
    case 'lose-device': {
      // Diagnostics and tests: destroy the device behind our handle's back, as a driver reset would.
      const d = gpu?.device
      if (d === null || d === undefined) return { result: false, transfer: [] }
      d.destroy()
      return { result: true, transfer: [] }
    }
  }
}

/** Bounds a port request (it comes from another worker of this page, but crosses a boundary). */
function checkPortRequest(m: unknown): PortRequest {
  const r = m as Partial<PortRequest> | null
  if (typeof r !== 'object' || r === null || typeof r.id !== 'number') throw new GpuError('INFERENCE_FAILED', 'port request: id must be a number')
  if (r.type !== 'run') throw new GpuError('INFERENCE_FAILED', `port request: type must be 'run' (got ${String(r.type)})`)
  if (typeof r.session !== 'string' || r.session.length > 256) throw new GpuError('INFERENCE_FAILED', 'port request: session must be a name of at most 256 characters')
  if (typeof r.feeds !== 'object' || r.feeds === null) throw new GpuError('INFERENCE_FAILED', 'port request: feeds must be a tensor map')
  return r as PortRequest
}

/** A direct channel from a solve worker: its runs join this worker's one queue. */
function connect(port: MessagePort): void {
  const reply = (msg: WorkerResponse, transfer: Transferable[] = []): void => {
    stats.port.sent++
    port.postMessage(msg, transfer)
  }
  port.onmessage = (ev: MessageEvent<unknown>): void => {
    stats.port.received++
    let req: PortRequest
    try {
      req = checkPortRequest(ev.data)
    } catch (err) {
      const id = (ev.data as { id?: unknown } | null)?.id
      reply({ id: typeof id === 'number' ? id : -1, ok: false, error: errorToData(err) })
      return
    }
    queue.run(() => run({ ...req, type: 'run' }), { label: `port:${req.session}` }).then(
      (r) => { stats.runs.port++; reply({ id: req.id, ok: true, result: r }, transferables(r.outputs)) },
      (err: unknown) => reply({ id: req.id, ok: false, error: errorToData(err) }),
    )
  }
}

/** A page hold: a job in this queue that starts when the work ahead of it is done and ends on `unhold`. */
function hold(id: number): void {
  queue.run(() => new Promise<void>((release) => {
    holds.set(id, release)
    post({ id, ok: true, result: id })
  }), { label: 'hold' }).catch((err: unknown) => post({ id, ok: false, error: errorToData(err) }))
}

scope.addEventListener('message', (ev: MessageEvent<WorkerRequest>) => {
  const req = ev.data
  stats.page.received++
  if (req.type === 'hold') return hold(req.id)
  if (req.type === 'unhold' || req.type === 'stats') {
    // Both jump the queue: a hold is let go of from outside it, and stats must not wait for it.
    let result: unknown = { ...stats, page: { ...stats.page }, port: { ...stats.port }, runs: { ...stats.runs } }
    if (req.type === 'unhold') {
      const release = holds.get(req.hold)
      holds.delete(req.hold)
      release?.()
      result = release !== undefined
    }
    post({ id: req.id, ok: true, result })
    return
  }
  // 'lose-device' jumps the queue: a loss does not wait for work to finish.
  const work = req.type === 'lose-device' ? handle(req) : queue.run(() => handle(req), { label: req.type })
  work.then(
    ({ result, transfer }) => post({ id: req.id, ok: true, result }, transfer),
    (err: unknown) => post({ id: req.id, ok: false, error: errorToData(err) }),
  )
})

