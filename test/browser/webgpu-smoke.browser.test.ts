import { describe, expect, it } from 'vitest'

// A real WGSL compute pass in headless Chromium (SwiftShader), checked against the CPU.
const SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<u32>;
@group(0) @binding(1) var<storage, read> b: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i >= arrayLength(&out)) { return; }
  out[i] = a[i] * b[i] + (a[i] ^ b[i]);
}`

function cpu(a: Uint32Array, b: Uint32Array): Uint32Array {
  return a.map((x, i) => (Math.imul(x, b[i]!) + ((x ^ b[i]!) >>> 0)) >>> 0)
}

describe('WebGPU in real Chromium', () => {
  it('runs a WGSL compute shader whose result equals the CPU computation', async () => {
    expect(navigator.gpu, 'navigator.gpu missing: Chromium needs --enable-unsafe-webgpu').toBeDefined()
    const adapter = await navigator.gpu.requestAdapter()
    expect(adapter).not.toBeNull()
    const device = await adapter!.requestDevice()
    try {
      const n = 1000 // not a multiple of the workgroup size: the bounds check is exercised
      const a = new Uint32Array(n), b = new Uint32Array(n)
      crypto.getRandomValues(a); crypto.getRandomValues(b)
      const mk = (data: Uint32Array) => {
        const buf = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST })
        device.queue.writeBuffer(buf, 0, data as Uint32Array<ArrayBuffer>)
        return buf
      }
      const ba = mk(a), bb = mk(b)
      const out = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC })
      const read = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST })
      device.pushErrorScope('validation')
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' } })
      const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [ba, bb, out].map((buffer, binding) => ({ binding, resource: { buffer } })) })
      const enc = device.createCommandEncoder()
      const pass = enc.beginComputePass()
      pass.setPipeline(pipeline); pass.setBindGroup(0, bind); pass.dispatchWorkgroups(Math.ceil(n / 64)); pass.end()
      enc.copyBufferToBuffer(out, 0, read, 0, n * 4)
      device.queue.submit([enc.finish()])
      expect(await device.popErrorScope()).toBeNull()
      await read.mapAsync(GPUMapMode.READ)
      const got = new Uint32Array(read.getMappedRange().slice(0))
      read.unmap()
      expect(Array.from(got)).toEqual(Array.from(cpu(a, b)))
    } finally {
      device.destroy()
    }
  })
})
