/**
 * Error codes of the weights subsystem. Preparation errors are raised before anything is signed:
 * - `BAD_INPUT`: malformed arguments (lengths differ, negative/NaN scores, uid out of u16, bad salt);
 * - `UID_NOT_FOUND`: a uid does not exist on the subnet (chain: `UidVecContainInvalidOne`);
 * - `DUPLICATE_UIDS`: a uid appears twice (chain: `DuplicateUids`);
 * - `TOO_MANY_UIDS`: more uids than neurons (chain: `UidsLengthExceedUidsInSubNet`);
 * - `TOO_FEW_WEIGHTS`: fewer than `min(MinAllowedWeights, n)` (chain: `WeightVecLengthIsLow`);
 * - `MAX_WEIGHT_EXCEEDED`: the normalized max exceeds `MaxWeightsLimit` (chain: `MaxWeightExceeded`);
 * - `NO_WEIGHTS`: every score is zero, nothing to set;
 * - `VERSION_KEY_TOO_LOW`: below `WeightsVersionKey` (chain: `IncorrectWeightVersionKey`);
 * - `NOT_REGISTERED`: the hotkey has no uid on the subnet (chain: `HotKeyNotRegisteredInSubNet`);
 * - `NO_VALIDATOR_PERMIT`: non-self weights without a permit (chain: `NeuronNoValidatorPermit`);
 * - `COMMIT_REVEAL_ENABLED` / `COMMIT_REVEAL_DISABLED`: the wrong kind of call for the subnet;
 * - `RATE_LIMITED`: `WeightsSetRateLimit` blocks have not passed since the last update;
 * - `COMMIT_TOO_LARGE`: a v4 commit over 5000 bytes;
 * - `REVEAL_TOO_EARLY` / `COMMIT_EXPIRED` / `COMMIT_NOT_FOUND`: reveal timing and bookkeeping;
 * - `CHAIN_REJECTED`: the chain refused the extrinsic (`chainError` holds `Pallet.Error`);
 * - `STORE`: the pending-commit store failed;
 * - `ABORTED`: the caller's signal fired.
 */
export type WeightsErrorCode =
  | 'BAD_INPUT'
  | 'UID_NOT_FOUND'
  | 'DUPLICATE_UIDS'
  | 'TOO_MANY_UIDS'
  | 'TOO_FEW_WEIGHTS'
  | 'MAX_WEIGHT_EXCEEDED'
  | 'NO_WEIGHTS'
  | 'VERSION_KEY_TOO_LOW'
  | 'NOT_REGISTERED'
  | 'NO_VALIDATOR_PERMIT'
  | 'COMMIT_REVEAL_ENABLED'
  | 'COMMIT_REVEAL_DISABLED'
  | 'RATE_LIMITED'
  | 'COMMIT_TOO_LARGE'
  | 'REVEAL_TOO_EARLY'
  | 'COMMIT_EXPIRED'
  | 'COMMIT_NOT_FOUND'
  | 'CHAIN_REJECTED'
  | 'STORE'
  | 'ABORTED'

/** The one error class of `src/weights`; `code` is stable, the message says what to do. */
export class WeightsError extends Error {
  /** Stable machine-readable code. */
  readonly code: WeightsErrorCode
  /** For `CHAIN_REJECTED`: the chain's error as `Pallet.Error` (e.g. `SubtensorModule.RevealTooEarly`). */
  readonly chainError?: string

  constructor(code: WeightsErrorCode, message: string, chainError?: string) {
    super(message)
    this.name = 'WeightsError'
    this.code = code
    if (chainError !== undefined) this.chainError = chainError
  }
}
