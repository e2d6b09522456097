/**
 * `register_network` and `start_call` on the devnet, through a stock client: the lock cost (and
 * its doubling), the network rate limit, hotkey ownership, the new subnet's initial state, and
 * `start_call`'s owner check, delay and one-shot.
 */
import type { KeyringPair } from '@polkadot/keyring/types'
import { beforeAll, describe, expect, it } from 'vitest'
import { useDevnetWithApi, type Loose } from './testing.ts'

const net = useDevnetWithApi()
const { tx, query, call, events, submit, outcome, keyring } = net
let alice: KeyringPair
let charlie: KeyringPair
let dave: KeyringPair
beforeAll(() => {
  alice = keyring.addFromUri('//Alice')
  charlie = keyring.addFromUri('//Charlie')
  dave = keyring.addFromUri('//Dave')
})

const free = async (who: KeyringPair): Promise<bigint> => (await query().system.account(who.address)).data.free.toBigInt()
const feeOf = (r: Loose): bigint => {
  const e = r.events.find((x: Loose) => events().transactionPayment.TransactionFeePaid.is(x.event))
  return e === undefined ? 0n : e.event.data[1].toBigInt()
}
const sudo = async (inner: Loose): Promise<void> => {
  expect(await net.sudo(inner)).toBe('ok')
}

describe('register_network', () => {
  it('locks the cost, creates the next netuid with the owner hotkey at uid 0 and the chain\'s initial parameters', async () => {
    const hot = keyring.addFromUri('//Charlie//sn')
    const min = (await query().subtensorModule.networkMinLockCost()).toBigInt()
    expect(min).toBe(1_000_000_000_000n)
    net.blocks(5)
    const before = await free(charlie)
    const r = await submit(tx().subtensorModule.registerNetwork(hot.address), charlie)
    expect(outcome(r)).toBe('ok')
    const added: Loose = (r.events as Loose[]).find((e: Loose) => events().subtensorModule.NetworkAdded.is(e.event))
    expect(added.event.data.map((x: Loose) => x.toNumber())).toEqual([2, 1])
    const block = net.devnet.bestNumber()
    expect(await free(charlie)).toBe(before - min - feeOf(r))
    const q = query().subtensorModule
    expect((await q.networksAdded(2)).isTrue).toBe(true)
    expect((await q.subnetOwner(2)).toString()).toBe(charlie.address)
    expect((await q.subnetOwnerHotkey(2)).toString()).toBe(hot.address)
    expect((await q.keys(2, 0)).toString()).toBe(hot.address)
    expect((await q.owner(hot.address)).toString()).toBe(charlie.address)
    expect((await q.tempo(2)).toNumber()).toBe(360)
    // init_new_network staggers the schedule's anchor by netuid: block − (2 mod 360).
    expect(Number((await q.lastEpochBlock(2)).toString())).toBe(block - 2)
    expect((await q.subnetLocked(2)).toBigInt()).toBe(min)
    expect((await q.subnetTAO(2)).toBigInt()).toBe(min)
    expect((await q.networkLastLockCost()).toBigInt()).toBe(min)
    expect((await q.networkRegisteredAt(2)).toNumber()).toBe(block)
    expect((await q.firstEmissionBlockNumber(2)).isNone).toBe(true)
    expect((await q.maxAllowedUids(2)).toNumber()).toBe(256)
    expect((await q.yuma3On(2)).isTrue).toBe(true)
    expect((await q.totalNetworks()).toNumber()).toBe(3)
  })

  it('refuses a second network within NetworkRateLimit; then the lock cost is doubled, decaying per block', async () => {
    const r = await submit(tx().subtensorModule.registerNetwork(keyring.addFromUri('//Dave//sn').address), dave)
    expect(outcome(r)).toBe('subtensorModule.NetworkTxRateLimitExceeded')
    await sudo(tx().adminUtils.sudoSetNetworkRateLimit(0))
    const last: bigint = (await query().subtensorModule.networkLastLockCost()).toBigInt()
    const interval: bigint = (await query().subtensorModule.networkLockReductionInterval()).toBigInt()
    const lastBlock = BigInt(Number((await query().subtensorModule.lastRateLimitedBlock({ NetworkLastRegistered: null })).toString()))
    const before = await free(dave)
    const ok = await submit(tx().subtensorModule.registerNetwork(keyring.addFromUri('//Dave//sn').address), dave)
    expect(outcome(ok)).toBe('ok')
    const expected: bigint = 2n * last - (last / interval) * (BigInt(net.devnet.bestNumber()) - lastBlock)
    expect(before - (await free(dave)) - feeOf(ok)).toBe(expected)
    expect((await query().subtensorModule.networkLastLockCost()).toBigInt()).toBe(expected)
  })

  it('register_network_with_identity stores the identity; an oversized field is InvalidIdentity', async () => {
    const hot = keyring.addFromUri('//Dave//id')
    const identity = { subnetName: 'webtensor', githubRepo: 'https://example.org/webtensor', subnetContact: 'ops@example.org', subnetUrl: '', discord: '', description: 'OCR', logoUrl: '', additional: '' }
    expect(outcome(await submit(tx().subtensorModule.registerNetworkWithIdentity(hot.address, { ...identity, subnetName: 'x'.repeat(257) }), dave))).toBe('subtensorModule.InvalidIdentity')
    const r = await submit(tx().subtensorModule.registerNetworkWithIdentity(hot.address, identity), dave)
    expect(outcome(r)).toBe('ok')
    const netuid = ((r.events as Loose[]).find((e: Loose) => events().subtensorModule.NetworkAdded.is(e.event))).event.data[0].toNumber()
    expect((r.events as Loose[]).some((e: Loose) => events().subtensorModule.SubnetIdentitySet.is(e.event))).toBe(true)
    const stored = (await query().subtensorModule.subnetIdentitiesV3(netuid)).unwrap()
    expect(new TextDecoder().decode(stored.subnetName.toU8a(true))).toBe('webtensor')
  })

  it('refuses a hotkey owned by another coldkey, and a coldkey that cannot afford the lock', async () => {
    const taken = keyring.addFromUri('//Charlie//sn') // owned by Charlie
    expect(outcome(await submit(tx().subtensorModule.registerNetwork(taken.address), dave))).toBe('subtensorModule.NonAssociatedColdKey')
    const poor = keyring.addFromUri('//Poor')
    net.devnet.faucet(poor.address, 10_000_000_000n)
    expect(outcome(await submit(tx().subtensorModule.registerNetwork(keyring.addFromUri('//Poor//sn').address), poor))).toBe('subtensorModule.CannotAffordLockCost')
  })
})

