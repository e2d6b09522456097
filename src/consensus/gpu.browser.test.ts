// WebGPU in real headless Chromium (SwiftShader): every conformance vector and the GPU-vs-CPU
// properties, through the public runEpochBatch with the GPU required.
import { afterAll, describe, expect, it } from 'vitest'
import { runEpochBatch, whatIf, parseEpochInput } from './index.ts'
import { acquireDevice, releaseDevice } from './gpu-device.ts'
import { checkHelperResults, helperCases, runHelperKernel } from './testing/helpers-gpu.ts'
import { GPU_PASSES } from './gpu-epoch.ts'
import { defineVectorContract } from './testing/contract.ts'
import { defineGpuProperties } from './testing/properties.ts'
import { defineMechanismContract } from './testing/mechanisms.ts'
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
