/**
 * Commit-reveal on the devnet with a stock client: v2 (hash) commit, too-early and mismatched
 * reveals, the reveal in the next epoch, expiry; v4 (timelocked) commit encrypted to the devnet
 * beacon and revealed by the chain itself at the reveal epoch.
 */
import type { KeyringPair } from '@polkadot/keyring/types'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsHex } from '@polkadot/util-crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { encrypt, verifyBeacon } from '../timelock/index.ts'
import { useDevnetWithApi, type Loose } from './testing.ts'

const net = useDevnetWithApi()
const { tx, query, events, submit, outcome, rpc, keyring } = net
let bob: KeyringPair
beforeAll(() => {
  bob = keyring.addFromUri('//Bob')
})

async function devnetRpc(method: string, params: unknown[] = []): Promise<unknown> {
  const body = await rpc(method, params)
  if (body.error !== undefined) throw new Error(body.error.message)
  return body.result
}

async function register(seed: string): Promise<{ hot: KeyringPair; uid: number }> {
  const hot = keyring.addFromUri(seed)
  expect(outcome(await submit(tx().subtensorModule.burnedRegister(1, hot.address), bob))).toBe('ok')
  const uid = (await query().subtensorModule.uids(1, hot.address)).unwrap().toNumber()
  // Past the commit rate limit (WeightsSetRateLimit blocks since registration).
  const limit = (await query().subtensorModule.weightsSetRateLimit(1)).toNumber()
  for (let i = 0; i < limit; i++) net.devnet.produceBlock()
  return { hot, uid }
}

const TEMPO = 10
/** The epoch index the next block has (`SubnetEpochIndex`, plus one when it runs the epoch). */
const epochNow = async (): Promise<number> => (await net.nextEpoch(1)).index
const runToEpoch = (e: number): Promise<void> => net.runToEpoch(e, 1)

describe('commit-reveal v2 (hash)', () => {
  it('commits, refuses early and mismatched reveals, accepts the reveal in the next epoch', async () => {
    expect((await query().subtensorModule.commitRevealWeightsEnabled(1)).isTrue).toBe(true)
    expect((await query().subtensorModule.tempo(1)).toNumber()).toBe(TEMPO)
    const { hot, uid } = await register('//Bob//v2')
    const uids = [uid]
    const values = [65535]
    const salt = [3, 1, 4, 1, 5]
    const versionKey = 0n
    // The chain's get_commit_hash: BlakeTwo256(SCALE((hotkey, netuid_index, uids, values, salt, version_key))).
    const hash = blake2AsHex(net.api.registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [hot.address, 1, uids, values, salt, versionKey]).toU8a(), 256)
    const commitEpoch = await epochNow()
    const c = await submit(tx().subtensorModule.commitWeights(1, hash), hot)
    expect(outcome(c)).toBe('ok')
    expect(c.events.some((e) => events().subtensorModule.WeightsCommitted.is(e.event))).toBe(true)
    const stored = (await query().subtensorModule.weightCommits(1, hot.address)).toJSON() as [string, number, number, number][]
    expect(stored[0]![0]).toBe(hash)
    expect(outcome(await submit(tx().subtensorModule.revealWeights(1, uids, values, salt, versionKey), hot))).toBe('subtensorModule.RevealTooEarly')
    await runToEpoch(commitEpoch + 1)
    expect(outcome(await submit(tx().subtensorModule.revealWeights(1, uids, values, [9, 9], versionKey), hot))).toBe('subtensorModule.InvalidRevealCommitHashNotMatch')
    const r = await submit(tx().subtensorModule.revealWeights(1, uids, values, salt, versionKey), hot)
    expect(outcome(r)).toBe('ok')
    expect(r.events.some((e) => events().subtensorModule.WeightsRevealed.is(e.event))).toBe(true)
    expect((await query().subtensorModule.weights(1, uid)).toJSON()).toEqual([[uid, 65535]])
    expect((await query().subtensorModule.weightCommits(1, hot.address)).isNone).toBe(true)
  })

  it('reports an expired commit', async () => {
    const { hot, uid } = await register('//Bob//v2-late')
    const hash = blake2AsHex(net.api.registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [hot.address, 1, [uid], [1], [7], 0]).toU8a(), 256)
    const commitEpoch = await epochNow()
    expect(outcome(await submit(tx().subtensorModule.commitWeights(1, hash), hot))).toBe('ok')
    await runToEpoch(commitEpoch + 2)
    expect(outcome(await submit(tx().subtensorModule.revealWeights(1, [uid], [1], [7], 0), hot))).toBe('subtensorModule.ExpiredWeightCommit')
  })
})

