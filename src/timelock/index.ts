/**
 * Timelock encryption to drand quicknet rounds, byte-compatible with subtensor's CRv4 decryptor
 * (crate `tle` of ideal-lab5/timelock at rev 5416406, the revision subtensor and bittensor-drand pin).
 *
 * Pure crypto on @noble/curves (BLS12-381), @noble/hashes and @noble/ciphers: runs unchanged in
 * browsers, workers and Node.
 *
 * @example
 * ```ts
 * const commit = encrypt(payload, revealRound)           // bytes for commit_timelocked_weights
 * const plain = decrypt(commit, pulseSignature)          // what the chain does at the reveal
 * ```
 */
import { QUICKNET } from './beacon.ts'
import { decryptWith, encryptWith, type EncryptRandomness } from './tle.ts'

export { TimelockError, type TimelockErrorCode } from './errors.ts'
export {
  QUICKNET,
  verifyBeacon,
  beaconRandomness,
  roundAt,
  createLocalBeacon,
  type BeaconInfo,
  type LocalBeacon,
} from './beacon.ts'
export {
  parseCiphertext,
  type ParsedCiphertext,
  type EncryptRandomness,
} from './tle.ts'

/**
 * Encrypts `plaintext` so that only the beacon signature of `round` opens it.
 * Returns the serialized `TLECiphertext` (`244 + plaintext.length` bytes): exactly the `commit`
 * argument of `commit_timelocked_weights`. `publicKey` defaults to drand quicknet's.
 * `randomness` is for deterministic tests only; leave it out in real use.
 */
export function encrypt(
  plaintext: Uint8Array,
  round: bigint | number,
  publicKey: Uint8Array = QUICKNET.publicKey,
  randomness?: EncryptRandomness,
): Uint8Array {
  return encryptWith(plaintext, round, publicKey, randomness)
}

/**
 * Decrypts commit bytes with the round's beacon signature (48-byte compressed G1), as the chain's
 * `tld` does. Throws `TimelockError`: `MALFORMED` (layout or points), `INVALID_SIGNATURE`
 * (signature of another round or beacon), `DECRYPTION_FAILED` (body altered).
 */
export function decrypt(ciphertext: Uint8Array, signature: Uint8Array): Uint8Array {
  return decryptWith(ciphertext, signature)
}
