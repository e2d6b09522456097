/**
 * Replaying a chain's epoch: reads, at any block of any subtensor endpoint, the inputs exactly as
 * the subnet's last epoch at or before it saw them ({@link readEpochSeen}, every mechanism),
 * recomputes the epoch with src/consensus (`runEpochWithMechanisms`) and compares, per uid, with
 * what the chain stored: incentive and bonds per mechanism, dividends and emission per subnet.
 * `webtensor yuma --chain` prints it (src/cli/commands/yuma-replay.ts).
 */
import { runEpochWithMechanisms, type SparseRowU16, type SubnetEpochInput, type SubnetEpochOutput } from '../consensus/index.ts'
import type { ChainClient } from '../wallet/index.ts'
import { readEpochSeen, readStoredOutputs, stateUnavailableAs, type EpochSeen, type StoredOutputs } from './epoch-input.ts'
import { RolesError } from './errors.ts'

/** One uid of a replay: the chain's stored values and ours (incentive and bonds per mechanism). */
export interface ReplayRow {
  uid: number
  hotkey: string
  chain: ReplayValues
  ours: ReplayValues
  /** Fields that differ: `dividends`, `emission`, `incentive[k]`, `bonds[k]` (k = mechanism). */
  differs: string[]
}

/** What is compared for one uid. */
export interface ReplayValues {
  /** `Incentive[netuid + k·4096][uid]` per mechanism k. */
  incentive: number[]
  /** `Dividends[netuid][uid]` (over all mechanisms). */
  dividends: number
  /** `Emission[netuid][uid]` (over all mechanisms). */
  emission: bigint
  /** `Bonds[netuid + k·4096][uid]` per mechanism k. */
  bonds: SparseRowU16[]
}

/** A replayed epoch. */
export interface Replay {
  netuid: number
  /** The block asked about (best when not given). */
  atOrBefore: number
  /** The block the epoch ran in, and its hash; the state read is its parent's plus its initialization. */
  block: number
  hash: string
  parentHash: string
  /** Mechanisms replayed (all of the subnet's: `MechanismCountCurrent`, 1 where the runtime has none). */
  mechanisms: number[]
  /** `MechanismEmissionSplit` as the epoch saw it (null: even split, or a runtime without mechanisms). */
  emissionSplit: number[] | null
  /** The total alpha ours was computed for (recovered from the chain's stored Emission, see {@link emissionFor}). */
  raoEmission: bigint
  /** uids whose weights the epoch block's initialization revealed (read at the block), any mechanism. */
  revealedUids: number[]
  /** uids whose weights the epoch block's extrinsics changed (the epoch did not see them), any mechanism. */
  ignoredWeightUids: number[]
  rows: ReplayRow[]
  /** Number of (uid, field) differences. */
  differences: number
  output: SubnetEpochOutput
}

const rowKey = (r: SparseRowU16): string => JSON.stringify([...r].sort((a, b) => a[0] - b[0]))

/** Compares what the chain stored after an epoch (per mechanism) with our recomputation of what it saw. */
export function compareReplay(stored: StoredOutputs[], hotkeys: string[], out: SubnetEpochOutput): { rows: ReplayRow[]; differences: number } {
  const rows: ReplayRow[] = []
  let differences = 0
  for (let uid = 0; uid < hotkeys.length; uid++) {
    const chain: ReplayValues = {
      incentive: stored.map((s) => s.incentive[uid] ?? 0), dividends: stored[0]!.dividends[uid] ?? 0, emission: stored[0]!.emission[uid] ?? 0n, bonds: stored.map((s) => s.bonds[uid] ?? []),
    }
    const ours: ReplayValues = {
      incentive: out.mechanisms.map((m) => m.output.incentive_u16[uid]!), dividends: out.dividends_u16[uid]!, emission: out.emission[uid]!, bonds: out.mechanisms.map((m) => m.output.bonds_u16[uid] ?? []),
    }
    const differs: string[] = []
    chain.incentive.forEach((x, k) => { if (x !== ours.incentive[k]) differs.push(`incentive[${k}]`) })
    if (chain.dividends !== ours.dividends) differs.push('dividends')
    if (chain.emission !== ours.emission) differs.push('emission')
    chain.bonds.forEach((x, k) => { if (rowKey(x) !== rowKey(ours.bonds[k] ?? [])) differs.push(`bonds[${k}]`) })
    differences += differs.length
    rows.push({ uid, hotkey: hotkeys[uid]!, chain, ours, differs })
  }
  return { rows, differences }
}

