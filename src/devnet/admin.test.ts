/**
 * Sudo and AdminUtils on the devnet, through a stock client with real signatures: //Alice is the
 * sudo key; her `Sudo.sudo` dispatches AdminUtils setters as Root (fee refunded, the outcome in
 * `Sudo.Sudid`); anyone else's Sudo call is refused at the pool; AdminUtils called directly by a
 * signed account is `BadOrigin` (root-only setters) or needs the subnet owner; the freeze window.
 */
import type { KeyringPair } from '@polkadot/keyring/types'
import { beforeAll, describe, expect, it } from 'vitest'
import { useDevnetWithApi, type Loose } from './testing.ts'

const net = useDevnetWithApi()
const { tx, query, events, submit, outcome, keyring } = net
let alice: KeyringPair
let bob: KeyringPair
beforeAll(() => {
  alice = keyring.addFromUri('//Alice')
  bob = keyring.addFromUri('//Bob')
})

const sudid = (r: Loose): string => net.sudoOutcome(r)
const untilWindowOpen = (frozen = false): Promise<void> => net.untilAdminWindow(1, frozen)

describe('Sudo (the key is //Alice)', () => {
  it('sudo runs an AdminUtils setter as Root, refunds the fee, and reports the inner result in Sudid', async () => {
    expect((await query().sudo.key()).toString()).toBe(alice.address)
    const before = (await query().system.account(alice.address)).data.free.toBigInt()
    const r = await submit(tx().sudo.sudo(tx().adminUtils.sudoSetWeightsSetRateLimit(1, 7)), alice)
    expect(outcome(r)).toBe('ok')
    expect(sudid(r)).toBe('ok')
    expect(r.events.some((e: Loose) => events().subtensorModule.WeightsSetRateLimitSet.is(e.event))).toBe(true)
    expect((await query().subtensorModule.weightsSetRateLimit(1)).toNumber()).toBe(7)
    // pallet_sudo returns Pays::No: the fee withdrawn up front comes back.
    expect((await query().system.account(alice.address)).data.free.toBigInt()).toBe(before)
    // A failing inner call: the extrinsic succeeds, Sudid carries the error, nothing is written.
    const bad = await submit(tx().sudo.sudo(tx().adminUtils.sudoSetWeightsSetRateLimit(99, 1)), alice)
    expect(outcome(bad)).toBe('ok')
    expect(sudid(bad)).toBe('adminUtils.SubnetDoesNotExist')
    expect(bad.events.some((e: Loose) => events().subtensorModule.WeightsSetRateLimitSet.is(e.event))).toBe(false)
    await submit(tx().sudo.sudo(tx().adminUtils.sudoSetWeightsSetRateLimit(1, 2)), alice)
  })

  it('refuses a Sudo call from anyone but the key at the pool (BadSigner)', async () => {
    const s = net.send(tx().sudo.sudo(tx().adminUtils.sudoSetWeightsSetRateLimit(1, 7)), bob)
    await expect(s.ready).rejects.toThrow(/bad signer/i)
    await expect(s.inBlock).rejects.toThrow(/bad signer/i)
    net.devnet.produceBlock()
    expect((await query().subtensorModule.weightsSetRateLimit(1)).toNumber()).toBe(2)
  })

  it('sudo_as dispatches as the given account', async () => {
    // Bob's signed origin may not call a root-only setter: the inner result is BadOrigin.
    const r = await submit(tx().sudo.sudoAs(bob.address, tx().adminUtils.sudoSetKappa(1, 1)), alice)
    expect(outcome(r)).toBe('ok')
    expect((r.events as Loose[]).some((e: Loose) => events().sudo.SudoAsDone.is(e.event))).toBe(true)
    expect(net.sudoOutcome(r)).toBe('BadOrigin')
  })
})

describe('AdminUtils origins and the freeze window', () => {
  it('a root-only setter called directly by a signed account fails with BadOrigin', async () => {
    const r = await submit(tx().adminUtils.sudoSetWeightsSetRateLimit(1, 9), alice)
    expect(outcome(r)).toBe('BadOrigin')
    expect((await query().subtensorModule.weightsSetRateLimit(1)).toNumber()).toBe(2)
  })

  it('owner-or-root setters: the subnet owner may call them, anyone else gets BadOrigin', async () => {
    await untilWindowOpen()
    expect(outcome(await submit(tx().adminUtils.sudoSetWeightsVersionKey(1, 5), bob))).toBe('BadOrigin')
    const r = await submit(tx().adminUtils.sudoSetWeightsVersionKey(1, 5), alice) // Alice owns subnet 1
    expect(outcome(r)).toBe('ok')
    expect((await query().subtensorModule.weightsVersionKey(1)).toNumber()).toBe(5)
    // The owner's rate limit (tempo x WeightsVersionKeyRateLimit blocks); Root is not limited.
    await untilWindowOpen()
    expect(outcome(await submit(tx().adminUtils.sudoSetWeightsVersionKey(1, 6), alice))).toBe('subtensorModule.TxRateLimitExceeded')
    await untilWindowOpen()
    expect(sudid(await submit(tx().sudo.sudo(tx().adminUtils.sudoSetWeightsVersionKey(1, 0)), alice))).toBe('ok')
    expect((await query().subtensorModule.weightsVersionKey(1)).toNumber()).toBe(0)
    // Yuma3: the owner toggles it (AdminUtils.Yuma3EnableToggled), Root turns it back.
    await untilWindowOpen()
    const y = await submit(tx().adminUtils.sudoSetYuma3Enabled(1, true), alice)
    expect(outcome(y)).toBe('ok')
    expect((y.events as Loose[]).some((e: Loose) => events().adminUtils.Yuma3EnableToggled.is(e.event))).toBe(true)
    expect((await query().subtensorModule.yuma3On(1)).isTrue).toBe(true)
    await untilWindowOpen()
    expect(sudid(await submit(tx().sudo.sudo(tx().adminUtils.sudoSetYuma3Enabled(1, false)), alice))).toBe('ok')
    expect((await query().subtensorModule.yuma3On(1)).isTrue).toBe(false)
  })

  it('refuses admin setters in the last AdminFreezeWindow blocks before an epoch; sudo_set_tempo resets the cycle', async () => {
    const window = (await query().subtensorModule.adminFreezeWindow()).toNumber()
    expect(window).toBeGreaterThan(0)
    await untilWindowOpen(true) // the next block is within `window` blocks of the epoch
    const frozen = await submit(tx().sudo.sudo(tx().adminUtils.sudoSetTempo(1, 12)), alice)
    expect(sudid(frozen)).toBe('subtensorModule.AdminActionProhibitedDuringWeightsWindow')
    await untilWindowOpen()
    const r = await submit(tx().sudo.sudo(tx().adminUtils.sudoSetTempo(1, 12)), alice)
    expect(sudid(r)).toBe('ok')
    expect(r.events.some((e: Loose) => events().subtensorModule.TempoSet.is(e.event))).toBe(true)
    const block = net.devnet.bestNumber()
    expect((await query().subtensorModule.tempo(1)).toNumber()).toBe(12)
    expect(Number((await query().subtensorModule.lastEpochBlock(1)).toString())).toBe(block)
    expect(await net.runToEpochBlock(1)).toBe(block + 12)
    await untilWindowOpen()
    expect(sudid(await submit(tx().sudo.sudo(tx().adminUtils.sudoSetTempo(1, 10)), alice))).toBe('ok')
  })
})
