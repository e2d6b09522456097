/**
 * A relay that stalls (CPU-starved under an attack or a big round, a long GC pause) must not cost
 * its miners their connection and reservation. The relay runs as `webtensor relay` in a child
 * process that is paused with SIGSTOP for 16 s, long enough for a ping from either side to go
 * unanswered past libp2p's default 5 s floor; afterwards the miner must still hold the same
 * connection, and a validator must reach it through the relay at once.
 */
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { createMeshNode, newChallengeId, sendChallenge, serveChallenges, type MeshNode } from './node-entry.ts'
import { devHotkey, StaticMetagraph } from './test-fixtures.ts'

const NETUID = 5
const enc = new TextEncoder()
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('a stalled relay', () => {
  it('keeps its miners connected and reserved through a 16 s pause', { timeout: 90_000 }, async () => {
    const child = spawn(process.execPath, ['bin/webtensor.js', 'relay', '--open', '--port', '0', '--netuid', String(NETUID)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const nodes: MeshNode[] = []
    try {
      const relayAddr = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(out.split('\n')[0]!) })
        child.on('exit', (code) => reject(new Error(`relay exited early with ${code}`)))
      })
      const keys = { validator: devHotkey('//Alice'), miner: devHotkey('//Bob') }
      const chain = new StaticMetagraph(NETUID).add(keys.validator.address, true).add(keys.miner.address)
      const miner = await createMeshNode({ signer: keys.miner, netuid: NETUID, chain, relays: [relayAddr] })
      nodes.push(miner)
      const validator = await createMeshNode({ signer: keys.validator, netuid: NETUID, chain, relays: [relayAddr] })
      nodes.push(validator)
      await miner.waitForReservation({ signal: AbortSignal.timeout(30_000) })
      await serveChallenges(miner, async () => enc.encode('{"ok":true}'))
      const ask = () => sendChallenge(validator, miner.peerId, { id: newChallengeId(), task: 'echo', payload: enc.encode('hi'), deadline: Date.now() + 10_000 })
      expect((await ask()).verified).toBe(true)

      const relayPeer = relayAddr.split('/p2p/')[1]!
      const before = miner.libp2p.getConnections().filter((c) => c.remotePeer.toString() === relayPeer).map((c) => c.id)
      expect(before).toHaveLength(1)

      child.kill('SIGSTOP')
      await sleep(16_000)
      child.kill('SIGCONT')
      // Let both sides run their due timers and read what queued up meanwhile.
      await sleep(2_000)

      const after = miner.libp2p.getConnections().filter((c) => c.remotePeer.toString() === relayPeer && c.status === 'open').map((c) => c.id)
      expect(after).toEqual(before)
      const r = await ask()
      expect(r.verified).toBe(true)
      expect(r.direct).toBe(false)
    } finally {
      if (child.exitCode === null) child.kill('SIGCONT')
      await Promise.all(nodes.map((n) => n.stop().catch(() => {})))
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
