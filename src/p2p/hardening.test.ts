/**
 * Hardening of a mesh node's own state, without a relay: the binding cache, offences and bans
 * keyed by hotkey, expiry and bounds of per-peer maps. Real sr25519 hotkeys; the chain is the
 * in-memory StaticMetagraph.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createMeshNode, MeshProtocolError, type MeshNode } from './node-entry.ts'
import { RateLimiter } from './limits.ts'
import { createBinding } from './binding.ts'
import { devHotkey, StaticMetagraph } from './test-fixtures.ts'

const NETUID = 7
const alice = devHotkey('//Alice')
const bob = devHotkey('//Bob')
const chain = new StaticMetagraph(NETUID).add(alice.address, true).add(bob.address)
const PEER = '12D3KooWBKHmzVYgmpGPaAyS1PudsDgixtAYNchnJxhDnRWBd7j4'

const nodes: MeshNode[] = []
const offline = async (signer = bob, extra = {}): Promise<MeshNode> => {
  const n = await createMeshNode({ signer, netuid: NETUID, chain, relays: [], start: false, ...extra })
  nodes.push(n)
  return n
}
afterAll(async () => { await Promise.all(nodes.map((n) => n.stop())) })

describe('binding cache', () => {
  it('a cached binding with the hotkey swapped is refused, not served from the cache (finding 3)', async () => {
    const node = await offline()
    const real = await createBinding({ peerId: PEER, signer: alice, netuid: NETUID, expiry: Date.now() + 600_000 })
    await expect(node.verifyPeerBinding(real, PEER, { requirePermit: true })).resolves.toMatchObject({ validatorPermit: true })
    // Same signature, another account: it must verify from scratch and fail.
    const swapped = { ...real, hotkey: bob.address }
    await expect(node.verifyPeerBinding(swapped, PEER)).rejects.toMatchObject({ code: 'ERR_BINDING_INVALID' })
    // Nor may the swap poison the cache: the real one still verifies, the swap still fails.
    await expect(node.verifyPeerBinding(real, PEER, { requirePermit: true })).resolves.toMatchObject({ validatorPermit: true, binding: { hotkey: alice.address } })
    await expect(node.verifyPeerBinding({ ...real, expiry: real.expiry + 1 }, PEER)).rejects.toMatchObject({ code: 'ERR_BINDING_INVALID' })
  })
})

describe('per-peer state is bounded and expires (finding 7)', () => {
  it('offences from many peer ids stay within maxTrackedPeers', async () => {
    const node = await offline(bob, { limits: { maxTrackedPeers: 50, offenceLimit: 1_000_000 } })
    for (let i = 0; i < 500; i++) node.reportOffence(`fake-peer-${i}`, new MeshProtocolError('ERR_MALFORMED', 'junk'))
    expect(node.stateSizes().offences).toBeLessThanOrEqual(50)
    expect(node.offences('fake-peer-499')).toBe(1)
  })

  it('offences and bans are dropped once they expire, without being read', async () => {
    const node = await offline(bob, { limits: { offenceWindowMs: 400, banMs: 400, offenceLimit: 2 } })
    await node.start()
    node.reportOffence(PEER, new MeshProtocolError('ERR_MALFORMED', 'junk'))
    node.reportOffence(PEER, new MeshProtocolError('ERR_MALFORMED', 'junk'))
    expect(node.stateSizes()).toMatchObject({ offences: 1, bans: 1 })
    await expect.poll(() => node.stateSizes(), { timeout: 10_000, interval: 100 }).toMatchObject({ offences: 0, bans: 0 })
  })

  it('a rate limiter keeps at most its bound of buckets, even when none is full', () => {
    const t = 0
    const limiter = new RateLimiter(1, 5, () => t, 1_000)
    for (let i = 0; i < 5_000; i++) limiter.take(`k${i}`)
    expect(limiter.size).toBeLessThanOrEqual(1_000)
    // The newest keys are the ones kept, with their token spent.
    for (let i = 0; i < 4; i++) expect(limiter.take('k4999')).toBe(true)
    expect(limiter.take('k4999')).toBe(false)
  })
})
