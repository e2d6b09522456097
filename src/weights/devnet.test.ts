/**
 * The weight flows end to end on the devnet (a real JSON-RPC server producing blocks on a timer):
 * v2 commit → reveal in its epoch → weights in storage → the epoch uses them; v4 commit → the
 * chain reveals it at the round with its beacon → weights in storage → the epoch uses them;
 * set_weights with the rate limit; and the rejection paths, both before signing and by the chain.
 */
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import { calls, createChainClient, createMemoryMetadataCache, keySignerFromPair, type ChainClient } from '../wallet/index.ts'
import { decrypt, encrypt } from '../timelock/index.ts'
import { WeightsError, commitTimelockedWeights, commitWeights, createMemoryCommitStore, epochAt, readSubnetWeightState, readWeightsRow, revealWeights, setWeights, weightsStatus, type PendingCommit, type PendingCommitStore, type WeightsAccount } from './index.ts'
import { decodeTlockPayload } from './commit.ts'
import { submit, waitForBlock } from './chain.ts'

const NETUID = 1
let devnet: Devnet
let client: ChainClient
let store: PendingCommitStore
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
let alice: WeightsAccount // subnet owner: registered at genesis with a validator permit and stake
let bob: KeyringPair
const miners: number[] = []

const account = (pair: KeyringPair): WeightsAccount => keySignerFromPair(pair)

async function codeOf(p: Promise<unknown>): Promise<{ code: string; chainError: string | undefined }> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError)
    return { code: (e as WeightsError).code, chainError: (e as WeightsError).chainError }
  }
  throw new Error('expected a WeightsError')
}

async function best(): Promise<number> {
  return Number(await client.bestBlock())
}

async function register(seed: string): Promise<{ pair: KeyringPair; uid: number }> {
  const pair = keyring.addFromUri(seed)
  devnet.faucet(pair.address, 10n * 1_000_000_000n)
  await submit(client, calls.burnedRegister(NETUID, pair.address), account(bob), 'burned_register')
  const uid = Number((await client.readStorage('SubtensorModule', 'Uids', [NETUID, pair.address])).toJSON())
  return { pair, uid }
}

/** Waits until `uid` has a non-zero incentive: an epoch ran on the weights we set. */
async function waitForIncentive(uid: number, maxBlocks: number): Promise<number> {
  const start = await best()
  for (;;) {
    const inc = (await client.readStorage('SubtensorModule', 'Incentive', [NETUID])).toJSON() as number[]
    if ((inc[uid] ?? 0) > 0) return inc[uid]!
    const now = await best()
    if (now - start > maxBlocks) return 0
    await waitForBlock(client, now + 1)
  }
}

/** Waits until the state's next block is in epoch `e`. */
async function waitForEpoch(e: number): Promise<void> {
  for (;;) {
    const s = await readSubnetWeightState(client, NETUID, alice.address)
    if (epochAt(s, s.block + 1) >= e) return
    await waitForBlock(client, s.block + 1)
  }
}

/** Waits until the next block is the first of an epoch, so a commit has a whole epoch before its window. */
async function waitForEpochStart(): Promise<void> {
  let s = await readSubnetWeightState(client, NETUID, alice.address)
  const e = epochAt(s, s.block + 1)
  while (epochAt(s, s.block + 1) === e) {
    await waitForBlock(client, s.block + 1)
    s = await readSubnetWeightState(client, NETUID, alice.address)
  }
}

/** Waits until a v2 commit's reveal window has passed (block window or epoch, whichever the chain keeps). */
async function waitPastWindow(c: PendingCommit): Promise<void> {
  if (c.revealUntilBlock !== undefined) await waitForBlock(client, c.revealUntilBlock + 1)
  else await waitForEpoch(c.revealEpoch + 1)
}

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 400 })
  client = await createChainClient({ endpoint: devnet.url, metadataCache: createMemoryMetadataCache() })
  store = createMemoryCommitStore()
  alice = account(keyring.addFromUri('//Alice'))
  bob = keyring.addFromUri('//Bob')
  for (const seed of ['//Bob//m1', '//Bob//m2']) miners.push((await register(seed)).uid)
}, 120_000)

afterAll(async () => {
  await client?.stop()
  await devnet?.stop()
  await store?.close()
})

