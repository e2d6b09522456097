import { describe, expect, it } from 'vitest'
import { fc, test as fcTest } from '@fast-check/vitest'
import {
  runEpoch, runEpochWithMechanisms, runEpochWithMechanismsBatch, runEpochBatch, parseEpochInput, parseSubnetEpochInput,
  epochOutputToJson, subnetOutputToJson, whatIf, ConsensusError, mechanismStorageIndex,
} from './index.ts'
import { splitEmissions } from './mechanism.ts'
import { defineMechanismContract, randomSubnetJson, splitCases } from './testing/mechanisms.ts'
import { randomEpochJson } from './testing/random.ts'
import { epochVectors } from './testing/vectors.ts'

defineMechanismContract('CPU reference', (inputs) => runEpochBatch(inputs, { prefer: 'cpu' }), 'cpu')

describe('split_emissions (subtensor mechanism.rs tests)', () => {
  for (const c of splitCases) {
    it(c.test, () => {
      expect(splitEmissions(BigInt(c.alpha), c.count, c.split).map(Number)).toEqual(c.expected)
    })
  }
  it('a split shorter than K pads with 0; what truncation loses goes to mechanism 0', () => {
    expect(splitEmissions(100n, 3, [32767, 32768])).toEqual([50n, 50n, 0n]) // 49 + 1 rounding
    expect(splitEmissions(0n, 2, null)).toEqual([0n, 0n])
  })
  it('storage index = netuid + mechanism * 4096', () => {
    expect(mechanismStorageIndex(7, 0)).toBe(7)
    expect(mechanismStorageIndex(7, 2)).toBe(8199)
  })
})

describe('one mechanism is the plain epoch', () => {
  fcTest.prop([fc.record({ n: fc.integer({ min: 1, max: 40 }), seed: fc.integer(), yuma3: fc.boolean(), liquid: fc.boolean(), density: fc.constantFrom(0.05, 0.3, 1) })], { numRuns: 60 })(
    'K = 1: every per-netuid field and the mechanism output equal runEpoch', (c) => {
      const json = randomEpochJson(c)
      const plain = epochOutputToJson(runEpoch(parseEpochInput(json)))
      // both shapes: today's input, and the same as `mechanisms: [one]`
      const { last_update, weights, bonds, commit_blocks, ...shared } = json
      const asMech = { ...shared, mechanisms: [commit_blocks === undefined ? { last_update, weights, bonds } : { last_update, weights, bonds, commit_blocks }] }
      for (const x of [json, asMech]) {
        const sub = runEpochWithMechanisms(parseSubnetEpochInput(x))
        expect(sub.mechanisms.length).toBe(1)
        expect(sub.mechanisms[0]!.sub_weight_u64f64).toBe(1n << 64n)
        expect(epochOutputToJson(sub.mechanisms[0]!.output)).toEqual(plain)
        const agg = subnetOutputToJson(sub)
        for (const f of ['active', 'stake_weight_u16', 'consensus_u16', 'dividends_u16', 'validator_trust_u16', 'emission', 'new_validator_permit', 'server_emission', 'validator_emission']) {
          expect(agg[f], f).toEqual(plain[f])
        }
      }
    })
  it('every vector epoch through runEpochWithMechanisms equals its reference_output', () => {
    for (const f of epochVectors) for (const e of f.epochs) {
      const sub = runEpochWithMechanisms(parseEpochInput(e.input))
      expect(epochOutputToJson(sub.mechanisms[0]!.output)).toEqual(e.reference_output)
    }
  })
})

describe('aggregation as epoch_with_mechanisms stores it', () => {
  it('stake weight: floor per mechanism then summed (an even 3-way split loses what each floor drops)', () => {
    const x = parseSubnetEpochInput(randomSubnetJson({ n: 12, seed: 3, k: 3 }))
    x.rao_emission = 10n // shares 4, 3, 3 -> sub_weight 0.4, 0.3, 0.3 in U64F64
    const out = runEpochWithMechanisms(x)
    expect(out.mechanisms.map((m) => m.rao_emission)).toEqual([4n, 3n, 3n])
    const w = [4n, 3n, 3n].map((s) => (s << 64n) / 10n)
    out.stake_weight_u16.forEach((sw, i) => {
      const per = out.mechanisms[0]!.output.stake_weight_u16[i]! // stake is per netuid: equal in every mechanism
      for (const m of out.mechanisms) expect(m.output.stake_weight_u16[i]).toBe(per)
      expect(sw).toBe(w.reduce((a, wk) => a + Number((BigInt(per) * wk) >> 64n), 0))
    })
    out.server_emission.forEach((s, i) => expect(s).toBe(out.mechanisms.reduce((a, m) => a + m.output.server_emission[i]!, 0n)))
  })
  it('zero emission: mechanism 0 gets full weight, the others none', () => {
    const x = parseSubnetEpochInput(randomSubnetJson({ n: 8, seed: 4, k: 2 }))
    x.rao_emission = 0n
    const out = runEpochWithMechanisms(x)
    expect(out.mechanisms.map((m) => m.sub_weight_u64f64)).toEqual([1n << 64n, 0n])
    expect(out.consensus_u16).toEqual(out.mechanisms[0]!.output.consensus_u16)
  })
  it('the GPU-preferring batch gives the CPU results (fallback or not)', async () => {
    const xs = [randomSubnetJson({ n: 10, seed: 8, k: 2 }), randomSubnetJson({ n: 5, seed: 9, k: 3, split: true })].map(parseSubnetEpochInput)
    const res = await runEpochWithMechanismsBatch(xs, { prefer: 'cpu' })
    expect(res.outputs.map(subnetOutputToJson)).toEqual(xs.map((x) => subnetOutputToJson(runEpochWithMechanisms(x))))
  })
})

