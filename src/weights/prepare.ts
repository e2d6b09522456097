/**
 * Weight preparation: float scores to the u16 weights the chain stores, and every check
 * `do_set_weights` makes that a client can make before signing (subtensor
 * `pallets/subtensor/src/subnets/weights.rs` `internal_set_weights`, in the same order).
 */
import { WeightsError } from './errors.ts'

const U16_MAX = 65535
const ONE = 1n << 32n // I32F32 fixed-point one

/** The subnet's limits on a weight vector, read from chain state (see `readSubnetWeightState`). */
export interface WeightLimits {
  /** `SubnetworkN[netuid]`: uids are `0..n-1`. */
  n: number
  /** `MinAllowedWeights[netuid]` (effective minimum is `min(minAllowedWeights, n)`). */
  minAllowedWeights: number
  /** `MaxWeightsLimit[netuid]` as a u16 ratio of 65535; 65535 means no limit. */
  maxWeightsLimit: number
  /** `WeightsVersionKey[netuid]`: the smallest version key the chain accepts (0 = any). */
  weightsVersionKey: bigint
  /** The setter's own uid, for the self-weight exemptions. */
  ownUid?: number
  /** Whether the setter holds a validator permit (or is the subnet owner); undefined = unknown, not checked. */
  validatorPermit?: boolean
}

/** Weights ready to sign: u16 values max-upscaled so the largest is 65535. */
export interface PreparedWeights {
  /** Destination uids. */
  uids: number[]
  /** u16 weights, one per uid. */
  values: number[]
  /** The version key to send (the subnet's `WeightsVersionKey` unless overridden). */
  versionKey: bigint
}

/** Options of {@link prepareWeights}. */
export interface PrepareOptions {
  /** Version key to send; defaults to the subnet's `WeightsVersionKey`. */
  versionKey?: bigint
  /** Keep uids whose weight rounds to zero (stored as zeros on chain; they matter in Yuma3). Default false, like the SDK. */
  keepZeros?: boolean
}

/** Python's `round()` (half to even) on a double, which the bittensor SDK uses. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x)
  const d = x - f
  if (d > 0.5) return f + 1
  if (d < 0.5) return f
  return f % 2 === 0 ? f : f + 1
}

function assertUid(uid: number): void {
  if (!Number.isInteger(uid) || uid < 0 || uid > U16_MAX) {
    throw new WeightsError('BAD_INPUT', `uid ${uid} is not a u16 integer`)
  }
}

/**
 * Float scores to u16 weights exactly as the bittensor SDK's `convert_weights_and_uids_for_emit`
 * (after `convert_uids_and_weights` casts scores to float32): divide by the max, multiply by
 * 65535, round half to even, drop zeros (unless `keepZeros`). All-zero scores give empty lists.
 */
export function scoresToU16(uids: readonly number[], scores: readonly number[], keepZeros = false): { uids: number[]; values: number[] } {
  if (uids.length !== scores.length) {
    throw new WeightsError('BAD_INPUT', `uids and scores must have the same length, got ${uids.length} and ${scores.length}`)
  }
  uids.forEach(assertUid)
  const f32 = scores.map((s) => {
    if (typeof s !== 'number' || !Number.isFinite(s)) throw new WeightsError('BAD_INPUT', `score ${s} is not a finite number`)
    if (s < 0) throw new WeightsError('BAD_INPUT', `score ${s} is negative; weights cannot be negative`)
    return Math.fround(s)
  })
  const max = f32.reduce((m, s) => (s > m ? s : m), 0)
  if (max === 0) return { uids: [], values: [] }
  const outUids: number[] = []
  const values: number[] = []
  f32.forEach((s, i) => {
    const v = roundHalfEven((s / max) * U16_MAX)
    if (v !== 0 || keepZeros) {
      outUids.push(uids[i]!)
      values.push(v)
    }
  })
  return { uids: outUids, values }
}

/** The chain's `vec_u16_max_upscale_to_u16` (I32F32 fixed point): what ends up in `Weights`. */
export function maxUpscaleU16(values: readonly number[]): number[] {
  const raw = values.map((v) => BigInt(v) * ONE)
  if (raw.length === 0) return []
  const max = raw.reduce((m, v) => (v > m ? v : m), 0n)
  const u16max = BigInt(U16_MAX) * ONE
  const round = (x: bigint): number => {
    const r = (x + ONE / 2n) >> 32n // round half away from zero (x >= 0)
    return Number(r > 65535n ? 65535n : r)
  }
  if (max === 0n) return raw.map(() => 0)
  if (max > 32768n * ONE) {
    const factor = (u16max * ONE) / max // u16_max / max
    return raw.map((e) => round((e * factor) >> 32n))
  }
  return raw.map((e) => round((((e * u16max) >> 32n) * ONE) / max))
}

