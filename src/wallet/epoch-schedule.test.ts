/**
 * The client's one epoch schedule: the legacy block formula where the metadata lacks the
 * dynamic-epoch storage, spec 424's counters where it has them. Against the devnet (spec 424
 * schedule) it also drives src/roles/epoch-input-agree.test.ts and yuma-replay.test.ts, which
 * find each epoch block with it.
 */
import { describe, expect, it } from 'vitest'
import {
  commitExpired, epochDueAt, epochIndexAt, epochStartBlock, hasDynamicEpochs, legacyEpochFires, legacyEpochIndex, nextEpochBlock, readEpochSchedule, type EpochSchedule,
} from './epoch-schedule.ts'
import type { ChainValue } from './types.ts'

/** What a metadata lists (storage item names of SubtensorModule): stands in for a runtime's metadata. */
const metadataWith = (items: string[]): { hasStorage(pallet: string, item: string): boolean } => ({
  hasStorage: (pallet, item) => pallet === 'SubtensorModule' && items.includes(item),
})

describe('epoch schedule', () => {
  it('is decided by the metadata: dynamic only with LastEpochBlock, PendingEpochAt and SubnetEpochIndex', () => {
    expect(hasDynamicEpochs(metadataWith(['Tempo']))).toBe(false)
    expect(hasDynamicEpochs(metadataWith(['Tempo', 'LastEpochBlock', 'SubnetEpochIndex']))).toBe(false)
    expect(hasDynamicEpochs(metadataWith(['Tempo', 'LastEpochBlock', 'PendingEpochAt', 'SubnetEpochIndex']))).toBe(true)
  })

  it('legacy: the epoch runs when (block + netuid + 1) % (tempo + 1) == 0; the index is (block + netuid + 1) / (tempo + 1)', () => {
    const fires = Array.from({ length: 40 }, (_, b) => b).filter((b) => legacyEpochFires(b, 1, 10))
    expect(fires).toEqual([9, 20, 31])
    expect([legacyEpochIndex(8, 1, 10), legacyEpochIndex(9, 1, 10), legacyEpochIndex(19, 1, 10)]).toEqual([0, 1, 1])
    expect(legacyEpochFires(5, 1, 0)).toBe(false)
    const s: EpochSchedule = { netuid: 1, tempo: 10 }
    expect([nextEpochBlock(s, 9), nextEpochBlock(s, 10), nextEpochBlock(s, 21)]).toEqual([9, 20, 31])
    expect(epochIndexAt(s, 20)).toBe(2)
  })

  it('dynamic: due tempo blocks after LastEpochBlock or at a pending trigger; the index looks ahead on a due block', () => {
    const s: EpochSchedule = { netuid: 3, tempo: 10, dynamic: { lastEpochBlock: 100, pendingEpochAt: 0, epochIndex: 7 } }
    expect([epochDueAt(s, 109), epochDueAt(s, 110), epochDueAt(s, 115)]).toEqual([false, true, true])
    expect([epochIndexAt(s, 109), epochIndexAt(s, 110)]).toEqual([7, 8])
    expect(nextEpochBlock(s, 101)).toBe(110)
    const triggered: EpochSchedule = { ...s, dynamic: { ...s.dynamic!, pendingEpochAt: 104 } }
    expect([epochDueAt(triggered, 103), epochDueAt(triggered, 104)]).toEqual([false, true])
    expect(nextEpochBlock(triggered, 101)).toBe(104)
    const stalled: EpochSchedule = { ...s, dynamic: { ...s.dynamic!, blocksSinceLastStep: 50_401 } }
    expect(epochDueAt(stalled, 101)).toBe(true)
    expect(epochDueAt({ ...s, tempo: 0 }, 500)).toBe(false)
    expect(nextEpochBlock({ ...s, tempo: 0 }, 500)).toBeUndefined()
  })

  it('the first block of an epoch: legacy by formula, dynamic from LastEpochBlock (and a pending trigger) in steps of tempo', () => {
    const legacy: EpochSchedule = { netuid: 1, tempo: 10 }
    expect([2, 3].map((e) => epochStartBlock(legacy, e))).toEqual([20, 31])
    for (const e of [2, 3]) expect(epochIndexAt(legacy, epochStartBlock(legacy, e)!)).toBe(e)
    const dyn: EpochSchedule = { netuid: 3, tempo: 10, dynamic: { lastEpochBlock: 100, pendingEpochAt: 0, epochIndex: 7 } }
    expect([7, 8, 9].map((e) => epochStartBlock(dyn, e))).toEqual([100, 110, 120])
    expect(epochIndexAt(dyn, epochStartBlock(dyn, 8)!)).toBe(8)
    expect(epochIndexAt(dyn, epochStartBlock(dyn, 8)! - 1)).toBe(7)
    expect(epochStartBlock({ ...dyn, dynamic: { ...dyn.dynamic!, pendingEpochAt: 104 } }, 9)).toBe(114)
    expect(epochStartBlock({ ...dyn, tempo: 0 }, 9)).toBeUndefined()
  })

  it('a commit expires once the epoch is past commit epoch + reveal period, on either schedule', () => {
    const dyn: EpochSchedule = { netuid: 1, tempo: 10, dynamic: { lastEpochBlock: 100, pendingEpochAt: 0, epochIndex: 5 } }
    expect(commitExpired(dyn, 4, 1, 105)).toBe(false) // epoch 5 = 4 + 1: the reveal epoch
    expect(commitExpired(dyn, 4, 1, 110)).toBe(true) // due: epoch 6
    expect(commitExpired(dyn, 3, 1, 105)).toBe(true)
    const legacy: EpochSchedule = { netuid: 1, tempo: 10 }
    expect(commitExpired(legacy, legacyEpochIndex(12, 1, 10), 1, 30)).toBe(false) // epoch 2 <= 1 + 1
    expect(commitExpired(legacy, legacyEpochIndex(12, 1, 10), 1, 31)).toBe(true) // epoch 3
  })

  it('reads the counters only where the metadata has them', async () => {
    const reads: string[] = []
    const value = (v: number): ChainValue => ({ toJSON: () => v, toString: () => String(v), toHex: () => '0x', isEmpty: v === 0 })
    const stored: Record<string, number> = { Tempo: 360, LastEpochBlock: 1000, PendingEpochAt: 0, SubnetEpochIndex: 12, BlocksSinceLastStep: 3 }
    const reader = (items: string[]): Parameters<typeof readEpochSchedule>[0] => ({
      ...metadataWith(items),
      readStorage: async (_p: string, item: string) => { reads.push(item); return value(stored[item]!) },
    } as Parameters<typeof readEpochSchedule>[0])
    expect(await readEpochSchedule(reader(['Tempo']), 4)).toEqual({ netuid: 4, tempo: 360 })
    expect(reads).toEqual(['Tempo'])
    expect(await readEpochSchedule(reader(Object.keys(stored)), 4)).toEqual({ netuid: 4, tempo: 360, dynamic: { lastEpochBlock: 1000, pendingEpochAt: 0, epochIndex: 12, blocksSinceLastStep: 3 } })
  })
})