describe('subnet input validation', () => {
  const good = randomSubnetJson({ n: 6, seed: 1, k: 2 })
  const cases: Array<[string, (x: Record<string, unknown>) => void, string]> = [
    ['uid out of range in mechanism 1', (x) => { ((x['mechanisms'] as Array<Record<string, unknown[][]>>)[1]!['weights']!)[0] = [[6, 5]] }, 'mechanisms[1].weights[0][0][0]'],
    ['long last_update in mechanism 0', (x) => { ((x['mechanisms'] as Array<Record<string, unknown[]>>)[0]!['last_update']!).push(1) }, 'mechanisms[0].last_update'],
    ['weights at top level beside mechanisms', (x) => { x['weights'] = [] }, 'weights'],
    ['no mechanisms', (x) => { x['mechanisms'] = [] }, 'mechanisms'],
    ['17 mechanisms', (x) => { x['mechanisms'] = new Array(17).fill((x['mechanisms'] as unknown[])[0]) }, 'mechanisms'],
    ['unknown mechanism field', (x) => { (x['mechanisms'] as Array<Record<string, unknown>>)[0]!['kappa'] = 1 }, 'mechanisms[0].kappa'],
    ['split longer than K', (x) => { x['mechanism_emission_split'] = [1, 2, 65532] }, 'mechanism_emission_split'],
    ['split share over u16', (x) => { x['mechanism_emission_split'] = [65536] }, 'mechanism_emission_split[0]'],
    ['shared field', (x) => { x['kappa'] = -1 }, 'kappa'],
  ]
  for (const [what, f, field] of cases) {
    it(`${what} -> names '${field}'`, () => {
      const x = structuredClone(good)
      f(x)
      let err: unknown
      try { parseSubnetEpochInput(x) } catch (e) { err = e }
      expect(err).toBeInstanceOf(ConsensusError)
      expect((err as ConsensusError).field).toBe(field)
      expect((err as Error).message).toContain(`'${field}'`)
    })
  }
})

describe('mechanism last_update as stored', () => {
  it('a shorter LastUpdate is padded with 0 up to n (get_last_update)', () => {
    const x = randomSubnetJson({ n: 6, seed: 2, k: 2 })
    const m = (x['mechanisms'] as Array<Record<string, unknown>>)[1]!
    m['last_update'] = (m['last_update'] as number[]).slice(0, 2)
    const want = [...(m['last_update'] as number[]), 0, 0, 0, 0]
    expect(parseSubnetEpochInput(x).mechanisms[1]!.last_update).toEqual(want)
  })
})

describe('what-if on a subnet with mechanisms', () => {
  it('replaces the row of the chosen mechanism only; dividends are the per-netuid ones', async () => {
    const x = parseSubnetEpochInput(randomSubnetJson({ n: 10, seed: 12, k: 2 }))
    const v = x.mechanisms[1]!.weights.findIndex((r) => r.length > 0)
    const cand: Array<[number, number]> = [[(v + 1) % 10, 65535]]
    const r = await whatIf(x, v, [cand], { prefer: 'cpu', mechanism: 1 })
    const y = structuredClone(x)
    y.mechanisms[1]!.weights[v] = cand
    y.mechanisms[1]!.last_update[v] = y.current_block
    const want = runEpochWithMechanisms(y)
    expect(r.results[0]!.dividends).toBe(want.dividends_u16[v])
    expect(r.results[0]!.incentive).toEqual(want.mechanisms[1]!.output.incentive_u16)
    await expect(whatIf(x, v, [cand], { prefer: 'cpu', mechanism: 2 })).rejects.toThrow(/'mechanism'/)
  })
})
