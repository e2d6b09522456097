import { describe, expect, it } from 'vitest'
import { u8aWrapBytes } from '@polkadot/util'
import { decodeAddress, sr25519Verify } from '@polkadot/util-crypto'
import { isReady } from '@polkadot/wasm-crypto'
import { bindingMessage, createBinding, decodeBinding, encodeBinding, hotkeyAddress, hotkeyPublicKey, sr25519Ready, verifyBinding, verifySignature, type Signer } from './binding.ts'
import { MeshProtocolError } from './errors.ts'
import { devHotkey, StaticMetagraph } from './test-fixtures.ts'

const PEER = '12D3KooWBKHmzVYgmpGPaAyS1PudsDgixtAYNchnJxhDnRWBd7j4'
const OTHER = '12D3KooWNEjdSqjH4xocHTojo5yJYPHy3j1NNv1gzxCC6umkzx1P'

describe('identity binding', () => {
  const alice = devHotkey('//Alice') // validator with permit
  const bob = devHotkey('//Bob') // registered miner
  const eve = devHotkey('//Eve') // not registered
  const chain = new StaticMetagraph(3).add(alice.address, true).add(bob.address)
  const expiry = Date.now() + 3600_000

  it('a binding signed by a registered hotkey verifies, with its permit', async () => {
    const b = await createBinding({ peerId: PEER, hotkeyPair: alice, netuid: 3, expiry })
    await expect(verifyBinding(b, chain, { peerId: PEER, netuid: 3, requirePermit: true })).resolves.toMatchObject({ validatorPermit: true })
    const m = await createBinding({ peerId: PEER, signer: bob, netuid: 3, expiry })
    await expect(verifyBinding(m, chain)).resolves.toMatchObject({ validatorPermit: false })
    expect(decodeBinding(encodeBinding(m))).toEqual(m)
  })

  it('refuses forged, moved, expired and unregistered bindings', async () => {
    const b = await createBinding({ peerId: PEER, signer: bob, netuid: 3, expiry })
    const code = async (x: typeof b, opts = {}) => verifyBinding(x, chain, opts).then(() => 'ok', (e: MeshProtocolError) => e.code)
    expect(await code({ ...b, peerId: OTHER })).toBe('ERR_BINDING_INVALID') // signature covers the peer
    expect(await code(b, { peerId: OTHER })).toBe('ERR_BINDING_INVALID') // came from another peer
    expect(await code({ ...b, hotkey: alice.address })).toBe('ERR_BINDING_INVALID') // claims another hotkey
    expect(await code({ ...b, expiry: expiry + 1 })).toBe('ERR_BINDING_INVALID')
    expect(await code({ ...b, netuid: 4 })).toBe('ERR_BINDING_INVALID')
    expect(await code(b, { netuid: 4 })).toBe('ERR_BINDING_INVALID')
    const sig = Uint8Array.from(b.signature); sig[10] = sig[10]! ^ 1
    expect(await code({ ...b, signature: sig })).toBe('ERR_BINDING_INVALID')
    expect(await code(b, { now: expiry })).toBe('ERR_BINDING_INVALID')
    expect(await code(b, { requirePermit: true })).toBe('ERR_NO_PERMIT')
    const e = await createBinding({ peerId: PEER, signer: eve, netuid: 3, expiry })
    expect(await code(e)).toBe('ERR_NOT_REGISTERED')
  })

  it('accepts extension-style <Bytes>-wrapped signatures', async () => {
    const ext: Signer = { address: bob.address, sign: (m) => bob.sign(u8aWrapBytes(m)) }
    const b = await createBinding({ peerId: PEER, signer: ext, netuid: 3, expiry })
    expect(verifySignature(bindingMessage(PEER, 3, expiry), b.signature, bob.address)).toBe(true)
    await expect(verifyBinding(b, chain)).resolves.toBeTruthy()
  })

  it('verifies in WASM once it is loaded, with util-crypto\'s (JS) answers: valid, wrapped, tampered, wrong key', async () => {
    expect(await sr25519Ready()).toBe(true)
    expect(isReady()).toBe(true)
    const cases: Array<{ m: Uint8Array; sig: Uint8Array; who: string }> = []
    for (let i = 0; i < 12; i++) {
      const m = crypto.getRandomValues(new Uint8Array(1 + i * 37))
      const sig = await bob.sign(i % 2 === 0 ? m : u8aWrapBytes(m))
      const bad = Uint8Array.from(sig)
      bad[i] = bad[i]! ^ (1 << (i % 8))
      cases.push({ m, sig, who: bob.address }, { m, sig: bad, who: bob.address }, { m, sig, who: alice.address })
    }
    const pk = (who: string) => decodeAddress(who)
    // util-crypto throws on a signature that is no curve point; verifySignature says false.
    const jsVerify = (m: Uint8Array, sig: Uint8Array, key: Uint8Array) => { try { return sr25519Verify(m, sig, key) } catch { return false } }
    const js = cases.map((c) => jsVerify(c.m, c.sig, pk(c.who)) || jsVerify(u8aWrapBytes(c.m), c.sig, pk(c.who)))
    expect(cases.map((c) => verifySignature(c.m, c.sig, c.who))).toEqual(js)
    expect(js.filter(Boolean).length).toBe(12)
  })

  it('refuses bad arguments with ERR_INVALID_ARGUMENT', async () => {
    await expect(createBinding({ peerId: PEER, signer: bob, netuid: 70000, expiry })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await expect(createBinding({ peerId: PEER, signer: { address: 'nope', sign: () => new Uint8Array(64) }, netuid: 1, expiry })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await expect(createBinding({ peerId: PEER, signer: { address: bob.address, sign: () => new Uint8Array(32) }, netuid: 1, expiry })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
  })
  it('SS58 both ways gives the same answers on first and repeated calls, and a caller cannot change what is remembered', () => {
    for (const k of [alice, bob, eve]) {
      const pk = decodeAddress(k.address)
      expect(hotkeyPublicKey(k.address)).toEqual(pk)
      const again = hotkeyPublicKey(k.address)
      expect(again).toEqual(pk)
      again.fill(0) // the copy handed out, not the remembered key
      expect(hotkeyPublicKey(k.address)).toEqual(pk)
      expect(hotkeyAddress(pk)).toBe(k.address)
      expect(hotkeyAddress(Uint8Array.from(pk))).toBe(k.address)
    }
    expect(hotkeyAddress(new Uint8Array(32))).not.toBe(hotkeyAddress(new Uint8Array(32).fill(1)))
    for (let i = 0; i < 2; i++) expect(() => hotkeyPublicKey('nope')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
  })
})
