// The session hotkey in real Chromium: IndexedDB storage with a non-extractable WebCrypto key,
// surviving a reload, never stored in clear (every byte in IndexedDB and localStorage is scanned),
// and never put on the network. "Reload" here is a new store instance with nothing in memory,
// reading the same IndexedDB: the module keeps no module-level key state, and the browser's ESM
// cache cannot re-evaluate a module, so a new instance is what a reload gives the code.
import { afterAll, describe, expect, it } from 'vitest'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady, mnemonicToMiniSecret, signatureVerify } from '@polkadot/util-crypto'
// Static import: a dynamic one can make Vite discover dependencies mid-run and reload the page.
import * as wallet from './index.ts'

const DB = `webtensor-wallet-test-${Math.random().toString(36).slice(2)}`

/** The wallet module; every `openSessionHotkeys()` call below starts with no in-memory state. */
async function freshWallet(): Promise<typeof wallet> {
  return Promise.resolve(wallet)
}

/** Every value of every object store of `db`, read through the IndexedDB API. */
async function dumpIdb(name: string): Promise<unknown[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(name)
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })
  try {
    const out: unknown[] = []
    for (const store of Array.from(db.objectStoreNames)) {
      const values = await new Promise<unknown[]>((resolve, reject) => {
        const r = db.transaction(store).objectStore(store).getAll()
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
      const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
        const r = db.transaction(store).objectStore(store).getAllKeys()
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
      out.push(...values, ...keys)
    }
    return out
  } finally {
    db.close()
  }
}

/** All bytes reachable in a value (strings as UTF-8), for scanning. CryptoKeys are opaque. */
function bytesOf(v: unknown): Uint8Array[] {
  if (v instanceof Uint8Array) return [v]
  if (v instanceof ArrayBuffer) return [new Uint8Array(v)]
  if (typeof v === 'string') return [new TextEncoder().encode(v)]
  if (typeof v === 'number' || typeof v === 'bigint') return [new TextEncoder().encode(String(v))]
  if (v instanceof CryptoKey) return []
  if (v && typeof v === 'object') return Object.values(v).flatMap(bytesOf)
  return []
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

/** Outgoing network call the page made, with its body when it has one. */
interface NetCall { readonly what: string; readonly body: string }

/** Vitest's own RPC socket between this page and the runner: not the code under test. */
const HARNESS = '__vitest_browser_api__'

/** Record every outgoing network call the page makes (fetch, XHR, beacon, WebSocket, WebRTC data). */
function recordNetwork(): { calls: NetCall[]; restore(): void } {
  const calls: NetCall[] = []
  const text = (d: unknown): string => (typeof d === 'string' ? d : d instanceof ArrayBuffer ? new TextDecoder().decode(d) : ArrayBuffer.isView(d) ? new TextDecoder().decode(d) : String(d ?? ''))
  const origFetch = window.fetch
  const origOpen = XMLHttpRequest.prototype.open
  const origBeacon = navigator.sendBeacon.bind(navigator)
  const origWsSend = WebSocket.prototype.send
  const origDcSend = RTCDataChannel.prototype.send
  window.fetch = (input, init) => { calls.push({ what: `fetch ${String(input instanceof Request ? input.url : input)}`, body: text(init?.body) }); return origFetch(input, init) }
  XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...a: unknown[]) { calls.push({ what: `xhr ${String(a[1])}`, body: '' }); return (origOpen as (...x: unknown[]) => void).apply(this, a) } as typeof origOpen
  navigator.sendBeacon = (url, data) => { calls.push({ what: `beacon ${String(url)}`, body: text(data) }); return origBeacon(url, data) }
  WebSocket.prototype.send = function (this: WebSocket, d) { calls.push({ what: `ws ${this.url}`, body: text(d) }); return origWsSend.call(this, d) }
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, d: never) { calls.push({ what: 'rtc', body: text(d) }); return origDcSend.call(this, d) } as typeof origDcSend
  return {
    calls,
    restore() {
      window.fetch = origFetch
      XMLHttpRequest.prototype.open = origOpen
      navigator.sendBeacon = origBeacon
      WebSocket.prototype.send = origWsSend
      RTCDataChannel.prototype.send = origDcSend
    },
  }
}

