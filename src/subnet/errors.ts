/** Errors of the subnet tasks: one base class with a stable `code`. */

/** Stable codes of {@link SubnetError}. */
export type SubnetErrorCode = 'BAD_CHALLENGE' | 'BAD_IMAGE' | 'DEADLINE_PASSED' | 'MODEL_MISSING' | 'CANVAS_UNAVAILABLE' | 'ABORTED' | 'MALFORMED' | 'UNKNOWN_TASK'

/** Base class of every error thrown by `src/subnet`. */
export class SubnetError extends Error {
  readonly code: SubnetErrorCode
  constructor(code: SubnetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'SubnetError'
  }
}

/** Throws `ABORTED` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new SubnetError('ABORTED', `operation aborted: ${String(signal.reason)}`, { cause: signal.reason })
}
