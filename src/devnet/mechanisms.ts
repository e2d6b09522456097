/**
 * Mechanisms (sub-subnets) of spec 424: per-mechanism epoch storage lives at the storage index
 * `netuid + mecid * 4096` (`Weights`, `Bonds`, `Incentive`, `LastUpdate`, `WeightCommits`,
 * `TimelockedWeightCommits`); `MechanismCountCurrent[netuid]` says how many exist and
 * `MechanismEmissionSplit[netuid]` how the subnet's emission is shared (even when unset).
 *
 * Reimplemented from subtensor v3.4.9-424 `subnets/mechanism.rs` (`get_mechanism_storage_index`,
 * `ensure_mechanism_exists`, `do_set_mechanism_count`, `update_mechanism_counts_if_needed`,
 * `do_set_emission_split`, `do_set_max_mechanism_count`).
 */
import { MAX_MECHANISMS, mechanismStorageIndex } from '../consensus/index.ts'
import type { State } from './state.ts'

const SM = 'SubtensorModule'

/** `MAX_MECHANISM_COUNT_PER_SUBNET`. */
export const MAX_MECHANISM_COUNT_PER_SUBNET = MAX_MECHANISMS
/** `DefaultMaxAllowedUids`: max uids × mechanism count may not exceed it. */
export const DEFAULT_MAX_ALLOWED_UIDS = 256

/** Raises the chain's `DispatchError::Module` for `pallet.error`. */
export type Fail = (pallet: string, error: string) => never

/** `get_mechanism_storage_index`: `mecid * 4096 + netuid` (u16, saturating), from src/consensus. */
export const storageIndex = mechanismStorageIndex

/** `MechanismCountCurrent[netuid]` (1 unless set). */
export function mechanismCount(state: State, netuid: number): number {
  return state.num(SM, 'MechanismCountCurrent', [netuid])
}

/** The storage indices of every mechanism of `netuid`, mechanism 0 first. */
export function mechanismIndices(state: State, netuid: number): number[] {
  return Array.from({ length: mechanismCount(state, netuid) }, (_, m) => storageIndex(netuid, m))
}

/** `ensure_mechanism_exists`: the subnet exists and `mecid < MechanismCountCurrent`. */
export function ensureMechanismExists(state: State, netuid: number, mecid: number, fail: Fail): void {
  if (!state.bool(SM, 'NetworksAdded', [netuid])) fail(SM, 'MechanismDoesNotExist')
  if (mechanismCount(state, netuid) <= mecid) fail(SM, 'MechanismDoesNotExist')
}

/** `do_set_mechanism_count` with `update_mechanism_counts_if_needed`. */
export function setMechanismCount(state: State, netuid: number, count: number, fail: Fail): void {
  if (!state.bool(SM, 'NetworksAdded', [netuid])) fail(SM, 'MechanismDoesNotExist')
  if (count <= 0) fail(SM, 'InvalidValue')
  if (count > state.num(SM, 'MaxMechanismCount')) fail(SM, 'InvalidValue')
  if (state.num(SM, 'MaxAllowedUids', [netuid]) * count > DEFAULT_MAX_ALLOWED_UIDS) fail(SM, 'TooManyUIDsPerMechanism')
  if (count > MAX_MECHANISM_COUNT_PER_SUBNET) fail(SM, 'InvalidValue')
  const old = mechanismCount(state, netuid)
  if (old === count) return
  for (let m = count; m < old; m++) {
    const idx = storageIndex(netuid, m)
    for (const item of ['Weights', 'Bonds', 'WeightCommits', 'TimelockedWeightCommits']) state.removePrefix(state.codec.storagePrefix(SM, item, [idx]))
    state.remove(SM, 'Incentive', [idx])
    state.remove(SM, 'LastUpdate', [idx])
  }
  state.set(SM, 'MechanismCountCurrent', [netuid], count)
  state.remove(SM, 'MechanismEmissionSplit', [netuid])
}

/** `do_set_emission_split`: `null` resets to even; a split needs 1..count entries summing to 65535. */
export function setEmissionSplit(state: State, netuid: number, split: number[] | null, fail: Fail): void {
  if (!state.bool(SM, 'NetworksAdded', [netuid])) fail(SM, 'MechanismDoesNotExist')
  if (split === null) {
    state.remove(SM, 'MechanismEmissionSplit', [netuid])
    return
  }
  if (split.length === 0) fail(SM, 'InvalidValue')
  if (split.length > mechanismCount(state, netuid)) fail(SM, 'InvalidValue')
  if (split.reduce((s, v) => s + v, 0) !== 0xffff) fail(SM, 'InvalidValue')
  state.set(SM, 'MechanismEmissionSplit', [netuid], split)
}

/** `do_set_max_mechanism_count`. */
export function setMaxMechanismCount(state: State, count: number, fail: Fail): void {
  if (count <= 0 || count > MAX_MECHANISM_COUNT_PER_SUBNET) fail(SM, 'InvalidValue')
  state.set(SM, 'MaxMechanismCount', [], count)
}

/** `MechanismEmissionSplit[netuid]`, or null when unset (even split). */
export function emissionSplit(state: State, netuid: number): number[] | null {
  return state.has(SM, 'MechanismEmissionSplit', [netuid]) ? (state.get(SM, 'MechanismEmissionSplit', [netuid]).toJSON() as number[] | null) : null
}
