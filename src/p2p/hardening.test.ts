/**
 * Hardening of a mesh node's own state, without a relay: the binding cache, offences and bans
 * keyed by hotkey, expiry and bounds of per-peer maps. Real sr25519 hotkeys; the chain is the
 * in-memory StaticMetagraph.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createMeshNode, newPrivateKey, type MeshNode } from './node-entry.ts'
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
