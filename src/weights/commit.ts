/**
 * The bytes of weight commits: the v2 commit hash (BlakeTwo256 of the SCALE tuple subtensor's
 * `get_commit_hash` hashes), the v4 plaintext `WeightsTlockPayload`, its timelock encryption, and
 * the reveal round the reference client (bittensor-drand 1.2.0 `generate_commit`) picks.
 */
import { blake2b } from '@noble/hashes/blake2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { QUICKNET, encrypt, type BeaconInfo } from '../timelock/index.ts'
import { WeightsError } from './errors.ts'
import { concat, u16, u64, vecU16, vecU8 } from './scale.ts'

/** `GLOBAL_MAX_SUBNET_COUNT`: storage index = mecid · 4096 + netuid. */
export const GLOBAL_MAX_SUBNET_COUNT = 4096
/** `MAX_CRV3_COMMIT_SIZE_BYTES`: the chain's bound on a v4 commit. */
export const MAX_COMMIT_BYTES = 5000
/** bittensor-drand's `SECURITY_BLOCK_OFFSET`: aim the pulse 3 blocks into the reveal epoch. */
export const SECURITY_BLOCK_OFFSET = 3
/** Salt length the SDK examples use (u16 words). */
export const DEFAULT_SALT_LENGTH = 8

/** `NetUidStorageIndex` of a (netuid, mechanism) pair. */
export function storageIndex(netuid: number, mecid = 0): number {
  if (!Number.isInteger(netuid) || netuid < 0 || netuid >= GLOBAL_MAX_SUBNET_COUNT) throw new WeightsError('BAD_INPUT', `netuid ${netuid} out of range`)
  if (!Number.isInteger(mecid) || mecid < 0 || mecid > 255) throw new WeightsError('BAD_INPUT', `mechanism id ${mecid} is not a u8`)
  const idx = mecid * GLOBAL_MAX_SUBNET_COUNT + netuid
  if (idx > 0xffff) throw new WeightsError('BAD_INPUT', `storage index ${idx} does not fit in a u16`)
  return idx
}

/** A fresh random salt of `length` u16 words. */
export function makeSalt(length = DEFAULT_SALT_LENGTH): number[] {
  const b = randomBytes(length * 2)
  return Array.from({ length }, (_, i) => b[2 * i]! | (b[2 * i + 1]! << 8))
}

/** Inputs of the v2 commit hash, named as in `get_commit_hash`. */
export interface CommitHashInput {
  /** The hotkey's 32-byte public key (AccountId32). */
  hotkey: Uint8Array
  /** `NetUidStorageIndex` (the netuid for the main mechanism). */
  netuidIndex: number
  uids: readonly number[]
  values: readonly number[]
  salt: readonly number[]
  versionKey: bigint
}

function assertHotkey(hotkey: Uint8Array): void {
  if (hotkey.length !== 32) throw new WeightsError('BAD_INPUT', `hotkey must be a 32-byte public key, got ${hotkey.length} bytes`)
}

/** SCALE of `(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)`, the tuple the chain hashes. */
export function commitPreimage(c: CommitHashInput): Uint8Array {
  assertHotkey(c.hotkey)
  return concat(c.hotkey, u16(c.netuidIndex), vecU16(c.uids), vecU16(c.values), vecU16(c.salt), u64(c.versionKey))
}

/** `BlakeTwo256::hash_of(&(who, netuid_index, uids, values, salt, version_key))`: the v2 `commit_hash`. */
export function commitHash(c: CommitHashInput): Uint8Array {
  return blake2b(commitPreimage(c), { dkLen: 32 })
}

/** Fields of the v4 plaintext. */
export interface TlockPayload {
  /** The committing hotkey's 32-byte public key; the chain skips the commit if it is not the signer. */
  hotkey: Uint8Array
  uids: readonly number[]
  values: readonly number[]
  versionKey: bigint
}

/** SCALE `WeightsTlockPayload { hotkey: Vec<u8>, uids: Vec<u16>, values: Vec<u16>, version_key: u64 }`. */
export function encodeTlockPayload(p: TlockPayload): Uint8Array {
  assertHotkey(p.hotkey)
  return concat(vecU8(p.hotkey), vecU16(p.uids), vecU16(p.values), u64(p.versionKey))
}

