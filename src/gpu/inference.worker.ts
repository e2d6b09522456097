/**
 * The inference worker: owns ORT and, for the WebGPU EP, its own GPU device. Messages are
 * handled one at a time (a local queue), so sessions never run concurrently. Protocol in
 * `protocol.ts`.
 */
/// <reference lib="webworker" />
import { createGpuDevice, type DeviceLostDetail, type GpuDeviceHandle } from './device.ts'
import { GpuError, errorToData } from './errors.ts'
import { configureOrt, createOrtSession, type OrtSession } from './ort.ts'
import { probeGpu, type GpuCapabilities } from './probe.ts'
import type { CreateResult, ExecutionProvider, InitResult, MeasureResult, RunResult, TensorMap, WorkerRequest, WorkerResponse } from './protocol.ts'
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

function post(msg: WorkerResponse, transfer: Transferable[] = []): void {
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
      return { result: r, transfer: transferables(r.outputs) }
    }
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

scope.addEventListener('message', (ev: MessageEvent<WorkerRequest>) => {
  const req = ev.data
  // 'lose-device' jumps the queue: a loss does not wait for work to finish.
  const work = req.type === 'lose-device' ? handle(req) : queue.run(() => handle(req), { label: req.type })
  work.then(
    ({ result, transfer }) => post({ id: req.id, ok: true, result }, transfer),
    (err: unknown) => post({ id: req.id, ok: false, error: errorToData(err) }),
  )
})

