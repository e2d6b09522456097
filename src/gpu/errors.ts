/**
 * Errors of the GPU subsystem. One base class with a stable `code`; subclasses only where a
 * caller acts differently (an integrity failure must never be retried with the same bytes).
 */

/** Stable codes of {@link GpuError}. */
export type GpuErrorCode =
  | 'GPU_UNAVAILABLE'
  | 'DEVICE_LOST'
  | 'MODEL_DOWNLOAD_FAILED'
  | 'MODEL_INTEGRITY'
  | 'QUOTA_EXCEEDED'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'INFERENCE_FAILED'
  | 'WORKER_FAILED'
  | 'ABORTED'
  | 'STOPPED'

/** Base class of every error thrown by `src/gpu`. */
export class GpuError extends Error {
  /** Stable machine-readable code. */
  readonly code: GpuErrorCode
  constructor(code: GpuErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'GpuError'
  }
}

/** A model file's bytes did not hash to the sha256 in its manifest: the bytes were discarded. */
export class ModelIntegrityError extends GpuError {
  /** File whose hash did not match. */
  readonly file: string
  constructor(file: string, expected: string, actual: string) {
    super('MODEL_INTEGRITY', `model file ${file} has sha256 ${actual}, the manifest says ${expected}: the file was discarded and not cached; reload to download it again, and report it if it persists`)
    this.name = 'ModelIntegrityError'
    this.file = file
  }
}

/** The origin's storage quota cannot hold the model: free space or delete cached models. */
export class QuotaError extends GpuError {
  constructor(needed: number, available: number) {
    super('QUOTA_EXCEEDED', `the model needs ${needed} bytes of storage but only ${available} are available: delete cached models or free browser storage`)
    this.name = 'QuotaError'
  }
}

/** The error as plain data, for `postMessage` across a worker boundary. */
export interface ErrorData {
  name: string
  code: string
  message: string
  file?: string
}

/** Serializes any thrown value to {@link ErrorData}. */
export function errorToData(err: unknown): ErrorData {
  if (err instanceof GpuError) {
    const data: ErrorData = { name: err.name, code: err.code, message: err.message }
    if (err instanceof ModelIntegrityError) data.file = err.file
    return data
  }
  if (err instanceof Error) {
    const code = err.name === 'AbortError' || err.name === 'TimeoutError' ? 'ABORTED' : 'INFERENCE_FAILED'
    return { name: err.name, code, message: err.message }
  }
  return { name: 'Error', code: 'INFERENCE_FAILED', message: String(err) }
}

const KNOWN_CODES = new Set<string>(['GPU_UNAVAILABLE', 'DEVICE_LOST', 'MODEL_DOWNLOAD_FAILED', 'MODEL_INTEGRITY', 'QUOTA_EXCEEDED', 'MODEL_NOT_FOUND', 'INFERENCE_FAILED', 'WORKER_FAILED', 'ABORTED', 'STOPPED'])

/** Rebuilds a {@link GpuError} (or subclass) from {@link ErrorData}. */
export function errorFromData(data: ErrorData): GpuError {
  const code = (KNOWN_CODES.has(data.code) ? data.code : 'INFERENCE_FAILED') as GpuErrorCode
  const err = new GpuError(code, data.message)
  if (data.name === 'ModelIntegrityError') {
    Object.setPrototypeOf(err, ModelIntegrityError.prototype)
    ;(err as unknown as { file: string }).file = data.file ?? ''
  } else if (data.name === 'QuotaError') {
    Object.setPrototypeOf(err, QuotaError.prototype)
  }
  err.name = data.name === 'ModelIntegrityError' || data.name === 'QuotaError' ? data.name : 'GpuError'
  return err
}

/** Throws an `ABORTED` {@link GpuError} when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new GpuError('ABORTED', `operation aborted: ${String(signal.reason)}`, { cause: signal.reason })
}
