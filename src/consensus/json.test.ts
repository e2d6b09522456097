// Exact chain integers in JSON (issue 15, defect 1): u64 fields written as plain JSON numbers
// (u64::MAX, finney's TaoWeight, stakes and emissions above 2^53) must read exactly as the same
// values written as decimal strings.
import { describe, expect, it } from 'vitest'
import { LosslessNumber } from 'lossless-json'
import { parseEpochInput, parseSubnetEpochInput, runEpoch, runEpochWithMechanisms, epochOutputToJson, subnetOutputToJson, parseJsonExact, ConsensusError } from './index.ts'
import { randomSubnetJson } from './testing/mechanisms.ts'
import { BIG, bigIntegerTexts } from './testing/big-integers.ts'

const { U64_MAX, TAO_WEIGHT, BIG_STAKE } = BIG

describe('u64 given as JSON numbers', () => {
  const { strings, numbers } = bigIntegerTexts()
  it('the texts differ only by quotes', () => {
    expect(numbers).toContain(`"rao_emission":${U64_MAX}`)
    expect(numbers).toContain(`"tao_weight_u64":${TAO_WEIGHT}`)
    expect(numbers).toContain(`${BIG_STAKE},`)
  })
  it('parseEpochInput(text) reads every digit, as the string form does', () => {
    const a = parseEpochInput(numbers)
    expect(a.rao_emission).toBe(BigInt(U64_MAX))
    expect(a.tao_weight_u64).toBe(BigInt(TAO_WEIGHT))
    expect(a.tao_stake![0]).toBe(BigInt(BIG_STAKE))
    expect(a.alpha_stake[1]).toBe(123456789012345678n)
    expect(a).toEqual(parseEpochInput(JSON.parse(strings)))
  })
  it('gives the same epoch output as the string form (u64::MAX emission: every rao amount exact)', () => {
    const fromNumbers = epochOutputToJson(runEpoch(parseEpochInput(numbers)))
    expect(fromNumbers).toEqual(epochOutputToJson(runEpoch(parseEpochInput(strings))))
    expect((fromNumbers['emission'] as unknown[]).some((x) => typeof x === 'string')).toBe(true) // amounts beyond 2^53 kept as strings
  })
  it('a parsed LosslessNumber and a bigint are read exactly too', () => {
    const x = JSON.parse(strings) as Record<string, unknown>
    x['tao_weight_u64'] = new LosslessNumber(TAO_WEIGHT)
    x['rao_emission'] = BigInt(U64_MAX)
    expect(parseEpochInput(x)).toEqual(parseEpochInput(numbers))
  })
  it('a JS number already rounded by JSON.parse is refused naming the field, never used rounded', () => {
    const rounded = JSON.parse(numbers) as Record<string, unknown>
    expect(rounded['tao_weight_u64']).toBe(971718665099567872)
    expect(() => parseEpochInput(rounded)).toThrow(/field 'alpha_stake\[1\]' is a number beyond 2\^53/)
    const onlyTw = JSON.parse(strings) as Record<string, unknown>
    onlyTw['tao_weight_u64'] = rounded['tao_weight_u64']
    expect(() => parseEpochInput(onlyTw)).toThrow(/field 'tao_weight_u64' is a number beyond 2\^53/)
  })
  it('out of range stays a clear error naming the field', () => {
    const over = numbers.replace(`"rao_emission":${U64_MAX}`, '"rao_emission":18446744073709551616')
    expect(() => parseEpochInput(over)).toThrow(/field 'rao_emission' exceeds u64::MAX, got 18446744073709551616/)
    const kappa = numbers.replace(/"kappa":[0-9]+/, '"kappa":99999999999999999999')
    expect(() => parseEpochInput(kappa)).toThrow(/field 'kappa' must be in \[0, 65535\], got 99999999999999999999/)
    let err: unknown
    try { parseEpochInput('{"n": 1,') } catch (e) { err = e }
    expect(err).toBeInstanceOf(ConsensusError)
  })
  it('subnet inputs too (parseSubnetEpochInput)', () => {
    const sub = randomSubnetJson({ n: 5, seed: 2, k: 2 })
    sub['tao_weight_u64'] = TAO_WEIGHT
    sub['rao_emission'] = U64_MAX
    const s = JSON.stringify(sub)
    const a = parseSubnetEpochInput(s.replace(/"([0-9]{16,20})"/g, '$1'))
    expect(a.tao_weight_u64).toBe(BigInt(TAO_WEIGHT))
    expect(subnetOutputToJson(runEpochWithMechanisms(a))).toEqual(subnetOutputToJson(runEpochWithMechanisms(parseSubnetEpochInput(s))))
  })
  it('parseJsonExact: small integers stay numbers, large ones bigint, fractions doubles', () => {
    expect(parseJsonExact(`[1, ${U64_MAX}, 0.5, -3]`)).toEqual([1, BigInt(U64_MAX), 0.5, -3])
  })
})
