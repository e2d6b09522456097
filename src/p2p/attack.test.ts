/**
 * The mesh under attack (issue 14): a relay that reads the chain (an in-memory StaticMetagraph
 * standing in for the chain client) and real libp2p peers on loopback, some of them hostile:
 * raw libp2p nodes that never show a binding, unregistered hotkeys, a hotkey that returns with a
 * new peer id, validators of unequal stake, junk presence gossip.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createMeshNode, newChallengeId, sendChallenge, serveChallenges, startRelay, CHALLENGE_PROTOCOL, type MeshNode, type Relay, type ChallengeServer } from './node-entry.ts'
import { createMeshLibp2p, isRelayed, parseMultiaddr, readFrame, type MeshLibp2p } from './libp2p.ts'
import { encodeFrame } from './frame.ts'
import { presenceTopic } from './node.ts'
import { encodePresence, decodeResponse } from './messages.ts'
import { presenceMessage } from './binding.ts'
import { devHotkey, StaticMetagraph } from './test-fixtures.ts'
import type { MeshLimits } from './limits.ts'

const NETUID = 9
const enc = new TextEncoder()
const keys = {
  big: devHotkey('//Alice'), // validator, stake 3
  small: devHotkey('//Bob'), // validator, stake 1
  miner: devHotkey('//Charlie'),
  rogue: devHotkey('//Dave'), // validator permit, misbehaves
  outsider: devHotkey('//Eve'), // not registered
  flooder: devHotkey('//Ferdie'), // registered miner, floods presence
}
const chain = new StaticMetagraph(NETUID)
  .add(keys.big.address, true).add(keys.small.address, true).add(keys.rogue.address, true)
  .add(keys.miner.address).add(keys.flooder.address)
chain.stakes.set(keys.big.address, 3)
chain.stakes.set(keys.small.address, 1)
chain.stakes.set(keys.rogue.address, 0.0001)

const BIND_MS = 1_500
const FAST: Partial<MeshLimits> = { bindTimeoutMs: BIND_MS }
const challenge = (ms = 20_000) => ({ id: newChallengeId(), task: 'echo', payload: enc.encode('x'), deadline: Date.now() + ms })
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('the mesh under attack', () => {
  let relay: Relay
  const nodes: MeshNode[] = []
  const raws: MeshLibp2p[] = []
  const servers: ChallengeServer[] = []

  const node = async (signer: typeof keys.miner, limits: Partial<MeshLimits> = {}, extra: { listen?: string[] } = {}) => {
    const n = await createMeshNode({ signer, netuid: NETUID, chain, relays: relay.multiaddrs, limits: { ...FAST, ...limits }, ...extra })
    nodes.push(n)
    return n
  }
  /** A bare libp2p peer with a fresh id that never shows a binding. */
  const raw = async (relays = relay.multiaddrs, listen: string[] = ['/p2p-circuit']) => {
    const r = await createMeshLibp2p({ relays, listen, appScore: () => 0, isBanned: () => false, topics: [presenceTopic(NETUID)] })
    raws.push(r)
    await r.start()
    return r
  }

  beforeAll(async () => {
    relay = await startRelay({ port: 0, netuids: [NETUID], chain, bindTimeoutMs: BIND_MS, maxReservationsPerHotkey: 2, sweepMs: 250 })
  })
  // Each test starts from an empty relay: its peers leave, and the sweep drops their reservations.
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop().catch(() => {})
    await Promise.all([...nodes.splice(0).map((n) => n.stop()), ...raws.splice(0).map((r) => r.stop())])
    await expect.poll(() => relay.stats().reservations, { timeout: 5_000 }).toBe(0)
  })
  afterAll(async () => {
    await relay?.stop()
  })

  it('finding 1: fresh ids without a binding, and unregistered hotkeys, get no reservation; relayed connections are limited', async () => {
    const flood = await Promise.all(Array.from({ length: 6 }, () => raw()))
    const outsider = await node(keys.outsider)
    const miner = await node(keys.miner)
    await miner.waitForReservation({ signal: AbortSignal.timeout(20_000) })
    await sleep(BIND_MS * 2)
    for (const r of flood) expect(r.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))).toBe(false)
    expect(outsider.multiaddrs().some((a) => a.includes('/p2p-circuit'))).toBe(false)
    const stats = relay.stats()
    expect(stats.unboundReservations).toBe(0)
    expect(stats.reservations).toBe(1) // the miner's
    expect(stats.refusedReservations).toBeGreaterThan(0)
    // An idle connection of a peer that shows no binding is closed past the limit.
    const idle = await raw([], [])
    const conn = await idle.dial(parseMultiaddr(relay.multiaddrs[0]!))
    expect(conn.status).toBe('open')
    await expect.poll(() => conn.status, { timeout: BIND_MS * 6, interval: 100 }).not.toBe('open')
    // A bound validator reaches the miner over a relayed connection with data and time limits.
    const v = await node(keys.big)
    servers.push(await serveChallenges(miner, async () => enc.encode('ok')))
    const r = await sendChallenge(v, miner.peerId, challenge())
    expect(r.verified).toBe(true)
    const relayed = v.connectionTo(miner.peerId, 'relay')!
    expect(isRelayed(relayed)).toBe(true)
    expect(relayed.limits?.bytes).toBeGreaterThan(0n)
    expect(relayed.limits?.seconds).toBeGreaterThan(0)
  })

  it('finding 1: one hotkey holds at most its cap of reservations, whatever its number of peer ids', async () => {
    const sybils = await Promise.all(Array.from({ length: 4 }, () => node(keys.flooder)))
    await sleep(BIND_MS * 2.5)
    const reserved = sybils.filter((n) => n.multiaddrs().some((a) => a.includes('/p2p-circuit'))).length
    expect(reserved).toBe(2)
    await Promise.all(sybils.map((n) => n.stop()))
  })

  it('finding 2: a connection that shows no binding is closed within the limit; unidentified peers cannot crowd out a validator', async () => {
    const miner = await node(keys.miner, { maxUnboundPeers: 4 }, { listen: ['/ip4/127.0.0.1/tcp/0/ws', '/p2p-circuit'] })
    servers.push(await serveChallenges(miner, async () => enc.encode('ok')))
    const direct = miner.multiaddrs().find((a) => a.includes('/ws/') && !a.includes('p2p-circuit'))!
    // Ten idle peers with fresh ids dial the miner directly, all from 127.0.0.1.
    const idle = await Promise.all(Array.from({ length: 10 }, () => raw([], [])))
    await Promise.all(idle.map((r) => r.dial(parseMultiaddr(direct), { signal: AbortSignal.timeout(5_000) }).catch(() => {})))
    const unboundAtMiner = () => new Set(miner.libp2p.getConnections().map((c) => c.remotePeer.toString()).filter((p) => miner.hotkeyOf(p) === undefined && !relay.multiaddrs[0]!.endsWith(p))).size
    // At most maxUnboundPeers of them are let in.
    expect(unboundAtMiner()).toBeLessThanOrEqual(4)
    // A validator still gets through at once and is answered.
    const v = await node(keys.small)
    const r = await sendChallenge(v, direct, challenge())
    expect(r.verified).toBe(true)
    // Past the bind limit no unidentified peer is still connected to the miner.
    await expect.poll(unboundAtMiner, { timeout: BIND_MS * 4, interval: 200 }).toBe(0)
    expect(miner.libp2p.getConnections(v.libp2p.peerId).length).toBeGreaterThan(0)
  })

  it('finding 4: offences and bans follow the hotkey, not the peer id', async () => {
    const miner = await node(keys.miner, { offenceLimit: 2, maxQueue: 1000 })
    servers.push(await serveChallenges(miner, async () => enc.encode('ok')))
    await miner.waitForReservation({ signal: AbortSignal.timeout(20_000) })
    const rogue1 = await node(keys.rogue)
    const garbage = async (from: MeshNode) => {
      await from.connect(miner.peerId, { transport: 'relay' })
      const s = await from.connectionTo(miner.peerId)!.newStream(CHALLENGE_PROTOCOL, { runOnLimitedConnection: true })
      const reply = readFrame(s, 1 << 20, AbortSignal.timeout(5000))
      s.send(encodeFrame(enc.encode('garbage')))
      await s.close()
      const res = decodeResponse(await reply, 1 << 20)
      return res.ok ? 'answered' : res.code
    }
    // The binding travels as the connection opens; offences then count against the hotkey.
    await rogue1.connect(miner.peerId, { transport: 'relay' })
    await expect.poll(() => miner.hotkeyOf(rogue1.peerId), { timeout: 5_000 }).toBe(keys.rogue.address)
    expect(await garbage(rogue1)).toBe('ERR_MALFORMED')
    expect(await garbage(rogue1)).toBe('ERR_MALFORMED')
    expect(miner.isBanned(keys.rogue.address)).toBe(true)
    // Back with a fresh peer id and a valid challenge: still refused.
    const rogue2 = await node(keys.rogue)
    expect(await codeOf(sendChallenge(rogue2, miner.peerId, challenge(), { retries: 0 }))).not.toBe('ok')
    expect(miner.isBanned(rogue2.peerId)).toBe(true)
  })

  it('finding 4: rate limits follow the hotkey across its peer ids', async () => {
    const miner = await node(keys.miner, { ratePerSecond: 0.001, rateBurst: 2, offenceLimit: 1_000_000 })
    servers.push(await serveChallenges(miner, async () => enc.encode('ok')))
    await miner.waitForReservation({ signal: AbortSignal.timeout(20_000) })
    // Alice holds 3/4 of the permit stake: a burst of max(1, 2 * 0.75) = 1.5 tokens, so one
    // challenge, whichever of her two peer ids sends it.
    const a1 = await node(keys.big)
    const a2 = await node(keys.big)
    const codes = [await codeOf(sendChallenge(a1, miner.peerId, challenge())), await codeOf(sendChallenge(a2, miner.peerId, challenge())), await codeOf(sendChallenge(a1, miner.peerId, challenge()))]
    expect(codes.filter((c) => c === 'ok').length).toBe(1)
    expect(codes.filter((c) => c === 'ERR_RATE_LIMITED').length).toBe(2)
  })

  it('finding 4: a miner shares its bounded queue among validators by stake', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => { release = r })
    const miner = await node(keys.miner, { maxQueue: 4, offenceLimit: 1_000_000 })
    servers.push(await serveChallenges(miner, async () => { await gate; return enc.encode('ok') }))
    await miner.waitForReservation({ signal: AbortSignal.timeout(20_000) })
    const big = await node(keys.big)
    const small = await node(keys.small)
    await Promise.all([big.connect(miner.peerId), small.connect(miner.peerId)])
    // Bob holds 1/4 of the stake: one challenge at a time out of 4; Alice 3/4: three.
    const smallCodes = Array.from({ length: 3 }, () => codeOf(sendChallenge(small, miner.peerId, challenge(), { retries: 0 })))
    await sleep(1_000)
    const bigCodes = Array.from({ length: 4 }, () => codeOf(sendChallenge(big, miner.peerId, challenge(), { retries: 0 })))
    await sleep(1_500)
    release()
    const s = await Promise.all(smallCodes)
    const b = await Promise.all(bigCodes)
    expect(s.filter((c) => c === 'ok').length).toBe(1)
    expect(s.filter((c) => c === 'ERR_TOO_MANY_STREAMS').length).toBe(2)
    expect(b.filter((c) => c === 'ok').length).toBe(3)
    // The queue is full (1 + 3): the fourth is refused as busy, not as an offence.
    expect(b.filter((c) => c === 'ERR_BUSY' || c === 'ERR_TOO_MANY_STREAMS').length).toBe(1)
  })

  it('finding 6: the relay drops junk and over-rate presence before forwarding it', async () => {
    const observer = await node(keys.small)
    const topic = presenceTopic(NETUID)
    const pubsub = observer.libp2p.services.pubsub
    let seen = 0
    const inner = pubsub.topicValidators.get(topic)!
    pubsub.topicValidators.set(topic, async (peer, msg) => { seen++; return await inner(peer, msg) })
    const outsider = await node(keys.outsider)
    const flooder = await node(keys.flooder)
    await expect.poll(() => pubsub.getSubscribers(topic).length + flooder.libp2p.services.pubsub.getSubscribers(topic).length, { timeout: 10_000 }).toBeGreaterThan(1)
    await sleep(1_500) // meshes form
    const before = relay.stats().rejectedPresence
    // Junk: an unregistered hotkey's presence, and a registered one with a forged signature.
    await outsider.libp2p.services.pubsub.publish(topic, encodePresence({ binding: await outsider.currentBinding(), model: 'junk', capacity: 1, ts: Date.now(), signature: new Uint8Array(64) }))
    const fb = await flooder.currentBinding()
    await flooder.libp2p.services.pubsub.publish(topic, encodePresence({ binding: fb, model: 'forged', capacity: 1, ts: Date.now(), signature: new Uint8Array(64) }))
    // A flood of 20 valid presences from one hotkey in a second.
    for (let i = 0; i < 20; i++) {
      const ts = Date.now() + i
      const signature = await keys.flooder.sign(presenceMessage(flooder.peerId, 'm', 1, ts))
      await flooder.libp2p.services.pubsub.publish(topic, encodePresence({ binding: fb, model: 'm', capacity: 1, ts, signature }))
    }
    await sleep(2_000)
    expect(relay.stats().rejectedPresence - before).toBeGreaterThanOrEqual(1 + 15)
    // The observer validated at most the hotkey's burst: nothing junk reached it.
    expect(seen).toBeLessThanOrEqual(4)
    expect(observer.presence().some((p) => p.model === 'junk' || p.model === 'forged')).toBe(false)
  })

  it('finding 7: presences expire', async () => {
    const observer = await node(keys.small, { presenceTtlMs: 1_500 })
    const miner = await node(keys.miner)
    await expect.poll(async () => { await miner.publishPresence({ model: 'ttl', capacity: 1 }).catch(() => {}); return observer.presence().some((p) => p.peerId === miner.peerId) }, { timeout: 15_000, interval: 500 }).toBe(true)
    await sleep(2_500)
    expect(observer.presence().some((p) => p.peerId === miner.peerId)).toBe(false)
    expect(observer.stateSizes().presences).toBe(0)
  })
})