/**
 * Replays the last epoch of `netuid` at or before block `atOrBefore` (default best), every
 * mechanism of the subnet (spec 424 `epoch_with_mechanisms`). Throws `RolesError`
 * `STATE_UNAVAILABLE` when the node does not serve the state it needs.
 */
export async function replayEpoch(client: ChainClient, netuid: number, atOrBefore?: number): Promise<Replay> {
  const target = atOrBefore ?? Number(await client.bestBlock())
  const targetHash = await client.blockHash(target)
  if (targetHash === undefined) throw new RolesError('STATE_UNAVAILABLE', `block ${target} is unknown to this node (not produced yet, or not kept)`)
  const block = await stateUnavailableAs(target, async () => Number((await client.readStorage('SubtensorModule', 'LastMechansimStepBlock', [netuid], { at: targetHash })).toString()))
  if (block < 1) throw new RolesError('BAD_OPTIONS', `subnet ${netuid} ran no epoch at or before block ${target}`)
  const seen = await readEpochSeen(client, netuid, block)
  const n = seen.input.n
  // The mechanisms as the epoch saw them (the parent's state).
  const { count, split } = await stateUnavailableAs(block, async () => ({
    count: client.hasStorage('SubtensorModule', 'MechanismCountCurrent')
      ? Math.max(1, Number((await client.readStorage('SubtensorModule', 'MechanismCountCurrent', [netuid], { at: seen.parentHash })).toString()))
      : 1,
    split: client.hasStorage('SubtensorModule', 'MechanismEmissionSplit')
      ? ((await client.readStorage('SubtensorModule', 'MechanismEmissionSplit', [netuid], { at: seen.parentHash })).toJSON() as number[] | null)
      : null,
  }))
  const seens = [seen, ...(await Promise.all(Array.from({ length: count - 1 }, (_, k) => readEpochSeen(client, netuid, block, { mecid: k + 1 }))))]
  const [stored, hotkeys] = await stateUnavailableAs(block, () => Promise.all([
    Promise.all(seens.map((_, k) => readStoredOutputs(client, netuid, seen.hash, n, { mecid: k }))),
    Promise.all(Array.from({ length: n }, async (_, u) => (await client.readStorage('SubtensorModule', 'Keys', [netuid, u], { at: seen.parentHash })).toString())),
  ]))
  const { last_update: _l, weights: _w, bonds: _b, commit_blocks: _c, ...common } = seen.input
  const input: SubnetEpochInput = {
    ...common,
    mechanisms: seens.map((x) => ({ last_update: x.input.last_update, weights: x.input.weights, bonds: x.input.bonds, ...(x.input.commit_blocks !== undefined ? { commit_blocks: x.input.commit_blocks } : {}) })),
    mechanism_emission_split: split === null || split.length === 0 ? null : split,
  }
  const { raoEmission, output } = emissionFor(input, stored[0]!.emission.reduce((a, b) => a + b, 0n))
  const { rows, differences } = compareReplay(stored, hotkeys, output)
  const union = (f: (x: EpochSeen) => number[]): number[] => [...new Set(seens.flatMap(f))].sort((a, b) => a - b)
  return {
    netuid, atOrBefore: target, block, hash: seen.hash, parentHash: seen.parentHash,
    mechanisms: seens.map((_, k) => k), emissionSplit: input.mechanism_emission_split ?? null, raoEmission,
    revealedUids: union((x) => x.revealedUids), ignoredWeightUids: union((x) => x.ignoredWeightUids), rows, differences, output,
  }
}

/**
 * The epoch's total emission is not in storage; its per-uid result (`Emission`: each mechanism's
 * emission weighted by its share, floored) is. Its sum grows with the total, so the total is the
 * smallest one whose stored sum it reproduces (doubling, then a binary search: some 40 epochs);
 * the per-uid values are then compared. With one mechanism the total is the sum plus rounding.
 */
export function emissionFor(input: SubnetEpochInput, sum: bigint): { raoEmission: bigint; output: SubnetEpochOutput } {
  const total = (r: bigint): { out: SubnetEpochOutput; sum: bigint } => {
    const out = runEpochWithMechanisms({ ...input, rao_emission: r })
    return { out, sum: out.emission.reduce((a, b) => a + b, 0n) }
  }
  let lo = sum
  let hi = sum > 0n ? sum : 1n
  while (total(hi).sum < sum && hi < 1n << 64n) {
    lo = hi + 1n
    hi *= 2n
  }
  while (lo < hi) {
    const mid = (lo + hi) / 2n
    if (total(mid).sum >= sum) hi = mid
    else lo = mid + 1n
  }
  return { raoEmission: lo, output: total(lo).out }
}
