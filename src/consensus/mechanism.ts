/**
 * Spec 424's `epoch_with_mechanisms` (subnets/mechanism.rs): the subnet's emission split among its
 * K mechanisms (`split_emissions`), one `epoch_mechanism` per mechanism on that mechanism's
 * weights, bonds and last_update, and the per-netuid terms aggregated as the chain stores them
 * (`weighted_acc_u16` / `weighted_acc_alpha` with a U64F64 `sub_weight`, ORs for booleans, sums
 * for server/validator emission). Pure functions; the batch entry points live in index.ts.
 */
import type { EpochInput, EpochOutput, MechanismEpochOutput, SubnetEpochInput, SubnetEpochOutput } from './types.ts'

const U64_MAX = (1n << 64n) - 1n
const U128_MAX = (1n << 128n) - 1n
const ONE_U64F64 = 1n << 64n

/** `MAX_MECHANISM_COUNT_PER_SUBNET`. */
export const MAX_MECHANISMS = 16
/** `GLOBAL_MAX_SUBNET_COUNT`: storage index = netuid + mechanism * 4096. */
export const GLOBAL_MAX_SUBNET_COUNT = 4096

/** `get_mechanism_storage_index(netuid, mechanism)` (u16, saturating like the chain). */
export function mechanismStorageIndex(netuid: number, mechanism: number): number {
  return Math.min(65535, Math.min(65535, mechanism * GLOBAL_MAX_SUBNET_COUNT) + netuid)
}

/**
 * `split_emissions(netuid, alpha)`: with a split, `floor(alpha * s_k / 65535)` per entry (padded
 * with 0 or cut to K), else `floor(alpha / K)` each; what truncation lost goes to mechanism 0.
 */
export function splitEmissions(alpha: bigint, count: number, split?: number[] | null): bigint[] {
  let result: bigint[]
  if (split !== undefined && split !== null) result = split.map((s) => (alpha * BigInt(s)) / 65535n)
  else result = new Array<bigint>(count).fill(count === 0 ? 0n : alpha / BigInt(count))
  if (result.length !== count) result = result.length > count ? result.slice(0, count) : [...result, ...new Array<bigint>(count - result.length).fill(0n)]
  const total = result.reduce((a, b) => a + b, 0n)
  const err = alpha > total ? alpha - total : 0n
  if (result.length > 0) result[0] = result[0]! + err > U64_MAX ? U64_MAX : result[0]! + err
  return result
}

/** `sub_weight = U64F64(share) / U64F64(total)`, or 1 for mechanism 0 (0 otherwise) when total = 0; U64F64 bits. */
export function subWeight(share: bigint, total: bigint, mechanism: number): bigint {
  if (total === 0n) return mechanism === 0 ? ONE_U64F64 : 0n
  const q = (share << 64n) / total
  return q > U128_MAX ? U128_MAX : q
}

/** `weighted_acc_u16(existing, added, w)`: floor(existing + added * w), saturating to u16. */
export function weightedAccU16(existing: number, added: number, w: bigint): number {
  const r = BigInt(existing) + ((BigInt(added) * w) >> 64n)
  return r > 65535n ? 65535 : Number(r)
}

/** `weighted_acc_alpha(existing, added, w)`: floor(existing + added * w), saturating to u64. */
export function weightedAccAlpha(existing: bigint, added: bigint, w: bigint): bigint {
  const r = existing + ((added * w) >> 64n)
  return r > U64_MAX ? U64_MAX : r
}

/** The `epoch_mechanism` input of each mechanism, with its share of the emission, in mechanism order. */
export function mechanismEpochInputs(subnet: SubnetEpochInput): EpochInput[] {
  const { mechanisms, mechanism_emission_split: split, ...shared } = subnet
  const shares = splitEmissions(subnet.rao_emission, mechanisms.length, split)
  return mechanisms.map((m, k) => {
    const x: EpochInput = { ...shared, last_update: m.last_update, weights: m.weights, bonds: m.bonds, rao_emission: shares[k]! }
    if (m.commit_blocks !== undefined) x.commit_blocks = m.commit_blocks
    return x
  })
}

