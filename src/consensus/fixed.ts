/**
 * Exact fixed-point arithmetic with the semantics of `substrate-fixed` v0.6.0 as subtensor uses it
 * (YUMA-SPEC.md §1). Values are raw bit patterns: an I32F32 `x` is the integer `x * 2^32`.
 *
 * Two flavours:
 * - `*Big` functions work on `bigint` and implement the Rust semantics literally (saturation,
 *   checked overflow). They are the oracle and handle the rare wide cases.
 * - the `number` functions are the hot path. Every epoch quantity is a proportion (< 2^34 bits) or
 *   a raw u16 sum, so it fits in a double exactly; products and quotients are split into pieces
 *   that stay below 2^53 and fall back to the BigInt version when they would not. They return the
 *   same integers as the BigInt oracle (property-tested).
 */
import { ConsensusError } from './errors.ts'

/** I32F32 1.0 as raw bits (2^32). */
export const ONE = 4294967296
/** I32F32 0.5 as raw bits. */
export const HALF = 2147483648
const TWO16 = 65536
const TWO52 = 4503599627370496
const TWO53 = 9007199254740992

const I64_MAX = (1n << 63n) - 1n
const I64_MIN = -(1n << 63n)
const ONE_BIG = 1n << 32n

function sat64(x: bigint): bigint {
  return x > I64_MAX ? I64_MAX : x < I64_MIN ? I64_MIN : x
}

/** I32F32 `saturating_mul`: floor(a*b / 2^32), clamped to the i64 range. */
export function mulBig(a: bigint, b: bigint): bigint {
  return sat64((a * b) >> 32n)
}

/** I32F32 `checked_mul`: floor(a*b / 2^32), or null when it leaves the i64 range. */
export function checkedMulBig(a: bigint, b: bigint): bigint | null {
  const p = (a * b) >> 32n
  return p > I64_MAX || p < I64_MIN ? null : p
}

/** Rust integer division (truncates toward zero). */
function truncDiv(a: bigint, b: bigint): bigint {
  return a / b // BigInt division truncates toward zero, like Rust
}

/** I32F32 `safe_div` (= `checked_div(..).unwrap_or_default()`): trunc((a << 32) / b); 0 on b = 0 or overflow. */
export function divBig(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n
  const q = truncDiv(a << 32n, b)
  return q > I64_MAX || q < I64_MIN ? 0n : q
}

/** I32F32 `saturating_div`: trunc((a << 32) / b) clamped (b = 0 panics in Rust; callers never pass it). */
export function saturatingDivBig(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new ConsensusError('RANGE', 'saturating_div by zero')
  return sat64(truncDiv(a << 32n, b))
}

function toSafe(x: bigint, what: string): number {
  if (x > 9007199254740991n || x < -9007199254740991n) {
    throw new ConsensusError('RANGE', `${what}: intermediate ${x} exceeds the exact range of this implementation`)
  }
  return Number(x)
}

/** I32F32 multiply on raw bits: floor(a*b / 2^32) (arithmetic shift = floor, also for negatives). */
export function mulFx(a: number, b: number): number {
  const p = a * b
  // A product below 2^53 in magnitude is exact (rounding is monotone, so |p| < 2^53 implies exact).
  if (p < TWO53 && p > -TWO53) return Math.floor(p / ONE) + 0 // + 0 turns -0 into 0
  // Split b = bh*2^16 + bl; floor((x*2^16 + y) / 2^32) = floor((x + floor(y/2^16)) / 2^16).
  const bh = Math.floor(b / TWO16)
  const bl = b - bh * TWO16
  const x = a * bh
  const y = a * bl
  if (x < TWO52 && x > -TWO52 && y < TWO53 && y > -TWO53) {
    return Math.floor((x + Math.floor(y / TWO16)) / TWO16)
  }
  return toSafe(mulBig(BigInt(a), BigInt(b)), 'mul')
}

function bitLength(b: number): number {
  if (b < ONE) return 32 - Math.clz32(b)
  return 64 - Math.clz32(Math.floor(b / ONE))
}

/**
 * I32F32 `safe_div` on raw bits: trunc((a << 32) / b), 0 when b = 0. Non-negative operands take
 * an exact long division in chunks small enough for doubles; anything else goes through BigInt.
 */
