/**
 * drand quicknet parameters, beacon verification, round arithmetic and a local (devnet) beacon on
 * the same scheme (`bls-unchained-g1-rfc9380`: signatures on G1, public key on G2).
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { TimelockError } from './errors.ts'
import { decodeG1, decodeG2, identityPoint, toRound } from './tle.ts'

/** Chain parameters of a drand beacon: its key and its round schedule. */
export interface BeaconInfo {
  /** Compressed G2 public key (96 bytes). */
  publicKey: Uint8Array
  /** Unix time (seconds) of round 1. */
  genesisTime: number
  /** Seconds between rounds. */
  period: number
  /** drand chain hash (hex), for display and matching against drand's `/info`. */
  chainHash: string
}

/** drand mainnet quicknet (`/52db9ba7…/info`): 3-second unchained rounds, G1 signatures. */
export const QUICKNET: BeaconInfo = Object.freeze({
  publicKey: hexToBytes(
    '83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a',
  ),
  genesisTime: 1692803367,
  period: 3,
  chainHash: '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971',
})

/**
 * Checks a beacon signature for `round`: `e(sig, G2) == e(H(SHA256(BE64(round))), pk)`.
 * Returns false when the signature does not verify or is not a valid compressed G1 point;
 * throws `TimelockError` (`MALFORMED`, `BAD_ROUND`) for a bad public key or round.
 */
export function verifyBeacon(round: bigint | number, signature: Uint8Array, publicKey: Uint8Array = QUICKNET.publicKey): boolean {
  const pk = decodeG2(publicKey, 'public key')
  const q = identityPoint(round)
  let sig
  try {
    sig = decodeG1(signature)
  } catch {
    return false
  }
  return bls12_381.shortSignatures.verify(sig, q, pk)
}

/** drand's per-round randomness: SHA256 of the signature bytes. */
export function beaconRandomness(signature: Uint8Array): Uint8Array {
  return sha256(signature)
}

/** The latest round published at `unixMs` (0 before genesis): `floor((t − genesis)/period) + 1`. */
export function roundAt(unixMs: number, info: Pick<BeaconInfo, 'genesisTime' | 'period'> = QUICKNET): bigint {
  const t = Math.floor(unixMs / 1000)
  if (t < info.genesisTime) return 0n
  return BigInt(Math.floor((t - info.genesisTime) / info.period) + 1)
}

/** Unix time (ms) at which `round` is published: `genesis + (round − 1)·period`. */
export function roundTime(round: bigint | number, info: Pick<BeaconInfo, 'genesisTime' | 'period'> = QUICKNET): number {
  const r = toRound(round)
  if (r < 1n) throw new TimelockError('BAD_ROUND', 'rounds start at 1')
  return (info.genesisTime + Number(r - 1n) * info.period) * 1000
}

/** A beacon whose secret key we hold: signs rounds like drand quicknet does. For devnets and tests. */
export interface LocalBeacon {
  /** Compressed G2 public key (96 bytes), to pass as `publicKey` to `encrypt`/`verifyBeacon`. */
  publicKey: Uint8Array
  /** The 32-byte secret key (keep it to restart the beacon with the same key). */
  secretKey: Uint8Array
  /** The compressed G1 signature (48 bytes) for `round`. */
  sign(round: bigint | number): Uint8Array
}

/** Creates a local beacon from `secretKey` (32 bytes, a scalar mod r) or a fresh random key. */
export function createLocalBeacon(secretKey?: Uint8Array): LocalBeacon {
  const ss = bls12_381.shortSignatures
  let sk: Uint8Array
  if (secretKey === undefined) {
    sk = ss.keygen().secretKey
  } else {
    if (secretKey.length !== 32) throw new TimelockError('BAD_INPUT', `secret key must be 32 bytes, got ${secretKey.length}`)
    sk = Uint8Array.from(secretKey)
  }
  let pk: Uint8Array
  try {
    pk = ss.getPublicKey(sk).toBytes(true)
  } catch (e) {
    throw new TimelockError('BAD_INPUT', `invalid secret key: ${(e as Error).message}`)
  }
  return {
    publicKey: pk,
    secretKey: sk,
    sign: (round) => ss.sign(identityPoint(round), sk).toBytes(true),
  }
}