describe('weights on the devnet', () => {
  it('reads the subnet state: commit-reveal on, Alice registered with a permit', async () => {
    const s = await readSubnetWeightState(client, NETUID, alice.address)
    expect(s.commitRevealEnabled).toBe(true)
    expect(s.uid).toBe(0)
    expect(s.validatorPermit).toBe(true)
    expect(s.commitRevealVersion).toBe(4)
    expect(s.n).toBeGreaterThanOrEqual(3)
    expect(s.genesisHash).toBe(devnet.genesisHash)
  })

  it('v2: commit → early reveal refused → reveal in the window → weights stored → the epoch uses them', async () => {
    const [m1, m2] = [miners[0]!, miners[1]!]
    await waitForEpochStart()
    const c = await commitWeights(client, alice, { netuid: NETUID, uids: [m1, m2], scores: [1, 0.25] }, store)
    expect(c.commit.kind).toBe('v2')
    expect(c.commit.values).toEqual([65535, 16384])
    expect(await store.get(c.commit.id)).toMatchObject({ status: 'pending', salt: c.commit.salt })
    const onChain = (await client.readStorage('SubtensorModule', 'WeightCommits', [NETUID, alice.address])).toJSON() as [string, number, number, number][]
    expect(onChain.map((x) => x[0])).toContain(c.commit.id)

    // too early: through the flow (reported, kept) and straight to the chain (RevealTooEarly)
    const early = await revealWeights(client, alice, store)
    expect(early.map((o) => o.outcome)).toEqual(['waiting'])
    const raw = calls.namedCall('SubtensorModule', 'reveal_weights', [NETUID, c.commit.uids, c.commit.values, c.commit.salt, 0n])
    expect(await codeOf(submit(client, raw, alice, 'reveal_weights'))).toEqual({ code: 'REVEAL_TOO_EARLY', chainError: 'SubtensorModule.RevealTooEarly' })

    const status = await weightsStatus(client, alice.address, store)
    expect(status.map((l) => l.state)).toEqual(['waiting'])

    const done = await revealWeights(client, alice, store, { wait: true })
    expect(done.map((o) => o.outcome)).toEqual(['revealed'])
    expect((await store.get(c.commit.id))?.status).toBe('revealed')
    expect(await readWeightsRow(client, NETUID, 0)).toEqual([[m1, 65535], [m2, 16384]])
    expect(await waitForIncentive(m1, 40)).toBeGreaterThan(0)
  }, 120_000)

  it('v2: an expired commit is reported and kept, not dropped', async () => {
    const c = await commitWeights(client, alice, { netuid: NETUID, uids: [miners[1]!], scores: [1] }, store)
    await waitPastWindow(c.commit)
    const out = await revealWeights(client, alice, store)
    expect(out.find((o) => o.commit.id === c.commit.id)?.outcome).toBe('expired')
    const kept = await store.get(c.commit.id)
    expect(kept?.status).toBe('expired')
    expect(kept?.note).toMatch(/reveal window/)
    const status = await weightsStatus(client, alice.address, store)
    expect(status.find((l) => l.commit.id === c.commit.id)?.state).toBe('expired')
    // and the chain agrees: revealing it now is ExpiredWeightCommit
    const raw = calls.namedCall('SubtensorModule', 'reveal_weights', [NETUID, c.commit.uids, c.commit.values, c.commit.salt, 0n])
    expect((await codeOf(submit(client, raw, alice, 'reveal_weights'))).code).toBe('COMMIT_EXPIRED')
  }, 120_000)

  it('v4: commit encrypted to the reveal round → the chain reveals it with its beacon → weights stored → the epoch uses them', async () => {
    const [m1, m2] = [miners[0]!, miners[1]!]
    // the flow encrypts to the chain's Drand.BeaconConfig key: the devnet's own beacon here, quicknet on finney
    const s = await readSubnetWeightState(client, NETUID, alice.address)
    expect(u8aToHex(s.beacon.publicKey)).toBe(devnet.beaconPublicKey)
    const c = await commitTimelockedWeights(client, alice, { netuid: NETUID, uids: [m1, m2], scores: [0.5, 1] }, store)
    expect(c.commit.kind).toBe('v4')
    expect(c.commitBytes.length).toBe(244 + 33 + 1 + 4 + 1 + 4 + 8)
    // what the chain stores is our commit, encrypted to our round
    const epochs = [c.commit.commitEpoch - 1, c.commit.commitEpoch, c.commit.commitEpoch + 1]
    const stored = (await Promise.all(epochs.map(async (e) => (await client.readStorage('SubtensorModule', 'TimelockedWeightCommits', [NETUID, e])).toJSON() as [string, number, string, number][]))).flat()
    const mine = stored.find((x) => x[2] === u8aToHex(c.commitBytes))
    expect(mine?.[3]).toBe(Number(c.revealRound))

    // wait for the reveal epoch to pass, then the pulse for our round opens our commit
    await waitForEpoch(c.commit.revealEpoch + 1)
    expect(await readWeightsRow(client, NETUID, 0)).toEqual([[m1, 32768], [m2, 65535]])
    const pulse = (await client.rpc('devnet_drandPulse', [c.revealRound.toString()])) as { signature: string }
    expect(decodeTlockPayload(decrypt(c.commitBytes, hexToU8a(pulse.signature)))).toMatchObject({ uids: [m1, m2], values: [32768, 65535] })
    const out = await revealWeights(client, alice, store)
    expect(out.find((o) => o.commit.id === c.commit.id)?.outcome).toBe('revealed')
    expect(await waitForIncentive(m2, 40)).toBeGreaterThan(0)
  }, 120_000)

  it('rejects before signing: unregistered hotkey, low version key, oversized commit, wrong kind of call', async () => {
    const stranger = account(keyring.addFromUri('//Stranger'))
    expect((await codeOf(commitWeights(client, stranger, { netuid: NETUID, uids: [0], scores: [1] }, store))).code).toBe('NOT_REGISTERED')
    expect((await codeOf(commitTimelockedWeights(client, stranger, { netuid: NETUID, uids: [0], scores: [1] }, store))).code).toBe('NOT_REGISTERED')
    expect((await codeOf(setWeights(client, alice, { netuid: NETUID, uids: [miners[0]!], scores: [1] }))).code).toBe('COMMIT_REVEAL_ENABLED')
    devnet.setHyperparams(NETUID, { WeightsVersionKey: 5 })
    try {
      expect((await codeOf(commitWeights(client, alice, { netuid: NETUID, uids: [miners[0]!], scores: [1], versionKey: 4n }, store))).code).toBe('VERSION_KEY_TOO_LOW')
    } finally {
      devnet.setHyperparams(NETUID, { WeightsVersionKey: 0 })
    }
    const big = [...Array(1178).keys()]
    expect((await codeOf(commitTimelockedWeights(client, alice, { netuid: NETUID, uids: big, values: big.map(() => 1) }, store, { beaconPublicKey: hexToU8a(devnet.beaconPublicKey) }))).code).toMatch(/TOO_MANY_UIDS|COMMIT_TOO_LARGE/)
  }, 60_000)

  it('the chain itself refuses: non-registered committer, wrong version key at reveal, wrong commit-reveal version', async () => {
    const stranger = keyring.addFromUri('//Stranger2')
    devnet.faucet(stranger.address, 1_000_000_000n)
    const hash = u8aToHex(new Uint8Array(32).fill(1))
    expect(await codeOf(submit(client, calls.namedCall('SubtensorModule', 'commit_weights', [NETUID, hash]), account(stranger), 'commit_weights'))).toEqual({ code: 'NOT_REGISTERED', chainError: 'SubtensorModule.HotKeyNotRegisteredInSubNet' })

    // a commit made with version key 1; the subnet then requires 5: the reveal is refused
    const c = await commitWeights(client, alice, { netuid: NETUID, uids: [miners[0]!], scores: [1], versionKey: 1n }, store)
    devnet.setHyperparams(NETUID, { WeightsVersionKey: 5 })
    try {
      const out = await revealWeights(client, alice, store, { wait: true })
      const mine = out.find((o) => o.commit.id === c.commit.id)
      expect(mine?.outcome).toBe('failed')
      expect(mine?.commit.note).toMatch(/IncorrectWeightVersionKey/)
    } finally {
      devnet.setHyperparams(NETUID, { WeightsVersionKey: 0 })
    }

    const beacon = hexToU8a(devnet.beaconPublicKey)
    const round = BigInt((await client.readStorage('Drand', 'LastStoredRound')).toString()) + 2n
    const small = encrypt(new Uint8Array(10), round, beacon)
    expect(await codeOf(submit(client, calls.namedCall('SubtensorModule', 'commit_timelocked_weights', [NETUID, u8aToHex(small), round, 3]), alice, 'commit_timelocked_weights'))).toEqual({ code: 'CHAIN_REJECTED', chainError: 'SubtensorModule.IncorrectCommitRevealVersion' })
    // An oversized (5001-byte) commit is refused before signing (previous test); the devnet does not
    // yet enforce BoundedVec<u8, 5000> on decode, so the chain-side refusal is not asserted here.
  }, 120_000)

  it('set_weights with commit-reveal off honours WeightsSetRateLimit', async () => {
    devnet.setHyperparams(NETUID, { CommitRevealWeightsEnabled: false, WeightsSetRateLimit: 4 })
    try {
      const first = await setWeights(client, alice, { netuid: NETUID, uids: [miners[0]!, miners[1]!], scores: [1, 1] }, { waitForRateLimit: true })
      expect(await readWeightsRow(client, NETUID, 0)).toEqual([[miners[0]!, 65535], [miners[1]!, 65535]])
      expect((await codeOf(setWeights(client, alice, { netuid: NETUID, uids: [miners[0]!], scores: [1] }))).code).toBe('RATE_LIMITED')
      const second = await setWeights(client, alice, { netuid: NETUID, uids: [miners[0]!], scores: [1] }, { waitForRateLimit: true })
      expect(second.blockNumber - first.blockNumber).toBeGreaterThanOrEqual(4)
      expect(await readWeightsRow(client, NETUID, 0)).toEqual([[miners[0]!, 65535]])
      expect((await codeOf(commitWeights(client, alice, { netuid: NETUID, uids: [miners[0]!], scores: [1] }, store))).code).toBe('COMMIT_REVEAL_DISABLED')
    } finally {
      devnet.setHyperparams(NETUID, { CommitRevealWeightsEnabled: true, WeightsSetRateLimit: 2 })
    }
  }, 120_000)
})
