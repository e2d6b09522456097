/**
 * Which epoch, and when the next: the one epoch schedule of the client. Runtimes with dynamic
 * epochs (spec 424: `LastEpochBlock`, `PendingEpochAt`, `SubnetEpochIndex` in the metadata) count
 * epochs with a stored counter and fire `tempo` blocks after the last epoch or at an
 * owner-triggered block; older runtimes use the block formula `(block + netuid + 1) % (tempo + 1)`.
 * Which one applies is decided by the metadata (presence of the storage items), never by a spec
 * number.
 *
 * Reimplemented from subtensor v3.4.9-424 (`coinbase/run_coinbase.rs` `should_run_epoch`,
 * `get_next_epoch_start_block`; `subnets/weights.rs` `current_epoch_with_lookahead`,
 * `is_commit_expired`) and, for the legacy formula, `blocks_until_next_epoch` / `get_epoch_index`
 * of earlier specs.
 */
import type { Hex } from './types.ts'

/**
 * What the schedule reads through: the chain client's storage reads by name (ChainClient has
 * them; declared here so that the client and its schedule do not import each other).
 */
export interface ScheduleReader {
  hasStorage(pallet: string, item: string): boolean
  readStorage(pallet: string, item: string, args?: readonly unknown[], opts?: { at?: Hex; signal?: AbortSignal }): Promise<{ toString(): string }>
}

/** The dynamic-epoch counters of one subnet, as stored. */
export interface DynamicEpochState {
  lastEpochBlock: number
  /** 0 when no owner trigger is pending. */
  pendingEpochAt: number
  epochIndex: number
  /** `BlocksSinceLastStep` (the `MAX_TEMPO` safety net), when read. */
  blocksSinceLastStep?: number
}

/** What the schedule of one subnet needs: its tempo, and the dynamic counters where the runtime has them. */
export interface EpochSchedule {
  netuid: number
  tempo: number
  /** Present exactly when the runtime's metadata has the dynamic-epoch storage. */
  dynamic?: DynamicEpochState
}

/** `MAX_TEMPO` of spec 424: past this many blocks since the last step an epoch fires regardless. */
export const MAX_TEMPO = 50_400

/** The storage items whose presence in the metadata means dynamic epochs. */
export const DYNAMIC_EPOCH_ITEMS = ['LastEpochBlock', 'PendingEpochAt', 'SubnetEpochIndex'] as const

/** Whether a runtime counts epochs with `SubnetEpochIndex` (decided by its metadata). */
export function hasDynamicEpochs(client: Pick<ScheduleReader, 'hasStorage'>): boolean {
  return DYNAMIC_EPOCH_ITEMS.every((item) => client.hasStorage('SubtensorModule', item))
}

/** The legacy epoch index of `block`: `(block + netuid + 1) / (tempo + 1)`, rounded down. */
export function legacyEpochIndex(block: number, netuid: number, tempo: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1))
}

/** Whether the legacy schedule runs the epoch of `netuid` at `block` (`blocks_until_next_epoch == 0`). */
export function legacyEpochFires(block: number, netuid: number, tempo: number): boolean {
  if (tempo === 0) return false
  return (block + netuid + 1) % (tempo + 1) === 0
}

/** `should_run_epoch(netuid, block)`: whether an epoch slot is due at `block`. */
export function epochDueAt(s: EpochSchedule, block: number): boolean {
  if (s.tempo === 0) return false
  if (s.dynamic === undefined) return legacyEpochFires(block, s.netuid, s.tempo)
  const d = s.dynamic
  if (d.pendingEpochAt > 0 && block >= d.pendingEpochAt) return true
  if ((d.blocksSinceLastStep ?? 0) > MAX_TEMPO) return true
  return Math.max(0, block - d.lastEpochBlock) >= s.tempo
}

/**
 * The epoch a commit or reveal included at `block` belongs to (`current_epoch_with_lookahead`):
 * `SubnetEpochIndex`, plus one when an epoch slot is due at that block; the legacy block formula
 * on runtimes without the counter. `block` must not be before the state the counters were read at.
 */
export function epochIndexAt(s: EpochSchedule, block: number): number {
  if (s.dynamic === undefined) return legacyEpochIndex(block, s.netuid, s.tempo)
  return s.dynamic.epochIndex + (epochDueAt(s, block) ? 1 : 0)
}

/** The first block at or after `block` at which the epoch runs; undefined at tempo 0 (`get_next_epoch_start_block`). */
export function nextEpochBlock(s: EpochSchedule, block: number): number | undefined {
  if (s.tempo === 0) return undefined
  if (s.dynamic === undefined) {
    const tp1 = s.tempo + 1
    const rem = (block + s.netuid + 1) % tp1
    return rem === 0 ? block : block + (tp1 - rem)
  }
  const auto = s.dynamic.lastEpochBlock + s.tempo
  const next = s.dynamic.pendingEpochAt > 0 ? Math.min(auto, s.dynamic.pendingEpochAt) : auto
  return Math.max(next, block)
}

/**
 * The first block of epoch `epoch` (where `epochIndexAt` first gives it), assuming no owner trigger
 * after the pending one: legacy `epoch·(tempo + 1) − (netuid + 1)`; dynamic, the next firing after
 * `LastEpochBlock` for the next index and `tempo` blocks apart after it. For the current or an
 * earlier dynamic epoch, `LastEpochBlock`. Undefined at tempo 0.
 */
export function epochStartBlock(s: EpochSchedule, epoch: number): number | undefined {
  if (s.tempo === 0) return undefined
  if (s.dynamic === undefined) return Math.max(0, epoch * (s.tempo + 1) - (s.netuid + 1))
  const d = s.dynamic
  if (epoch <= d.epochIndex) return d.lastEpochBlock
  return nextEpochBlock(s, d.lastEpochBlock + 1)! + (epoch - d.epochIndex - 1) * s.tempo
}

/** A commit of epoch `commitEpoch` is past its reveal window at `block` (`is_commit_expired`). */
export function commitExpired(s: EpochSchedule, commitEpoch: number, revealPeriodEpochs: number, block: number): boolean {
  return epochIndexAt(s, block) > commitEpoch + revealPeriodEpochs
}

/** Reads the schedule of `netuid` at block hash `at` (default best); the counters only where the metadata has them. */
export async function readEpochSchedule(client: ScheduleReader, netuid: number, opts: { at?: Hex; signal?: AbortSignal } = {}): Promise<EpochSchedule> {
  const read = async (item: string): Promise<number> => Number((await client.readStorage('SubtensorModule', item, [netuid], opts)).toString())
  const tempo = await read('Tempo')
  if (!hasDynamicEpochs(client)) return { netuid, tempo }
  const [lastEpochBlock, pendingEpochAt, epochIndex] = await Promise.all([read('LastEpochBlock'), read('PendingEpochAt'), read('SubnetEpochIndex')])
  const dynamic: DynamicEpochState = { lastEpochBlock, pendingEpochAt, epochIndex }
  if (client.hasStorage('SubtensorModule', 'BlocksSinceLastStep')) dynamic.blocksSinceLastStep = await read('BlocksSinceLastStep')
  return { netuid, tempo, dynamic }
}
