/**
 * Spec 424's dynamic epochs on the devnet, through a stock client: the schedule (`LastEpochBlock +
 * tempo`, `SubnetEpochIndex`, `PendingEpochAt`), the owner's `trigger_epoch` and `set_tempo` with
 * their errors, and the `MaxEpochsPerBlock` cap that defers an epoch by a block.
 */
import type { KeyringPair } from '@polkadot/keyring/types'
import { beforeAll, describe, expect, it } from 'vitest'
import { useDevnetWithApi, type Loose } from './testing.ts'

const net = useDevnetWithApi()
const { tx, query, events, submit, outcome, keyring } = net
let alice: KeyringPair
let bob: KeyringPair
let charlie: KeyringPair
beforeAll(() => {
  alice = keyring.addFromUri('//Alice')
  bob = keyring.addFromUri('//Bob')
  charlie = keyring.addFromUri('//Charlie')
})

/** `[LastEpochBlock, SubnetEpochIndex, PendingEpochAt]` of a subnet at the best block. */
async function schedule(netuid: number): Promise<[number, number, number]> {
  const q = query().subtensorModule
  return (await Promise.all([q.lastEpochBlock(netuid), q.subnetEpochIndex(netuid), q.pendingEpochAt(netuid)])).map((x: Loose) => Number(x.toString())) as [number, number, number]
}

const eventsAt = async (hash: string): Promise<Loose[]> => await ((await net.api.at(hash)).query as Loose).system.events()

describe('the epoch schedule', () => {
  it('runs every `tempo` blocks from LastEpochBlock, advancing SubnetEpochIndex', async () => {
    const tempo = (await query().subtensorModule.tempo(1)).toNumber()
    const first = await net.runToEpochBlock(1)
    const [, index] = await schedule(1)
    net.devnet.produceBlock()
    expect(await schedule(1)).toEqual([first, index + 1, 0])
    expect(Number((await query().subtensorModule.blocksSinceLastStep(1)).toString())).toBe(0)
    expect((await query().subtensorModule.lastMechansimStepBlock(1)).toNumber()).toBe(first)
    expect(await net.runToEpochBlock(1)).toBe(first + tempo)
  })
})

describe('trigger_epoch', () => {
  it('owner only, not under commit-reveal, once pending; the epoch fires AdminFreezeWindow blocks later', async () => {
    expect(outcome(await submit(tx().subtensorModule.triggerEpoch(1), alice))).toBe('subtensorModule.DynamicTempoBlockedByCommitReveal')
    net.devnet.setHyperparams(1, { CommitRevealWeightsEnabled: false })
    await net.runToEpochBlock(1)
    net.devnet.produceBlock() // the epoch block: a full tempo ahead now
    expect(outcome(await submit(tx().subtensorModule.triggerEpoch(1), bob))).toBe('BadOrigin')
    const r = await submit(tx().subtensorModule.triggerEpoch(1), alice)
    expect(outcome(r)).toBe('ok')
    const block = net.devnet.bestNumber()
    const window = (await query().subtensorModule.adminFreezeWindow()).toNumber()
    const ev: Loose = (r.events as Loose[]).find((e: Loose) => events().subtensorModule.EpochTriggered.is(e.event))
    expect(Number(ev.event.data.firesAt.toString())).toBe(block + window)
    const [last, index, pending] = await schedule(1)
    expect(pending).toBe(block + window)
    expect(outcome(await submit(tx().subtensorModule.triggerEpoch(1), alice))).toBe('subtensorModule.EpochTriggerAlreadyPending')
    // The trigger fires before the automatic slot (last + tempo).
    const tempo = (await query().subtensorModule.tempo(1)).toNumber()
    expect(block + window).toBeLessThan(last + tempo)
    expect(await net.runToEpochBlock(1)).toBe(block + window)
    net.devnet.produceBlock()
    expect(await schedule(1)).toEqual([block + window, index + 1, 0])
    // Within the owner's rate limit (tempo × OwnerHyperparamRateLimit blocks) a new trigger is refused.
    expect(outcome(await submit(tx().subtensorModule.triggerEpoch(1), alice))).toBe('subtensorModule.TxRateLimitExceeded')
    // With the automatic epoch closer than the window, triggering is pointless and refused.
    while ((await schedule(1))[0] + tempo - (net.devnet.bestNumber() + 1) >= window) net.devnet.produceBlock()
    expect(outcome(await submit(tx().subtensorModule.triggerEpoch(1), alice))).toBe('subtensorModule.AutoEpochAlreadyImminent')
    net.devnet.setHyperparams(1, { CommitRevealWeightsEnabled: true })
  })
})

