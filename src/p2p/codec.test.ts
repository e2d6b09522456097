import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FrameDecoder, encodeFrame } from './frame.ts'
import { MeshError, MeshProtocolError } from './errors.ts'
import { decodePresence, decodeRequest, decodeResponse, encodePresence, encodeRequest, encodeResponse } from './messages.ts'
import { createBinding } from './binding.ts'
import { devHotkey } from './test-fixtures.ts'
import { RateLimiter } from './limits.ts'

const PEER = '12D3KooWBKHmzVYgmpGPaAyS1PudsDgixtAYNchnJxhDnRWBd7j4'

describe('frames', () => {
  it('round-trip any body, whatever the chunking', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), fc.integer({ min: 1, max: 50 }), (bodies, chunk) => {
      const wire = bodies.map(encodeFrame)
      const all = new Uint8Array(wire.reduce((n, w) => n + w.byteLength, 0))
      let o = 0
      for (const w of wire) { all.set(w, o); o += w.byteLength }
      const d = new FrameDecoder(1000)
      const out: Uint8Array[] = []
      for (let i = 0; i < all.byteLength; i += chunk) out.push(...d.push(all.subarray(i, i + chunk)))
      d.end()
      expect(out.map((b) => [...b])).toEqual(bodies.map((b) => [...b]))
    }))
  })

  it('encodes lengths as minimal varints', () => {
    expect([...encodeFrame(new Uint8Array(127)).subarray(0, 1)]).toEqual([127])
    expect([...encodeFrame(new Uint8Array(128)).subarray(0, 2)]).toEqual([0x80, 0x01])
    expect([...encodeFrame(new Uint8Array(300)).subarray(0, 2)]).toEqual([0xac, 0x02])
  })

  it('refuses a length above the limit from the prefix alone', () => {
    const d = new FrameDecoder(256 * 1024)
    const big = encodeFrame(new Uint8Array(256 * 1024 + 1)).subarray(0, 3)
    expect(() => d.push(big)).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }))
    expect(() => new FrameDecoder(10).push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }))
  })

  it('refuses overlong and non-minimal varints', () => {
    expect(() => new FrameDecoder(2 ** 40).push(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(expect.objectContaining({ code: 'ERR_BAD_VARINT' }))
    expect(() => new FrameDecoder(100).push(new Uint8Array([0x85, 0x00]))).toThrow(expect.objectContaining({ code: 'ERR_BAD_VARINT' }))
  })

  it('reports input that ends inside a frame', () => {
    const d = new FrameDecoder(100)
    expect(d.push(encodeFrame(new Uint8Array(10)).subarray(0, 5))).toEqual([])
    expect(() => d.end()).toThrow(expect.objectContaining({ code: 'ERR_TRUNCATED' }))
  })
})

describe('messages', async () => {
  const alice = devHotkey('//Alice')
  const binding = await createBinding({ peerId: PEER, signer: alice, netuid: 7, expiry: Date.now() + 60_000 })
  const request = encodeRequest({ binding, challenge: { id: new Uint8Array(16).fill(1), task: 'ocr/1', payload: new Uint8Array(1000).fill(9), deadline: Date.now() + 5000 } })
  const response = encodeResponse({ ok: true, id: new Uint8Array(16).fill(1), answer: new TextEncoder().encode('{"text":"x"}'), signature: new Uint8Array(64).fill(3), binding })
  const presence = encodePresence({ binding, model: 'ppocr-v4', capacity: 3, ts: Date.now(), signature: new Uint8Array(64).fill(4) })

  it('round-trip', () => {
    const r = decodeRequest(request, 256 * 1024)
    expect(r.binding).toEqual(binding)
    expect(r.challenge.task).toBe('ocr/1')
    expect(r.challenge.payload.byteLength).toBe(1000)
    const s = decodeResponse(response, 64 * 1024)
    expect(s.ok && new TextDecoder().decode(s.answer)).toBe('{"text":"x"}')
    const e = decodeResponse(encodeResponse({ ok: false, code: 'ERR_NO_PERMIT', message: 'no' }), 10)
    expect(e).toEqual({ ok: false, code: 'ERR_NO_PERMIT', message: 'no' })
    expect(decodePresence(presence).model).toBe('ppocr-v4')
  })

  it('refuse out-of-range fields with typed errors', () => {
    expect(() => decodeRequest(request, 999)).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }))
    expect(() => decodeRequest(encodeRequest({ binding, challenge: { id: new Uint8Array(4), task: 'x', payload: new Uint8Array(0), deadline: 1 } }), 10)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }))
    expect(() => decodeResponse(response, 5)).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }))
    expect(decodeResponse(encodeResponse({ ok: false, code: 'ERR_SOMETHING_NEW' as 'ERR_MALFORMED', message: '' }), 10)).toMatchObject({ code: 'ERR_MALFORMED' })
  })

  // Fuzz: random bytes and mutations of valid messages never escape as anything but a MeshError.
  const decoders: Array<[string, (b: Uint8Array) => unknown, Uint8Array]> = [
    ['request', (b) => decodeRequest(b, 256 * 1024), request],
    ['response', (b) => decodeResponse(b, 64 * 1024), response],
    ['presence', (b) => decodePresence(b), presence],
  ]
  const mutate = (base: Uint8Array) => fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')), { minLength: 1, maxLength: 8 }).map((ops) => {
    let b = Uint8Array.from(base)
    for (const [pos, val, op] of ops) {
      const i = pos % Math.max(1, b.byteLength)
      if (op === 'set') b[i] = val
      else if (op === 'cut') b = b.subarray(0, i)
      else b = Uint8Array.from([...b.subarray(0, i), val, ...b.subarray(i)])
    }
    return b
  })
  for (const [name, decode, valid] of decoders) {
    it(`fuzz ${name}: random and mutated bodies decode or throw a MeshError`, () => {
      let errors = 0
      fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), mutate(valid)), (bytes) => {
        try { decode(bytes) } catch (err) {
          errors++
          expect(err).toBeInstanceOf(MeshError)
          expect(err).toBeInstanceOf(MeshProtocolError)
        }
      }), { numRuns: 3000 })
      expect(errors).toBeGreaterThan(0)
    })
  }

  it('fuzz frames: random byte streams produce frames or typed errors', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 300 }), (bytes, max) => {
      const d = new FrameDecoder(max)
      try {
        for (const f of d.push(bytes)) expect(f.byteLength).toBeLessThanOrEqual(max)
      } catch (err) {
        expect(err).toBeInstanceOf(MeshProtocolError)
      }
    }), { numRuns: 5000 })
  })
})

describe('rate limiter', () => {
  it('allows the burst, then the sustained rate, per key', () => {
    let t = 0
    const r = new RateLimiter(10, 5, () => t)
    for (let i = 0; i < 5; i++) expect(r.take('a')).toBe(true)
    expect(r.take('a')).toBe(false)
    expect(r.take('b')).toBe(true)
    t += 100 // one token at 10/s
    expect(r.take('a')).toBe(true)
    expect(r.take('a')).toBe(false)
    t += 10_000
    for (let i = 0; i < 5; i++) expect(r.take('a')).toBe(true)
    expect(r.take('a')).toBe(false)
  })
})
