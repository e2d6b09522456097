/**
 * Messages between the inference client (page) and `inference.worker.ts`. Every request has an
 * `id`; the worker answers it exactly once with `ok: true` and a result, or `ok: false` and the
 * error as data. Events (no `id`) tell the page which execution path runs.
 */
import type { ErrorData } from './errors.ts'
import type { OrtRuntimeBytes } from './ort-runtime.ts'
import type { GpuCapabilities } from './probe.ts'

/** Execution provider. */
export type ExecutionProvider = 'webgpu' | 'wasm'

/** Element types the protocol carries. */
export type TensorType = 'float32' | 'int32' | 'int64' | 'uint8' | 'bool'

/** A tensor as plain data (BigInt64Array for int64). */
export interface TensorData {
  type: TensorType
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array
  dims: number[]
}

/** Feeds or outputs by tensor name. */
export type TensorMap = Record<string, TensorData>

/** Requests, page to worker. */
export type WorkerRequest =
  | { id: number; type: 'init'; wasmPaths: string | null; numThreads: number; webgpu: boolean; runtime?: OrtRuntimeBytes }
  | { id: number; type: 'measure'; model: ArrayBuffer; feeds: TensorMap; runs: number }
  | { id: number; type: 'create'; session: string; model: ArrayBuffer; ep: ExecutionProvider }
  | { id: number; type: 'run'; session: string; feeds: TensorMap }
  | { id: number; type: 'release'; session: string }
  | { id: number; type: 'lose-device' }
  | { id: number; type: 'resources' }
  /** A direct channel: `run` requests arrive on `port` (from a solve worker) and are answered there. */
  | { id: number; type: 'connect'; port: MessagePort }
  /** Take a slot in the worker's queue for a page job (a gate of the page's GPU queue); answered when granted. */
  | { id: number; type: 'hold' }
  /** Let go of the hold granted to request `hold` (jumps the queue). */
  | { id: number; type: 'unhold'; hold: number }
  /** Diagnostics: message and run counts (jumps the queue). */
  | { id: number; type: 'stats' }

/** Requests on a connected port (answered on that port as `WorkerResponse` with the same id). */
export interface PortRequest { id: number; type: 'run'; session: string; feeds: TensorMap }

/** Result of `stats`: messages the worker received and sent, per channel, and runs per route. */
export interface WorkerStats {
  page: { received: number; sent: number }
  port: { received: number; sent: number }
  runs: { page: number; port: number }
}

/** Result of `init`. */
export interface InitResult {
  capabilities: GpuCapabilities
  crossOriginIsolated: boolean
  numThreads: number
  /** Whether the WebGPU EP can be used in this worker. */
  webgpu: boolean
  /** Where ORT's wasm comes from: bytes from the model store, or ORT's own fetch of `wasmPaths`. */
  runtime: 'store' | 'url'
}

/** Result of `measure`: median ms per run on each EP tried (absent where it failed). */
export interface MeasureResult {
  ms: Partial<Record<ExecutionProvider, number>>
  errors: Partial<Record<ExecutionProvider, string>>
}

/** Result of `create`. */
export interface CreateResult {
  ep: ExecutionProvider
  inputNames: string[]
  outputNames: string[]
  /** Input shapes from the model's metadata (symbolic dims as strings or null). */
  inputShapes: (readonly (number | string | null)[] | null)[]
  /** ORT's WASM thread count once its backend started (1 where the page is not cross-origin isolated). */
  wasmThreads?: number
}

/** Result of `run`. */
export interface RunResult {
  outputs: TensorMap
  ep: ExecutionProvider
}

/** Responses and events, worker to page. */
export type WorkerResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: ErrorData }
  | { id?: undefined; type: 'path'; ep: ExecutionProvider; reason: string }
