/**
 * The one error class of the consensus subsystem. `code` is stable; callers branch on it.
 *
 * Codes:
 * - `INVALID_INPUT`: an epoch input failed validation; the message names the field.
 * - `RANGE`: an intermediate value left the range the exact arithmetic supports (never seen on
 *   chain-like inputs; reported rather than silently rounded).
 * - `GPU_UNAVAILABLE`: no WebGPU adapter/device could be obtained (only thrown when the caller
 *   insisted on the GPU; otherwise the CPU path runs and `reason` says why).
 * - `GPU_FAILED`: the GPU path raised a validation/out-of-memory error or lost its device.
 * - `ABORTED`: the caller's AbortSignal fired.
 */
export class ConsensusError extends Error {
  /** Stable machine-readable code (see the class doc). */
  readonly code: string
  /** The input field at fault, for `INVALID_INPUT` (e.g. `weights[3][0][0]`). */
  readonly field: string | undefined

  constructor(code: string, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined)
    this.name = 'ConsensusError'
    this.code = code
    this.field = options?.field
  }
}
