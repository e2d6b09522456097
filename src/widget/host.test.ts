import { describe, expect, it } from 'vitest'
import { hostOrigin, widgetParams } from './host.ts'
import { ConsentStore, CONSENT_KEY, type ConsentStorage } from './consent.ts'

/** In-memory stand-in for localStorage, which Node does not have (the e2e test uses the real one). */
function memoryStorage(): ConsentStorage & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => { map.set(k, v) }, removeItem: (k) => { map.delete(k) } }
}

describe('hostOrigin', () => {
  it('prefers ancestorOrigins, falls back to the referrer, and is null at top level', () => {
    expect(hostOrigin({ isTop: false, ancestorOrigins: ['http://127.0.0.1:5000'], referrer: 'http://evil.example/' })).toBe('http://127.0.0.1:5000')
    expect(hostOrigin({ isTop: false, referrer: 'https://partner.example/page?x=1' })).toBe('https://partner.example')
    expect(hostOrigin({ isTop: false, ancestorOrigins: [], referrer: '' })).toBeNull()
    expect(hostOrigin({ isTop: false, ancestorOrigins: ['null'], referrer: '' })).toBeNull()
    expect(hostOrigin({ isTop: true, ancestorOrigins: [], referrer: 'https://partner.example/' })).toBeNull()
  })
})

describe('widgetParams', () => {
  it('clamps the host duty cycle to 0.1..0.5 and validates nonce and netuid', () => {
    const p = widgetParams('http://app/?mode=widget&nonce=abcdef0123456789&duty=1&netuid=7')
    expect(p).toEqual({ nonce: 'abcdef0123456789', dutyCycle: 0.5, netuid: 7 })
    expect(widgetParams('http://app/?duty=0').dutyCycle).toBe(0.1)
    expect(widgetParams('http://app/?mode=widget')).toEqual({ nonce: null, dutyCycle: 0.25, netuid: null })
    expect(widgetParams('http://app/?nonce=<script>&netuid=70000').nonce).toBeNull()
    expect(widgetParams('http://app/?netuid=70000').netuid).toBeNull()
  })
})

describe('ConsentStore', () => {
  it('remembers per exact origin and forgets on revoke', () => {
    const s = memoryStorage()
    const store = new ConsentStore(s)
    expect(store.get('https://a.example')).toBeNull()
    store.grant('https://a.example', 0.25)
    store.grant('https://b.example', 0.5)
    expect(store.get('https://a.example')?.dutyCycle).toBe(0.25)
    expect(store.get('http://a.example')).toBeNull()
    expect(new ConsentStore(s).origins().sort()).toEqual(['https://a.example', 'https://b.example'])
    store.revoke('https://a.example')
    expect(store.get('https://a.example')).toBeNull()
    store.revoke('https://b.example')
    expect(s.map.has(CONSENT_KEY)).toBe(false)
  })

  it('treats corrupt storage as no consent', () => {
    const s = memoryStorage()
    s.setItem(CONSENT_KEY, '{not json')
    expect(new ConsentStore(s).get('https://a.example')).toBeNull()
    s.setItem(CONSENT_KEY, JSON.stringify({ 'https://a.example': { grantedAt: 'yesterday' }, __proto__: { x: 1 } }))
    expect(new ConsentStore(s).get('https://a.example')).toBeNull()
  })
})
