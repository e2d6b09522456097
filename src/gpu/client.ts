/**
 * Page side of the inference worker: typed calls, errors rebuilt from data, the execution
 * provider chosen by measurement and remembered per adapter, and every run taken through the
 * one GPU queue of this page. `connect()` opens a direct channel (a MessagePort) to the worker for
 * another worker's runs; while the worker lives, the client is a gate of the page's queue, so a
 * page job (a consensus batch) holds the worker's queue too and the two stay serialized.
 */
import { GpuError, errorFromData, throwIfAborted } from './errors.ts'
import type { GpuCapabilities } from './probe.ts'
import type { CreateResult, ExecutionProvider, InitResult, MeasureResult, RunResult, TensorMap, WorkerRequest, WorkerResponse, WorkerStats } from './protocol.ts'
import { sharedGpuQueue, type GpuGate, type GpuQueue } from './queue.ts'
import { createModelStore, type ModelStore } from './model-store.ts'
import { ORT_RUNTIME_MANIFEST, ORT_WASM, type OrtRuntimeBytes } from './ort-runtime.ts'

type RequestBody = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never

/** Where an EP choice is remembered (default: localStorage, else memory). */
export interface EpMemory {
  get(key: string): ExecutionProvider | undefined
  set(key: string, ep: ExecutionProvider): void
}

/** Which path inference runs on, and why (shown to the user). */
export interface InferencePath {
  ep: ExecutionProvider
  reason: string
}

/** Options of {@link createInferenceClient}. */
export interface InferenceClientInit {
  /** `auto` (default): measured on this device and remembered; or force one EP. */
  ep?: 'auto' | ExecutionProvider
  /** WASM threads when cross-origin isolated (default: min(4, hardwareConcurrency)). */
  numThreads?: number
  /** URL prefix of ORT's wasm files (default: `<base>ort/`, served by the models plugin). */
  wasmPaths?: string | null
  /**
   * Where ORT's wasm comes from. Default (when `wasmPaths` is not given): a model store on this
   * origin loads {@link ORT_RUNTIME_MANIFEST} (sha256-checked, kept in the Cache API) and the
   * worker gets the bytes, so a returning visit does not download it. `null`: ORT fetches it from
   * `wasmPaths` itself (the HTTP cache only). The glue script is always fetched from `wasmPaths`.
   */
  runtime?: ModelStore | null
  /** The GPU queue runs go through (default: {@link sharedGpuQueue}). */
  queue?: GpuQueue
  memory?: EpMemory
  /** Starts the worker (default: `src/gpu/inference.worker.ts` as a module worker). */
  createWorker?: () => Worker
}

/** Options of {@link InferenceClient.createSession}. */
export interface CreateSessionOptions {
  /** Representative input for the EP measurement (used only when the choice is `auto` and not yet remembered). */
  probe?: TensorMap
  /** Use this EP for this session, skipping the measurement (e.g. to follow another session's choice). */
  ep?: ExecutionProvider
  signal?: AbortSignal
}

/** A session as created. */
export interface SessionInfo extends CreateResult {
  name: string
  reason: string
}

/**
 * Events: `path` (CustomEvent<InferencePath>) whenever the path is chosen or changes; `failed`
 * (CustomEvent<GpuError>, code `WORKER_FAILED`) when the worker fails. After a failure every call
 * rejects at once with that error until `stop()` and `start()` make a new worker: a dead worker
 * answers nothing, and a call to it waited for its caller's abort. Whoever holds a direct channel
 * (`connect`) should listen: the worker's failure does not close the port.
 */
