/**
 * A miner that joins after the validator's round started is challenged on its first presence
 * announcement, not a whole round later: here the round period is 10 minutes, so only the
 * presence wake-up can get the newcomer an answer within the test's time. Real devnet, relay,
 * headless validator and miner (random-answer solver: the model is not what is tested).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import { newPrivateKey, startRelay, type Relay } from '../p2p/node-entry.ts'
import { createChainClient, createKeyringSigner, type ChainClient } from '../wallet/index.ts'
import { createMiner, createRandomSolver, startHeadlessValidator, type HeadlessValidator, type Miner } from './node.ts'

const NETUID = 1
let devnet: Devnet
let relay: Relay
let client: ChainClient
let validator: HeadlessValidator
let miner: Miner | undefined
/** The returning miner's identity (second test), reused by the third. */
let returning: { hotkey: Awaited<ReturnType<typeof createKeyringSigner>>; privateKey: Uint8Array } | undefined

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 400 })
  relay = await startRelay({ port: 0, netuids: [NETUID] })
  client = await createChainClient({ endpoint: devnet.url })
  validator = await startHeadlessValidator({
    chainUrl: devnet.url, relayAddrs: relay.multiaddrs, netuid: NETUID, coldkeySuri: '//Alice', roundMs: 600_000,
    challenge: { words: 3, width: 256, height: 96, deadlineMs: 20_000 },
  })
}, 180_000)

afterAll(async () => {
  await miner?.stop()
  await validator?.stop()
  await client?.stop()
  await relay?.stop()
  await devnet?.stop()
})

describe('newcomers', () => {
  it('a miner joining between rounds is challenged on its first presence, not a round later', async () => {
    const roundsBefore = validator.state.round
    miner = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//newcomer'), relays: relay.multiaddrs, solver: createRandomSolver(), coldkey: await createKeyringSigner('//Bob') })
    await miner.start()
    const end = Date.now() + 90_000
    while (miner.state.counts.answered === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 300))
    expect(miner.state.counts.answered).toBeGreaterThanOrEqual(1)
    // The miner counts its answer when it sends it; the validator when the answer arrives.
    while ((validator.state.miners.find((m) => m.uid === miner!.state.uid)?.answered ?? 0) === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100))
    expect(validator.state.round).toBeGreaterThan(roundsBefore)
    expect(validator.state.miners.find((m) => m.uid === miner!.state.uid)?.answered).toBeGreaterThanOrEqual(1)
  }, 150_000)

  it('a known miner that comes back (same hotkey and peer key, as a returning tab) is challenged on its presence, not a round later', async () => {
    await miner?.stop()
    const hotkey = await createKeyringSigner('//Bob//returning')
    const privateKey = await newPrivateKey()
    returning = { hotkey, privateKey }
    const answeredBy = (uid: number | null): number => validator.state.miners.find((m) => m.uid === uid)?.answered ?? 0
    const until = async (ok: () => boolean, ms: number): Promise<void> => {
      const end = Date.now() + ms
      while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 300))
    }
    // First visit: a newcomer, answered.
    const first = createMiner({ client, netuid: NETUID, hotkey, relays: relay.multiaddrs, solver: createRandomSolver(), coldkey: await createKeyringSigner('//Bob'), privateKey })
    await first.start()
    await until(() => answeredBy(first.state.uid) >= 1, 90_000)
    const uid = first.state.uid
    expect(answeredBy(uid)).toBeGreaterThanOrEqual(1)
    await first.stop()
    const before = answeredBy(uid)
    // Second visit: the same identity; rounds are 10 minutes apart, so only its presence can get it a challenge now.
    miner = createMiner({ client, netuid: NETUID, hotkey, relays: relay.multiaddrs, solver: createRandomSolver(), privateKey })
    await miner.start()
    await until(() => miner!.state.counts.answered >= 1, 60_000)
    // The miner counts its answer when it sends it; the validator when the answer arrives.
    await until(() => answeredBy(uid) > before, 10_000)
    const row = validator.state.miners.find((m) => m.uid === uid)
    expect(miner.state.counts.answered, `validator's row: ${JSON.stringify(row)}`).toBeGreaterThanOrEqual(1)
    expect(answeredBy(uid)).toBeGreaterThan(before)
  }, 180_000)

  it('a returning miner is challenged at once even while a round waits on a miner that does not answer', async () => {
    // A miner whose solve never ends: its challenge holds the round until the deadline (20 s).
    let stuck = 0
    const random = createRandomSolver()
    const slow = createMiner({
      client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//stuck'), relays: relay.multiaddrs, coldkey: await createKeyringSigner('//Bob'),
      solver: { ...random, solve: (_c: unknown, o: { signal?: AbortSignal }) => { stuck++; return new Promise<never>((_r, reject) => { o.signal?.addEventListener('abort', () => reject(new Error('aborted'))) }) } } as typeof random,
    })
    const identity = returning!
    const uid = miner!.state.uid
    const answeredBy = (u: number | null): number => validator.state.miners.find((m) => m.uid === u)?.answered ?? 0
    try {
      await slow.start() // its presence starts a round, which then waits on it
      const end = Date.now() + 60_000
      while (stuck === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100))
      expect(stuck).toBeGreaterThanOrEqual(1)
      const round = validator.state.round
      await miner!.stop()
      const before = answeredBy(uid)
      miner = createMiner({ client, netuid: NETUID, hotkey: identity.hotkey, relays: relay.multiaddrs, solver: createRandomSolver(), privateKey: identity.privateKey })
      await miner.start()
      while (answeredBy(uid) <= before && Date.now() < end) await new Promise((r) => setTimeout(r, 100))
      expect(answeredBy(uid)).toBeGreaterThan(before)
      // Answered inside the round that waits on the stuck miner, not after it.
      expect(validator.state.round).toBe(round)
    } finally {
      await slow.stop()
    }
  }, 180_000)
})