/** Decodes a `WeightsTlockPayload` (for inspection and tests). */
export function decodeTlockPayload(b: Uint8Array): TlockPayload {
  let off = 0
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const need = (n: number): void => {
    if (off + n > b.length) throw new WeightsError('BAD_INPUT', 'truncated WeightsTlockPayload')
  }
  const compact = (): number => {
    need(1)
    const mode = b[off]! & 3
    if (mode === 0) return b[off++]! >> 2
    if (mode === 1) {
      need(2)
      const v = view.getUint16(off, true) >> 2
      off += 2
      return v
    }
    if (mode === 2) {
      need(4)
      const v = view.getUint32(off, true) >>> 2
      off += 4
      return v
    }
    throw new WeightsError('BAD_INPUT', 'big compact lengths are not supported')
  }
  const hl = compact()
  need(hl)
  const hotkey = b.slice(off, off + hl)
  off += hl
  const readU16s = (): number[] => {
    const n = compact()
    need(2 * n)
    const out = Array.from({ length: n }, (_, i) => view.getUint16(off + 2 * i, true))
    off += 2 * n
    return out
  }
  const uids = readU16s()
  const values = readU16s()
  need(8)
  const versionKey = view.getBigUint64(off, true)
  off += 8
  if (off !== b.length) throw new WeightsError('BAD_INPUT', `${b.length - off} trailing bytes after WeightsTlockPayload`)
  return { hotkey, uids, values, versionKey }
}

/** Chain state the reveal-round formula reads. */
export interface RevealRoundInput {
  /** `Tempo[netuid]`. */
  tempo: number
  /** The current block number. */
  currentBlock: number
  /** The storage index (netuid for the main mechanism), as the SDK passes it. */
  netuidIndex: number
  /** `RevealPeriodEpochs[netuid]`. */
  revealPeriodEpochs: number
  /** Seconds per block (12 on finney, 0.25 on fast-block localnets, the devnet's own). */
  blockTimeSec: number
  /** Wall clock (ms since epoch); defaults to `Date.now()`. */
  nowMs?: number
  /** Beacon schedule; defaults to quicknet. */
  info?: Pick<BeaconInfo, 'genesisTime' | 'period'>
  /**
   * The first block of the reveal epoch by the runtime's epoch schedule (the wallet's
   * `epochStartBlock`), on runtimes with dynamic epochs; absent: the legacy modulo formula.
   */
  firstRevealBlock?: number
}

/**
 * The drand round a v4 commit is encrypted to, as bittensor-drand 1.2.0 `generate_commit`: the
 * pulse expected `SECURITY_BLOCK_OFFSET` blocks into the reveal epoch, rounded down so the pulse
 * exists by then. The reveal epoch's first block is `firstRevealBlock` where the runtime counts
 * epochs dynamically, else the legacy modulo epoch `(block + netuid + 1) / (tempo + 1)`'s.
 */
export function revealRound(r: RevealRoundInput): bigint {
  const info = r.info ?? QUICKNET
  const tp1 = r.tempo + 1
  const nu1 = r.netuidIndex + 1
  const currentEpoch = Math.floor((r.currentBlock + nu1) / tp1)
  const revealEpoch = currentEpoch + r.revealPeriodEpochs
  const firstRevealBlock = r.firstRevealBlock ?? Math.max(0, revealEpoch * tp1 - nu1)
  const targetBlock = firstRevealBlock + SECURITY_BLOCK_OFFSET
  const secs = Math.max(0, targetBlock - r.currentBlock) * r.blockTimeSec
  const now = (r.nowMs ?? Date.now()) / 1000
  const round = Math.floor((now + secs - info.genesisTime) / info.period)
  return BigInt(Math.max(1, round))
}

/**
 * Encrypts a `WeightsTlockPayload` to `round`: the `commit` argument of
 * `commit_timelocked_weights`. Throws `COMMIT_TOO_LARGE` past the chain's 5000-byte bound.
 */
export function encryptWeights(p: TlockPayload, round: bigint, publicKey: Uint8Array = QUICKNET.publicKey): Uint8Array {
  const plaintext = encodeTlockPayload(p)
  if (plaintext.length + 244 > MAX_COMMIT_BYTES) {
    throw new WeightsError('COMMIT_TOO_LARGE', `the commit would be ${plaintext.length + 244} bytes, over the chain's ${MAX_COMMIT_BYTES}; commit fewer uids`)
  }
  return encrypt(plaintext, round, publicKey)
}
