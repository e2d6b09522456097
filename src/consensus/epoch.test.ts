import { describe, expect, it } from 'vitest'
import { fc, test as fcTest } from '@fast-check/vitest'
import { runEpoch, runEpochBatch, parseEpochInput, epochOutputToJson, whatIf, ConsensusError } from './index.ts'
import { weightedMedian, weightedMedianClosed, weightedMedianColSparse, weightedMedianColSparseLiteral, inplaceNormalize, sum, stakeVector, type Row } from './epoch.ts'
import { ONE } from './fixed.ts'
import { defineVectorContract } from './testing/contract.ts'
import { epochVectors, medianCases, f32ToBits } from './testing/vectors.ts'
import { randomEpochJson } from './testing/random.ts'

defineVectorContract('CPU reference', (inputs) => runEpochBatch(inputs, { prefer: 'cpu' }), 'cpu')

describe('weighted median (14_math_weighted_median.json)', () => {
  for (const [k, c] of medianCases.entries()) {
    it(`case ${k}: ${String(c['fn'])}`, () => {
      const stake = (c['stake_f32'] as number[]).map(f32ToBits)
      const majority = f32ToBits(c['majority_f32'] as number)
      if (c['fn'] === 'weighted_median') {
        if (c['normalize_stake_first'] === true) inplaceNormalize(stake)
        const score = (c['score_f32'] as number[]).map(f32ToBits)
        const s = sum(stake)
        const idx = stake.map((_, i) => i)
        expect(weightedMedian(stake, score, idx, ONE - majority, 0, s)).toBe(c['expected_bits'])
      } else {
        const rows = c['weights_rows_f32'] as number[][]
        const W: Row[] = rows.map((r) => ({ c: r.map((_, j) => j), v: r.map(f32ToBits) }))
        const want = (c['expected_f32'] as number[]).map(f32ToBits)
        const cols = rows[0]?.length ?? 0
        expect(weightedMedianColSparseLiteral(stake, W, cols, majority)).toEqual(want)
        expect(weightedMedianColSparse(stake, W, cols, majority)).toEqual(want)
      }
    })
  }

  fcTest.prop([
    fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 6 })), { minLength: 0, maxLength: 40 }),
    fc.integer({ min: 0, max: 65535 }),
  ], { numRuns: 400 })('closed form equals the literal partition algorithm (ties, zero stakes, every kappa)', (cells, kappaU16) => {
    // few distinct stake and score levels force ties and exact boundary hits
    const stake = cells.map(([s]) => s * 858993459)
    const W: Row[] = cells.map(([, w], i) => ({ c: [0, 1], v: [w * 715827882, (w * i) % 7 * 613566756] }))
    const kappa = Math.floor(kappaU16 * ONE / 65535)
    expect(weightedMedianColSparse(stake, W, 2, kappa)).toEqual(weightedMedianColSparseLiteral(stake, W, 2, kappa))
  })

  it('closed form with no validators is 0', () => {
    expect(weightedMedianClosed([], [], 0, false, 0)).toBe(0)
  })
})

describe('runEpoch input validation', () => {
  const base = epochVectors[0]!.epochs[1]!.input
  const mutate = (f: (x: Record<string, unknown>) => void): Record<string, unknown> => {
    const x = structuredClone(base)
    f(x)
    return x
  }
  const cases: Array<[string, (x: Record<string, unknown>) => void, string]> = [
    ['wrong length', (x) => { (x['alpha_stake'] as unknown[]).pop() }, 'alpha_stake'],
    ['uid out of range', (x) => { (x['weights'] as unknown[][])[0]![0] = [8, 5] }, 'weights[0][0][0]'],
    ['non-integer', (x) => { x['kappa'] = 0.5 }, 'kappa'],
    ['negative stake', (x) => { (x['alpha_stake'] as unknown[])[2] = -1 }, 'alpha_stake[2]'],
    ['negative stake string', (x) => { (x['alpha_stake'] as unknown[])[2] = '-5' }, 'alpha_stake[2]'],
    ['u16 overflow', (x) => { (x['bonds'] as unknown[][])[1] = [[0, 70000]] }, 'bonds[1][0][1]'],
    ['duplicate uid', (x) => { (x['weights'] as unknown[][])[0] = [[4, 1], [4, 2]] }, 'weights[0][1][0]'],
    ['missing field', (x) => { delete x['tempo'] }, 'tempo'],
    ['unknown field', (x) => { x['tempoo'] = 1 }, 'tempoo'],
    ['permit length', (x) => { x['validator_permit'] = [true] }, 'validator_permit'],
    ['owner out of range', (x) => { x['owner_uid'] = 9 }, 'owner_uid'],
  ]
  for (const [name, f, field] of cases) {
    it(`rejects ${name}, naming '${field}'`, () => {
      const err = (() => { try { parseEpochInput(mutate(f)); return null } catch (e) { return e } })()
      expect(err).toBeInstanceOf(ConsensusError)
      expect((err as ConsensusError).code).toBe('INVALID_INPUT')
      expect((err as ConsensusError).field).toBe(field)
      expect((err as Error).message).toContain(field)
    })
  }
  it('accepts u64 values as decimal strings and prints large ones as strings', () => {
    const x = mutate((x) => { x['rao_emission'] = '18446744073709551615'; x['alpha_stake'] = (x['alpha_stake'] as number[]).map(String) })
    const out = epochOutputToJson(runEpoch(parseEpochInput(x)))
    const total = (out['emission'] as Array<number | string>).map((v) => BigInt(v)).reduce((a, b) => a + b, 0n)
    expect(total).toBeLessThanOrEqual(18446744073709551615n)
    expect((out['emission'] as unknown[]).some((v) => typeof v === 'string')).toBe(true)
  })
})