export interface InferenceClient extends EventTarget {
  /** Starts the worker and initializes ORT; idempotent. */
  start(options?: { signal?: AbortSignal }): Promise<InitResult>
  /** Terminates the worker; pending calls reject with `STOPPED`; idempotent. */
  stop(): void
  /** Creates (or reuses) the named session. The bytes are copied, the caller keeps them. */
  createSession(name: string, model: ArrayBuffer, options?: CreateSessionOptions): Promise<SessionInfo>
  /** Runs the named session through the GPU queue. */
  run(name: string, feeds: TensorMap, options?: { signal?: AbortSignal }): Promise<TensorMap>
  /** Releases the named session. */
  release(name: string): Promise<void>
  /** Current path (null before the first session). */
  readonly path: InferencePath | null
  /** Adapter report from the worker (null before start). */
  readonly capabilities: GpuCapabilities | null
  readonly init: InitResult | null
  /** Destroys the worker's GPU device as a driver reset would (diagnostics and tests). */
  simulateDeviceLoss(): Promise<boolean>
  /** Diagnostics and tests: the URLs the worker fetched (resource timing), e.g. to show a cached visit fetched no runtime file. */
  workerResources(): Promise<string[]>
  /**
   * A direct channel to the worker (starts it): post `PortRequest`s (`run`) on the returned port
   * and get `WorkerResponse`s back on it, without the page. Transfer the port to another worker.
   * Its runs join the worker's queue, which the page's GPU queue holds for its own jobs.
   */
  connect(options?: { signal?: AbortSignal }): Promise<MessagePort>
  /** Diagnostics, bench and tests: the worker's message and run counts per channel. */
  workerStats(): Promise<WorkerStats>
}

function defaultMemory(): EpMemory {
  const mem = new Map<string, ExecutionProvider>()
  const KEY = 'webtensor.ep.v1'
  const ls = (globalThis as { localStorage?: Storage }).localStorage
  const read = (): Record<string, ExecutionProvider> => {
    try {
      return JSON.parse(ls?.getItem(KEY) ?? '{}') as Record<string, ExecutionProvider>
    } catch {
      return {}
    }
  }
  return {
    get: (k) => mem.get(k) ?? read()[k],
    set: (k, ep) => {
      mem.set(k, ep)
      try {
        ls?.setItem(KEY, JSON.stringify({ ...read(), [k]: ep }))
      } catch {
        /* storage full or disabled: memory only */
      }
    },
  }
}

function defaultWasmPaths(): string {
  const env = (import.meta as { env?: { BASE_URL?: string } }).env
  return new URL(`${env?.BASE_URL ?? '/'}ort/`, globalThis.location.href).href
}

class InferenceClientImpl extends EventTarget implements InferenceClient {
  path: InferencePath | null = null
  init: InitResult | null = null
  private worker: Worker | null = null
  /** Why the worker failed (every call rejects with it), until a new worker starts. */
  private failure: GpuError | null = null
  private starting: Promise<InitResult> | null = null
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly queue: GpuQueue
  private readonly memory: EpMemory
  private readonly sessionEps = new Map<string, ExecutionProvider>()
  private removeGate: (() => void) | null = null
  /** Page jobs of the GPU queue hold the worker's queue through this (no-op once stopped). */
  private readonly gate: GpuGate = {
    acquire: (_label, signal) => {
      if (this.worker === null) return Promise.resolve(() => {})
      // No signal on the call itself: a hold granted after an abort must still be let go of.
      const granted = this.call({ type: 'hold' }) as Promise<number>
      const unhold = (id: number) => (): void => { void this.call({ type: 'unhold', hold: id }).catch(() => {}) }
      return new Promise<() => void>((resolve, reject) => {
        const onAbort = (): void => {
          reject(new GpuError('ABORTED', 'GPU job aborted while waiting for the inference worker', { cause: signal?.reason }))
          void granted.then((id) => unhold(id)(), () => {})
        }
        if (signal?.aborted === true) return onAbort()
        signal?.addEventListener('abort', onAbort, { once: true })
        granted.then(
          (id) => { signal?.removeEventListener('abort', onAbort); resolve(unhold(id)) },
          // A worker that stopped or failed holds nothing: the page job goes on (a consensus batch
          // must not fail because the miner's inference worker did).
          () => { signal?.removeEventListener('abort', onAbort); resolve(() => {}) },
        )
      })
    },
  }

  constructor(private readonly opts: InferenceClientInit) {
    super()
    this.queue = opts.queue ?? sharedGpuQueue()
    this.memory = opts.memory ?? defaultMemory()
  }

  get capabilities(): GpuCapabilities | null {
    return this.init?.capabilities ?? null
  }

  start(options: { signal?: AbortSignal } = {}): Promise<InitResult> {
    if (this.init !== null) return Promise.resolve(this.init)
    this.starting ??= this.doStart(options.signal).finally(() => { this.starting = null })
    return this.starting
  }

