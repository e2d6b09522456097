/**
 * Mechanisms (sub-subnets) on the devnet, through a stock client with real signatures: the count
 * and the emission split (owner or root, with the chain's errors), weights per mechanism at the
 * storage index `netuid + mecid * 4096` (set, v2 commit/reveal, v4 timelocked), and the epoch over
 * two mechanisms: per-mechanism `Incentive`/`Bonds` and the subnet's aggregated terms equal what
 * src/consensus computes from the inputs a client reads.
 */
import type { KeyringPair } from '@polkadot/keyring/types'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsHex } from '@polkadot/util-crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { mechanismEpochInputs, runEpoch, runEpochWithMechanisms, type EpochInput, type SubnetEpochInput } from '../consensus/index.ts'
import { encrypt } from '../timelock/index.ts'
import { useDevnetWithApi, type Loose } from './testing.ts'

/** Every epoch input the devnet hands to its engine, by block (one per mechanism, in order). */
const inputs = new Map<number, EpochInput[]>()
const net = useDevnetWithApi({
  epoch: {
    name: 'recording CPU reference',
    run: (input) => {
      inputs.set(input.current_block, [...(inputs.get(input.current_block) ?? []), input])
      return runEpoch(input)
    },
  },
})
const { tx, query, events, submit, outcome, keyring } = net
const MECH1 = 1 + 4096 // storage index of subnet 1, mechanism 1
let alice: KeyringPair
let bob: KeyringPair
const miners: KeyringPair[] = []
const minerUids: number[] = []
beforeAll(() => {
  alice = keyring.addFromUri('//Alice')
  bob = keyring.addFromUri('//Bob')
})

const sudo = (inner: Loose): Promise<string> => net.sudo(inner)
const windowOpen = (): Promise<void> => net.untilAdminWindow(1)

const row = async (index: number, uid: number): Promise<[number, number][]> => (await query().subtensorModule.weights(index, uid)).toJSON() as [number, number][]

describe('mechanism count and emission split', () => {
  it('the owner sets the count (rate-limited); root too; the chain\'s errors for bad counts and origins', async () => {
    expect((await query().subtensorModule.mechanismCountCurrent(1)).toNumber()).toBe(1)
    expect((await query().subtensorModule.maxMechanismCount()).toNumber()).toBe(2)
    await windowOpen()
    expect(outcome(await submit(tx().adminUtils.sudoSetMechanismCount(1, 2), bob))).toBe('BadOrigin')
    expect(outcome(await submit(tx().adminUtils.sudoSetMechanismCount(1, 2), alice))).toBe('ok') // Alice owns subnet 1
    expect((await query().subtensorModule.mechanismCountCurrent(1)).toNumber()).toBe(2)
    await windowOpen()
    expect(outcome(await submit(tx().adminUtils.sudoSetMechanismCount(1, 1), alice))).toBe('subtensorModule.TxRateLimitExceeded')
    await windowOpen()
    expect(await sudo(tx().adminUtils.sudoSetMechanismCount(1, 3))).toBe('subtensorModule.InvalidValue') // above MaxMechanismCount
    await windowOpen()
    expect(await sudo(tx().adminUtils.sudoSetMechanismCount(1, 0))).toBe('subtensorModule.InvalidValue')
    expect(await sudo(tx().adminUtils.sudoSetMechanismCount(99, 1))).toBe('subtensorModule.MechanismDoesNotExist')
  })

  it('the split must name at most `count` mechanisms and sum to 65535; None resets it to even', async () => {
    await windowOpen()
    expect(await sudo(tx().adminUtils.sudoSetMechanismEmissionSplit(1, [1, 2]))).toBe('subtensorModule.InvalidValue')
    await windowOpen()
    expect(await sudo(tx().adminUtils.sudoSetMechanismEmissionSplit(1, [65535, 0, 0]))).toBe('subtensorModule.InvalidValue')
    await windowOpen()
    expect(await sudo(tx().adminUtils.sudoSetMechanismEmissionSplit(1, [30000, 35535]))).toBe('ok')
    expect((await query().subtensorModule.mechanismEmissionSplit(1)).toJSON()).toEqual([30000, 35535])
    await windowOpen()
    expect(await sudo(tx().adminUtils.sudoSetMechanismEmissionSplit(1, null))).toBe('ok')
    expect((await query().subtensorModule.mechanismEmissionSplit(1)).isNone).toBe(true)
  })
})

