import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { cer, editDistance, normalizeWord, scoreOcr, type OcrAnswer } from './score.ts'
import { OCR_ALPHABET } from './words.ts'

const box = { x: 0, y: 0, width: 10, height: 10 }
const answer = (id: string, texts: string[]): OcrAnswer => ({ id, words: texts.map((text) => ({ text, confidence: 0.9, box })) })
const TRUTH = ['Kestrav', 'MUBWQZ', 'hytep', 'zanpr']

/** Textbook O(nm) recursion with memo: the oracle for editDistance. */
function levOracle(a: string, b: string): number {
  const memo = new Map<string, number>()
  const go = (i: number, j: number): number => {
    if (i === 0) return j
    if (j === 0) return i
    const k = `${i},${j}`
    const hit = memo.get(k)
    if (hit !== undefined) return hit
    const v = Math.min(go(i - 1, j) + 1, go(i, j - 1) + 1, go(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1))
    memo.set(k, v)
    return v
  }
  return go(a.length, b.length)
}

describe('OCR scoring', () => {
  it('a perfect answer in any order and case scores 1', () => {
    const s = scoreOcr('c1', TRUTH, answer('c1', ['zanpr', 'mubwqz', 'KESTRAV', ' Hytep ']))
    expect(s.score).toBe(1)
    expect(s.parts['exact']).toBe(4)
  })

  it('an answer for another challenge scores 0', () => {
    expect(scoreOcr('c1', TRUTH, answer('c2', TRUTH)).score).toBe(0)
  })

  it('gives 1 - CER partial credit at half weight', () => {
    // "hytcp" vs "hytep": one substitution in five letters: credit 0.5 * 0.8.
    const s = scoreOcr('c1', TRUTH, answer('c1', ['Kestrav', 'MUBWQZ', 'hytcp', 'zanpr']))
    expect(s.parts['exact']).toBe(3)
    expect(s.score).toBeCloseTo((3 + 0.5 * 0.8) / 4, 12)
  })

  it('splits merged words and penalizes extra ones', () => {
    const merged = scoreOcr('c1', TRUTH, answer('c1', ['Kestrav MUBWQZ', 'hytep', 'zanpr']))
    expect(merged.score).toBe(1)
    const extra = scoreOcr('c1', TRUTH, answer('c1', [...TRUTH, 'junk', 'more']))
    expect(extra.parts['extra']).toBe(2)
    expect(extra.score).toBeCloseTo(1 - 0.5 * 2 / 4, 12)
  })

  it('applies the latency factor: full to target, half at the deadline, zero after', () => {
    const opts = { targetLatencyMs: 1000, deadlineMs: 11_000 }
    expect(scoreOcr('c1', TRUTH, answer('c1', TRUTH), { ...opts, latencyMs: 900 }).score).toBe(1)
    expect(scoreOcr('c1', TRUTH, answer('c1', TRUTH), { ...opts, latencyMs: 6000 }).score).toBeCloseTo(0.75, 12)
    expect(scoreOcr('c1', TRUTH, answer('c1', TRUTH), { ...opts, latencyMs: 11_000 }).score).toBe(0)
  })

  it('normalizes case, width forms and whitespace', () => {
    expect(normalizeWord(' Ｋes\ttrav ')).toBe('kestrav')
  })

  test.prop([fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 })])('editDistance equals the textbook recursion', (a, b) => {
    expect(editDistance(a, b)).toBe(levOracle([...a].join(''), [...b].join('')))
  })

  const word = fc.array(fc.constantFrom(...OCR_ALPHABET), { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''))
  test.prop([fc.uniqueArray(word, { minLength: 1, maxLength: 10 }), fc.array(word, { maxLength: 12 }), fc.option(fc.integer({ min: 0, max: 40_000 }), { nil: undefined })])(
    'is deterministic and within [0, 1]',
    (truth, predicted, latencyMs) => {
      const opts = latencyMs === undefined ? {} : { latencyMs }
      const a = scoreOcr('x', truth, answer('x', predicted), opts)
      const b = scoreOcr('x', truth, answer('x', predicted), opts)
      expect(a).toEqual(b)
      expect(a.score).toBeGreaterThanOrEqual(0)
      expect(a.score).toBeLessThanOrEqual(1)
    },
  )

  test.prop([fc.uniqueArray(word, { minLength: 2, maxLength: 10, selector: (w) => w.toLowerCase() }), fc.nat()])('dropping one word costs exactly 1/K', (truth, k) => {
    const drop = k % truth.length
    const s = scoreOcr('x', truth, answer('x', truth.filter((_, i) => i !== drop)))
    // The dropped word may still earn partial credit from nothing: all others are used exactly.
    expect(s.parts['exact']).toBe(truth.length - 1)
    expect(s.score).toBeCloseTo((truth.length - 1) / truth.length, 12)
  })

  it('cer is capped at 1', () => {
    expect(cer('ab', 'xyzxyz')).toBe(1)
    expect(cer('abcd', 'abed')).toBe(0.25)
  })
})