describe('start_call', () => {
  it('owner only, after StartCallDelay, once; emission starts the next block', async () => {
    expect(outcome(await submit(tx().subtensorModule.startCall(2), dave))).toBe('BadOrigin')
    expect(outcome(await submit(tx().subtensorModule.startCall(77), charlie))).toBe('subtensorModule.SubnetNotExists')
    await sudo(tx().adminUtils.sudoSetStartCallDelay(1_000))
    expect(outcome(await submit(tx().subtensorModule.startCall(2), charlie))).toBe('subtensorModule.NeedWaitingMoreBlocksToStarCall')
    await sudo(tx().adminUtils.sudoSetStartCallDelay(0))
    // Staking opens with start_call (SubtokenEnabled).
    const owner = keyring.addFromUri('//Charlie//sn')
    expect(outcome(await submit(tx().subtensorModule.addStake(owner.address, 2, 5_000_000_000n), charlie))).toBe('subtensorModule.SubtokenDisabled')
    const r = await submit(tx().subtensorModule.startCall(2), charlie)
    expect(outcome(r)).toBe('ok')
    const block = net.devnet.bestNumber()
    expect(r.events.some((e: Loose) => events().subtensorModule.FirstEmissionBlockNumberSet.is(e.event))).toBe(true)
    expect((await query().subtensorModule.firstEmissionBlockNumber(2)).unwrap().toNumber()).toBe(block + 1)
    expect((await query().subtensorModule.subtokenEnabled(2)).isTrue).toBe(true)
    expect(outcome(await submit(tx().subtensorModule.startCall(2), charlie))).toBe('subtensorModule.FirstEmissionBlockNumberAlreadySet')
    expect(outcome(await submit(tx().subtensorModule.addStake(owner.address, 2, 5_000_000_000n), charlie))).toBe('ok')
    // A new subnet has MaxAllowedUids 256: two mechanisms would exceed DefaultMaxAllowedUids.
    expect(await net.sudo(tx().adminUtils.sudoSetMechanismCount(2, 2))).toBe('subtensorModule.TooManyUIDsPerMechanism')
    // Its owner lowers MaxAllowedUids (owner rate limit, the pallet's bounds), then two mechanisms fit.
    expect(await net.sudo(tx().adminUtils.sudoSetMaxAllowedUids(2, 300))).toBe('adminUtils.MaxAllowedUidsGreaterThanDefaultMaxAllowedUids')
    expect(outcome(await submit(tx().adminUtils.sudoSetMaxAllowedUids(2, 128), charlie))).toBe('ok')
    expect(outcome(await submit(tx().adminUtils.sudoSetMaxAllowedUids(2, 100), charlie))).toBe('subtensorModule.TxRateLimitExceeded')
    expect(await net.sudo(tx().adminUtils.sudoSetMechanismCount(2, 2))).toBe('ok')
    expect(await net.sudo(tx().adminUtils.sudoSetMaxAllowedUids(2, 200))).toBe('subtensorModule.TooManyUIDsPerMechanism')
    // The runtime API agrees with storage on the next epoch of the new subnet.
    const next = (await call().subnetInfoRuntimeApi.getNextEpochStartBlock(2)).toJSON()
    expect(next).toBe(Number((await query().subtensorModule.lastEpochBlock(2)).toString()) + 360)
  })
})
