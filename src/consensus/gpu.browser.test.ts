// WebGPU in real headless Chromium (SwiftShader): every conformance vector and the GPU-vs-CPU
// properties, through the public runEpochBatch with the GPU required.
import { afterAll, describe, expect, it } from 'vitest'
import { runEpoch, runEpochBatch, whatIf, parseEpochInput, runEpochWithMechanismsBatch, runEpochWithMechanisms, parseSubnetEpochInput, subnetOutputToJson } from './index.ts'
import { acquireDevice, releaseDevice } from './gpu-device.ts'
import { checkHelperResults, helperCases, runHelperKernel } from './testing/helpers-gpu.ts'
import { GPU_PASSES } from './gpu-epoch.ts'
import { destroyAfterNextSubmit } from './testing/lose-device.ts'
import { randomEpochJson } from './testing/random.ts'
import { defineVectorContract } from './testing/contract.ts'
import { defineGpuProperties } from './testing/properties.ts'
import { defineMechanismContract, randomSubnetJson } from './testing/mechanisms.ts'
import { epochVectors } from './testing/vectors.ts'
import type { EpochInput } from './types.ts'

const gpu = (inputs: EpochInput[]) => runEpochBatch(inputs, { prefer: 'gpu', requireGpu: true })

describe('consensus on WebGPU (Chromium)', () => {
  afterAll(async () => { await releaseDevice() })

  it('has an adapter and reports the GPU path with its pass count', async () => {
    expect(navigator.gpu, 'navigator.gpu missing: Chromium needs --enable-unsafe-webgpu').toBeDefined()
    const res = await runEpochBatch([parseEpochInput(epochVectors[0]!.epochs[0]!.input)])
    expect(res.reason).toBeUndefined()
    expect(res.path).toBe('gpu')
    expect(res.passes).toBe(GPU_PASSES)
  }, 300_000) // includes compiling the 8 pipelines on a software adapter

  it('whatIf runs the candidates as one GPU batch and agrees with the CPU', async () => {
    const state = parseEpochInput(epochVectors.find((f) => f.name.startsWith('02_'))!.epochs[1]!.input)
    const candidates: Array<Array<[number, number]>> = [[[2, 65535], [3, 65535]], [[2, 65535]], [[3, 100], [2, 65535]].sort((a, b) => a[0]! - b[0]!) as Array<[number, number]>]
    const g = await whatIf(state, 0, candidates, { prefer: 'gpu', requireGpu: true })
    const c = await whatIf(state, 0, candidates, { prefer: 'cpu' })
    expect(g.path).toBe('gpu')
    expect(g.results).toEqual(c.results)
  })

  it('runEpochWithMechanismsBatch and a per-mechanism whatIf run on the GPU and agree with the CPU', async () => {
    const subnets = [randomSubnetJson({ n: 12, seed: 31, k: 2 }), randomSubnetJson({ n: 20, seed: 32, k: 3, yuma3: true, split: true })].map(parseSubnetEpochInput)
    const g = await runEpochWithMechanismsBatch(subnets, { prefer: 'gpu', requireGpu: true })
    expect(g.path).toBe('gpu')
    expect(g.outputs.map(subnetOutputToJson)).toEqual(subnets.map((s) => subnetOutputToJson(runEpochWithMechanisms(s))))
    const s = subnets[1]!
    const v = s.mechanisms[2]!.weights.findIndex((r) => r.length > 0)
    const cands: Array<Array<[number, number]>> = [[[(v + 1) % 20, 65535]], [[(v + 2) % 20, 100], [(v + 3) % 20, 65535]].sort((a, b) => a[0]! - b[0]!) as Array<[number, number]>]
    const wg = await whatIf(s, v, cands, { prefer: 'gpu', requireGpu: true, mechanism: 2 })
    const wc = await whatIf(s, v, cands, { prefer: 'cpu', mechanism: 2 })
    expect(wg.path).toBe('gpu')
    expect(wg.results).toEqual(wc.results)
  })

  it('a device lost mid-batch: the batch falls back to the CPU with the reason, the next one gets a new device', async () => {
    const d = await acquireDevice()
    if (!d.ok) throw new Error(d.reason)
    destroyAfterNextSubmit(d.device)
    const inputs = [parseEpochInput(randomEpochJson({ n: 7, seed: 3 })), parseEpochInput(randomEpochJson({ n: 4, seed: 4 }))]
    const lost = await runEpochBatch(inputs)
    expect(lost.path).toBe('cpu')
    expect(lost.reason).toMatch(/^WebGPU device lost during the batch \(destroyed/)
    expect(lost.outputs).toEqual(inputs.map(runEpoch))
    const next = await runEpochBatch(inputs, { prefer: 'gpu', requireGpu: true })
    expect(next.path).toBe('gpu')
    expect(next.outputs).toEqual(lost.outputs)
  })

  it('WGSL 64-bit helpers equal the BigInt oracle (limb edge values and random operands)', async () => {
    const d = await acquireDevice()
    if (!d.ok) throw new Error(d.reason)
    const cases = helperCases(1000)
    expect(checkHelperResults(cases, await runHelperKernel(d.device, cases))).toEqual([])
  })

  defineVectorContract('WebGPU (Chromium)', gpu, 'gpu')
  defineGpuProperties('WebGPU (Chromium)', () => gpu)
  defineMechanismContract('WebGPU (Chromium)', gpu, 'gpu')
})
