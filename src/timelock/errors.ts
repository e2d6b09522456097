/**
 * Error codes of the timelock subsystem:
 * - `BAD_ROUND`: the round is not a u64;
 * - `BAD_INPUT`: wrong-length key material or degenerate randomness;
 * - `MALFORMED`: bytes that do not parse (ciphertext layout, point encodings);
 * - `INVALID_SIGNATURE`: the signature is well-formed but does not open the ciphertext;
 * - `DECRYPTION_FAILED`: the IBE layer opened but AES-GCM authentication failed.
 */
export type TimelockErrorCode = 'BAD_ROUND' | 'BAD_INPUT' | 'MALFORMED' | 'INVALID_SIGNATURE' | 'DECRYPTION_FAILED'

/** The one error class of `src/timelock`; `code` is stable, the message says what went wrong. */
export class TimelockError extends Error {
  /** Stable machine-readable code. */
  readonly code: TimelockErrorCode

  constructor(code: TimelockErrorCode, message: string) {
    super(message)
    this.name = 'TimelockError'
    this.code = code
  }
}