describe('stake stage', () => {
  fcTest.prop([
    fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 1n << 20n }), fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), fc.constantFrom(0n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n)), { minLength: 1, maxLength: 12 }),
    fc.bigInt({ min: 0n, max: 1n << 62n }),
    fc.option(fc.nat(11), { nil: null }),
  ], { numRuns: 500 })('alpha-only fast path (TaoWeight 0) equals the general I64F64 path (zero TAO stake counted at full weight)', (alpha, threshold, owner) => {
    const n = alpha.length
    const base = { ...parseEpochInput(epochVectors[0]!.epochs[0]!.input) }
    const x = { ...base, n, alpha_stake: alpha, stake_threshold: threshold, owner_uid: owner !== null && owner < n ? owner : null }
    const fast = stakeVector({ ...x, tao_weight_u64: 0n })
    const general = stakeVector({ ...x, tao_weight_u64: (1n << 64n) - 1n, tao_stake: new Array<bigint>(n).fill(0n) })
    expect(fast).toEqual(general)
  })
})

describe('stored bonds', () => {
  it('a uid with neither an old nor a new permit gets an empty stored row (persist writes every uid)', () => {
    const x = parseEpochInput(epochVectors[0]!.epochs[1]!.input)
    x.bonds[5] = [[4, 100]] // uid 5: no stake, no permit
    const out = runEpoch(x)
    expect(out.new_validator_permit[5]).toBe(false)
    expect(out.bonds_u16[5]).toEqual([])
    expect(out.bonds_u16[0]!.length).toBeGreaterThan(0)
  })
})

describe('runEpoch invariants on random subnets', () => {
  fcTest.prop([fc.integer({ min: 1, max: 40 }), fc.integer(), fc.boolean(), fc.boolean()], { numRuns: 60 })(
    'u16 outputs in range, emissions sum to at most E, permits respect k', (n, seed, yuma3, liquid) => {
      const input = parseEpochInput(randomEpochJson({ n, seed, yuma3, liquid, density: 0.3 }))
      const out = runEpoch(input)
      for (const k of ['consensus_u16', 'incentive_u16', 'dividends_u16', 'validator_trust_u16', 'stake_weight_u16'] as const) {
        for (const v of out[k]) expect(v >= 0 && v <= 65535 && Number.isInteger(v)).toBe(true)
      }
      expect(out.emission.reduce((a, b) => a + b, 0n)).toBeLessThanOrEqual(input.rao_emission)
      expect(out.new_validator_permit.filter(Boolean).length).toBeLessThanOrEqual(Math.max(input.max_allowed_validators, 0) + 1)
    })
})

describe('whatIf', () => {
  it('matches running each candidate epoch separately, and more weight on the consensus server earns more', async () => {
    const file = epochVectors.find((f) => f.name.startsWith('02_'))!
    const state = parseEpochInput(file.epochs[1]!.input)
    const candidates: Array<Array<[number, number]>> = [[[2, 65535], [3, 65535]], [[2, 65535]], [[0, 65535]]]
    const res = await whatIf(state, 0, candidates, { prefer: 'cpu' })
    expect(res.path).toBe('cpu')
    candidates.forEach((row, k) => {
      const weights = state.weights.slice(); weights[0] = row
      const last_update = state.last_update.slice(); last_update[0] = state.current_block
      const direct = runEpoch({ ...state, weights, last_update })
      expect(res.results[k]).toEqual({ dividends: direct.dividends_u16[0], incentive: direct.incentive_u16 })
    })
    // a self-weight is masked: the validator sets no usable weights and gets no bond growth
    expect(res.results[0]!.dividends).toBeGreaterThan(res.results[2]!.dividends)
  })
  it('rejects a uid out of range', async () => {
    const state = parseEpochInput(epochVectors[0]!.epochs[1]!.input)
    await expect(whatIf(state, 99, [[]], { prefer: 'cpu' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'validatorUid' })
  })
})