describe('commit-reveal v4 (timelocked)', () => {
  it('serves beacon pulses that verify against the devnet beacon key', async () => {
    net.devnet.produceBlock()
    const info = (await devnetRpc('devnet_drandInfo')) as { publicKey: string; lastStoredRound: string }
    expect(info.publicKey).toBe(net.devnet.beaconPublicKey)
    const round = BigInt(info.lastStoredRound)
    expect(round).toBeGreaterThan(0n)
    expect((await query().drand.lastStoredRound()).toBigInt()).toBe(round)
    const pulse = (await devnetRpc('devnet_drandPulse', [round.toString()])) as { signature: string }
    expect(verifyBeacon(round, hexToU8a(pulse.signature), hexToU8a(net.devnet.beaconPublicKey))).toBe(true)
    const stored = (await query().drand.pulses(round)).toJSON() as { signature: string } | null
    expect(stored?.signature).toBe(pulse.signature)
  })

  it('stores the commit, rejects a wrong version, and reveals it at the reveal epoch with the beacon', async () => {
    const { hot, uid } = await register('//Bob//v4')
    const round = (await query().drand.lastStoredRound()).toBigInt()
    const payload = net.api.registry.createType('(Bytes, Vec<u16>, Vec<u16>, u64)', [u8aToHex(hot.publicKey), [uid], [65535], 0]).toU8a()
    const commit = encrypt(payload, round, hexToU8a(net.devnet.beaconPublicKey))
    expect(outcome(await submit(tx().subtensorModule.commitTimelockedWeights(1, u8aToHex(commit), round, 3), hot))).toBe('subtensorModule.IncorrectCommitRevealVersion')
    const commitEpoch = await epochNow()
    const c = await submit(tx().subtensorModule.commitTimelockedWeights(1, u8aToHex(commit), round, 4), hot)
    expect(outcome(c)).toBe('ok')
    expect(c.events.some((e) => events().subtensorModule.TimelockedWeightsCommitted.is(e.event))).toBe(true)
    const q = (await query().subtensorModule.timelockedWeightCommits(1, commitEpoch)).toJSON() as [string, number, string, number][]
    expect(q.some((e) => e[0] === hot.address || e[0] === u8aToHex(hot.publicKey))).toBe(true)
    expect((await query().subtensorModule.weights(1, uid)).toJSON()).toEqual([])
    await runToEpoch(commitEpoch + 1)
    const b = net.devnet.produceBlock() // first block of the reveal epoch: the chain decrypts and applies
    const evs = await ((await net.api.at(b.hash)).query as Loose).system.events()
    expect(evs.some((e: Loose) => events().subtensorModule.TimelockedWeightsRevealed.is(e.event))).toBe(true)
    expect((await query().subtensorModule.weights(1, uid)).toJSON()).toEqual([[uid, 65535]])
    expect((await query().subtensorModule.timelockedWeightCommits(1, commitEpoch)).toJSON()).toEqual([])
  })

  it('a validator\'s v4 weights, revealed by the chain, drive the next epoch', async () => {
    const alice = keyring.addFromUri('//Alice')
    const { uid: minerUid } = await register('//Bob//v4-miner')
    net.devnet.produceBlock()
    const round = (await query().drand.lastStoredRound()).toBigInt()
    const payload = net.api.registry.createType('(Bytes, Vec<u16>, Vec<u16>, u64)', [u8aToHex(alice.publicKey), [minerUid], [65535], 0]).toU8a()
    const commitEpoch = await epochNow()
    expect(outcome(await submit(tx().subtensorModule.commitTimelockedWeights(1, u8aToHex(encrypt(payload, round, hexToU8a(net.devnet.beaconPublicKey))), round, 4), alice))).toBe('ok')
    expect((await query().subtensorModule.incentive(1)).map((x: Loose) => x.toNumber())[minerUid] ?? 0).toBe(0)
    await runToEpoch(commitEpoch + 1)
    net.devnet.produceBlock()
    expect((await query().subtensorModule.weights(1, 0)).toJSON()).toEqual([[minerUid, 65535]])
    // The epoch closing the reveal epoch runs Yuma on the revealed row.
    await runToEpoch(commitEpoch + 2)
    expect((await query().subtensorModule.incentive(1)).map((x: Loose) => x.toNumber())[minerUid]).toBeGreaterThan(0)
  })
})
