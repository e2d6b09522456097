/**
 * Commit-reveal on the devnet with a stock client: v2 (hash) commit, too-early and mismatched
 * reveals, the reveal in the next epoch, expiry; v4 (timelocked) commit encrypted to the devnet
 * beacon and revealed by the chain itself at the reveal epoch.
 */
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { ISubmittableResult } from '@polkadot/types/types'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsHex } from '@polkadot/util-crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encrypt, verifyBeacon } from '../timelock/index.ts'
import { epochOf, startDevnet, type Devnet } from './index.ts'

let devnet: Devnet
let api: ApiPromise
/**
 * The stock client is used without any type augmentation for subtensor's pallets (on purpose: no
 * project types between client and devnet), so its subtensor sections are untyped here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any
const tx = (): Loose => api.tx
const query = (): Loose => api.query
const events = (): Loose => api.events
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
let bob: KeyringPair

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
  api = await ApiPromise.create({ provider: new WsProvider(devnet.url), noInitWarn: true })
  bob = keyring.addFromUri('//Bob')
})

afterAll(async () => {
  await api?.disconnect()
  await devnet?.stop()
})

function submit(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<ISubmittableResult> {
  return new Promise((resolve, reject) => {
    let produced = false
    tx.signAndSend(signer, (r: ISubmittableResult) => {
      if ((r.status.isReady || r.status.isFuture) && !produced) {
        produced = true
        setTimeout(() => devnet.produceBlock(), 0)
      }
      if (r.status.isInBlock) resolve(r)
      if (r.status.isInvalid || r.status.isDropped) reject(new Error(`transaction ${r.status.type}`))
    }).catch(reject)
  })
}

async function devnetRpc(method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  const body = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (body.error !== undefined) throw new Error(body.error.message)
  return body.result
}

function outcome(r: ISubmittableResult): string {
  if (r.dispatchError === undefined) return 'ok'
  if (r.dispatchError.isModule) {
    const m = api.registry.findMetaError(r.dispatchError.asModule)
    return `${m.section}.${m.name}`
  }
  return r.dispatchError.type
}

async function register(seed: string): Promise<{ hot: KeyringPair; uid: number }> {
  const hot = keyring.addFromUri(seed)
  expect(outcome(await submit(tx().subtensorModule.burnedRegister(1, hot.address), bob))).toBe('ok')
  const uid = (await query().subtensorModule.uids(1, hot.address)).unwrap().toNumber()
  // Past the commit rate limit (WeightsSetRateLimit blocks since registration).
  const limit = (await query().subtensorModule.weightsSetRateLimit(1)).toNumber()
  for (let i = 0; i < limit; i++) devnet.produceBlock()
  return { hot, uid }
}

const TEMPO = 10
const epochNow = (): number => epochOf(devnet.bestNumber() + 1, 1, TEMPO)
function runToEpoch(e: number): void {
  while (epochOf(devnet.bestNumber() + 1, 1, TEMPO) < e) devnet.produceBlock()
}

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
    const hash = blake2AsHex(api.registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [hot.address, 1, uids, values, salt, versionKey]).toU8a(), 256)
    const commitEpoch = epochNow()
    const c = await submit(tx().subtensorModule.commitWeights(1, hash), hot)
    expect(outcome(c)).toBe('ok')
    expect(c.events.some((e) => events().subtensorModule.WeightsCommitted.is(e.event))).toBe(true)
    const stored = (await query().subtensorModule.weightCommits(1, hot.address)).toJSON() as [string, number, number, number][]
    expect(stored[0]![0]).toBe(hash)
    expect(outcome(await submit(tx().subtensorModule.revealWeights(1, uids, values, salt, versionKey), hot))).toBe('subtensorModule.RevealTooEarly')
    runToEpoch(commitEpoch + 1)
    expect(outcome(await submit(tx().subtensorModule.revealWeights(1, uids, values, [9, 9], versionKey), hot))).toBe('subtensorModule.InvalidRevealCommitHashNotMatch')
    const r = await submit(tx().subtensorModule.revealWeights(1, uids, values, salt, versionKey), hot)
    expect(outcome(r)).toBe('ok')
    expect(r.events.some((e) => events().subtensorModule.WeightsRevealed.is(e.event))).toBe(true)
    expect((await query().subtensorModule.weights(1, uid)).toJSON()).toEqual([[uid, 65535]])
    expect((await query().subtensorModule.weightCommits(1, hot.address)).isNone).toBe(true)
  })

  it('reports an expired commit', async () => {
    const { hot, uid } = await register('//Bob//v2-late')
    const hash = blake2AsHex(api.registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [hot.address, 1, [uid], [1], [7], 0]).toU8a(), 256)
    const commitEpoch = epochNow()
    expect(outcome(await submit(tx().subtensorModule.commitWeights(1, hash), hot))).toBe('ok')
    runToEpoch(commitEpoch + 2)
    expect(outcome(await submit(tx().subtensorModule.revealWeights(1, [uid], [1], [7], 0), hot))).toBe('subtensorModule.ExpiredWeightCommit')
  })
})

describe('commit-reveal v4 (timelocked)', () => {
  it('serves beacon pulses that verify against the devnet beacon key', async () => {
    devnet.produceBlock()
    const info = (await devnetRpc('devnet_drandInfo')) as { publicKey: string; lastStoredRound: string }
    expect(info.publicKey).toBe(devnet.beaconPublicKey)
    const round = BigInt(info.lastStoredRound)
    expect(round).toBeGreaterThan(0n)
    expect((await query().drand.lastStoredRound()).toBigInt()).toBe(round)
    const pulse = (await devnetRpc('devnet_drandPulse', [round.toString()])) as { signature: string }
    expect(verifyBeacon(round, hexToU8a(pulse.signature), hexToU8a(devnet.beaconPublicKey))).toBe(true)
    const stored = (await query().drand.pulses(round)).toJSON() as { signature: string } | null
    expect(stored?.signature).toBe(pulse.signature)
  })

  it('stores the commit, rejects a wrong version, and reveals it at the reveal epoch with the beacon', async () => {
    const { hot, uid } = await register('//Bob//v4')
    const round = (await query().drand.lastStoredRound()).toBigInt()
    const payload = api.registry.createType('(Bytes, Vec<u16>, Vec<u16>, u64)', [u8aToHex(hot.publicKey), [uid], [65535], 0]).toU8a()
    const commit = encrypt(payload, round, hexToU8a(devnet.beaconPublicKey))
    expect(outcome(await submit(tx().subtensorModule.commitTimelockedWeights(1, u8aToHex(commit), round, 3), hot))).toBe('subtensorModule.IncorrectCommitRevealVersion')
    const commitEpoch = epochNow()
    const c = await submit(tx().subtensorModule.commitTimelockedWeights(1, u8aToHex(commit), round, 4), hot)
    expect(outcome(c)).toBe('ok')
    expect(c.events.some((e) => events().subtensorModule.TimelockedWeightsCommitted.is(e.event))).toBe(true)
    const q = (await query().subtensorModule.timelockedWeightCommits(1, commitEpoch)).toJSON() as [string, number, string, number][]
    expect(q.some((e) => e[0] === hot.address || e[0] === u8aToHex(hot.publicKey))).toBe(true)
    expect((await query().subtensorModule.weights(1, uid)).toJSON()).toEqual([])
    runToEpoch(commitEpoch + 1)
    const b = devnet.produceBlock() // first block of the reveal epoch: the chain decrypts and applies
    const evs = await ((await api.at(b.hash)).query as Loose).system.events()
    expect(evs.some((e: Loose) => events().subtensorModule.TimelockedWeightsRevealed.is(e.event))).toBe(true)
    expect((await query().subtensorModule.weights(1, uid)).toJSON()).toEqual([[uid, 65535]])
    expect((await query().subtensorModule.timelockedWeightCommits(1, commitEpoch)).toJSON()).toEqual([])
  })

  it('a validator\'s v4 weights, revealed by the chain, drive the next epoch', async () => {
    const alice = keyring.addFromUri('//Alice')
    const { uid: minerUid } = await register('//Bob//v4-miner')
    devnet.produceBlock()
    const round = (await query().drand.lastStoredRound()).toBigInt()
    const payload = api.registry.createType('(Bytes, Vec<u16>, Vec<u16>, u64)', [u8aToHex(alice.publicKey), [minerUid], [65535], 0]).toU8a()
    const commitEpoch = epochNow()
    expect(outcome(await submit(tx().subtensorModule.commitTimelockedWeights(1, u8aToHex(encrypt(payload, round, hexToU8a(devnet.beaconPublicKey))), round, 4), alice))).toBe('ok')
    expect((await query().subtensorModule.incentive(1)).map((x: Loose) => x.toNumber())[minerUid] ?? 0).toBe(0)
    runToEpoch(commitEpoch + 1)
    devnet.produceBlock()
    expect((await query().subtensorModule.weights(1, 0)).toJSON()).toEqual([[minerUid, 65535]])
    // The epoch closing the reveal epoch runs Yuma on the revealed row.
    runToEpoch(commitEpoch + 2)
    expect((await query().subtensorModule.incentive(1)).map((x: Loose) => x.toNumber())[minerUid]).toBeGreaterThan(0)
  })
})
