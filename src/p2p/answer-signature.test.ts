/**
 * Answers signed by the miner's libp2p peer key (issue 17, item 3; /webtensor/challenge/2.0.0):
 * over a real relay in Node, a forger answers with its own binding and a signature by its hotkey
 * (the version-1 scheme), by another peer's key, or in the version-1 wire form; each is refused.
 * An honest answer's evidence (binding + peer-key signature) verifies offline, and tampering with
 * any part of it does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMeshNode, newChallengeId, sendChallenge, serveChallenges, startRelay, verifyAnswerEvidence, CHALLENGE_PROTOCOL, type MeshNode, type Relay } from './node-entry.ts'
import { devHotkey, StaticMetagraph } from './test-fixtures.ts'
import { encodeFrame } from './frame.ts'
import { loadKey, peerKeySigner, readFrame, verifyPeerSignature } from './libp2p.ts'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { answerMessage } from './binding.ts'
import { decodeRequest, encodeResponse } from './messages.ts'

const NETUID = 9
const enc = new TextEncoder()
const keys = { validator: devHotkey('//Alice'), forger: devHotkey('//Bob'), other: devHotkey('//Charlie') }
const chain = new StaticMetagraph(NETUID).add(keys.validator.address, true).add(keys.forger.address).add(keys.other.address)
const challenge = () => ({ id: newChallengeId(), task: 'echo', payload: enc.encode('hi'), deadline: Date.now() + 10_000 })
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e))

/** How the forger signs (or frames) its answer to a request it has decoded. */
type Forge = (validatorPeer: string, id: Uint8Array, answer: Uint8Array) => Promise<Uint8Array>

describe('the peer key signer', () => {
  it('signs as @libp2p/crypto does (the key imported once), and verifies only for the peer id that embeds the key', async () => {
    const [key, another] = await Promise.all([loadKey(undefined), loadKey(undefined)])
    const m = enc.encode('message')
    const sig = await peerKeySigner(key)(m)
    expect([...sig]).toEqual([...(await key.sign(m))]) // Ed25519 is deterministic
    const id = peerIdFromPrivateKey(key).toString()
    expect(await verifyPeerSignature(id, m, sig)).toBe(true)
    expect(await verifyPeerSignature(id, enc.encode('messagf'), sig)).toBe(false)
    expect(await verifyPeerSignature(peerIdFromPrivateKey(another).toString(), m, sig)).toBe(false)
    expect(await verifyPeerSignature('not a peer id', m, sig)).toBe(false)
    expect(await verifyPeerSignature(id, m, sig.subarray(0, 63))).toBe(false)
  })
})

describe('answers signed by the bound peer key', () => {
  let relay: Relay
  let validator: MeshNode, forger: MeshNode, other: MeshNode

  beforeAll(async () => {
    relay = await startRelay({ port: 0, netuids: [NETUID] })
    const node = (signer: typeof keys.forger) => createMeshNode({ signer, netuid: NETUID, chain, relays: relay.multiaddrs, limits: { offenceLimit: 1_000_000 } })
    ;[validator, forger, other] = await Promise.all([node(keys.validator), node(keys.forger), node(keys.other)])
    await forger.waitForReservation({ signal: AbortSignal.timeout(30_000) })
  }, 60_000)

  afterAll(async () => {
    await Promise.all([validator, forger, other].map((n) => n?.stop()))
    await relay?.stop()
  })

  /** The forger answers every challenge with `forge`, under its own (valid) binding. */
  const forging = async (forge: Forge, run: () => Promise<void>): Promise<void> => {
    await forger.libp2p.handle(CHALLENGE_PROTOCOL, async (stream) => {
      try {
        const req = decodeRequest(await readFrame(stream, 1 << 20, AbortSignal.timeout(5_000)), 1 << 16)
        stream.send(encodeFrame(await forge(validator.peerId, req.challenge.id, enc.encode('{"forged":true}'))))
        await stream.close()
      } catch (err) {
        stream.abort(err as Error)
      }
    }, { runOnLimitedConnection: true })
    try { await run() } finally { await forger.libp2p.unhandle(CHALLENGE_PROTOCOL) }
  }
  const respond = async (id: Uint8Array, answer: Uint8Array, signature: Uint8Array) => encodeResponse({ ok: true, id, answer, signature, binding: await forger.currentBinding() })

  it('refuses a signature by the hotkey, by another peer key, or none (the version-1 form)', async () => {
    await forging(async (v, id, a) => respond(id, a, await keys.forger.sign(answerMessage(v, id, a))), async () => {
      expect(await codeOf(sendChallenge(validator, forger.peerId, challenge()))).toBe('ERR_BAD_SIGNATURE')
    })
    // A genuine peer-key signature, but by a peer other than the one the binding names.
    await forging(async (v, id, a) => respond(id, a, await other.signAnswer(v, id, a)), async () => {
      expect(await codeOf(sendChallenge(validator, forger.peerId, challenge()))).toBe('ERR_BAD_SIGNATURE')
    })
    // Version 1 on the wire: the hotkey signature in field 3 (now reserved), no peer_signature.
    await forging(async (v, id, a) => {
      const v1 = new Uint8Array([0x1a, 64, ...(await keys.forger.sign(answerMessage(v, id, a)))])
      const body = encodeResponse({ ok: true, id, answer: a, signature: new Uint8Array(64), binding: await forger.currentBinding() })
      // Drop the trailing peer_signature field (tag 0x32, length 64) and put field 3 in its place.
      return new Uint8Array([...body.subarray(0, body.byteLength - 66), ...v1])
    }, async () => {
      expect(await codeOf(sendChallenge(validator, forger.peerId, challenge()))).toBe('ERR_MALFORMED')
    })
    expect(validator.offences(forger.peerId)).toBeGreaterThanOrEqual(3)
  })

  it('an honest answer carries evidence that verifies offline; tampered evidence does not', async () => {
    const server = await serveChallenges(forger, async (c) => c.payload)
    try {
      const c = challenge()
      const res = await sendChallenge(validator, forger.peerId, c)
      expect(res.hotkey).toBe(keys.forger.address)
      expect(res.binding.peerId).toBe(forger.peerId)
      const evidence = { binding: res.binding, validatorPeerId: validator.peerId, challengeId: c.id, answer: res.answer, signature: res.signature }
      expect(await verifyAnswerEvidence(evidence)).toBe(true)
      expect(await verifyAnswerEvidence({ ...evidence, answer: enc.encode('other') })).toBe(false)
      expect(await verifyAnswerEvidence({ ...evidence, validatorPeerId: other.peerId })).toBe(false)
      expect(await verifyAnswerEvidence({ ...evidence, challengeId: newChallengeId() })).toBe(false)
      // The other peer's binding: its hotkey's signature is real, but it names another peer key.
      expect(await verifyAnswerEvidence({ ...evidence, binding: await other.currentBinding() })).toBe(false)
      // The binding re-pointed at another hotkey: the hotkey signature no longer verifies.
      expect(await verifyAnswerEvidence({ ...evidence, binding: { ...res.binding, hotkey: keys.other.address } })).toBe(false)
    } finally {
      await server.stop()
    }
  })
})
