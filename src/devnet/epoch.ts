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

/** The alpha an epoch of `netuid` distributes: `(tempo + 1)` blocks' worth once the subnet emits, else 0. */
export function epochEmission(state: State, netuid: number): bigint {
  // get_subnets_to_emit_to: started (start_call), subtoken enabled, registration allowed.
  const emits = state.has(SM, 'FirstEmissionBlockNumber', [netuid]) && state.bool(SM, 'SubtokenEnabled', [netuid]) && state.bool(SM, 'NetworkRegistrationAllowed', [netuid])
  return emits ? BigInt(Math.max(1, state.num(SM, 'Tempo', [netuid]) + 1)) * ALPHA_PER_BLOCK : 0n
}

/** Which mechanism an epoch input is for: its storage index and its share of the emission. */
export interface MechanismSlot {
  /** `netuid + mecid * 4096`: where `Weights`, `Bonds` and `LastUpdate` are read. */
  index: number
  raoEmission: bigint
}

/**
 * Reads everything the epoch needs for `netuid` at `block`: mechanism 0 with the subnet's whole
 * emission unless `mech` names another mechanism and its share (`epoch_mechanism`).
 */
export function buildEpochInput(state: State, netuid: number, block: number, commitBlocks?: Array<number | null>, mech?: MechanismSlot): DevnetEpochInput {
  const idx = mech?.index ?? netuid
  const n = state.num(SM, 'SubnetworkN', [netuid])
  const tempo = state.num(SM, 'Tempo', [netuid])
  const hotkeys: string[] = []
  for (let uid = 0; uid < n; uid++) hotkeys.push(state.get(SM, 'Keys', [netuid, uid]).toHex())
  const ownerHot = state.has(SM, 'SubnetOwnerHotkey', [netuid]) ? state.get(SM, 'SubnetOwnerHotkey', [netuid]).toHex() : null
  const ownerUid = ownerHot === null ? -1 : hotkeys.indexOf(ownerHot)
  const pad = <T>(v: T[], fill: T): T[] => Array.from({ length: n }, (_, i) => (i < v.length ? v[i]! : fill))
  const row = (item: string, uid: number): SparseRow => (state.get(SM, item, [idx, uid]).toJSON() as SparseRow)
  const alphaValues = state.get(SM, 'AlphaValues', [netuid]).toJSON() as [number, number]
  const lastStep = state.num(SM, 'LastMechansimStepBlock', [netuid])
  return {
    n,
    current_block: block,
    tempo,
    activity_cutoff_blocks: activityCutoff(state, netuid, tempo),
    last_mechanism_step_block: lastStep,
    last_update: pad(state.vec<number | string>(SM, 'LastUpdate', [idx]).map((x) => Number(x)), 0),
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
    rao_emission: mech?.raoEmission ?? epochEmission(state, netuid),
    ...(commitBlocks !== undefined && commitBlocks.some((b) => b !== null) ? { commit_blocks: commitBlocks } : {}),
  }
}

/** Writes one mechanism's `Incentive` and `Bonds` at its storage index (`persist_mechanism_epoch_terms`). */
export function writeMechanismOutput(state: State, index: number, out: Pick<DevnetEpochOutput, 'incentive_u16' | 'bonds_u16'>): void {
  state.set(SM, 'Incentive', [index], out.incentive_u16)
  for (let uid = 0; uid < out.bonds_u16.length; uid++) {
    const b = out.bonds_u16[uid] ?? []
    if (b.length === 0) state.remove(SM, 'Bonds', [index, uid])
    else state.set(SM, 'Bonds', [index, uid], b)
  }
}

/** The per-subnet terms of an epoch (aggregated over mechanisms) and what each uid is paid. */
export interface NetuidEpochTerms {
  active: boolean[]
  consensus_u16: number[]
  dividends_u16: number[]
  validator_trust_u16: number[]
  stake_weight_u16: number[]
  emission: bigint[]
  new_validator_permit: boolean[]
  /** Alpha credited to each uid's hotkey: server + validator emission over all mechanisms (the coinbase's payout). */
  payout: bigint[]
}

/**
 * Writes the per-subnet epoch terms where the chain writes them (`persist_netuid_epoch_terms`),
 * credits each hotkey's payout to its alpha stake, and records `LastMechansimStepBlock`.
 */
export function writeNetuidOutput(state: State, netuid: number, block: number, out: NetuidEpochTerms): void {
  state.set(SM, 'Active', [netuid], out.active)
  state.set(SM, 'Consensus', [netuid], out.consensus_u16)
  state.set(SM, 'Dividends', [netuid], out.dividends_u16)
  state.set(SM, 'ValidatorTrust', [netuid], out.validator_trust_u16)
  state.set(SM, 'StakeWeight', [netuid], out.stake_weight_u16)
  state.set(SM, 'Emission', [netuid], out.emission)
  state.set(SM, 'ValidatorPermit', [netuid], out.new_validator_permit)
  for (let uid = 0; uid < out.payout.length; uid++) {
    const e = out.payout[uid] ?? 0n
    if (e > 0n) {
      const hk = state.get(SM, 'Keys', [netuid, uid]).toHex()
      const cold = state.get(SM, 'Owner', [hk]).toHex()
      creditAlpha(state, hk, cold, netuid, e)
    }
  }
  state.set(SM, 'LastMechansimStepBlock', [netuid], block)
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
