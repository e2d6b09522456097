import { describe, expect, it } from 'vitest'
import { fc, test as fcTest } from '@fast-check/vitest'
import { ONE, mulFx, mulBig, divFx, divBig, fixedToU16, fixedToU16Big, u16ToFixed, expSafeBig, expFixedBig, fixedTimesRao, fixedTimesRaoBy } from './fixed.ts'

// Magnitudes the epoch produces: proportions up to 2^34 bits, raw u16 sums up to 2^44.
const edge = [0, 1, 2, 65535, 65536, ONE - 1, ONE, ONE + 1, 2 ** 33 - 1, 2 ** 36, 2 ** 37 - 1, 2 ** 37, 2 ** 44 - 1, 2 ** 44, 2 ** 45 - 1, 2 ** 45, 2 ** 52]
const small = fc.oneof(fc.constantFrom(...edge), fc.integer({ min: 0, max: 2 ** 34 }), fc.integer({ min: -(2 ** 34), max: 2 ** 34 }))
const wide = fc.oneof(fc.constantFrom(...edge), fc.integer({ min: 0, max: 2 ** 44 }), fc.integer({ min: 0, max: 2 ** 52 }))

describe('fixed-point helpers vs BigInt oracle', () => {
  fcTest.prop([
    fc.oneof(fc.constantFrom(0, 1, ONE - 1, ONE, ONE + 1, 2 ** 34), fc.integer({ min: 0, max: ONE })),
    fc.oneof(fc.constantFrom(0n, 1n, 65535n, (1n << 32n) - 1n, 1n << 32n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n), fc.bigInt({ min: 0n, max: (1n << 53n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
  ], { numRuns: 3000 })('fixedTimesRaoBy(rao)(bits) = fixedTimesRao(bits, rao)', (bits, rao) => {
    expect(fixedTimesRaoBy(rao)(bits)).toBe(fixedTimesRao(bits, rao))
  })

  fcTest.prop([small, small], { numRuns: 3000 })('mulFx = floor(a*b / 2^32) (throws RANGE beyond 2^53)', (a, b) => {
    const want = mulBig(BigInt(a), BigInt(b))
    if (want > BigInt(Number.MAX_SAFE_INTEGER) || want < -BigInt(Number.MAX_SAFE_INTEGER)) expect(() => mulFx(a, b)).toThrow()
    else expect(mulFx(a, b)).toBe(Number(want))
  })
  fcTest.prop([fc.integer({ min: 0, max: 2 ** 44 }), fc.integer({ min: -(2 ** 20), max: 2 ** 20 })], { numRuns: 1000 })('mulFx with a wide operand', (a, b) => {
    expect(mulFx(a, b)).toBe(Number(mulBig(BigInt(a), BigInt(b))))
  })
  fcTest.prop([wide, wide], { numRuns: 3000 })('divFx = trunc((a << 32) / b), 0 on b = 0 or overflow', (a, b) => {
    const want = divBig(BigInt(a), BigInt(b))
    if (want > BigInt(Number.MAX_SAFE_INTEGER)) expect(() => divFx(a, b)).toThrow()
    else expect(divFx(a, b)).toBe(Number(want))
  })
  fcTest.prop([fc.integer({ min: 0, max: 2 ** 32 }), fc.oneof(fc.integer({ min: 1, max: 2 ** 37 }), fc.integer({ min: 2 ** 37, max: 2 ** 45 }), fc.integer({ min: 2 ** 45, max: 2 ** 52 }))], { numRuns: 3000 })('divFx on proportions (a <= 2^32), every chunking range of b', (a, b) => {
    fc.pre(a <= b * 2 ** 20)
    expect(divFx(a, b)).toBe(Number(divBig(BigInt(a), BigInt(b))))
  })
  it('divFx edge values', () => {
    for (const a of edge) for (const b of edge) {
      const want = divBig(BigInt(a), BigInt(b))
      if (want <= BigInt(Number.MAX_SAFE_INTEGER)) expect(divFx(a, b), `${a}/${b}`).toBe(Number(want))
    }
    expect(divFx(5, 0)).toBe(0)
    expect(divFx(-ONE, 2 * ONE)).toBe(-ONE / 2)
    expect(divFx(-3, 2)).toBe(Number(divBig(-3n, 2n))) // truncation toward zero
  })
  fcTest.prop([fc.integer({ min: -(2 ** 36), max: 2 ** 36 })], { numRuns: 2000 })('fixedToU16 = saturating floor(x*65535)', (x) => {
    expect(fixedToU16(x)).toBe(fixedToU16Big(BigInt(x)))
  })
  it('u16 conversions of the spec examples', () => {
    expect(u16ToFixed(65535)).toBe(ONE)
    expect(u16ToFixed(32767)).toBe(Math.floor((32767 * ONE) / 65535))
    expect(fixedToU16(ONE)).toBe(65535)
    expect(fixedToU16(ONE - 1)).toBe(65534)
    // 0.1 as I32F32 is floor(2^32/10) bits; times 1e9 rao floors to 99_999_999 (YUMA-SPEC §1)
    expect(fixedTimesRao(Math.floor(ONE / 10), 1_000_000_000n)).toBe(99_999_999n)
    expect(fixedTimesRao(ONE, (1n << 64n) - 1n)).toBe((1n << 64n) - 1n)
  })
  it('exp matches substrate-fixed special cases and the Taylor loop', () => {
    expect(expFixedBig(0n)).toBe(1n << 32n)
    expect(expFixedBig(1n << 32n)).toBe(22802601n << 9n)
    // exp(2) by the 30-term series is within 2^-20 of the real value
    expect(Math.abs(Number(expFixedBig(2n << 32n)!) / ONE - Math.exp(2))).toBeLessThan(2 ** -20)
    expect(Math.abs(Number(expFixedBig(-(2n << 32n))!) / ONE - Math.exp(-2))).toBeLessThan(2 ** -20)
    // exp_safe clamps to [-20, 20]
    expect(expSafeBig(100n << 32n)).toBe(expSafeBig(20n << 32n))
    expect(expSafeBig(-(100n << 32n))).toBe(expSafeBig(-(20n << 32n)))
    expect(Number(expSafeBig(20n << 32n)) / ONE).toBeGreaterThan(4.8e8) // the 30-term series undershoots e^20 (chain behaviour)
  })
})
