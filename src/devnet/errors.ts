/** Stable error codes of the devnet. */
export type DevnetErrorCode =
  | 'UNKNOWN_PALLET'
  | 'UNKNOWN_STORAGE'
  | 'UNKNOWN_EVENT'
  | 'BAD_EVENT'
  | 'UNKNOWN_ERROR'
  | 'BAD_STATE_FILE'
  | 'BAD_OPTIONS'
  | 'UNKNOWN_BLOCK'
  | 'STOPPED'
  | 'LISTEN_FAILED'
  | 'BAD_METADATA'

/** The one error class of the devnet; `code` is stable, the message says what to do. */
export class DevnetError extends Error {
  override name = 'DevnetError'
  readonly code: DevnetErrorCode
  constructor(code: DevnetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