  private async doStart(signal: AbortSignal | undefined): Promise<InitResult> {
    throwIfAborted(signal)
    const threads = this.opts.numThreads ?? Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1)
    const store = this.opts.runtime !== undefined ? this.opts.runtime : this.opts.wasmPaths === undefined ? createModelStore() : null
    let runtime: OrtRuntimeBytes | undefined
    if (store !== null) {
      const loaded = await store.load(ORT_RUNTIME_MANIFEST, signal !== undefined ? { signal } : {})
      runtime = { wasm: loaded.files.get(ORT_WASM)! }
    }
    const w = this.opts.createWorker?.() ?? new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module', name: 'webtensor-inference' })
    this.worker = w
    this.failure = null
    this.removeGate = this.queue.addGate(this.gate)
    w.addEventListener('message', (ev: MessageEvent<WorkerResponse>) => this.onMessage(ev.data))
    w.addEventListener('error', (ev) => {
      const err = new GpuError('WORKER_FAILED', `the inference worker failed: ${ev.message || 'could not load'}; reload the page`)
      this.failure = err
      this.failAll(err)
      this.dispatchEvent(new CustomEvent<GpuError>('failed', { detail: err }))
    })
    const init = (await this.call({ type: 'init', wasmPaths: this.opts.wasmPaths === undefined ? defaultWasmPaths() : this.opts.wasmPaths, numThreads: threads, webgpu: this.opts.ep !== 'wasm', ...(runtime !== undefined ? { runtime } : {}) }, signal, runtime !== undefined ? [runtime.wasm] : [])) as InitResult
    this.init = init
    return init
  }

  stop(): void {
    const w = this.worker
    this.worker = null
    this.failure = null
    this.init = null
    this.sessionEps.clear()
    this.removeGate?.()
    this.removeGate = null
    if (w !== null) {
      w.terminate()
      this.failAll(new GpuError('STOPPED', 'the inference client was stopped'))
    }
  }

  private failAll(err: Error): void {
    const p = [...this.pending.values()]
    this.pending.clear()
    for (const { reject } of p) reject(err)
  }

  private onMessage(msg: WorkerResponse): void {
    if (msg.id === undefined) {
      this.setPath({ ep: msg.ep, reason: msg.reason })
      for (const k of this.sessionEps.keys()) this.sessionEps.set(k, msg.ep)
      return
    }
    const p = this.pending.get(msg.id)
    if (p === undefined) return
    this.pending.delete(msg.id)
    if (msg.ok) p.resolve(msg.result)
    else p.reject(errorFromData(msg.error))
  }

  private setPath(path: InferencePath): void {
    this.path = path
    this.dispatchEvent(new CustomEvent<InferencePath>('path', { detail: path }))
  }

  private call(body: RequestBody, signal?: AbortSignal, transfer: Transferable[] = []): Promise<unknown> {
    const w = this.worker
    if (w === null) return Promise.reject(new GpuError('STOPPED', 'the inference client is not started: call start() first'))
    if (this.failure !== null) return Promise.reject(this.failure)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id)
        reject(new GpuError('ABORTED', `inference call '${body.type}' aborted`, { cause: signal?.reason }))
      }
      if (signal?.aborted === true) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, {
        resolve: (v) => { signal?.removeEventListener('abort', onAbort); resolve(v) },
        reject: (e) => { signal?.removeEventListener('abort', onAbort); reject(e) },
      })
      w.postMessage({ ...body, id } as WorkerRequest, transfer)
    })
  }

  async createSession(name: string, model: ArrayBuffer, options: CreateSessionOptions = {}): Promise<SessionInfo> {
    const { signal } = options
    const init = await this.start(signal !== undefined ? { signal } : {})
    const { ep, reason } = await this.chooseEp(name, model, init, options)
    const info = (await this.queue.run(() => this.call({ type: 'create', session: name, model: model.slice(0), ep }, signal), { label: `create:${name}`, skipGate: this.gate, ...(signal !== undefined ? { signal } : {}) })) as CreateResult
    this.sessionEps.set(name, info.ep)
    const why = info.ep === ep ? reason : 'WebGPU is unavailable in the worker'
    this.setPath({ ep: info.ep, reason: why })
    return { ...info, name, reason: why }
  }

  private async chooseEp(name: string, model: ArrayBuffer, init: InitResult, options: CreateSessionOptions): Promise<InferencePath> {
    const want = this.opts.ep ?? 'auto'
    if (want === 'auto' && options.ep !== undefined) return { ep: options.ep, reason: this.path?.reason ?? `requested (${options.ep})` }
    if (want !== 'auto') return { ep: want, reason: `forced by configuration (${want})` }
    if (!init.webgpu) return { ep: 'wasm', reason: `no usable WebGPU (${init.capabilities.reason ?? 'device unavailable'})` }
    const key = `${init.capabilities.key}|${name}|t${init.numThreads}`
    const remembered = this.memory.get(key)
    if (remembered !== undefined) return { ep: remembered, reason: 'remembered measurement on this adapter' }
    // A software adapter (SwiftShader) runs these models orders of magnitude slower than WASM and
    // its first run compiles for minutes: measuring it would only stall the page.
    if (init.capabilities.isFallbackAdapter) return { ep: 'wasm', reason: 'software WebGPU adapter (SwiftShader or similar): WASM is faster; not measured' }
    if (options.probe === undefined) return { ep: 'webgpu', reason: 'hardware WebGPU adapter (not measured)' }
    const m = (await this.queue.run(() => this.call({ type: 'measure', model: model.slice(0), feeds: options.probe!, runs: 3 }, options.signal), { label: `measure:${name}`, skipGate: this.gate, ...(options.signal !== undefined ? { signal: options.signal } : {}) })) as MeasureResult
    const gpuMs = m.ms.webgpu
    const wasmMs = m.ms.wasm
    const ep: ExecutionProvider = gpuMs !== undefined && (wasmMs === undefined || gpuMs < wasmMs) ? 'webgpu' : 'wasm'
    this.memory.set(key, ep)
    const fmt = (v: number | undefined): string => (v === undefined ? 'failed' : `${v.toFixed(1)} ms`)
    return { ep, reason: `measured on this device: webgpu ${fmt(gpuMs)}, wasm ${fmt(wasmMs)} (${init.numThreads} thread${init.numThreads === 1 ? '' : 's'})` }
  }

  async run(name: string, feeds: TensorMap, options: { signal?: AbortSignal } = {}): Promise<TensorMap> {
    const { signal } = options
    const r = (await this.queue.run(() => this.call({ type: 'run', session: name, feeds }, signal), { label: `ort:${name}`, skipGate: this.gate, ...(signal !== undefined ? { signal } : {}) })) as RunResult
    return r.outputs
  }

  async release(name: string): Promise<void> {
    if (this.worker === null) return
    this.sessionEps.delete(name)
    await this.queue.run(() => this.call({ type: 'release', session: name }), { label: `release:${name}`, skipGate: this.gate })
  }

  async workerResources(): Promise<string[]> {
    await this.start()
    return (await this.call({ type: 'resources' })) as string[]
  }

  async connect(options: { signal?: AbortSignal } = {}): Promise<MessagePort> {
    await this.start(options)
    const channel = new MessageChannel()
    await this.call({ type: 'connect', port: channel.port1 }, options.signal, [channel.port1])
    return channel.port2
  }

  async workerStats(): Promise<WorkerStats> {
    await this.start()
    return (await this.call({ type: 'stats' })) as WorkerStats
  }

  async simulateDeviceLoss(): Promise<boolean> {
    await this.start()
    return (await this.call({ type: 'lose-device' })) as boolean
  }
}

/**
 * Creates the page's inference client (the worker starts on `start()` or the first session).
 *
 * @example
 * const client = createInferenceClient()
 * client.addEventListener('path', (e) => show((e as CustomEvent<InferencePath>).detail))
 * await client.createSession('ocr-det', bytes, { probe })
 * const out = await client.run('ocr-det', { x: { type: 'float32', data, dims: [1, 3, h, w] } })
 */
export function createInferenceClient(init: InferenceClientInit = {}): InferenceClient {
  return new InferenceClientImpl(init)
}