/** A plain epoch input as a subnet with one mechanism. */
export function asSubnetInput(input: EpochInput): SubnetEpochInput {
  const { last_update, weights, bonds, commit_blocks, ...shared } = input
  return { ...shared, mechanisms: [commit_blocks === undefined ? { last_update, weights, bonds } : { last_update, weights, bonds, commit_blocks }] }
}

/**
 * Folds the mechanisms' outputs (in mechanism order, as `epoch_mechanism` produced them from
 * {@link mechanismEpochInputs}) the way `epoch_with_mechanisms` does: the first mechanism inserts
 * `weighted_acc(0, x, w_0)`, each later one adds `x * w_k`; booleans OR; emissions add.
 */
export function aggregateMechanisms(subnet: SubnetEpochInput, outputs: EpochOutput[]): SubnetEpochOutput {
  const n = subnet.n
  const total = subnet.rao_emission
  const shares = splitEmissions(total, subnet.mechanisms.length, subnet.mechanism_emission_split)
  if (outputs.length !== shares.length) throw new RangeError(`aggregateMechanisms: ${outputs.length} outputs for ${shares.length} mechanisms`)
  const agg: SubnetEpochOutput = {
    mechanisms: [],
    active: new Array<boolean>(n).fill(false),
    stake_weight_u16: new Array<number>(n).fill(0),
    consensus_u16: new Array<number>(n).fill(0),
    dividends_u16: new Array<number>(n).fill(0),
    validator_trust_u16: new Array<number>(n).fill(0),
    emission: new Array<bigint>(n).fill(0n),
    new_validator_permit: new Array<boolean>(n).fill(false),
    server_emission: new Array<bigint>(n).fill(0n),
    validator_emission: new Array<bigint>(n).fill(0n),
  }
  const sat = (x: bigint): bigint => (x > U64_MAX ? U64_MAX : x)
  outputs.forEach((o, k) => {
    const w = subWeight(shares[k]!, total, k)
    agg.mechanisms.push({ mechanism: k, rao_emission: shares[k]!, sub_weight_u64f64: w, output: o } satisfies MechanismEpochOutput)
    for (let i = 0; i < n; i++) {
      agg.active[i] = agg.active[i]! || o.active[i]!
      agg.new_validator_permit[i] = agg.new_validator_permit[i]! || o.new_validator_permit[i]!
      agg.stake_weight_u16[i] = weightedAccU16(agg.stake_weight_u16[i]!, o.stake_weight_u16[i]!, w)
      agg.consensus_u16[i] = weightedAccU16(agg.consensus_u16[i]!, o.consensus_u16[i]!, w)
      agg.dividends_u16[i] = weightedAccU16(agg.dividends_u16[i]!, o.dividends_u16[i]!, w)
      agg.validator_trust_u16[i] = weightedAccU16(agg.validator_trust_u16[i]!, o.validator_trust_u16[i]!, w)
      agg.emission[i] = weightedAccAlpha(agg.emission[i]!, o.emission[i]!, w)
      agg.server_emission[i] = sat(agg.server_emission[i]! + o.server_emission[i]!)
      agg.validator_emission[i] = sat(agg.validator_emission[i]! + o.validator_emission[i]!)
    }
  })
  return agg
}

/**
 * Runs subnets through any epoch batch runner (CPU, WebGPU): every mechanism of every subnet is
 * one epoch of a single batch; the outputs are folded back per subnet, in input order.
 */
export async function runSubnetsWith<R extends { outputs: EpochOutput[] }>(
  subnets: SubnetEpochInput[],
  run: (inputs: EpochInput[]) => Promise<R>,
): Promise<{ res: R; outputs: SubnetEpochOutput[] }> {
  const flat = subnets.map(mechanismEpochInputs)
  const res = await run(flat.flat())
  let at = 0
  const outputs = subnets.map((s, k) => {
    const outs = res.outputs.slice(at, at + flat[k]!.length)
    at += flat[k]!.length
    return aggregateMechanisms(s, outs)
  })
  return { res, outputs }
}