afterAll(async () => {
  await new Promise<void>((resolve) => {
    const r = indexedDB.deleteDatabase(DB)
    r.onsuccess = r.onerror = r.onblocked = () => resolve()
  })
})

describe('session hotkey in real Chromium', () => {
  it('is generated once, survives a reload, and signs; the secret is never stored in clear nor sent', async () => {
    // Warm the module graph first so the network recorder only sees what the hotkey itself does.
    const w1 = await freshWallet()
    await cryptoWaitReady()
    const net = recordNetwork()
    let address: string
    let phrase: string
    try {
      const store = w1.openSessionHotkeys({ dbName: DB })
      const created = await store.getOrCreate()
      address = created.address
      phrase = await store.exportMnemonic()
      const msg = new TextEncoder().encode('hello mesh')
      expect(signatureVerify(msg, await created.signer.sign(msg), address).isValid).toBe(true)
    } finally {
      net.restore()
    }
    expect(net.calls.filter((c) => !c.what.includes(HARNESS)).map((c) => c.what), 'the hotkey code made network calls').toEqual([])
    // Whatever the test harness itself sent meanwhile does not carry the secret either.
    const seedHex = u8aToHex(mnemonicToMiniSecret(phrase)).slice(2)
    for (const c of net.calls) {
      expect(c.body.includes(phrase.split(' ').slice(0, 3).join(' '))).toBe(false)
      expect(c.body.includes(seedHex.slice(0, 24))).toBe(false)
    }

    // "Reload": a new instance reads the same IndexedDB and gets the same key back.
    const w2 = await freshWallet()
    const reloaded = await w2.openSessionHotkeys({ dbName: DB }).current()
    expect(reloaded?.address).toBe(address)
    const msg = new TextEncoder().encode('after reload')
    expect(signatureVerify(msg, await reloaded!.signer.sign(msg), address).isValid).toBe(true)

    // Scan every stored byte (IndexedDB values and keys, localStorage) for the secret.
    const seed = mnemonicToMiniSecret(phrase)
    const needles = [
      new TextEncoder().encode(phrase),
      new TextEncoder().encode(phrase.split(' ').slice(0, 3).join(' ')),
      seed.subarray(0, 12),
      new TextEncoder().encode(u8aToHex(seed).slice(2, 26)),
    ]
    const stored = [
      ...(await dumpIdb(DB)).flatMap(bytesOf),
      ...Object.keys(localStorage).flatMap((k) => bytesOf(`${k}=${localStorage.getItem(k) ?? ''}`)),
    ]
    expect(stored.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(64) // something was stored: the ciphertext
    for (const hay of stored) for (const needle of needles) expect(contains(hay, needle)).toBe(false)

    // The wrapping key in IndexedDB is a non-extractable AES-GCM CryptoKey.
    const keys = (await dumpIdb(DB)).filter((v): v is CryptoKey => v instanceof CryptoKey)
    expect(keys).toHaveLength(1)
    expect(keys[0]!.extractable).toBe(false)
    expect(keys[0]!.algorithm.name).toBe('AES-GCM')
    await expect(crypto.subtle.exportKey('raw', keys[0]!)).rejects.toThrow()
  })

  it('rotates and forgets across reloads', async () => {
    const w = await freshWallet()
    const store = w.openSessionHotkeys({ dbName: DB })
    const before = (await store.current())!.address
    const { previous, current } = await store.rotate()
    expect(previous).toBe(before)
    expect(current.address).not.toBe(before)
    expect((await (await freshWallet()).openSessionHotkeys({ dbName: DB }).current())?.address).toBe(current.address)
    await store.forget()
    expect(await (await freshWallet()).openSessionHotkeys({ dbName: DB }).current()).toBeUndefined()
  })
})
