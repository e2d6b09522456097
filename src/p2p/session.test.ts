/**
 * Challenge sessions (`/webtensor/challenge-session/2.0.0`) over a real Node relay: one stream
 * carries a validator's challenges to a miner one after another; the old one-stream-per-challenge
 * protocol stays for miners without sessions; a peer that queues requests loses its session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMeshNode, newChallengeId, sendChallenge, serveChallenges, startRelay, CHALLENGE_PROTOCOL, CHALLENGE_SESSION_PROTOCOL, type MeshNode, type Relay } from './node-entry.ts'
import { devHotkey, StaticMetagraph } from './test-fixtures.ts'
import { encodeFrame } from './frame.ts'
import { encodeRequest } from './messages.ts'

const NETUID = 6
const enc = new TextEncoder()
const keys = { validator: devHotkey('//Alice'), miner: devHotkey('//Bob'), old: devHotkey('//Charlie'), idle: devHotkey('//Dave') }
const chain = new StaticMetagraph(NETUID).add(keys.validator.address, true).add(keys.miner.address).add(keys.old.address).add(keys.idle.address)
const challenge = (ms = 10_000) => ({ id: newChallengeId(), task: 'echo', payload: enc.encode('hi'), deadline: Date.now() + ms })

describe('challenge sessions', () => {
  let relay: Relay
  const nodes: MeshNode[] = []
  let validator: MeshNode, miner: MeshNode, old: MeshNode, idle: MeshNode
  let served = 0

  beforeAll(async () => {
    relay = await startRelay({ port: 0, netuids: [NETUID] })
    const node = async (signer: typeof keys.miner, limits = {}) => { const n = await createMeshNode({ signer, netuid: NETUID, chain, relays: relay.multiaddrs, limits }); nodes.push(n); return n }
    ;[validator, miner, old, idle] = await Promise.all([node(keys.validator), node(keys.miner), node(keys.old), node(keys.idle, { sessionIdleMs: 300 })])
    await Promise.all([miner, old, idle].map((n) => n.waitForReservation({ signal: AbortSignal.timeout(30_000) })))
    for (const n of [miner, old, idle]) await serveChallenges(n, async () => { served++; return enc.encode('ok') })
    // A miner from before sessions: the one-shot protocol only.
    await old.libp2p.unhandle(CHALLENGE_SESSION_PROTOCOL)
  }, 60_000)

  afterAll(async () => {
    for (const n of nodes) await n.stop()
    await relay.stop()
  })

  const streamsTo = (peer: MeshNode, protocol: string): number =>
    validator.libp2p.getConnections().filter((c) => c.remotePeer.toString() === peer.peerId).flatMap((c) => c.streams).filter((s) => s.protocol === protocol).length

  it('sequential challenges to a miner share one session stream, each answer verified', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await sendChallenge(validator, miner.peerId, challenge())
      expect(r.verified).toBe(true)
      expect(r.attempts).toBe(1)
    }
    expect(streamsTo(miner, CHALLENGE_SESSION_PROTOCOL)).toBe(1)
    expect(streamsTo(miner, CHALLENGE_PROTOCOL)).toBe(0)
    // Concurrent challenges take a session each, and the idle ones are kept for the next.
    const many = await Promise.all(Array.from({ length: 3 }, () => sendChallenge(validator, miner.peerId, challenge())))
    expect(many.every((r) => r.verified)).toBe(true)
    expect(streamsTo(miner, CHALLENGE_SESSION_PROTOCOL)).toBe(3)
  })

  it('a miner without sessions is served one stream per challenge', async () => {
    const before = served
    for (let i = 0; i < 2; i++) expect((await sendChallenge(validator, old.peerId, challenge())).verified).toBe(true)
    expect(served - before).toBe(2)
    expect(streamsTo(old, CHALLENGE_SESSION_PROTOCOL)).toBe(0)
  })

  it('a session the miner closed when idle is replaced under the next challenge, without a retry', async () => {
    expect((await sendChallenge(validator, idle.peerId, challenge())).verified).toBe(true)
    await new Promise((r) => setTimeout(r, 1_000)) // the miner ends the session after 300 ms
    const r = await sendChallenge(validator, idle.peerId, challenge())
    expect(r.verified).toBe(true)
    expect(r.attempts).toBe(1)
  })

  it('a peer that queues requests on a session loses it', async () => {
    await validator.connect(miner.peerId, { transport: 'relay' })
    const conn = validator.connectionTo(miner.peerId, 'relay')!
    const stream = await conn.newStream(CHALLENGE_SESSION_PROTOCOL, { runOnLimitedConnection: true })
    const ended = new Promise<void>((resolve) => { stream.addEventListener('close', () => resolve()) })
    const binding = await validator.currentBinding()
    // Three requests at once: one is served, one may wait, the third breaks the protocol.
    const frames = Array.from({ length: 3 }, () => encodeFrame(encodeRequest({ binding, challenge: challenge() })))
    stream.send(new Uint8Array(Buffer.concat(frames)))
    await expect(Promise.race([ended.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 10_000))])).resolves.toBe('closed')
  })
})
