/**
 * Runs wgsl/helpers-check.wgsl (the 64-bit helpers of common.wgsl) on operand pairs and checks
 * every result against the BigInt oracle. Test-only; used in Chromium and, through
 * gpu-server.ts, in Dawn.
 */
import { passSource } from '../shaders.ts'

const M64 = (1n << 64n) - 1n

/** Operand pairs: limb edge values (0, 1, 0xffff, 2^16, 2^31 - 1, 2^31, 2^32 - 1 in each word) and random ones. */
export function helperCases(randomCount: number, seed = 7): Array<[bigint, bigint]> {
  const limbs = [0n, 1n, 0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xffffffffn]
  const vals: bigint[] = []
  for (const hi of limbs) for (const lo of limbs) vals.push((hi << 32n) | lo)
  const cases: Array<[bigint, bigint]> = []
  for (const a of vals) for (const b of vals) cases.push([a, b])
  let x = BigInt(seed)
  const next = (): bigint => { x = (x * 6364136223846793005n + 1442695040888963407n) & M64; return x }
  for (let k = 0; k < randomCount; k++) {
    const a = next() >> (next() % 64n)
    const b = next() >> (next() % 64n)
    cases.push([a, b], [a < b ? a : b, a < b ? b : a])
  }
  return cases
}

/** Evaluates the helpers on the GPU; 12 result words per case. */
export async function runHelperKernel(device: GPUDevice, cases: Array<[bigint, bigint]>): Promise<Uint32Array> {
  const n = cases.length
  const input = new Uint32Array(n * 4)
  cases.forEach(([a, b], i) => {
    input[i * 4] = Number(a & 0xffffffffn); input[i * 4 + 1] = Number(a >> 32n)
    input[i * 4 + 2] = Number(b & 0xffffffffn); input[i * 4 + 3] = Number(b >> 32n)
  })
  const mk = (data: Uint32Array, usage: number): GPUBuffer => {
    const buf = device.createBuffer({ size: Math.max(16, data.byteLength), usage: usage | GPUBufferUsage.COPY_DST })
    device.queue.writeBuffer(buf, 0, data as Uint32Array<ArrayBuffer>)
    return buf
  }
  const hdr = mk(new Uint32Array([n, 0, 0, 0]), GPUBufferUsage.STORAGE)
  const inb = mk(input, GPUBufferUsage.STORAGE)
  const out = device.createBuffer({ size: n * 48, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC })
  const read = device.createBuffer({ size: n * 48, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST })
  try {
    const pipe = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: passSource('helpers-check') }), entryPoint: 'main' } })
    const bind = device.createBindGroup({
      layout: pipe.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: hdr } }, { binding: 1, resource: { buffer: inb } }, { binding: 5, resource: { buffer: out } }],
    })
    const enc = device.createCommandEncoder()
    const pass = enc.beginComputePass()
    pass.setPipeline(pipe); pass.setBindGroup(0, bind); pass.dispatchWorkgroups(Math.ceil(n / 64)); pass.end()
    enc.copyBufferToBuffer(out, 0, read, 0, n * 48)
    device.queue.submit([enc.finish()])
    await read.mapAsync(GPUMapMode.READ)
    const res = new Uint32Array(read.getMappedRange().slice(0))
    read.unmap()
    return res
  } finally {
    for (const b of [hdr, inb, out, read]) b.destroy()
  }
}

/** Compares GPU helper results with the BigInt oracle; returns the mismatches (empty when exact). */
export function checkHelperResults(cases: Array<[bigint, bigint]>, out: ArrayLike<number>): string[] {
  const bad: string[] = []
  const u64 = (o: number): bigint => BigInt(out[o]!) + (BigInt(out[o + 1]!) << 32n)
  cases.forEach(([a, b], i) => {
    const o = i * 12
    const p = a * b
    const want: Array<[string, bigint, bigint]> = [
      ['mulfx', u64(o), (p >> 32n) & M64],
      ['mulfx_ceil', u64(o + 2), ((p + 0xffffffffn) >> 32n) & M64],
      ['div_prop', u64(o + 4), a <= b && b < 1n << 63n ? (b === 0n ? 0n : (a << 32n) / b) : 0n],
      ['div_small', u64(o + 6), a / (b & 0xffffn || 1n)],
      ['to_u16', BigInt(out[o + 8]!), (() => { const v = (a * 65535n) >> 32n; return v > 65535n ? 65535n : v })()],
      ['add64', u64(o + 9), (a + b) & M64],
      ['sub64', BigInt(out[o + 11]!), (() => { const t = (a - b) & M64; return (t & 0xffffffffn) ^ (t >> 32n) })()],
    ]
    for (const [name, got, exp] of want) if (got !== exp) bad.push(`${name}(${a}, ${b}) = ${got}, want ${exp}`)
  })
  return bad
}
