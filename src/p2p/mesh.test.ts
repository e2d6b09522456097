/**
 * The mesh in Node over real libp2p: a relay on loopback (WebSockets, circuit-relay-v2) and Node
 * peers that reach each other only through it. Hotkeys are real sr25519 keys; the chain is an
 * in-memory metagraph (StaticMetagraph) standing in for the chain client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createMeshNode, newChallengeId, newPrivateKey, sendChallenge, serveChallenges, startRelay, CHALLENGE_PROTOCOL, MeshProtocolError, MeshRefusedError, type MeshNode, type Relay, type ChallengeServer } from './node-entry.ts'
import { devHotkey, StaticMetagraph } from './test-fixtures.ts'
import { encodeFrame } from './frame.ts'
import { readFrame } from './libp2p.ts'
import { createBinding } from './binding.ts'
import { decodeResponse, encodeRequest, encodePresence } from './messages.ts'
import { presenceTopic } from './node.ts'

const NETUID = 5
const enc = new TextEncoder()
const dec = new TextDecoder()
const keys = {
  validator: devHotkey('//Alice'),
  miner: devHotkey('//Bob'),
  rogue: devHotkey('//Charlie'),
  noPermit: devHotkey('//Dave'),
  unregistered: devHotkey('//Eve'),
  strict: devHotkey('//Ferdie'),
}
const chain = new StaticMetagraph(NETUID)
  .add(keys.validator.address, true)
  .add(keys.miner.address)
  .add(keys.rogue.address)
  .add(keys.noPermit.address)
  .add(keys.strict.address)

const challenge = (payload = enc.encode('hello'), ms = 10_000) => ({ id: newChallengeId(), task: 'echo', payload, deadline: Date.now() + ms })
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e))

describe('mesh over a Node relay', () => {
  let relay: Relay
  const nodes: MeshNode[] = []
  const servers: ChallengeServer[] = []
  let validator: MeshNode, miner: MeshNode, rogue: MeshNode, noPermit: MeshNode, unregistered: MeshNode, strict: MeshNode, limited: MeshNode
  let minerServer: ChallengeServer
  const seen: string[] = []

  const node = async (signer: typeof keys.miner, limits = {}, watchPresence?: boolean) => {
    const n = await createMeshNode({ signer, netuid: NETUID, chain, relays: relay.multiaddrs, limits, ...(watchPresence !== undefined ? { watchPresence } : {}) })
    nodes.push(n)
    return n
  }

  beforeAll(async () => {
    relay = await startRelay({ port: 0, netuids: [NETUID] })
    ;[validator, miner, rogue, noPermit, unregistered, strict, limited] = await Promise.all([
      node(keys.validator), node(keys.miner, { offenceLimit: 1_000_000 }, false), node(keys.rogue), node(keys.noPermit), node(keys.unregistered),
      node(keys.strict, { offenceLimit: 3 }, false), node(keys.strict, { ratePerSecond: 0.001, rateBurst: 2, offenceLimit: 1_000_000 }),
    ])
    await Promise.all([miner, rogue, strict, limited].map((n) => n.waitForReservation({ signal: AbortSignal.timeout(30_000) })))
    minerServer = await serveChallenges(miner, async (c) => {
      seen.push(c.validator.hotkey)
      return enc.encode(JSON.stringify({ echo: dec.decode(c.payload), bytes: c.payload.byteLength }))
    })
    servers.push(minerServer, await serveChallenges(strict, async () => enc.encode('{}')), await serveChallenges(limited, async () => enc.encode('{}')))
  })

  afterAll(async () => {
    for (const s of servers) await s.stop()
    await Promise.all(nodes.map((n) => n.stop()))
    await relay?.stop()
  })

  it('a validator gets a signed, verified answer through the relay (40 KB challenge)', async () => {
    const payload = new Uint8Array(40 * 1024).fill(65)
    const r = await sendChallenge(validator, miner.peerId, challenge(payload))
    expect(r.verified).toBe(true)
    expect(r.direct).toBe(false) // Node has no WebRTC: relayed
    expect(r.hotkey).toBe(keys.miner.address)
    expect(JSON.parse(dec.decode(r.answer)).bytes).toBe(40 * 1024)
    expect(seen.at(-1)).toBe(keys.validator.address)
  })

  it('a peer that serves no challenges refuses the protocol: a connection error at once, though the request went out with the protocol line', async () => {
    // The challenge stream is opened without waiting for multistream-select's answer (one round
    // trip less); the remote's "na" must still end the attempt, not leave it waiting to its deadline.
    const r = await codeOf(sendChallenge(validator, rogue.peerId, challenge(enc.encode('x'), 60_000), { retries: 0 }))
    expect(r).toBe('ERR_CONNECTION')
  })

  it('miners refuse peers without a validator permit or registration', async () => {
    const a = sendChallenge(noPermit, miner.peerId, challenge())
    await expect(a).rejects.toBeInstanceOf(MeshRefusedError)
    expect(await codeOf(sendChallenge(noPermit, miner.peerId, challenge()))).toBe('ERR_NO_PERMIT')
    expect(await codeOf(sendChallenge(unregistered, miner.peerId, challenge()))).toBe('ERR_NOT_REGISTERED')
  })

  it('validators refuse answers from an unregistered miner', async () => {
    const s = await serveChallenges(unregistered, async () => enc.encode('{}'))
    try {
      await unregistered.waitForReservation({ signal: AbortSignal.timeout(30_000) })
      const p = sendChallenge(validator, unregistered.peerId, challenge())
      await expect(p).rejects.toBeInstanceOf(MeshProtocolError)
      expect(await codeOf(sendChallenge(validator, unregistered.peerId, challenge()))).toBe('ERR_NOT_REGISTERED')
    } finally {
      await s.stop()
    }
  })

  it('a replayed challenge id is answered once and never counted twice', async () => {
    const before = minerServer.handled
    const c = challenge()
    await sendChallenge(validator, miner.peerId, c)
    expect(await codeOf(sendChallenge(validator, miner.peerId, c))).toBe('ERR_REPLAY')
    expect(minerServer.handled).toBe(before + 1)
  })

  it('replayed and copied answers are rejected', async () => {
    // The rogue keeps its first response and replays it for every later challenge.
    let recorded: Uint8Array | undefined
    const s = await serveChallenges(rogue, async () => enc.encode('{"real":true}'))
    await sendChallenge(validator, rogue.peerId, challenge()).catch(() => {})
    await s.stop()
    await rogue.libp2p.handle(CHALLENGE_PROTOCOL, async (stream) => {
      await readFrame(stream, 1 << 20, AbortSignal.timeout(5000)).catch(() => {})
      if (recorded === undefined) {
        // First: a genuine signed answer to a challenge we make up ourselves, kept for replay.
        const id = newChallengeId()
        recorded = encodeResponseFor(await rogue.signAnswer(validator.peerId, id, enc.encode('{}')), id, await rogue.currentBinding())
      }
      stream.send(encodeFrame(recorded))
      await stream.close()
    }, { runOnLimitedConnection: true })
    try {
      expect(await codeOf(sendChallenge(validator, rogue.peerId, challenge()))).toBe('ERR_REPLAY')
      expect(await codeOf(sendChallenge(validator, rogue.peerId, challenge()))).toBe('ERR_REPLAY')
      // Copying: the rogue relays an honest miner's signed answer as its own.
      await rogue.libp2p.unhandle(CHALLENGE_PROTOCOL)
      await rogue.libp2p.handle(CHALLENGE_PROTOCOL, async (stream) => {
        try {
          const body = await readFrame(stream, 1 << 20, AbortSignal.timeout(5000))
          const relayed = await rogue.libp2p.dialProtocol(miner.libp2p.peerId, CHALLENGE_PROTOCOL, { runOnLimitedConnection: true })
          const reply = readFrame(relayed, 1 << 20, AbortSignal.timeout(5000))
          relayed.send(encodeFrame(body))
          await relayed.close()
          stream.send(encodeFrame(await reply))
          await stream.close()
        } catch (err) {
          stream.abort(err as Error)
        }
      }, { runOnLimitedConnection: true })
      await rogue.connect(miner.peerId, { transport: 'relay' })
      const code = await codeOf(sendChallenge(validator, rogue.peerId, challenge()))
      // The miner sees the rogue as the sender (not a validator): refused; a forwarded answer would fail the binding check.
      expect(['ERR_NO_PERMIT', 'ERR_BINDING_INVALID']).toContain(code)
    } finally {
      await rogue.libp2p.unhandle(CHALLENGE_PROTOCOL)
    }
    expect(validator.offences(rogue.peerId)).toBeGreaterThan(0)
  })

  it('forged bindings, oversized and malformed frames get typed refusals; the miner keeps serving', async () => {
    const raw = async (from: MeshNode, to: MeshNode, bytes: Uint8Array) => {
      const conn = from.connectionTo(to.peerId) ?? (await from.connect(to.peerId, { transport: 'relay' }), from.connectionTo(to.peerId))
      const stream = await conn!.newStream(CHALLENGE_PROTOCOL, { runOnLimitedConnection: true })
      const reply = readFrame(stream, 1 << 20, AbortSignal.timeout(10_000))
      reply.catch(() => {})
      stream.send(bytes)
      await stream.close().catch(() => {})
      try {
        const res = decodeResponse(await reply, 1 << 20)
        return res.ok ? 'answered' : res.code
      } catch (err) {
        return `closed:${(err as { code?: string }).code}`
      }
    }
    // The rogue presents the validator's binding (a real signature, for another peer id).
    const stolen = await validator.currentBinding()
    expect(await raw(rogue, miner, encodeFrame(encodeRequest({ binding: stolen, challenge: challenge() })))).toBe('ERR_BINDING_INVALID')
    // A binding the rogue signs with a hotkey it does not own (the signature is the rogue's).
    const forged = { ...(await createBinding({ peerId: rogue.peerId, signer: keys.rogue, netuid: NETUID, expiry: Date.now() + 60_000 })), hotkey: keys.validator.address }
    expect(await raw(rogue, miner, encodeFrame(encodeRequest({ binding: forged, challenge: challenge() })))).toBe('ERR_BINDING_INVALID')
    // 300 KiB announced: refused from the length prefix alone.
    expect(await raw(rogue, miner, encodeFrame(new Uint8Array(300 * 1024)))).toBe('ERR_FRAME_TOO_LARGE')
    expect(await raw(rogue, miner, encodeFrame(enc.encode('not protobuf at all')))).toBe('ERR_MALFORMED')
    expect(await raw(rogue, miner, new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]))).toBe('ERR_BAD_VARINT')
    expect(await raw(rogue, miner, new Uint8Array([0x10, 1, 2]))).toBe('ERR_TRUNCATED')
    expect(await raw(rogue, miner, new Uint8Array(0))).toMatch(/^(closed:)?ERR_CONNECTION$/)
    // Fuzz: random and mutated frames, each refused with a typed error or a closed stream.
    const valid = encodeFrame(encodeRequest({ binding: await rogue.currentBinding(), challenge: challenge() }))
    const samples = fc.sample(fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 600 }),
      fc.tuple(fc.nat(valid.byteLength - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => { const b = Uint8Array.from(valid); b[i] = v; return b }),
      fc.nat(valid.byteLength - 1).map((i) => valid.subarray(0, i)),
    ), { numRuns: 150, seed: 7 })
    const outcomes = new Map<string, number>()
    for (let i = 0; i < samples.length; i += 10) {
      const batch = await Promise.all(samples.slice(i, i + 10).map((s) => raw(rogue, miner, s)))
      for (const o of batch) outcomes.set(o, (outcomes.get(o) ?? 0) + 1)
    }
    expect(outcomes.has('answered')).toBe(false)
    for (const o of outcomes.keys()) expect(o).toMatch(/^(closed:)?ERR_[A-Z_]+$/)
    // The miner still serves its validator.
    const r = await sendChallenge(validator, miner.peerId, challenge())
    expect(r.verified).toBe(true)
  })

  it('repeat offenders lose gossipsub score and are disconnected and banned', async () => {
    const bad = () => rogue.connect(strict.peerId, { transport: 'relay' }).then(async () => {
      const stream = await rogue.connectionTo(strict.peerId)!.newStream(CHALLENGE_PROTOCOL, { runOnLimitedConnection: true })
      const reply = readFrame(stream, 1 << 20, AbortSignal.timeout(5000))
      stream.send(encodeFrame(enc.encode('garbage')))
      await stream.close()
      const res = decodeResponse(await reply, 1 << 20)
      return res.ok ? 'answered' : res.code
    })
    for (let i = 0; i < 3; i++) expect(await bad()).toBe('ERR_MALFORMED')
    expect(strict.isBanned(rogue.peerId)).toBe(true)
    expect(strict.offences(rogue.peerId)).toBeGreaterThanOrEqual(3)
    await expect.poll(() => strict.connectionTo(rogue.peerId), { timeout: 10_000 }).toBeUndefined()
    await expect.poll(() => strict.gossipScore(rogue.peerId) < 0 || strict.libp2p.services.pubsub.getPeers().every((p) => p.toString() !== rogue.peerId), { timeout: 10_000 }).toBe(true)
    // A banned peer cannot connect again.
    expect(await codeOf(rogue.connect(strict.peerId, { transport: 'relay', signal: AbortSignal.timeout(5000) }).then(() => rogue.connectionTo(strict.peerId)?.newStream(CHALLENGE_PROTOCOL, { runOnLimitedConnection: true }).then((s) => readFrame(s, 100, AbortSignal.timeout(3000)))))).not.toBe('ok')
  })

  it('per-peer rate limits refuse bursts with ERR_RATE_LIMITED', async () => {
    await validator.connect(limited.peerId)
    const codes = await Promise.all(Array.from({ length: 6 }, () => codeOf(sendChallenge(validator, limited.peerId, challenge(undefined, 60_000)))))
    // Burst of 2, refilling at one token per 1000 s: exactly two pass.
    expect(codes.filter((c) => c === 'ok').length).toBe(2)
    expect(codes.filter((c) => c === 'ERR_RATE_LIMITED').length).toBe(4)
  })

  it('presence gossip carries signed miner announcements and drops forged ones', async () => {
    const got = new Promise<unknown>((resolve) => validator.addEventListener('presence', (e) => resolve((e as CustomEvent).detail), { once: true }))
    // The miner does not watch presence (watchPresence: false): its announcement still gets out.
    await expect.poll(async () => { await miner.publishPresence({ model: 'ppocr-v4', capacity: 2 }); return validator.presence().length }, { timeout: 20_000, interval: 1000 }).toBeGreaterThan(0)
    expect(await got).toMatchObject({ peerId: miner.peerId, hotkey: keys.miner.address, model: 'ppocr-v4', capacity: 2, netuid: NETUID })
    // A peer that watches (rogue, subscribed by default) receives it too; another miner does not
    // receive, so never verifies, anyone's presence (each check is an sr25519 verify).
    await expect.poll(async () => { await miner.publishPresence({ model: 'ppocr-v4', capacity: 2 }); return rogue.presence().length }, { timeout: 20_000, interval: 1000 }).toBeGreaterThan(0)
    expect(strict.presence()).toEqual([])
    expect(strict.libp2p.services.pubsub.getTopics()).toEqual([])
    // A forged presence: the unregistered peer claims the miner's binding.
    const forged = encodePresence({ binding: await miner.currentBinding(), model: 'fake', capacity: 99, ts: Date.now(), signature: new Uint8Array(64) })
    await unregistered.libp2p.services.pubsub.publish(presenceTopic(NETUID), forged)
    await new Promise((r) => setTimeout(r, 1500))
    expect(validator.presence().some((p) => p.model === 'fake' || p.peerId === unregistered.peerId)).toBe(false)
  })
})

describe('relay restart', () => {
  it('peers reconnect and the in-flight challenge is retried, computed once', async () => {
    const key = await newPrivateKey()
    let relay = await startRelay({ port: 0, privateKey: key, netuids: [NETUID] })
    const port = Number(relay.multiaddrs[0]!.split('/')[4])
    const validator = await createMeshNode({ signer: keys.validator, netuid: NETUID, chain, relays: relay.multiaddrs })
    const miner = await createMeshNode({ signer: keys.miner, netuid: NETUID, chain, relays: relay.multiaddrs })
    let calls = 0
    let release!: () => void
    const started = new Promise<void>((r) => { release = r })
    const server = await serveChallenges(miner, async () => {
      calls++
      release()
      await new Promise((r) => setTimeout(r, 1500))
      return enc.encode('{"slow":true}')
    })
    try {
      await miner.waitForReservation({ signal: AbortSignal.timeout(30_000) })
      const pending = sendChallenge(validator, miner.peerId, challenge(enc.encode('x'), 60_000), { retryDelayMs: 500 })
      await started
      await relay.stop()
      relay = await startRelay({ port, privateKey: key, netuids: [NETUID] })
      const r = await pending
      expect(r.verified).toBe(true)
      expect(r.attempts).toBeGreaterThan(1)
      expect(calls).toBe(1)
      expect(server.handled).toBe(1)
    } finally {
      await server.stop()
      await validator.stop()
      await miner.stop()
      await relay.stop()
    }
  })
})

function encodeResponseFor(signature: Uint8Array, id: Uint8Array, binding: Awaited<ReturnType<MeshNode['currentBinding']>>): Uint8Array {
  return encodeResponseBody({ ok: true, id, answer: enc.encode('{}'), signature, binding })
}
import { encodeResponse as encodeResponseBody } from './messages.ts'

describe('lifecycle', () => {
  it('stop before start and start/stop twice are safe; bad init is refused with typed errors', async () => {
    const n = await createMeshNode({ signer: keys.miner, netuid: NETUID, chain, relays: [], start: false })
    await n.stop()
    expect(n.isStarted()).toBe(false)
    await n.start()
    await n.start()
    expect(n.isStarted()).toBe(true)
    expect(n.peerId).toMatch(/^12D3KooW/)
    await n.stop()
    await n.stop()
    expect(n.isStarted()).toBe(false)
    await expect(n.connect('12D3KooWBKHmzVYgmpGPaAyS1PudsDgixtAYNchnJxhDnRWBd7j4')).rejects.toMatchObject({ code: 'ERR_NOT_STARTED' })
    await expect(createMeshNode({ signer: keys.miner, netuid: 70_000, chain, relays: [] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await expect(createMeshNode({ signer: keys.miner, netuid: 1, chain, relays: ['/ip4/127.0.0.1/tcp/1/ws'] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await expect(createMeshNode({ signer: keys.miner, netuid: 1, chain, relays: ['not a multiaddr'] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
  })
})
