/**
 * The miner's solver in a tab, for any task plug-in: its model files from the model store
 * (download with progress, sha256-checked, cached), the task's solve (for OCR: image decoding and
 * pre/post-processing) in a solve worker (solve.worker.ts), and the tensor work on the inference
 * worker (WebGPU or WASM, measured). The solve worker's runs go to the inference worker over a
 * direct channel (a MessagePort), whose queue the page's GPU queue holds for its own jobs; the
 * page's main thread sees one message each way a solve, and relays only session creation.
 */
import { createInferenceClient, createModelStore, errorFromData, type InferenceClient, type ModelProgress, type ModelStore } from '../gpu/index.ts'
import { getTask, SubnetError, type AnyTask, type SubnetErrorCode, type Task, type TaskAnswer, type TaskChallenge } from '../subnet/index.ts'
import type { TaskSolver } from './miner.ts'
import { tensorBuffers, toWireError, type FromSolver, type ToSolver, type WireError } from './solve-protocol.ts'

/** Options of {@link createBrowserSolver}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface BrowserSolverInit<Challenge extends TaskChallenge = any, Answer extends TaskAnswer = any> {
  /** The task to solve (default OCR). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  task?: Task<Challenge, any, Answer, any, any>
  /** Default: a new model store on this origin. */
  store?: ModelStore
  /** Default: a new inference client (worker). */
  inference?: InferenceClient
  /** Model download progress (for the progress bar). */
  onProgress?: (p: ModelProgress) => void
  /** Starts the solve worker (default: solve.worker.ts as a module worker). */
  createWorker?: () => Worker
  /**
   * Runs go worker to worker over a MessagePort (default true: two hops a run). `false`: the page
   * relays each run through its GPU queue (four hops a run; the bench's before).
   */
  direct?: boolean
}

/** A solver with its inference client exposed (the dashboard shows the execution path). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface BrowserSolver<Challenge extends TaskChallenge = any, Answer extends TaskAnswer = any> extends TaskSolver<Challenge, Answer> {
  readonly inference: InferenceClient
  /** Downloads (or reads from the cache) and verifies the model, and starts the workers. Idempotent. */
  load(options: { signal?: AbortSignal }): Promise<void>
  /** Terminates the workers. */
  stop(): void
}

function fromWire(e: WireError): Error {
  if (e.name === 'SubnetError') return new SubnetError(e.code as SubnetErrorCode, e.message)
  return errorFromData({ name: e.name, code: e.code, message: e.message })
}

/** Creates the in-tab solver of a task (default OCR); `load()` downloads the model and starts the workers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createBrowserSolver<Challenge extends TaskChallenge = any, Answer extends TaskAnswer = any>(init: BrowserSolverInit<Challenge, Answer> = {}): BrowserSolver<Challenge, Answer> {
  const task: AnyTask = init.task ?? getTask()
  const inference = init.inference ?? createInferenceClient()
  let worker: Worker | null = null
  let loading: Promise<void> | null = null
  let nextId = 1
  const pending = new Map<number, { resolve: (a: TaskAnswer) => void; reject: (e: Error) => void; signal: AbortSignal }>()

  const send = (msg: ToSolver, transfer: Transferable[] = []): void => worker?.postMessage(msg, transfer)

  /** Runs the worker's tensor calls on the inference client, charged to the solve that asked. */
  const onCall = async (m: Extract<FromSolver, { type: 'call' }>): Promise<void> => {
    const signal = pending.get(m.solveId)?.signal
    const opts = signal !== undefined ? { signal } : {}
    try {
      if (m.method === 'createSession') {
        const info = await inference.createSession(m.name, m.model, { ...m.options, ...opts })
        send({ type: 'reply', rid: m.rid, ok: true, value: { ep: info.ep, inputNames: info.inputNames, outputNames: info.outputNames } })
      } else {
        const out = await inference.run(m.name, m.feeds, opts)
        send({ type: 'reply', rid: m.rid, ok: true, value: out }, tensorBuffers(out))
      }
    } catch (err) {
      send({ type: 'reply', rid: m.rid, ok: false, error: toWireError(err) })
    }
  }

  const onMessage = (e: MessageEvent<FromSolver>): void => {
    const m = e.data
    if (m.type === 'call') { void onCall(m); return }
    if (m.type === 'warmed') return
    const p = pending.get(m.id)
    if (p === undefined) return
    pending.delete(m.id)
    if (m.type === 'solved') p.resolve(m.answer)
    else p.reject(fromWire(m.error))
  }

  const failAll = (err: Error): void => {
    for (const p of pending.values()) p.reject(err)
    pending.clear()
  }

  // The inference worker failed: the solve worker's runs on the direct channel would wait forever.
  const onInferenceFailed = (e: Event): void => {
    const err = (e as CustomEvent<{ code?: string; message: string }>).detail
    send({ type: 'inference-failed', code: err.code ?? 'WORKER_FAILED', message: err.message })
  }

  const load = async (options: { signal?: AbortSignal } = {}): Promise<void> => {
    if (worker !== null) return
    loading ??= (async () => {
      const store = init.store ?? createModelStore()
      const loaded = await store.load(task.manifest, { ...(options.signal !== undefined ? { signal: options.signal } : {}), ...(init.onProgress !== undefined ? { onProgress: init.onProgress } : {}) })
      await inference.start(options.signal !== undefined ? { signal: options.signal } : {})
      const port = init.direct === false ? undefined : await inference.connect(options.signal !== undefined ? { signal: options.signal } : {})
      if (port !== undefined) inference.addEventListener('failed', onInferenceFailed)
      const w = init.createWorker?.() ?? new Worker(new URL('./solve.worker.ts', import.meta.url), { type: 'module', name: `webtensor-${task.id}-solve` })
      w.onmessage = onMessage
      w.onerror = (ev) => { ev.preventDefault(); failAll(new SubnetError('CANVAS_UNAVAILABLE', `the ${task.id} solve worker failed: ${ev.message || 'could not start'}`)) }
      worker = w
      // Copies: the model store may hand the same buffers to others.
      const files = [...loaded.files].map(([k, v]) => [k, v.slice(0)] as [string, ArrayBuffer])
      send({ type: 'init', task: task.id, files, ...(port !== undefined ? { inference: port } : {}) }, port !== undefined ? [port] : [])
      // Sessions are created in the background from here (while the miner joins the mesh), so the
      // first challenge does not pay for them; a failure here is retried by the first solve.
      send({ type: 'warm', id: nextId++ })
    })().finally(() => { loading = null })
    await loading
  }

  return {
    inference,
    load,
    async solve(challenge, options) {
      await load(options)
      const id = nextId++
      const answer = await new Promise<TaskAnswer>((resolve, reject) => {
        if (options.signal.aborted) { reject(new SubnetError('ABORTED', 'the solve was aborted')); return }
        const onAbort = (): void => { send({ type: 'abort', id }) }
        options.signal.addEventListener('abort', onAbort, { once: true })
        const done = <T>(fn: (v: T) => void) => (v: T): void => { options.signal.removeEventListener('abort', onAbort); fn(v) }
        pending.set(id, { resolve: done(resolve), reject: done(reject), signal: options.signal })
        send({ type: 'solve', id, challenge })
      })
      return { ...answer, ...(inference.path !== null ? { ep: inference.path.ep } : {}) } as Answer
    },
    stop() {
      inference.removeEventListener('failed', onInferenceFailed)
      worker?.terminate()
      worker = null
      failAll(new SubnetError('ABORTED', 'the solver stopped'))
      inference.stop()
    },
  }
}
