/**
 * The epoch schedule's rules on a bare state (no chain): tempo 0 never runs, `LastEpochBlock +
 * tempo`, a due `PendingEpochAt`, the `BlocksSinceLastStep > MaxTempo` safety net, the lookahead
 * epoch index, commit expiry and the admin freeze window.
 */
import { describe, expect, it } from 'vitest'
import { sharedCodec } from './codec.ts'
import { blocksUntilNextAutoEpoch, currentEpoch, isCommitExpired, isInAdminFreezeWindow, isRevealEpoch, MAX_TEMPO, nextEpochStartBlock, shouldRunEpoch } from './schedule.ts'
import { State } from './state.ts'

const SM = 'SubtensorModule'

function subnet(items: Record<string, unknown>): State {
  const s = new State(sharedCodec())
  for (const [k, v] of Object.entries({ Tempo: 10, LastEpochBlock: 100, ...items })) s.set(SM, k, [3], v)
  s.set(SM, 'AdminFreezeWindow', [], 2)
  return s
}

describe('spec 424 epoch schedule rules', () => {
  it('runs tempo blocks after LastEpochBlock; never at tempo 0', () => {
    const s = subnet({})
    expect([109, 110, 111].map((b) => shouldRunEpoch(s, 3, b))).toEqual([false, true, true])
    expect(nextEpochStartBlock(s, 3)).toBe(110)
    expect(blocksUntilNextAutoEpoch(s, 3, 104)).toBe(6)
    const off = subnet({ Tempo: 0, PendingEpochAt: 105 })
    expect(shouldRunEpoch(off, 3, 200)).toBe(false)
    expect(nextEpochStartBlock(off, 3)).toBeUndefined()
  })

  it('a due PendingEpochAt runs it early; BlocksSinceLastStep past MaxTempo runs it regardless', () => {
    const s = subnet({ PendingEpochAt: 104 })
    expect([103, 104].map((b) => shouldRunEpoch(s, 3, b))).toEqual([false, true])
    expect(nextEpochStartBlock(s, 3)).toBe(104)
    expect(shouldRunEpoch(subnet({ BlocksSinceLastStep: MAX_TEMPO }), 3, 101)).toBe(false)
    expect(shouldRunEpoch(subnet({ BlocksSinceLastStep: MAX_TEMPO + 1 }), 3, 101)).toBe(true)
  })

  it('the epoch index looks ahead one while an epoch is due; commits expire after RevealPeriodEpochs', () => {
    const s = subnet({ SubnetEpochIndex: 7, RevealPeriodEpochs: 1 })
    expect(currentEpoch(s, 3, 105)).toBe(7)
    expect(currentEpoch(s, 3, 110)).toBe(8)
    expect(isRevealEpoch(s, 3, 6, 105)).toBe(true)
    expect(isRevealEpoch(s, 3, 7, 105)).toBe(false)
    expect(isCommitExpired(s, 3, 6, 105)).toBe(false)
    expect(isCommitExpired(s, 3, 6, 110)).toBe(true)
  })

  it('the admin freeze window: the last AdminFreezeWindow blocks, or while a trigger is pending', () => {
    const s = subnet({})
    // remaining = 110 − block; frozen while remaining < 2.
    expect([107, 108, 109, 110].map((b) => isInAdminFreezeWindow(s, 3, b))).toEqual([false, false, true, true])
    expect(isInAdminFreezeWindow(subnet({ PendingEpochAt: 106 }), 3, 101)).toBe(true)
  })
})
