/**
 * The epoch schedule of spec 424 (dynamic tempo): a subnet's epoch fires when `tempo` blocks have
 * passed since `LastEpochBlock`, when an owner-triggered `PendingEpochAt` is due, or when
 * `BlocksSinceLastStep` exceeds `MAX_TEMPO`; at most `MaxEpochsPerBlock` per block (the rest are
 * deferred a block through `PendingEpochAt`). Epoch indices for commit-reveal are the
 * `SubnetEpochIndex` counter, plus one while an epoch slot is due in the current block.
 *
 * Reimplemented from subtensor v3.4.9-424 (`coinbase/run_coinbase.rs` `should_run_epoch`,
 * `blocks_until_next_auto_epoch`, `get_next_epoch_start_block`; `subnets/weights.rs`
 * `current_epoch_with_lookahead`, `is_commit_expired`, `is_reveal_block_range`;
 * `utils/misc.rs` `is_in_admin_freeze_window`).
 */
import type { State } from './state.ts'

const SM = 'SubtensorModule'

/** `MIN_TEMPO`: the smallest tempo a subnet owner may set (`set_tempo`). */
export const MIN_TEMPO = 360
/** `MAX_TEMPO`: the largest tempo; also the `BlocksSinceLastStep` safety net. */
export const MAX_TEMPO = 50_400

/** `should_run_epoch(netuid, block)`. */
export function shouldRunEpoch(state: State, netuid: number, block: number): boolean {
  const tempo = state.num(SM, 'Tempo', [netuid])
  if (tempo === 0) return false
  const pending = state.num(SM, 'PendingEpochAt', [netuid])
  if (pending > 0 && block >= pending) return true
  if (state.big(SM, 'BlocksSinceLastStep', [netuid]) > BigInt(MAX_TEMPO)) return true
  const last = state.num(SM, 'LastEpochBlock', [netuid])
  return Math.max(0, block - last) >= tempo
}

/** `blocks_until_next_auto_epoch`: blocks to `LastEpochBlock + tempo` (ignores a pending trigger); `Infinity` at tempo 0. */
export function blocksUntilNextAutoEpoch(state: State, netuid: number, block: number): number {
  const tempo = state.num(SM, 'Tempo', [netuid])
  if (tempo === 0) return Number.POSITIVE_INFINITY
  return Math.max(0, state.num(SM, 'LastEpochBlock', [netuid]) + tempo - block)
}

/** `get_next_epoch_start_block`: `min(LastEpochBlock + tempo, PendingEpochAt)`; undefined at tempo 0. */
export function nextEpochStartBlock(state: State, netuid: number): number | undefined {
  const tempo = state.num(SM, 'Tempo', [netuid])
  if (tempo === 0) return undefined
  const auto = state.num(SM, 'LastEpochBlock', [netuid]) + tempo
  const pending = state.num(SM, 'PendingEpochAt', [netuid])
  return pending > 0 ? Math.min(auto, pending) : auto
}

/** `current_epoch_with_lookahead`: `SubnetEpochIndex`, plus one when an epoch slot is due at `block`. */
export function currentEpoch(state: State, netuid: number, block: number): number {
  const base = state.num(SM, 'SubnetEpochIndex', [netuid])
  return shouldRunEpoch(state, netuid, block) ? base + 1 : base
}

/** `is_commit_expired`: the current epoch is past `commitEpoch + RevealPeriodEpochs`. */
export function isCommitExpired(state: State, netuid: number, commitEpoch: number, block: number): boolean {
  return currentEpoch(state, netuid, block) > commitEpoch + state.num(SM, 'RevealPeriodEpochs', [netuid])
}

/** `is_reveal_block_range`: the current epoch is exactly `commitEpoch + RevealPeriodEpochs`. */
export function isRevealEpoch(state: State, netuid: number, commitEpoch: number, block: number): boolean {
  return currentEpoch(state, netuid, block) === commitEpoch + state.num(SM, 'RevealPeriodEpochs', [netuid])
}

/** `is_in_admin_freeze_window`: a pending trigger, or fewer than `AdminFreezeWindow` blocks to the next auto epoch. */
export function isInAdminFreezeWindow(state: State, netuid: number, block: number): boolean {
  if (state.num(SM, 'Tempo', [netuid]) === 0) return false
  const pending = state.num(SM, 'PendingEpochAt', [netuid])
  if (pending > 0 && pending > block) return true
  return blocksUntilNextAutoEpoch(state, netuid, block) < state.num(SM, 'AdminFreezeWindow')
}
