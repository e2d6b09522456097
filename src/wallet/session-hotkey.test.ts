// Session hotkey in Node (memory storage, real WebCrypto and sr25519). The IndexedDB path, reloads
// and the storage scan in a real browser are in session-hotkey.browser.test.ts.
import { describe, expect, it } from 'vitest'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady, mnemonicToMiniSecret, signatureVerify } from '@polkadot/util-crypto'
import { WalletError, createMemoryHotkeyStorage, isMnemonic, openSessionHotkeys, signMessage, verifyMessage } from './index.ts'
import type { HotkeyStorage } from './index.ts'

/** Memory storage that also exposes what was written, to scan it. */
function inspectableStorage(): HotkeyStorage & { values(): unknown[] } {
  const inner = createMemoryHotkeyStorage()
  const map = new Map<string, unknown>()
  return {
    get: inner.get,
    put: async (k, v) => { map.set(k, v); await inner.put(k, v) },
    delete: async (k) => { map.delete(k); await inner.delete(k) },
    values: () => [...map.values()],
  }
}

function containsBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

function bytesOf(v: unknown): Uint8Array[] {
  if (v instanceof Uint8Array) return [v]
  if (typeof v === 'string') return [new TextEncoder().encode(v)]
  if (v && typeof v === 'object' && !(v instanceof CryptoKey)) return Object.values(v).flatMap(bytesOf)
  return []
}

describe('session hotkey (Node, memory storage)', () => {
  it('generates once, survives re-opening the store, signs verifiably', async () => {
    const storage = inspectableStorage()
    const a = await openSessionHotkeys({ storage }).getOrCreate()
    expect(a.address).toMatch(/^5/)
    const again = await openSessionHotkeys({ storage }).getOrCreate()
    expect(again.address).toBe(a.address)
    const msg = new TextEncoder().encode('bind peer 12D3KooW… to netuid 1')
    const sig = await again.signer.sign(msg)
    expect(signatureVerify(msg, sig, a.address).isValid).toBe(true)
    expect(verifyMessage('hello', await signMessage(again.signer, 'hello'), a.address)).toBe(true)
    expect(verifyMessage('hellO', await signMessage(again.signer, 'hello'), a.address)).toBe(false)
  })

  it('stores neither the phrase nor the seed in clear', async () => {
    const storage = inspectableStorage()
    const hk = openSessionHotkeys({ storage })
    await hk.getOrCreate()
    const phrase = await hk.exportMnemonic()
    expect(isMnemonic(phrase)).toBe(true)
    await cryptoWaitReady()
    const seed = mnemonicToMiniSecret(phrase)
    const stored = storage.values().flatMap(bytesOf)
    expect(stored.length).toBeGreaterThan(0)
    for (const b of stored) {
      expect(containsBytes(b, new TextEncoder().encode(phrase.split(' ').slice(0, 2).join(' ')))).toBe(false)
      expect(containsBytes(b, seed.subarray(0, 16))).toBe(false)
      expect(containsBytes(b, new TextEncoder().encode(u8aToHex(seed).slice(2, 34)))).toBe(false)
    }
    // The encryption key is a non-extractable CryptoKey.
    const key = storage.values().find((v) => v instanceof CryptoKey) as CryptoKey
    expect(key.extractable).toBe(false)
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow()
  })

  it('exports a standard JSON keystore that opens with the password only', async () => {
    const hk = openSessionHotkeys({ storage: createMemoryHotkeyStorage() })
    const cur = await hk.getOrCreate()
    await expect(hk.exportJson('')).rejects.toMatchObject({ code: 'BAD_INPUT' })
    const json = await hk.exportJson('correct horse')
    expect(json.address).toBe(cur.address)
    expect(json.encoding.type).toContain('scrypt')
    const pair = new Keyring({ type: 'sr25519' }).addFromJson(json)
    pair.decodePkcs8('correct horse')
    const sig = pair.sign(new Uint8Array([1, 2, 3]))
    expect(signatureVerify(new Uint8Array([1, 2, 3]), sig, cur.address).isValid).toBe(true)

    // Import it into a fresh store: same address; a wrong password is a typed error.
    const other = openSessionHotkeys({ storage: createMemoryHotkeyStorage() })
    await expect(other.importJson(json, 'nope')).rejects.toMatchObject({ code: 'BAD_PASSWORD' })
    const imported = await other.importJson(json, 'correct horse')
    expect(imported.address).toBe(cur.address)
    await expect(other.exportMnemonic()).rejects.toMatchObject({ code: 'UNSUPPORTED' })
  })

  it('rotates to a new key and forgets', async () => {
    const storage = createMemoryHotkeyStorage()
    const hk = openSessionHotkeys({ storage })
    const first = await hk.getOrCreate()
    const { previous, current } = await hk.rotate()
    expect(previous).toBe(first.address)
    expect(current.address).not.toBe(first.address)
    expect((await openSessionHotkeys({ storage }).current())?.address).toBe(current.address)
    await hk.forget()
    expect(await hk.current()).toBeUndefined()
    expect(await openSessionHotkeys({ storage }).current()).toBeUndefined()
    await expect(hk.exportJson('pw')).rejects.toMatchObject({ code: 'HOTKEY_MISSING' })
  })

  it('detects a tampered record', async () => {
    const storage = createMemoryHotkeyStorage()
    await openSessionHotkeys({ storage }).getOrCreate()
    const rec = await storage.get<{ ciphertext: Uint8Array }>('session-hotkey')
    rec!.ciphertext[0]! ^= 1
    const err = await openSessionHotkeys({ storage }).current().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WalletError)
    expect((err as WalletError).code).toBe('HOTKEY_STORE')
  })
})
