import { describe, expect, it } from 'vitest'
import {
  CONSENT_KEY, ConsentStore, memoryStorage, openFrameStorage, requestStorageAccess, restoreStorageAccess, usableStorage,
  type ConsentStorage, type FrameStorageEnv,
} from './consent.ts'

/** What browsers do with `window.localStorage` in a third-party frame whose storage is blocked. */
const blocked = (): ConsentStorage => { throw new DOMException('Access is denied for this document.', 'SecurityError') }

/** A fake frame environment; `calls` records every requestStorageAccess argument. */
function env(over: Partial<FrameStorageEnv> = {}): FrameStorageEnv & { calls: unknown[] } {
  const calls: unknown[] = []
  const e: FrameStorageEnv & { calls: unknown[] } = { calls, localStorage: blocked, ...over }
  if (over.requestStorageAccess !== undefined) {
    const inner = over.requestStorageAccess
    e.requestStorageAccess = (types) => { calls.push(types); return inner(types) }
  }
  return e
}

describe('consent storage decisions', () => {
  it('openFrameStorage uses localStorage when it works and memory when it throws', () => {
    const ls = memoryStorage()
    expect(openFrameStorage(env({ localStorage: () => ls }))).toEqual({ storage: ls, mode: 'persistent' })
    const m = openFrameStorage(env())
    expect(m.mode).toBe('memory')
    // The memory store holds consent for this visit.
    const store = new ConsentStore(m.storage)
    store.grant('https://partner.example', 0.3)
    expect(store.get('https://partner.example')?.dutyCycle).toBe(0.3)
    store.revoke('https://partner.example')
    expect(store.get('https://partner.example')).toBeNull()
  })

  it('usableStorage rejects a storage whose reads throw', () => {
    const throwing: ConsentStorage = { getItem: () => { throw new Error('denied') }, setItem() {}, removeItem() {} }
    expect(usableStorage(() => throwing)).toBeNull()
    expect(usableStorage(() => undefined)).toBeNull()
  })

  it('requestStorageAccess prefers the handle\'s localStorage (Chrome 125+)', async () => {
    const unpartitioned = memoryStorage()
    const e = env({ requestStorageAccess: async () => ({ localStorage: unpartitioned as Storage }) })
    expect(await requestStorageAccess(e)).toBe(unpartitioned)
    expect(e.calls).toEqual([{ localStorage: true, indexedDB: true }])
  })

  it('requestStorageAccess retries window.localStorage where rSA resolves without a handle (Safari, Firefox)', async () => {
    let granted = false
    const ls = memoryStorage()
    const e = env({ localStorage: () => (granted ? ls : blocked()), requestStorageAccess: async () => { granted = true; return undefined } })
    expect(await requestStorageAccess(e)).toBe(ls)
  })

  it('requestStorageAccess gives null when denied, unsupported, or granted with storage still refused', async () => {
    expect(await requestStorageAccess(env({ requestStorageAccess: () => Promise.reject(new DOMException('no', 'NotAllowedError')) }))).toBeNull()
    expect(await requestStorageAccess(env())).toBeNull()
    // Seen in Chromium 156: a granted permission resolves, but the handle's localStorage still throws.
    const handle = { get localStorage(): Storage { throw new DOMException('Access is denied for this document.', 'SecurityError') } }
    expect(await requestStorageAccess(env({ requestStorageAccess: async () => handle }))).toBeNull()
  })

  it('restoreStorageAccess asks the browser only when access was already granted', async () => {
    const ls = memoryStorage()
    ls.setItem(CONSENT_KEY, JSON.stringify({ 'https://p.example': { grantedAt: 1, dutyCycle: 0.4 } }))
    const rsa = async () => ({ localStorage: ls as Storage })
    const prompt = env({ requestStorageAccess: rsa, permissionState: async () => 'prompt', hasStorageAccess: async () => false })
    expect(await restoreStorageAccess(prompt)).toBeNull()
    expect(prompt.calls).toEqual([]) // no prompt spam
    const denied = env({ requestStorageAccess: rsa, permissionState: async () => 'denied' })
    expect(await restoreStorageAccess(denied)).toBeNull()
    expect(denied.calls).toEqual([])
    const granted = env({ requestStorageAccess: rsa, permissionState: async () => 'granted' })
    expect(new ConsentStore((await restoreStorageAccess(granted))!).get('https://p.example')?.dutyCycle).toBe(0.4)
    expect(granted.calls).toHaveLength(1)
    // Browsers without the permission name (query throws) fall back to hasStorageAccess().
    const has = env({ requestStorageAccess: rsa, permissionState: () => Promise.reject(new TypeError('bad name')), hasStorageAccess: async () => true })
    expect(await restoreStorageAccess(has)).toBe(ls)
    expect(await restoreStorageAccess(env({ permissionState: async () => 'granted' }))).toBeNull() // no API: nothing to do
  })
})
