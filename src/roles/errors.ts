/** Errors of the miner and validator roles (src/roles). */

/** Stable codes of {@link RolesError}. */
export type RolesErrorCode =
  | 'NOT_REGISTERED' // the hotkey has no uid on the subnet and registration was not possible
  | 'REGISTRATION_FAILED' // burned_register failed (funds, price, subnet full, rejected)
  | 'TOO_EXPENSIVE' // the burn price is above the caller's limit
  | 'NO_PERMIT' // the validator hotkey has no validator permit (yet)
  | 'MALFORMED' // a challenge or answer that does not decode
  | 'PAUSED' // the miner is paused and refuses new challenges
  | 'BAD_OPTIONS' // invalid arguments
  | 'ABORTED'
  | 'STOPPED'
  | 'STATE_UNAVAILABLE' // the node does not know the block, or no longer serves its state (pruned)

/** Base error of src/roles; `code` is stable, the message says what to do. */
export class RolesError extends Error {
  override readonly name: string = 'RolesError'
  readonly code: RolesErrorCode
  constructor(code: RolesErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** Throws `ABORTED` when the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new RolesError('ABORTED', 'aborted', { cause: signal.reason })
}

/** Resolves after `ms`, or rejects with `ABORTED` when the signal aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) { reject(new RolesError('ABORTED', 'aborted')); return }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, Math.max(0, ms))
    const onAbort = (): void => { clearTimeout(t); reject(new RolesError('ABORTED', 'aborted')) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
