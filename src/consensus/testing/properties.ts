/**
 * GPU-vs-CPU property suite shared by the Chromium and Dawn tests: randomized epochs (n from 1 to
 * 4096 including the 256-thread workgroup boundaries, sparse and dense weights, zero stakes,
 * ties, Yuma1/Yuma3, liquid alpha on/off) must give bit-identical outputs. Few large cases, more
 * small ones, to bound runtime on a software adapter. Test-only.
 */
import { describe, expect, it } from 'vitest'
import { fc, test as fcTest } from '@fast-check/vitest'
import { epochOutputToJson, parseEpochInput } from '../validate.ts'
import { runEpochCpu } from '../epoch.ts'
import { randomEpochJson } from './random.ts'
import type { EpochInput, EpochOutput } from '../types.ts'

/** Per-test limit on a software adapter shared with other work (no timing is asserted). */
const SLOW = 300_000

/** Runs a batch on the GPU. */
export type GpuRunner = (inputs: EpochInput[]) => Promise<{ path: string; outputs: EpochOutput[] }>

function sameAsCpu(inputs: EpochInput[], outputs: EpochOutput[]): void {
  expect(outputs.length).toBe(inputs.length)
  inputs.forEach((x, k) => {
    expect(epochOutputToJson(outputs[k]!), `epoch ${k} (n=${x.n}, yuma3=${x.yuma3}, liquid=${x.liquid_alpha})`).toEqual(epochOutputToJson(runEpochCpu(x)))
  })
}

/** Registers the GPU-vs-CPU properties for one GPU runner. */
export function defineGpuProperties(name: string, getRun: () => GpuRunner): void {
  describe(`${name}: GPU equals CPU bit for bit`, () => {
    const small = fc.record({
      n: fc.oneof(fc.integer({ min: 1, max: 24 }), fc.constantFrom(1, 2, 3)),
      seed: fc.integer(),
      yuma3: fc.boolean(),
      liquid: fc.boolean(),
      density: fc.constantFrom(0.05, 0.3, 1),
    })
    fcTest.prop([fc.array(small, { minLength: 1, maxLength: 6 })], { numRuns: 20 })('random small subnets, batched', async (cases) => {
      const inputs = cases.map((c) => parseEpochInput(randomEpochJson(c)))
      const res = await getRun()(inputs)
      expect(res.path).toBe('gpu')
      sameAsCpu(inputs, res.outputs)
    }, SLOW)

    const boundary = fc.record({
      n: fc.constantFrom(255, 256, 257, 511, 513),
      seed: fc.integer(),
      yuma3: fc.boolean(),
      liquid: fc.boolean(),
      density: fc.constantFrom(0.02, 0.1),
    })
    fcTest.prop([boundary], { numRuns: 4 })('workgroup boundaries (255, 256, 257, 511, 513)', async (c) => {
      const inputs = [parseEpochInput(randomEpochJson({ ...c, validatorFraction: 0.2 }))]
      const res = await getRun()(inputs)
      expect(res.path).toBe('gpu')
      sameAsCpu(inputs, res.outputs)
    }, SLOW)

    it('explicit edge cases: zero stake everywhere, one uid, penalty strictly between 0 and 1, all ties', async () => {
      const zero = randomEpochJson({ n: 7, seed: 1, density: 1 })
      zero['alpha_stake'] = new Array(7).fill(0)
      delete zero['tao_stake']
      const ties = randomEpochJson({ n: 9, seed: 2, density: 1, yuma3: true, liquid: true, validatorFraction: 1 })
      ties['alpha_stake'] = new Array(9).fill(1000)
      ties['weights'] = Array.from({ length: 9 }, () => Array.from({ length: 9 }, (_, j) => [j, 65535]))
      ties['validator_permit'] = new Array(9).fill(true)
      const empty = randomEpochJson({ n: 0, seed: 6 })
      const inputs = [
        parseEpochInput(empty),
        parseEpochInput(zero),
        parseEpochInput(randomEpochJson({ n: 1, seed: 3 })),
        parseEpochInput(randomEpochJson({ n: 30, seed: 4, bondsPenalty: 32768, density: 0.5 })),
        parseEpochInput(randomEpochJson({ n: 30, seed: 5, bondsPenalty: 1, yuma3: true, liquid: true, density: 0.5 })),
        parseEpochInput(ties),
      ]
      const res = await getRun()(inputs)
      expect(res.path).toBe('gpu')
      sameAsCpu(inputs, res.outputs)
    }, SLOW)

    it('large subnets: n = 1024 (Yuma1) and n = 4096 (Yuma3, liquid alpha), sparse', async () => {
      const inputs = [
        parseEpochInput(randomEpochJson({ n: 1024, seed: 11, yuma3: false, density: 0.05, validatorFraction: 0.1 })),
        parseEpochInput(randomEpochJson({ n: 4096, seed: 12, yuma3: true, liquid: true, density: 0.01, validatorFraction: 0.03 })),
      ]
      const res = await getRun()(inputs)
      expect(res.path).toBe('gpu')
      sameAsCpu(inputs, res.outputs)
    }, SLOW)
  })
}