/** The chain's `check_vec_max_limited`: normalized max ≤ limit/65535, in I32F32. */
export function isMaxWeightLimited(values: readonly number[], maxWeightsLimit: number): boolean {
  if (maxWeightsLimit >= U16_MAX) return true
  const limit = (BigInt(maxWeightsLimit) * ONE * ONE) / (BigInt(U16_MAX) * ONE)
  const raw = values.map((v) => BigInt(v) * ONE)
  const sum = raw.reduce((a, b) => a + b, 0n)
  if (sum === 0n) return true
  const max = raw.reduce((m, v) => (v > m ? v : m), 0n)
  return (max * ONE) / sum <= limit
}

function isSelfWeight(ownUid: number | undefined, uids: readonly number[]): boolean {
  return ownUid !== undefined && uids.length === 1 && uids[0] === ownUid
}

/**
 * Checks u16 weights against the subnet's limits in the chain's order; throws `WeightsError`
 * naming the first failing rule. Returns the version key to send.
 */
export function checkWeights(uids: readonly number[], values: readonly number[], limits: WeightLimits, versionKey?: bigint): bigint {
  if (uids.length !== values.length) {
    throw new WeightsError('BAD_INPUT', `uids and values must have the same length, got ${uids.length} and ${values.length}`)
  }
  uids.forEach(assertUid)
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0 || v > U16_MAX) throw new WeightsError('BAD_INPUT', `weight ${v} is not a u16`)
  }
  if (uids.length > limits.n) {
    throw new WeightsError('TOO_MANY_UIDS', `${uids.length} uids but the subnet has only ${limits.n} neurons`)
  }
  const key = versionKey ?? limits.weightsVersionKey
  if (key < 0n || key >= 1n << 64n) throw new WeightsError('BAD_INPUT', `version key ${key} is not a u64`)
  if (limits.weightsVersionKey !== 0n && key < limits.weightsVersionKey) {
    throw new WeightsError('VERSION_KEY_TOO_LOW', `version key ${key} is below the subnet's WeightsVersionKey ${limits.weightsVersionKey}; upgrade or pass the subnet's key`)
  }
  const self = isSelfWeight(limits.ownUid, uids)
  if (limits.validatorPermit === false && !self) {
    throw new WeightsError('NO_VALIDATOR_PERMIT', 'this hotkey has no validator permit on the subnet, so it may only set a self-weight')
  }
  if (new Set(uids).size !== uids.length) throw new WeightsError('DUPLICATE_UIDS', 'a uid appears more than once')
  const missing = uids.find((u) => u >= limits.n)
  if (missing !== undefined) throw new WeightsError('UID_NOT_FOUND', `uid ${missing} does not exist on the subnet (n = ${limits.n})`)
  const minLen = Math.min(limits.minAllowedWeights, limits.n)
  if (!self && values.length < minLen) {
    throw new WeightsError('TOO_FEW_WEIGHTS', `${values.length} weights but the subnet requires at least min(MinAllowedWeights=${limits.minAllowedWeights}, n=${limits.n}) = ${minLen}; score more uids (zeros count when kept)`)
  }
  if (!self && !isMaxWeightLimited(maxUpscaleU16(values), limits.maxWeightsLimit)) {
    throw new WeightsError('MAX_WEIGHT_EXCEEDED', `the largest normalized weight exceeds MaxWeightsLimit ${limits.maxWeightsLimit}/65535; spread the weights over more uids`)
  }
  return key
}

/**
 * Float scores → checked u16 weights ready to sign. Throws `WeightsError` before anything is
 * signed: `NO_WEIGHTS` when every score is zero, otherwise the first failing chain rule.
 */
export function prepareWeights(uids: readonly number[], scores: readonly number[], limits: WeightLimits, opts: PrepareOptions = {}): PreparedWeights {
  const converted = scoresToU16(uids, scores, opts.keepZeros ?? false)
  if (converted.values.length === 0) throw new WeightsError('NO_WEIGHTS', 'every score is zero: there is nothing to set')
  const versionKey = checkWeights(converted.uids, converted.values, limits, opts.versionKey)
  return { uids: converted.uids, values: converted.values, versionKey }
}
