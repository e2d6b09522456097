// WebGPU through Dawn in Node (the `webgpu` package) on Chromium's SwiftShader Vulkan driver.
// Dawn reads its environment at process start, so the GPU runs in a child process
// (testing/gpu-server.ts). Without an adapter this FAILS; it skips only when Chromium's
// SwiftShader driver is not installed at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDawnServer, swiftShaderInstalled, type DawnServer } from './testing/gpu-client.ts'
import { defineVectorContract } from './testing/contract.ts'
import { defineGpuProperties } from './testing/properties.ts'
import { defineMechanismContract } from './testing/mechanisms.ts'
import { GPU_PASSES } from './gpu-epoch.ts'
import { checkHelperResults, helperCases } from './testing/helpers-gpu.ts'

describe.skipIf(!swiftShaderInstalled())('consensus on WebGPU (Dawn, Node)', () => {
  let server: DawnServer
  beforeAll(async () => { server = await startDawnServer() }, 300_000)
  afterAll(async () => { await server?.close() })

  it('gets a WebGPU adapter', () => {
    expect(server.reason, 'Dawn could not create an adapter').toBeUndefined()
    expect(server.ready).toBe(true)
  })
  it(`runs a batch in ${GPU_PASSES} passes`, async () => {
    const { parseEpochInput } = await import('./validate.ts')
    const { randomEpochJson } = await import('./testing/random.ts')
    const res = await server.run([parseEpochInput(randomEpochJson({ n: 5, seed: 1 })), parseEpochInput(randomEpochJson({ n: 6, seed: 2 }))])
    expect(res.path).toBe('gpu')
    expect(res.passes).toBe(GPU_PASSES)
  }, 300_000)
  it('a device lost mid-batch: the batch falls back to the CPU with the reason, the next one gets a new device', async () => {
    const { parseEpochInput, runEpoch } = await import('./index.ts')
    const { randomEpochJson } = await import('./testing/random.ts')
    const inputs = [parseEpochInput(randomEpochJson({ n: 7, seed: 3 })), parseEpochInput(randomEpochJson({ n: 4, seed: 4 }))]
    const lost = await server.run(inputs, { loseDevice: true })
    expect(lost.path).toBe('cpu')
    expect(lost.reason).toMatch(/^WebGPU device lost during the batch \(destroyed/)
    expect(lost.outputs).toEqual(inputs.map(runEpoch))
    const next = await server.run(inputs)
    expect(next.path).toBe('gpu')
    expect(next.outputs).toEqual(lost.outputs)
  }, 300_000)
  it('WGSL 64-bit helpers equal the BigInt oracle (limb edge values and random operands)', async () => {
    const words = await server.helpers(1000)
    expect(checkHelperResults(helperCases(1000), words)).toEqual([])
  })
  defineVectorContract('WebGPU (Dawn, Node)', (inputs) => server.run(inputs), 'gpu')
  defineGpuProperties('WebGPU (Dawn, Node)', () => (inputs) => server.run(inputs))
  defineMechanismContract('WebGPU (Dawn, Node)', (inputs) => server.run(inputs), 'gpu')
})
