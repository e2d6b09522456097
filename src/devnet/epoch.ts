/**
 * The epoch at a subnet's tempo boundary: reads the inputs the chain's `epoch_mechanism` reads
 * from devnet storage, hands them to one `EpochEngine` (the exact Yuma of src/consensus), and
 * writes the outputs back to the same storage items the chain writes.
 */
import { runEpoch, type EpochInput, type EpochOutput, type SparseRowU16 } from '../consensus/index.ts'
import type { State } from './state.ts'

/** One row of a sparse matrix as the chain stores it: `[uid, u16 value]` pairs. */
export type SparseRow = SparseRowU16

/** Epoch input: the consensus module's `EpochInput` (the vectors' `epochs[].input`). */
export type DevnetEpochInput = EpochInput

/** Epoch output: the consensus module's `EpochOutput` (the vectors' `reference_output`). */
export type DevnetEpochOutput = EpochOutput

/** The one place the devnet's epoch math comes from. */
export interface EpochEngine {
  /** A short name for logs (e.g. `src/consensus CPU reference`). */
  readonly name: string
  run(input: DevnetEpochInput): DevnetEpochOutput
}

/** The exact CPU reference of src/consensus: the devnet's default engine. */
export const CONSENSUS_ENGINE: EpochEngine = { name: 'src/consensus CPU reference', run: runEpoch }

/** Alpha emitted to a subnet per block (rao). Named simplification: a constant, no halving, no pool. */
export const ALPHA_PER_BLOCK = 1_000_000_000n

const SM = 'SubtensorModule'

/** `max(1, ActivityCutoffFactorMilli * tempo / 1000)`, as in the vectors' schema. */
function activityCutoff(state: State, netuid: number, tempo: number): number {
  const c = Math.floor((state.num(SM, 'ActivityCutoffFactorMilli', [netuid]) * tempo) / 1000)
  return c < 1 ? 1 : c
}

/** Reads everything the epoch needs for `netuid` (mechanism 0) at `block`. */
export function buildEpochInput(state: State, netuid: number, block: number, commitBlocks?: Array<number | null>): DevnetEpochInput {
  const n = state.num(SM, 'SubnetworkN', [netuid])
  const tempo = state.num(SM, 'Tempo', [netuid])
  const hotkeys: string[] = []
  for (let uid = 0; uid < n; uid++) hotkeys.push(state.get(SM, 'Keys', [netuid, uid]).toHex())
  const ownerHot = state.has(SM, 'SubnetOwnerHotkey', [netuid]) ? state.get(SM, 'SubnetOwnerHotkey', [netuid]).toHex() : null
  const ownerUid = ownerHot === null ? -1 : hotkeys.indexOf(ownerHot)
  const pad = <T>(v: T[], fill: T): T[] => Array.from({ length: n }, (_, i) => (i < v.length ? v[i]! : fill))
  const row = (item: string, uid: number): SparseRow => (state.get(SM, item, [netuid, uid]).toJSON() as SparseRow)
  const alphaValues = state.get(SM, 'AlphaValues', [netuid]).toJSON() as [number, number]
  const lastStep = state.num(SM, 'LastMechansimStepBlock', [netuid])
  return {
    n,
    current_block: block,
    tempo,
    activity_cutoff_blocks: activityCutoff(state, netuid, tempo),
    last_mechanism_step_block: lastStep,
    last_update: pad(state.vec<number | string>(SM, 'LastUpdate', [netuid]).map((x) => Number(x)), 0),
    block_at_registration: hotkeys.map((_, uid) => state.num(SM, 'BlockAtRegistration', [netuid, uid])),
    alpha_stake: hotkeys.map((hk) => state.big(SM, 'TotalHotkeyAlpha', [hk, netuid])),
    // Root (netuid 0) stake counts at TaoWeight, as on the chain (YUMA-SPEC §3 step 2).
    tao_stake: hotkeys.map((hk) => state.big(SM, 'TotalHotkeyAlpha', [hk, 0])),
    tao_weight_u64: state.big(SM, 'TaoWeight'),
    stake_threshold: state.big(SM, 'StakeThreshold'),
    owner_uid: ownerUid < 0 ? null : ownerUid,
    validator_permit: pad(state.vec<boolean>(SM, 'ValidatorPermit', [netuid]), false),
    max_allowed_validators: state.num(SM, 'MaxAllowedValidators', [netuid]),
    kappa: state.num(SM, 'Kappa', [netuid]),
    bonds_penalty: state.num(SM, 'BondsPenalty', [netuid]),
    bonds_moving_average: state.big(SM, 'BondsMovingAverage', [netuid]),
    yuma3: state.bool(SM, 'Yuma3On', [netuid]),
    liquid_alpha: state.bool(SM, 'LiquidAlphaOn', [netuid]),
    alpha_low: alphaValues[0],
    alpha_high: alphaValues[1],
    alpha_sigmoid_steepness: state.num(SM, 'AlphaSigmoidSteepness', [netuid]),
    weights: hotkeys.map((_, uid) => row('Weights', uid)),
    bonds: hotkeys.map((_, uid) => row('Bonds', uid)),
    rao_emission: BigInt(Math.max(1, tempo + 1)) * ALPHA_PER_BLOCK,
    ...(commitBlocks !== undefined && commitBlocks.some((b) => b !== null) ? { commit_blocks: commitBlocks } : {}),
  }
}

