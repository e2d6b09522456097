import { describe, expect, it } from 'vitest'
import { OCR_ALPHABET, cryptoRandom, randInt, randomWords } from './words.ts'

describe('challenge words', () => {
  it('the alphabet has no look-alikes (i, l, o) and no digits', () => {
    for (const c of 'ilojq0123456789') expect(OCR_ALPHABET).not.toContain(c)
    expect(new Set(OCR_ALPHABET).size).toBe(OCR_ALPHABET.length)
  })

  it('words are distinct after case folding, 4-8 letters, from the alphabet, no doubled letters', () => {
    const rng = cryptoRandom()
    for (let round = 0; round < 50; round++) {
      const ws = randomWords(rng, 8)
      expect(new Set(ws.map((w) => w.toLowerCase())).size).toBe(8)
      for (const w of ws) {
        expect(w.length).toBeGreaterThanOrEqual(4)
        expect(w.length).toBeLessThanOrEqual(8)
        const lower = w.toLowerCase()
        for (const c of lower) expect(OCR_ALPHABET).toContain(c)
        for (let i = 1; i < lower.length; i++) expect(lower[i]).not.toBe(lower[i - 1])
      }
    }
  })

  it('two draws differ (CSPRNG, no shared seed)', () => {
    expect(randomWords(cryptoRandom(), 8)).not.toEqual(randomWords(cryptoRandom(), 8))
  })

  it('randInt covers its range exactly', () => {
    const rng = cryptoRandom()
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) {
      const v = randInt(rng, 7)
      expect(v).toBeGreaterThanOrEqual(0)
      expect(v).toBeLessThan(7)
      seen.add(v)
    }
    expect(seen.size).toBe(7)
  })
})
