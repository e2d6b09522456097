import { describe, expect, it } from 'vitest'
import { platform } from './canvas.node.ts'
import { addPixelNoise, DEFAULT_RENDER, renderChallenge } from './render.ts'
import { cryptoRandom, randomBytes, randomWords, type RandomSource } from './words.ts'

describe('per-pixel noise', () => {
  it('adds one offset uniform in ±amp to R, G and B, keeps alpha, clamps at 0 and 255', () => {
    const px = 200_000
    const d = new Uint8Array(px * 4)
    for (let i = 0; i < px; i++) d.set([128, 100, 200, 77], i * 4)
    addPixelNoise(d, 14, cryptoRandom())
    const counts = new Array<number>(29).fill(0)
    let bad = 0
    for (let i = 0; i < px; i++) {
      const n = d[i * 4]! - 128
      if (n < -14 || n > 14 || d[i * 4 + 1]! - 100 !== n || d[i * 4 + 2]! - 200 !== n || d[i * 4 + 3] !== 77) bad++
      else counts[n + 14]!++
    }
    expect(bad).toBe(0)
    // Uniform: chi-square over 29 levels (28 degrees of freedom; 80 is far past p = 1e-6).
    const e = px / 29
    const chi = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0)
    expect(chi).toBeLessThan(80)

    const edge = new Uint8Array(40_000).fill(0)
    for (let i = 3; i < edge.length; i += 8) edge.fill(255, i - 3, i)
    addPixelNoise(edge, 14, cryptoRandom())
    const values = new Set(edge)
    expect(Math.min(...values)).toBe(0)
    expect(Math.max(...values)).toBe(255)
  })

  it('draws from the given source, by bulk fill where it has one and by 32-bit draws otherwise', () => {
    let calls = 0
    const plain: RandomSource = () => { calls++; return 0x0d0c0b0a }
    const bytes = new Uint8Array(6)
    randomBytes(plain, bytes)
    expect([...bytes]).toEqual([0x0a, 0x0b, 0x0c, 0x0d, 0x0a, 0x0b])
    expect(calls).toBe(2)
    // Bytes 0x0a, 0x0b, 0x0c, 0x0d in turn: offsets 10 % 29 - 14 = -4, then -3, -2, -1.
    const d = new Uint8Array(16).fill(50)
    addPixelNoise(d, 14, plain)
    expect([...d]).toEqual([46, 46, 46, 50, 47, 47, 47, 50, 48, 48, 48, 50, 49, 49, 49, 50])
  })

  it('gives the same pixels whole-pixel (aligned) and byte by byte (unaligned view), from the same bytes', () => {
    const seeded = (): RandomSource => { let x = 0x9e3779b9; return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0 } }
    const px = 5_000
    const src = new Uint8Array(px * 4)
    randomBytes(seeded(), src)
    const aligned = src.slice()
    addPixelNoise(aligned, 14, seeded())
    const shifted = new Uint8Array(px * 4 + 1)
    shifted.set(src, 1)
    const unaligned = shifted.subarray(1)
    addPixelNoise(unaligned, 14, seeded())
    expect(unaligned).toEqual(aligned)
    expect(aligned).not.toEqual(src)
    // Alpha untouched either way.
    for (let i = 3; i < src.length; i += 4) if (aligned[i] !== src[i]) throw new Error(`alpha changed at ${i}`)
  })
})

describe('speckles', () => {
  // 150-300 on 640x480; a round's 320x160 challenge had as many, six times as dense, and they were a
  // quarter of a validator's CPU per challenge.
  it('are as dense on a small challenge as on 640x480', async () => {
    await platform.loadFonts()
    const count = (w: number, h: number): number => {
      const s = platform.createSurface(w, h)
      let arcs = 0
      const ctx = new Proxy(s.ctx, {
        get: (t, k) => k === 'arc' ? (...a: Parameters<typeof t.arc>) => { arcs++; t.arc(...a) } : (typeof t[k as keyof typeof t] === 'function' ? (t[k as keyof typeof t] as (...a: unknown[]) => unknown).bind(t) : t[k as keyof typeof t]),
        set: (t, k, v) => Reflect.set(t, k, v),
      })
      const rng = cryptoRandom()
      renderChallenge(ctx, randomWords(rng, 3), rng, { ...DEFAULT_RENDER, width: w, height: h, minFontPx: 14, maxFontPx: 20, pixelNoise: 0 })
      return arcs
    }
    for (let i = 0; i < 10; i++) {
      expect(count(640, 480)).toBeGreaterThanOrEqual(150)
      expect(count(640, 480)).toBeLessThan(300)
      const small = count(320, 160)
      expect(small).toBeGreaterThanOrEqual(25)
      expect(small).toBeLessThanOrEqual(50)
    }
  })
})

describe('word layout', () => {
  // A greedy one-pass layout that shrank only the word it could not place failed 1 in 5 of
  // these (and about 1 in 1 000 three-word 256x96 challenges, which failed a CI run).
  it('fits five words into 256x96 every time, inside the canvas and apart from each other', async () => {
    await platform.loadFonts()
    const opts = { ...DEFAULT_RENDER, width: 256, height: 96, minFontPx: 14, maxFontPx: 25, pixelNoise: 0 }
    for (let i = 0; i < 60; i++) {
      const rng = cryptoRandom()
      const words = randomWords(rng, 5, 8, 8)
      const drawn = renderChallenge(platform.createSurface(256, 96).ctx, words, rng, opts)
      expect(drawn.map((d) => d.text)).toEqual(words)
      for (const [j, a] of drawn.entries()) {
        expect(a.size).toBeGreaterThanOrEqual(12)
        expect(a.box.x).toBeGreaterThanOrEqual(0)
        expect(a.box.y).toBeGreaterThanOrEqual(0)
        expect(a.box.x + a.box.width).toBeLessThanOrEqual(256)
        expect(a.box.y + a.box.height).toBeLessThanOrEqual(96)
        for (const b of drawn.slice(j + 1)) {
          const apart = a.box.x + a.box.width <= b.box.x + 1 || b.box.x + b.box.width <= a.box.x + 1 || a.box.y + a.box.height <= b.box.y + 1 || b.box.y + b.box.height <= a.box.y + 1
          expect(apart).toBe(true)
        }
      }
    }
  })

  it('a layout that cannot fit says so, with the word count and canvas', async () => {
    await platform.loadFonts()
    const rng = cryptoRandom()
    expect(() => renderChallenge(platform.createSurface(64, 32).ctx, randomWords(rng, 12), rng, { ...DEFAULT_RENDER, width: 64, height: 32, pixelNoise: 0 }))
      .toThrow(/12 words do not fit a 64x32 canvas/)
  })
})