describe('set_tempo (owner) and MaxEpochsPerBlock', () => {
  it('set_tempo: owner only, within [MinTempo, MaxTempo], resets the cycle, then a MinTempo cooldown', async () => {
    expect(await net.sudo(tx().adminUtils.sudoSetNetworkRateLimit(0))).toBe('ok')
    expect(outcome(await submit(tx().subtensorModule.registerNetwork(keyring.addFromUri('//Charlie//sn').address), charlie))).toBe('ok')
    expect(outcome(await submit(tx().subtensorModule.setTempo(2, 400), bob))).toBe('BadOrigin')
    expect(outcome(await submit(tx().subtensorModule.setTempo(2, 10), charlie))).toBe('subtensorModule.TempoOutOfBounds')
    expect(outcome(await submit(tx().subtensorModule.setTempo(2, 50_401), charlie))).toBe('subtensorModule.TempoOutOfBounds')
    const r = await submit(tx().subtensorModule.setTempo(2, 400), charlie)
    expect(outcome(r)).toBe('ok')
    expect(r.events.some((e: Loose) => events().subtensorModule.TempoSet.is(e.event))).toBe(true)
    expect((await query().subtensorModule.tempo(2)).toNumber()).toBe(400)
    expect((await schedule(2))[0]).toBe(net.devnet.bestNumber())
    expect(outcome(await submit(tx().subtensorModule.setTempo(2, 500), charlie))).toBe('subtensorModule.TxRateLimitExceeded')
  })

  it('runs at most MaxEpochsPerBlock epochs in a block and defers the rest by one block', async () => {
    expect(outcome(await submit(tx().subtensorModule.registerNetwork(keyring.addFromUri('//Charlie//sn3').address), charlie))).toBe('ok')
    expect((await query().subtensorModule.maxEpochsPerBlock()).toNumber()).toBe(2)
    // Root sets tempo 5 on subnets 1-3 in one block: the same anchor, so all three come due together.
    await net.untilAdminWindow(1)
    const nonce = Number((await net.rpc('system_accountNextIndex', [alice.address])).result)
    for (const netuid of [1, 2, 3]) {
      const x = await tx().sudo.sudo(tx().adminUtils.sudoSetTempo(netuid, 5)).signAsync(alice, { nonce: nonce + netuid - 1 })
      await net.api.rpc.author.submitExtrinsic(x)
    }
    const set = net.devnet.produceBlock()
    const b = set.number
    expect((await eventsAt(set.hash)).filter((e: Loose) => events().subtensorModule.TempoSet.is(e.event)).length).toBe(3)
    for (const netuid of [1, 2, 3]) expect((await schedule(netuid))[0]).toBe(b)
    const index3 = (await schedule(3))[1]
    net.blocks(4)
    const due = net.devnet.produceBlock() // b + 5: all three are due
    expect(due.number).toBe(b + 5)
    const deferred = (await eventsAt(due.hash)).filter((e: Loose) => events().subtensorModule.EpochDeferred.is(e.event))
    expect(deferred.map((e: Loose) => e.event.data.map((x: Loose) => Number(x.toString())))).toEqual([[3, b + 5, b + 6]])
    expect((await schedule(1))[0]).toBe(b + 5)
    expect((await schedule(2))[0]).toBe(b + 5)
    expect((await schedule(3))).toEqual([b, index3, b + 6])
    net.devnet.produceBlock()
    expect(await schedule(3)).toEqual([b + 6, index3 + 1, 0])
    net.devnet.setHyperparams(1, { Tempo: 10 })
  })
})