export function divFx(a: number, b: number): number {
  if (b === 0) return 0
  if (a >= 0 && b > 0 && a < TWO53) {
    if (a < 2097152) return Math.floor((a * ONE) / b) // a*2^32 < 2^53: floor of a correctly rounded quotient is exact
    if (a < 137438953472 && b < 137438953472 && a < b * 2097152) {
      // a, b < 2^37, a/b < 2^21: two 16-bit steps of long division, every product and remainder < 2^53
      const n1 = a * 65536
      const q1 = Math.floor(n1 / b)
      const n2 = (n1 - q1 * b) * 65536
      return q1 * 65536 + Math.floor(n2 / b)
    }
    let q = Math.floor(a / b)
    if (q < 2097152) {
      let r = a - q * b
      // long division of the remaining 32 bits in chunks that keep r * 2^chunk < 2^53
      if (b < 137438953472) {
        // b < 2^37: two 16-bit chunks
        let num = r * 65536
        let d = Math.floor(num / b)
        q = q * 65536 + d
        r = num - d * b
        num = r * 65536
        d = Math.floor(num / b)
        return q * 65536 + d
      }
      if (b < 35184372088832) {
        // b < 2^45: four 8-bit chunks
        for (let t = 0; t < 4; t++) {
          const num = r * 256
          const d = Math.floor(num / b)
          q = q * 256 + d
          r = num - d * b
        }
        return q
      }
      const chunk = 53 - bitLength(b)
      if (chunk >= 1) {
        let rem = 32
        while (rem > 0) {
          const c = rem < chunk ? rem : chunk
          const s = 2 ** c
          const num = r * s // < b * 2^chunk <= 2^53
          const d = Math.floor(num / b)
          q = q * s + d
          r = num - d * b
          rem -= c
        }
        return q
      }
    }
  }
  return toSafe(divBig(BigInt(a), BigInt(b)), 'div')
}

/** Plain floor(a / b) for non-negative safe integers (integer division helper). */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b)
}

/** `u16_proportion_to_fixed(x) = I32F32(x) / I32F32(65535)`. */
export function u16ToFixed(x: number): number {
  return divFx(x, 65535)
}

/** `fixed_proportion_to_u16(x) = saturating_to_num::<u16>(x * 65535)` (floor, clamped to [0, 65535]). */
export function fixedToU16(x: number): number {
  if (x <= 0) return 0
  const v = Math.floor((x * 65535) / ONE) // x*65535 < 2^53 for x < 2^37; division by 2^32 is exact
  return v > 65535 ? 65535 : v
}

/** BigInt oracle of {@link fixedToU16}. */
export function fixedToU16Big(x: bigint): number {
  const v = mulBig(x, 65535n << 32n) >> 32n
  return v < 0n ? 0 : v > 65535n ? 65535 : Number(v)
}

/** `E_I9F23 << 9`: substrate-fixed's constant e converted to I32F32. */
const E_I32F32 = 22802601n << 9n

/**
 * `substrate_fixed::transcendental::exp` on I32F32 (the 30-term Taylor series with floor multiply
 * and truncating divide at every step); returns null on overflow (the Rust `Err`).
 */
export function expFixedBig(x: bigint): bigint | null {
  if (x === 0n) return ONE_BIG
  if (x === ONE_BIG) return E_I32F32
  const neg = x < 0n
  const op = neg ? -x : x
  if (op > I64_MAX) return null
  let result = op + ONE_BIG
  if (result > I64_MAX) return null
  let term = op
  for (let i = 2n; i < 32n; i++) {
    const t = checkedMulBig(term, op)
    if (t === null) return null
    term = truncDiv(t << 32n, i << 32n)
    result += term
    if (result > I64_MAX) return null
  }
  if (neg) {
    if (result === 0n) return null
    result = truncDiv(ONE_BIG << 32n, result)
  }
  return result
}

/** `exp_safe`: clamp to [-20, 20], exp; on error 0 for x <= 0 else I32F32::MAX. */
export function expSafeBig(input: bigint): bigint {
  const lo = -20n << 32n
  const hi = 20n << 32n
  const x = input < lo ? lo : input > hi ? hi : input
  const r = expFixedBig(x)
  if (r === null) return x <= 0n ? 0n : I64_MAX
  return r
}

/** Exact `floor(bits * E / 2^32)` saturated to u64: an I32F32 proportion times a u64 rao amount (via I96F32). */
export function fixedTimesRao(bits: number, rao: bigint): bigint {
  if (bits <= 0 || rao === 0n) return 0n
  const v = (BigInt(bits) * rao) >> 32n
  const U64_MAX = (1n << 64n) - 1n
  return v > U64_MAX ? U64_MAX : v
}

/**
 * {@link fixedTimesRao} for one rao amount and many proportions: for rao < 2^53 and bits <= 2^32
 * the product is taken in doubles (rao = eh*2^32 + elh*2^16 + ell: bits*eh <= 2^53, bits*elh and
 * bits*ell < 2^48, all exact), falling back to BigInt otherwise. Same results (property-tested).
 */
export function fixedTimesRaoBy(rao: bigint): (bits: number) => bigint {
  if (rao <= 0n || rao >= 9007199254740992n) return (bits) => fixedTimesRao(bits, rao)
  const e = Number(rao)
  const eh = Math.floor(e / ONE)
  const el = e - eh * ONE
  const elh = Math.floor(el / TWO16)
  const ell = el - elh * TWO16
  return (bits) => {
    if (bits <= 0) return 0n
    if (bits <= ONE) {
      const v = bits * eh + Math.floor((bits * elh + Math.floor((bits * ell) / TWO16)) / TWO16)
      if (v < TWO53) return BigInt(v)
    }
    return fixedTimesRao(bits, rao)
  }
}