describe('weights per mechanism', () => {
  it('set_mechanism_weights writes Weights/LastUpdate at netuid + mecid·4096; a missing mechanism is refused', async () => {
    for (const seed of ['//Bob//m1', '//Bob//m2']) {
      const hot = keyring.addFromUri(seed)
      expect(outcome(await submit(tx().subtensorModule.burnedRegister(1, hot.address), bob))).toBe('ok')
      miners.push(hot)
      minerUids.push((await query().subtensorModule.uids(1, hot.address)).unwrap().toNumber())
    }
    // Registration fills every mechanism's LastUpdate and Incentive.
    expect(((await query().subtensorModule.lastUpdate(MECH1)).toJSON() as number[]).length).toBe(minerUids[1]! + 1)
    expect(outcome(await submit(tx().subtensorModule.setMechanismWeights(1, 1, [minerUids[1]], [65535], 0), alice))).toBe('subtensorModule.CommitRevealEnabled')
    net.devnet.setHyperparams(1, { CommitRevealWeightsEnabled: false, WeightsSetRateLimit: 0 })
    const r = await submit(tx().subtensorModule.setMechanismWeights(1, 1, [minerUids[1]], [65535], 0), alice)
    expect(outcome(r)).toBe('ok')
    // Pays::No, as set_weights.
    expect((r.events as Loose[]).some((e: Loose) => events().transactionPayment.TransactionFeePaid.is(e.event))).toBe(false)
    const set: Loose = (r.events as Loose[]).find((e: Loose) => events().subtensorModule.WeightsSet.is(e.event))
    expect(set.event.data[0].toNumber()).toBe(MECH1)
    expect(await row(MECH1, 0)).toEqual([[minerUids[1], 65535]])
    expect(await row(1, 0)).toEqual([])
    expect(Number(((await query().subtensorModule.lastUpdate(MECH1)).toJSON() as number[])[0])).toBe(net.devnet.bestNumber())
    expect(outcome(await submit(tx().subtensorModule.setMechanismWeights(1, 2, [minerUids[1]], [65535], 0), alice))).toBe('subtensorModule.MechanismDoesNotExist')
    expect(outcome(await submit(tx().subtensorModule.setWeights(1, minerUids, [65535, 10000], 0), alice))).toBe('ok')
    expect(await row(1, 0)).toEqual([[minerUids[0], 65535], [minerUids[1], 10000]])
  })

  it('the epoch over two mechanisms: per-mechanism Incentive/Bonds and the aggregated terms equal src/consensus', async () => {
    await windowOpen()
    expect(await sudo(tx().adminUtils.sudoSetMechanismEmissionSplit(1, [20000, 45535]))).toBe('ok')
    const epochBlock = await net.runToEpochBlock(1)
    const b = net.devnet.produceBlock()
    expect(b.number).toBe(epochBlock)
    const seen = inputs.get(epochBlock)!
    expect(seen.length).toBe(2)
    // Each mechanism's input is what a client reads at its storage index, with its emission share.
    const total = BigInt((await query().subtensorModule.tempo(1)).toNumber() + 1) * 1_000_000_000n
    const share1 = (total * 45535n) / 65535n
    const share0 = (total * 20000n) / 65535n
    expect([seen[0]!.rao_emission, seen[1]!.rao_emission]).toEqual([share0 + (total - share0 - share1), share1])
    expect(seen[1]!.weights[0]).toEqual([[minerUids[1], 65535]])
    expect(seen[0]!.weights[0]).toEqual([[minerUids[0], 65535], [minerUids[1], 10000]])
    // src/consensus's epoch_with_mechanisms on the subnet's input (the mechanisms' own rows, the
    // whole emission and the stored split) is what the chain would store.
    const { last_update: _l, weights: _w, bonds: _b, commit_blocks: _c, ...shared } = seen[0]!
    const subnet: SubnetEpochInput = {
      ...shared,
      rao_emission: total,
      mechanisms: seen.map((x) => ({ last_update: x.last_update, weights: x.weights, bonds: x.bonds })),
      mechanism_emission_split: (await query().subtensorModule.mechanismEmissionSplit(1)).toJSON() as number[],
    }
    expect(mechanismEpochInputs(subnet)).toEqual(seen)
    const expected = runEpochWithMechanisms(subnet)
    const post = ((await net.api.at(b.hash)).query as Loose).subtensorModule
    const n = seen[0]!.n
    for (const [m, index] of [[0, 1], [1, MECH1]] as const) {
      const out = expected.mechanisms[m]!.output
      expect(out).toEqual(runEpoch(seen[m]!))
      expect((await post.incentive(index)).map((x: Loose) => x.toNumber())).toEqual(out.incentive_u16)
      for (let uid = 0; uid < n; uid++) expect((await post.bonds(index, uid)).toJSON()).toEqual(out.bonds_u16[uid])
    }
    expect(expected.mechanisms[0]!.output.incentive_u16[minerUids[0]!]).toBeGreaterThan(0)
    expect(expected.mechanisms[1]!.output.incentive_u16[minerUids[0]!]).toBe(0)
    expect((await post.dividends(1)).map((x: Loose) => x.toNumber())).toEqual(expected.dividends_u16)
    expect((await post.emission(1)).map((x: Loose) => x.toBigInt())).toEqual(expected.emission)
    expect((await post.consensus(1)).map((x: Loose) => x.toNumber())).toEqual(expected.consensus_u16)
    expect((await post.validatorTrust(1)).map((x: Loose) => x.toNumber())).toEqual(expected.validator_trust_u16)
    expect((await post.stakeWeight(1)).map((x: Loose) => x.toNumber())).toEqual(expected.stake_weight_u16)
    expect((await post.validatorPermit(1)).map((x: Loose) => x.isTrue)).toEqual(expected.new_validator_permit)
    expect((await post.active(1)).map((x: Loose) => x.isTrue)).toEqual(expected.active)
    // The weighted aggregate differs from mechanism 0 alone (the test would not notice a missing aggregation otherwise).
    expect(expected.emission).not.toEqual(expected.mechanisms[0]!.output.emission)
  })

  it('v2 and v4 commits per mechanism: hashed with the storage index, stored and revealed there', async () => {
    net.devnet.setHyperparams(1, { CommitRevealWeightsEnabled: true, WeightsSetRateLimit: 0 })
    const uids = [minerUids[0]!]
    const values = [65535]
    const salt = [2, 7]
    const hash = blake2AsHex(net.api.registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [alice.address, MECH1, uids, values, salt, 0]).toU8a(), 256)
    const commitEpoch = (await net.nextEpoch(1)).index
    expect(outcome(await submit(tx().subtensorModule.commitMechanismWeights(1, 1, hash), alice))).toBe('ok')
    const stored = (await query().subtensorModule.weightCommits(MECH1, alice.address)).toJSON() as [string, number, number, number][]
    expect(stored).toEqual([[hash, commitEpoch, net.devnet.bestNumber(), 0]])
    expect((await query().subtensorModule.weightCommits(1, alice.address)).isNone).toBe(true)
    expect(outcome(await submit(tx().subtensorModule.revealMechanismWeights(1, 1, uids, values, salt, 0), alice))).toBe('subtensorModule.RevealTooEarly')
    await net.runToEpoch(commitEpoch + 1)
    expect(outcome(await submit(tx().subtensorModule.revealWeights(1, uids, values, salt, 0), alice))).toBe('subtensorModule.NoWeightsCommitFound')
    expect(outcome(await submit(tx().subtensorModule.revealMechanismWeights(1, 1, uids, values, salt, 0), alice))).toBe('ok')
    expect(await row(MECH1, 0)).toEqual([[minerUids[0], 65535]])

    // v4: encrypted to a round the devnet beacon has signed; revealed by the chain at the reveal epoch.
    net.devnet.produceBlock()
    const round = (await query().drand.lastStoredRound()).toBigInt()
    const payload = net.api.registry.createType('(Bytes, Vec<u16>, Vec<u16>, u64)', [u8aToHex(alice.publicKey), [minerUids[1]], [65535], 0]).toU8a()
    const epoch4 = (await net.nextEpoch(1)).index
    const c = await submit(tx().subtensorModule.commitTimelockedMechanismWeights(1, 1, u8aToHex(encrypt(payload, round, hexToU8a(net.devnet.beaconPublicKey))), round, 4), alice)
    expect(outcome(c)).toBe('ok')
    expect(((await query().subtensorModule.timelockedWeightCommits(MECH1, epoch4)).toJSON() as unknown[]).length).toBe(1)
    await net.runToEpoch(epoch4 + 1)
    const b = net.devnet.produceBlock()
    const evs = await ((await net.api.at(b.hash)).query as Loose).system.events()
    const revealed = evs.find((e: Loose) => events().subtensorModule.TimelockedWeightsRevealed.is(e.event))
    expect(revealed.event.data[0].toNumber()).toBe(MECH1)
    expect(await row(MECH1, 0)).toEqual([[minerUids[1], 65535]])
  })

  it('lowering the count clears the dropped mechanism\'s storage and the split', async () => {
    await windowOpen()
    expect(await sudo(tx().adminUtils.sudoSetMechanismCount(1, 1))).toBe('ok')
    expect(await row(MECH1, 0)).toEqual([])
    expect(((await query().subtensorModule.incentive(MECH1)).toJSON() as number[]).length).toBe(0)
    expect(((await query().subtensorModule.lastUpdate(MECH1)).toJSON() as number[]).length).toBe(0)
    expect((await query().subtensorModule.mechanismEmissionSplit(1)).isNone).toBe(true)
    expect(outcome(await submit(tx().subtensorModule.commitMechanismWeights(1, 1, blake2AsHex('x', 256)), alice))).toBe('subtensorModule.MechanismDoesNotExist')
  })
})
