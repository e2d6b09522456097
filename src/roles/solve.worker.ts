/**
 * The solve worker, for any task plug-in (named in its init message): the task's solve (for OCR:
 * image decoding and PaddleOCR's pre- and post-processing, resize, normalization, box extraction,
 * crops, CTC decoding) off the page's main thread. Its SessionRunner asks the page for
 * createSession (the page owns the inference client, its remembered execution provider) and sends
 * runs straight to the inference worker over the port from init (or, without one, to the page).
 * Protocol: solve-protocol.ts.
 */
/// <reference lib="webworker" />
import { errorFromData, type ExecutionProvider, type PortRequest, type SessionRunner, type TensorMap, type WorkerResponse } from '../gpu/index.ts'
import { getTask, SubnetError, type AnyTask, type SubnetErrorCode, type TaskChallenge } from '../subnet/index.ts'
import { toWireError, type FromSolver, type SolverCall, type ToSolver, type WireError } from './solve-protocol.ts'

const scope = self as unknown as DedicatedWorkerGlobalScope
const post = (msg: FromSolver, transfer: Transferable[] = []): void => scope.postMessage(msg, transfer)

let files: ReadonlyMap<string, ArrayBuffer> | null = null
let task: AnyTask | null = null
const solves = new Map<number, AbortController>()
const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
let nextRid = 1
/** The direct channel to the inference worker (null: runs go through the page). */
let inference: MessagePort | null = null
const runs = new Map<number, { resolve: (v: TensorMap) => void; reject: (e: Error) => void }>()
let nextRunId = 1
/** The solve whose engine is being created: createSession calls are charged to it. */
let currentSolve = 0

function fromWire(e: WireError): Error {
  if (e.name === 'SubnetError') return new SubnetError(e.code as SubnetErrorCode, e.message)
  return errorFromData({ name: e.name, code: e.code, message: e.message })
}

function call(msg: SolverCall, signal?: AbortSignal): Promise<unknown> {
  const rid = nextRid++
  return new Promise((resolve, reject) => {
    const onAbort = (): void => { calls.delete(rid); reject(new SubnetError('ABORTED', 'the solve was aborted')) }
    const settle = (fn: () => void): void => { signal?.removeEventListener('abort', onAbort); fn() }
    calls.set(rid, { resolve: (v) => settle(() => resolve(v)), reject: (e) => settle(() => reject(e)) })
    signal?.addEventListener('abort', onAbort, { once: true })
    post({ ...msg, rid })
  })
}

/** One run over the direct channel: one message there, one back. */
function runDirect(port: MessagePort, session: string, feeds: TensorMap, signal?: AbortSignal): Promise<TensorMap> {
  const id = nextRunId++
  return new Promise((resolve, reject) => {
    const onAbort = (): void => { runs.delete(id); reject(new SubnetError('ABORTED', 'the solve was aborted')) }
    if (signal?.aborted === true) return onAbort()
    const settle = (fn: () => void): void => { signal?.removeEventListener('abort', onAbort); fn() }
    runs.set(id, { resolve: (v) => settle(() => resolve(v)), reject: (e) => settle(() => reject(e)) })
    signal?.addEventListener('abort', onAbort, { once: true })
    port.postMessage({ id, type: 'run', session, feeds } satisfies PortRequest)
  })
}

function onInference(e: MessageEvent<WorkerResponse>): void {
  const m = e.data
  if (m.id === undefined) return
  const r = runs.get(m.id)
  if (r === undefined) return
  runs.delete(m.id)
  if (m.ok) r.resolve((m.result as { outputs: TensorMap }).outputs)
  else r.reject(errorFromData(m.error))
}

/** Sessions live on the page's inference client; one runner for the worker's lifetime (the engine is cached per runner). */
const runner: SessionRunner = {
  createSession: async (name, model, options = {}) => {
    const { signal, ...rest } = options
    const opts: { probe?: TensorMap; ep?: ExecutionProvider } = {}
    if (rest.probe !== undefined) opts.probe = rest.probe
    if (rest.ep !== undefined) opts.ep = rest.ep
    return (await call({ type: 'call', solveId: currentSolve, method: 'createSession', name, model, options: opts }, signal)) as Awaited<ReturnType<SessionRunner['createSession']>>
  },
  run: async (name, feeds, options = {}) => inference !== null
    ? runDirect(inference, name, feeds, options.signal)
    : (await call({ type: 'call', solveId: currentSolve, method: 'run', name, feeds }, options.signal)) as TensorMap,
}

async function solve(id: number, challenge: TaskChallenge): Promise<void> {
  const abort = new AbortController()
  solves.set(id, abort)
  try {
    if (files === null || task === null) throw new SubnetError('MODEL_MISSING', 'the solve worker has no task and model files (init first)')
    currentSolve = id
    const answer = await task.solve(challenge, { runner, files, signal: abort.signal })
    post({ type: 'solved', id, answer })
  } catch (err) {
    post({ type: 'failed', id, error: toWireError(err) })
  } finally {
    solves.delete(id)
  }
}

/** Creates the task's sessions ahead of the first challenge (its session calls are charged to this id). */
async function warm(id: number): Promise<void> {
  try {
    if (files === null || task === null) throw new SubnetError('MODEL_MISSING', 'the solve worker has no task and model files (init first)')
    currentSolve = id
    await task.prepare?.({ runner, files })
    post({ type: 'warmed', id })
  } catch (err) {
    post({ type: 'failed', id, error: toWireError(err) })
  }
}

scope.onmessage = (e: MessageEvent<ToSolver>): void => {
  const m = e.data
  switch (m.type) {
    case 'init':
      files = new Map(m.files)
      if (m.inference !== undefined) {
        inference = m.inference
        inference.onmessage = onInference
      }
      try { task = getTask(m.task) } catch (err) { post({ type: 'failed', id: 0, error: toWireError(err) }) }
      break
    case 'solve':
      void solve(m.id, m.challenge)
      break
    case 'warm':
      void warm(m.id)
      break
    case 'abort':
      solves.get(m.id)?.abort()
      break
    case 'inference-failed': {
      // The port stays open on a dead worker: nothing would ever answer these runs.
      const err = errorFromData({ name: 'GpuError', code: m.code, message: m.message })
      inference = null
      const waiting = [...runs.values()]
      runs.clear()
      for (const r of waiting) r.reject(err)
      break
    }
    case 'reply': {
      const c = calls.get(m.rid)
      if (c === undefined) return
      calls.delete(m.rid)
      if (m.ok) c.resolve(m.value)
      else c.reject(fromWire(m.error))
      break
    }
  }
}