/**
 * Writes an epoch's outputs where the chain writes them (mechanism 0, so the storage index is the
 * netuid) and credits each hotkey's emission to its alpha stake.
 */
export function writeEpochOutput(state: State, netuid: number, block: number, out: DevnetEpochOutput): void {
  const n = out.active.length
  state.set(SM, 'Active', [netuid], out.active)
  state.set(SM, 'Consensus', [netuid], out.consensus_u16)
  state.set(SM, 'Incentive', [netuid], out.incentive_u16)
  state.set(SM, 'Dividends', [netuid], out.dividends_u16)
  state.set(SM, 'ValidatorTrust', [netuid], out.validator_trust_u16)
  state.set(SM, 'StakeWeight', [netuid], out.stake_weight_u16)
  state.set(SM, 'Emission', [netuid], out.emission)
  state.set(SM, 'ValidatorPermit', [netuid], out.new_validator_permit)
  for (let uid = 0; uid < n; uid++) {
    const b = out.bonds_u16[uid] ?? []
    if (b.length === 0) state.remove(SM, 'Bonds', [netuid, uid])
    else state.set(SM, 'Bonds', [netuid, uid], b)
    const e = out.emission[uid] ?? 0n
    if (e > 0n) {
      const hk = state.get(SM, 'Keys', [netuid, uid]).toHex()
      const cold = state.get(SM, 'Owner', [hk]).toHex()
      creditAlpha(state, hk, cold, netuid, e)
    }
  }
  state.set(SM, 'LastMechansimStepBlock', [netuid], block)
  state.set(SM, 'LastEpochBlock', [netuid], block)
  state.set(SM, 'BlocksSinceLastStep', [netuid], 0)
  state.set(SM, 'SubnetEpochIndex', [netuid], state.big(SM, 'SubnetEpochIndex', [netuid]) + 1n)
}

/** Adds alpha to `(hotkey, coldkey, netuid)`: 1 share per alpha (named simplification). */
export function creditAlpha(state: State, hotkey: string, coldkey: string, netuid: number, amount: bigint): void {
  const total = state.big(SM, 'TotalHotkeyAlpha', [hotkey, netuid]) + amount
  state.set(SM, 'TotalHotkeyAlpha', [hotkey, netuid], total)
  state.set(SM, 'TotalHotkeyShares', [hotkey, netuid], { bits: total << 64n })
  const own = alphaOf(state, hotkey, coldkey, netuid) + amount
  state.set(SM, 'Alpha', [hotkey, coldkey, netuid], { bits: own << 64n })
  state.set(SM, 'SubnetAlphaOut', [netuid], state.big(SM, 'SubnetAlphaOut', [netuid]) + amount)
}

/** Alpha held by `coldkey` through `hotkey` on `netuid`. */
export function alphaOf(state: State, hotkey: string, coldkey: string, netuid: number): bigint {
  const v = state.get(SM, 'Alpha', [hotkey, coldkey, netuid]).toJSON() as { bits: string | number }
  return BigInt(v.bits) >> 64n
}

/** Removes alpha from `(hotkey, coldkey, netuid)`; the caller checks availability first. */
export function debitAlpha(state: State, hotkey: string, coldkey: string, netuid: number, amount: bigint): void {
  const total = state.big(SM, 'TotalHotkeyAlpha', [hotkey, netuid]) - amount
  state.set(SM, 'TotalHotkeyAlpha', [hotkey, netuid], total)
  state.set(SM, 'TotalHotkeyShares', [hotkey, netuid], { bits: total << 64n })
  const own = alphaOf(state, hotkey, coldkey, netuid) - amount
  state.set(SM, 'Alpha', [hotkey, coldkey, netuid], { bits: own << 64n })
  state.set(SM, 'SubnetAlphaOut', [netuid], state.big(SM, 'SubnetAlphaOut', [netuid]) - amount)
}
