/**
 * A validator reaching more miners through one relay than libp2p's default stream limit allows:
 * every relayed connection rides on a HOP stream of the validator's one connection to the relay,
 * and libp2p refuses a 65th outbound stream of a protocol per connection unless the dial says
 * otherwise (see RELAYED_PER_CONNECTION). Real libp2p on loopback, as in mesh.test.ts; the chain is
 * an in-memory metagraph.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMeshNode, sendChallenge, serveChallenges, startRelay, type ChallengeServer, type MeshNode, type Relay } from './node-entry.ts'
import { devHotkey, StaticMetagraph } from './test-fixtures.ts'
import { newChallengeId } from './challenge.ts'

const NETUID = 7
/** One more than libp2p's default outbound streams per protocol and connection (64). */
const MINERS = 66

describe('more than 64 miners behind one relay', () => {
  let relay: Relay
  let validator: MeshNode
  const miners: MeshNode[] = []
  const servers: ChallengeServer[] = []

  beforeAll(async () => {
    const vkey = devHotkey('//Alice')
    const mkeys = Array.from({ length: MINERS }, (_, i) => devHotkey(`//Bob//relay-many-${i}`))
    const chain = new StaticMetagraph(NETUID).add(vkey.address, true)
    for (const k of mkeys) chain.add(k.address)
    // Every peer here comes from 127.0.0.1: the per-IP limits raised above the miner count.
    relay = await startRelay({ port: 0, netuids: [NETUID], maxReservationsPerIp: 2 * MINERS, maxConnectionsPerIp: 2 * MINERS, newConnectionsPerIpPerSecond: 10 * MINERS })
    validator = await createMeshNode({ signer: vkey, netuid: NETUID, chain, relays: relay.multiaddrs })
    for (let i = 0; i < MINERS; i += 11) {
      miners.push(...await Promise.all(mkeys.slice(i, i + 11).map(async (signer) => {
        const m = await createMeshNode({ signer, netuid: NETUID, chain, relays: relay.multiaddrs, watchPresence: false })
        await m.waitForReservation({ signal: AbortSignal.timeout(60_000) })
        servers.push(await serveChallenges(m, async () => new TextEncoder().encode('{}')))
        return m
      })))
    }
  }, 240_000)

  afterAll(async () => {
    for (const s of servers) await s.stop()
    await Promise.all([...miners, validator].map((n) => n?.stop()))
    await relay?.stop()
  }, 60_000)

  it('the validator gets an answer from every one, all connections relayed and open at once', async () => {
    const results: Array<string> = []
    for (let i = 0; i < MINERS; i += 8) {
      results.push(...await Promise.all(miners.slice(i, i + 8).map(async (m) => {
        try {
          const r = await sendChallenge(validator, m.peerId, { id: newChallengeId(), task: 'echo', payload: new Uint8Array([1]), deadline: Date.now() + 30_000 })
          return r.verified ? 'ok' : 'unverified'
        } catch (err) {
          return (err as Error).message
        }
      })))
    }
    expect(results.filter((r) => r !== 'ok')).toEqual([])
    const relayed = validator.peers().filter((p) => p.relayed)
    expect(relayed.length).toBe(MINERS)
  }, 240_000)
})
