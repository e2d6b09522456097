/**
 * A subnet's epoch over its mechanisms, as spec 424's `epoch_with_mechanisms` does it: the
 * emission is split (`split_emissions`), each mechanism runs `epoch_mechanism` on its share, and
 * the per-uid terms are combined with the mechanism's weight `share / total` in U64F64 (u16 terms
 * and `Emission` weighted, server and validator emission summed, `active` and permits ORed).
 *
 * Reimplemented from subtensor v3.4.9-424 `subnets/mechanism.rs` (`split_emissions`,
 * `weighted_acc_u16`, `weighted_acc_alpha`, `epoch_with_mechanisms`). Integer-exact: U64F64 values
 * are bigints with 64 fractional bits, truncated where the chain truncates.
 */
import type { DevnetEpochOutput, NetuidEpochTerms } from './epoch.ts'

const U16_MAX = 0xffffn
const U64_MAX = (1n << 64n) - 1n

/** `split_emissions`: by `MechanismEmissionSplit` (or evenly), padded to `count`, rounding to mechanism 0. */
export function splitEmissions(alpha: bigint, count: number, split: number[] | null): bigint[] {
  let out = split !== null ? split.map((s) => (alpha * BigInt(s)) / U16_MAX) : Array.from({ length: count }, () => alpha / BigInt(count))
  if (out.length !== count) out = Array.from({ length: count }, (_, m) => out[m] ?? 0n)
  const sum = out.reduce((a, b) => a + b, 0n)
  if (out.length > 0 && alpha > sum) out[0] = out[0]! + (alpha - sum)
  return out
}

/** `sub_weight`: `share / total` as U64F64 bits; with no emission, mechanism 0 weighs 1 and the rest 0. */
function subWeight(share: bigint, total: bigint, mecid: number): bigint {
  if (total === 0n) return mecid === 0 ? 1n << 64n : 0n
  return (share << 64n) / total
}

/** `weighted_acc_*`: `existing + added * weight` in U64F64, truncated and saturated to `max`. */
function weightedAcc(existing: bigint, added: bigint, weight: bigint, max: bigint): bigint {
  const v = ((existing << 64n) + added * weight) >> 64n
  return v > max ? max : v
}

/** The subnet's terms from each mechanism's epoch output (`outs[m]` ran on `shares[m]` of `total`). */
export function aggregateMechanisms(outs: DevnetEpochOutput[], shares: bigint[], total: bigint): NetuidEpochTerms {
  const n = outs[0]?.active.length ?? 0
  const u16 = (xs: number[], i: number): bigint => BigInt(xs[i] ?? 0)
  const acc = {
    active: Array.from({ length: n }, () => false),
    new_validator_permit: Array.from({ length: n }, () => false),
    consensus_u16: Array.from({ length: n }, () => 0n),
    dividends_u16: Array.from({ length: n }, () => 0n),
    validator_trust_u16: Array.from({ length: n }, () => 0n),
    stake_weight_u16: Array.from({ length: n }, () => 0n),
    emission: Array.from({ length: n }, () => 0n),
    payout: Array.from({ length: n }, () => 0n),
  }
  outs.forEach((o, m) => {
    const w = subWeight(shares[m] ?? 0n, total, m)
    for (let i = 0; i < n; i++) {
      acc.active[i] = acc.active[i]! || o.active[i] === true
      acc.new_validator_permit[i] = acc.new_validator_permit[i]! || o.new_validator_permit[i] === true
      acc.consensus_u16[i] = weightedAcc(acc.consensus_u16[i]!, u16(o.consensus_u16, i), w, U16_MAX)
      acc.dividends_u16[i] = weightedAcc(acc.dividends_u16[i]!, u16(o.dividends_u16, i), w, U16_MAX)
      acc.validator_trust_u16[i] = weightedAcc(acc.validator_trust_u16[i]!, u16(o.validator_trust_u16, i), w, U16_MAX)
      acc.stake_weight_u16[i] = weightedAcc(acc.stake_weight_u16[i]!, u16(o.stake_weight_u16, i), w, U16_MAX)
      acc.emission[i] = weightedAcc(acc.emission[i]!, o.emission[i] ?? 0n, w, U64_MAX)
      acc.payout[i] = acc.payout[i]! + (o.server_emission[i] ?? 0n) + (o.validator_emission[i] ?? 0n)
    }
  })
  const nums = (xs: bigint[]): number[] => xs.map(Number)
  return {
    active: acc.active,
    new_validator_permit: acc.new_validator_permit,
    consensus_u16: nums(acc.consensus_u16),
    dividends_u16: nums(acc.dividends_u16),
    validator_trust_u16: nums(acc.validator_trust_u16),
    stake_weight_u16: nums(acc.stake_weight_u16),
    emission: acc.emission,
    payout: acc.payout,
  }
}
