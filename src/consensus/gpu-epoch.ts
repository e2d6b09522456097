/**
 * Host side of the WebGPU epoch: packs a batch of independent epochs into flat u32 buffers (CSR
 * rows over the union of each row's weight and bond entries, plus a column-major index),
 * dispatches the 8 WGSL passes of `wgsl/` (one workgroup per epoch per pass) in one submission,
 * and unpacks the outputs. The host does no epoch arithmetic beyond the O(n) I64F64 stake
 * normalization (BigInt, `stakeVector`) and per-epoch constants (kappa, penalty, EMA alpha,
 * liquid-alpha slope); every O(n) and O(n^2) stage runs in WGSL and is bit-identical to epoch.ts.
 */
import { acquireDevice } from './gpu-device.ts'
import { PASSES, passSource } from './shaders.ts'
import { stakeVector, emaAlpha } from './epoch.ts'
import { divFx, saturatingDivBig } from './fixed.ts'
import type { EpochInput, EpochOutput, SparseRowU16 } from './types.ts'

/** Number of compute passes (dispatches) per batch. */
export const GPU_PASSES = PASSES.length

const META = 32
const UI = 12
const WE = 16
const WU = 16
const OU = 12
const SCAL = 4
const TWO32 = 4294967296

/** Result of a GPU batch attempt. */
export type GpuBatchAttempt = { ok: true; outputs: EpochOutput[]; passes: number } | { ok: false; reason: string }

function sortedStrict(row: SparseRowU16): boolean {
  for (let k = 1; k < row.length; k++) if (row[k]![0] <= row[k - 1]![0]) return false
  return true
}

/** Why an input cannot take the GPU path (null when it can). */
export function gpuIneligibility(input: EpochInput): string | null {
  for (let i = 0; i < input.n; i++) {
    if (!sortedStrict(input.weights[i]!)) return `weights[${i}] is not sorted by uid (the chain's liquid-alpha walk depends on order; the CPU reproduces it)`
    if (!sortedStrict(input.bonds[i]!)) return `bonds[${i}] is not sorted by uid`
  }
  return null
}

function put64(a: Uint32Array, i: number, x: number): void {
  a[i] = x % TWO32
  a[i + 1] = Math.floor(x / TWO32)
}

interface Layout {
  n: number
  uidOff: number
  entOff: number
  nnz: number
  /** First entry (epoch-local) of each row. */
  rowStart: number[]
  permit: boolean[]
  active: boolean[]
}

interface Packed {
  hdr: Uint32Array
  uidIn: Uint32Array
  ent: Uint32Array
  csr: Uint32Array
  workWords: number
  outWords: number
  outEntBase: number
  layouts: Layout[]
}

/** Size of the sorted union of two sorted rows' uids. */
function unionSize(w: SparseRowU16, b: SparseRowU16): number {
  let p = 0
  let q = 0
  let k = 0
  while (p < w.length && q < b.length) {
    const cw = w[p]![0]
    const cb = b[q]![0]
    if (cw <= cb) p++
    if (cb <= cw) q++
    k++
  }
  return k + (w.length - p) + (b.length - q)
}

function pack(inputs: EpochInput[]): Packed {
  let totalUids = 0
  let totalEnt = 0
  let csrLen = 0
  const nnzOf: number[] = []
  for (const x of inputs) {
    let nnz = 0
    for (let i = 0; i < x.n; i++) nnz += unionSize(x.weights[i]!, x.bonds[i]!)
    nnzOf.push(nnz)
    totalUids += x.n
    totalEnt += nnz
    csrLen += 2 * (x.n + 1) + nnz
  }
  const hdr = new Uint32Array(Math.max(4, inputs.length * META))
  const uidIn = new Uint32Array(Math.max(4, totalUids * UI))
  const ent = new Uint32Array(Math.max(4, totalEnt * 4))
  const csr = new Uint32Array(Math.max(4, csrLen))
  const workUidBase = totalEnt * WE
  const scalBase = workUidBase + totalUids * WU
  const outEntBase = totalUids * OU
  const layouts: Layout[] = []
  let uidOff = 0
  let entOff = 0
  let csrOff = 0
  inputs.forEach((x, e) => {
    const n = x.n
    const S = stakeVector(x)
    const owner = x.owner_uid
    const permit = x.validator_permit.slice()
    if (owner !== null && owner < permit.length) permit[owner] = true
    const active = x.last_update.map((u) => !(u + x.activity_cutoff_blocks < x.current_block))
    for (let i = 0; i < n; i++) {
      const u = (uidOff + i) * UI
      put64(uidIn, u, S[i]!)
      uidIn[u + 2] = (active[i] ? 1 : 0) | (permit[i] === true ? 2 : 0) | (permit.length > 0 && permit[i] !== true ? 4 : 0)
      put64(uidIn, u + 3, x.last_update[i]!)
      put64(uidIn, u + 5, x.block_at_registration[i]!)
      const cb = x.commit_blocks?.[i] ?? null
      if (cb === null) { uidIn[u + 7] = 0xffffffff; uidIn[u + 8] = 0xffffffff } else put64(uidIn, u + 7, cb)
    }
    // rows: CSR over the sorted union of each row's weight and bond uids
    const rowPtr = csrOff
    const colPtr = rowPtr + n + 1
    const csc = colPtr + n + 1
    const colCount = new Uint32Array(n + 1)
    let k = 0
    const rowStart: number[] = new Array<number>(n)
    for (let i = 0; i < n; i++) {
      csr[rowPtr + i] = k
      rowStart[i] = k
      const w = x.weights[i]!
      const b = x.bonds[i]!
      let p = 0
      let q = 0
      while (p < w.length || q < b.length) {
        const cw = p < w.length ? w[p]![0] : 0x7fffffff
        const cbv = q < b.length ? b[q]![0] : 0x7fffffff
        const g = (entOff + k) * 4
        const j = cw < cbv ? cw : cbv
        ent[g] = i
        ent[g + 1] = j
        ent[g + 2] = cw === j ? (w[p++]![1] | 0x10000) : 0
        ent[g + 3] = cbv === j ? (b[q++]![1] | 0x10000) : 0
        colCount[j + 1]! += 1
        k++
      }
    }
    csr[rowPtr + n] = k
    for (let j = 0; j < n; j++) colCount[j + 1]! += colCount[j]!
    csr.set(colCount, colPtr)
    const fill = colCount.slice(0, n)
    for (let le = 0; le < k; le++) {
      const j = ent[(entOff + le) * 4 + 1]!
      csr[csc + fill[j]!] = le
      fill[j]! += 1
    }
    const H = e * META
    hdr[H + 0] = n
    hdr[H + 1] = uidOff
    hdr[H + 2] = entOff
    hdr[H + 3] = k
    hdr[H + 4] = rowPtr
    hdr[H + 5] = colPtr
    hdr[H + 6] = csc
    hdr[H + 7] = (x.yuma3 ? 1 : 0) | (x.liquid_alpha === true ? 2 : 0) | (owner !== null ? 8 : 0)
    hdr[H + 8] = owner ?? 0
    hdr[H + 9] = x.max_allowed_validators
    put64(hdr, H + 10, divFx(x.kappa, 65535))
    put64(hdr, H + 12, divFx(x.bonds_penalty, 65535))
    put64(hdr, H + 14, emaAlpha(x.bonds_moving_average))
    put64(hdr, H + 16, divFx(x.alpha_low ?? 45875, 65535))
    put64(hdr, H + 18, divFx(x.alpha_high ?? 58982, 65535))
    const slope = saturatingDivBig(BigInt(x.alpha_sigmoid_steepness ?? 1000) << 32n, -100n << 32n)
    put64(hdr, H + 20, Number(slope < 0n ? -slope : slope))
    hdr[H + 22] = slope < 0n ? 1 : 0
    const lms = x.last_mechanism_step_block
    put64(hdr, H + 23, lms === 0 ? Math.max(0, x.current_block - x.tempo) : lms + 1)
    hdr[H + 25] = Number(x.rao_emission & 0xffffffffn)
    hdr[H + 26] = Number(x.rao_emission >> 32n)
    hdr[H + 27] = scalBase + e * SCAL
    hdr[H + 28] = outEntBase + entOff
    hdr[H + 29] = workUidBase + uidOff * WU
    layouts.push({ n, uidOff, entOff, nnz: k, rowStart, permit, active })
    uidOff += n
    entOff += k
    csrOff = csc + k
  })
  void nnzOf
  return {
    hdr, uidIn, ent, csr,
    workWords: Math.max(4, scalBase + inputs.length * SCAL),
    outWords: Math.max(4, outEntBase + totalEnt),
    outEntBase,
    layouts,
  }
}

function unpack(inputs: EpochInput[], p: Packed, out: Uint32Array): EpochOutput[] {
  return inputs.map((x, e) => {
    const L = p.layouts[e]!
    const o: EpochOutput = {
      active: L.active, stake_weight_u16: [], consensus_u16: [], incentive_u16: [], dividends_u16: [],
      validator_trust_u16: [], server_emission: [], validator_emission: [], emission: [], new_validator_permit: [], bonds_u16: [],
    }
    const big = (w: number): bigint => BigInt(out[w]!) + (BigInt(out[w + 1]!) << 32n)
    for (let i = 0; i < L.n; i++) {
      const w = (L.uidOff + i) * OU
      o.stake_weight_u16.push(out[w]!)
      o.consensus_u16.push(out[w + 1]!)
      o.incentive_u16.push(out[w + 2]!)
      o.dividends_u16.push(out[w + 3]!)
      o.validator_trust_u16.push(out[w + 4]!)
      const np = out[w + 5] === 1
      o.new_validator_permit.push(np)
      o.server_emission.push(big(w + 6))
      o.validator_emission.push(big(w + 8))
      o.emission.push(big(w + 10))
      if (np) {
        const row: SparseRowU16 = []
        const end = i + 1 < L.n ? L.rowStart[i + 1]! : L.nnz
        for (let le = L.rowStart[i]!; le < end; le++) {
          const word = out[p.outEntBase + L.entOff + le]!
          if ((word & 0x10000) !== 0) row.push([p.ent[(L.entOff + le) * 4 + 1]!, word & 0xffff])
        }
        o.bonds_u16.push(row)
      } else o.bonds_u16.push([]) // as persist_mechanism_epoch_terms stores it (see epoch.ts)
    }
    return o
  })
}

const pipelines = new WeakMap<GPUDevice, { layout: GPUBindGroupLayout; passes: GPUComputePipeline[] }>()

function getPipelines(device: GPUDevice): { layout: GPUBindGroupLayout; passes: GPUComputePipeline[] } {
  let p = pipelines.get(device)
  if (p === undefined) {
    const entries: GPUBindGroupLayoutEntry[] = [0, 1, 2, 3, 4, 5].map((binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: binding < 4 ? 'read-only-storage' : 'storage' },
    }))
    const layout = device.createBindGroupLayout({ entries })
    const pl = device.createPipelineLayout({ bindGroupLayouts: [layout] })
    const passes = PASSES.map((name) => device.createComputePipeline({
      label: `yuma-${name}`,
      layout: pl,
      compute: { module: device.createShaderModule({ label: `yuma-${name}.wgsl`, code: passSource(name) }), entryPoint: 'main' },
    }))
    p = { layout, passes }
    pipelines.set(device, p)
  }
  return p
}

async function runPacked(device: GPUDevice, inputs: EpochInput[], p: Packed): Promise<Uint32Array> {
  const { layout, passes } = getPipelines(device)
  const mk = (data: Uint32Array): GPUBuffer => {
    const b = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST })
    device.queue.writeBuffer(b, 0, data as Uint32Array<ArrayBuffer>)
    return b
  }
  const bufs = [mk(p.hdr), mk(p.uidIn), mk(p.ent), mk(p.csr)]
  const work = device.createBuffer({ size: p.workWords * 4, usage: GPUBufferUsage.STORAGE })
  const outb = device.createBuffer({ size: p.outWords * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC })
  const read = device.createBuffer({ size: p.outWords * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST })
  const all = [...bufs, work, outb, read]
  try {
    const bind = device.createBindGroup({ layout, entries: [...bufs, work, outb].map((buffer, binding) => ({ binding, resource: { buffer } })) })
    const enc = device.createCommandEncoder()
    const pass = enc.beginComputePass()
    for (const pipe of passes) {
      pass.setPipeline(pipe)
      pass.setBindGroup(0, bind)
      pass.dispatchWorkgroups(inputs.length)
    }
    pass.end()
    enc.copyBufferToBuffer(outb, 0, read, 0, p.outWords * 4)
    device.queue.submit([enc.finish()])
    await read.mapAsync(GPUMapMode.READ)
    const out = new Uint32Array(read.getMappedRange().slice(0))
    read.unmap()
    return out
  } finally {
    for (const b of all) b.destroy()
  }
}

function bytesNeeded(p: Packed): number {
  return Math.max(p.hdr.byteLength, p.uidIn.byteLength, p.ent.byteLength, p.csr.byteLength, p.workWords * 4, p.outWords * 4)
}

/** Why the device was lost, when it was (its `lost` promise has settled by now), else null. */
async function lostBy(device: GPUDevice): Promise<string | null> {
  const info = await Promise.race([device.lost, Promise.resolve(null)])
  if (info === null) return null
  return `WebGPU device lost during the batch (${info.reason ?? 'unknown'}${info.message !== '' ? `: ${info.message}` : ''})`
}

/**
 * Runs the batch on WebGPU, or says why it cannot (no adapter, an input the kernels do not
 * take, a GPU error). Batches larger than the device's buffer limits are split into several
 * submissions.
 */
export async function runEpochBatchGpu(inputs: EpochInput[], signal?: AbortSignal): Promise<GpuBatchAttempt> {
  for (const [k, x] of inputs.entries()) {
    const why = gpuIneligibility(x)
    if (why !== null) return { ok: false, reason: `input ${k}: ${why}` }
  }
  const dev = await acquireDevice()
  if (!dev.ok) return { ok: false, reason: dev.reason }
  const device = dev.device
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize)
  const outputs: EpochOutput[] = []
  let submissions = 0
  const runChunk = async (chunk: EpochInput[]): Promise<string | null> => {
    if (signal?.aborted === true) return 'aborted'
    const p = pack(chunk)
    if (bytesNeeded(p) > limit || chunk.length > device.limits.maxComputeWorkgroupsPerDimension) {
      if (chunk.length === 1) return `one epoch needs ${bytesNeeded(p)} bytes in one buffer, over the device limit ${limit}`
      const half = Math.ceil(chunk.length / 2)
      return (await runChunk(chunk.slice(0, half))) ?? (await runChunk(chunk.slice(half)))
    }
    device.pushErrorScope('out-of-memory')
    device.pushErrorScope('validation')
    let out: Uint32Array | undefined
    let thrown: unknown
    try {
      out = await runPacked(device, chunk, p)
    } catch (err) {
      thrown = err
    }
    // A lost device may reject the pops; its loss is then the reason.
    const v = await device.popErrorScope().catch(() => null)
    const m = await device.popErrorScope().catch(() => null)
    const lost = await lostBy(device)
    if (lost !== null) return lost
    if (v !== null) return `GPU validation error: ${v.message}`
    if (m !== null) return `GPU out of memory: ${m.message}`
    if (out === undefined) return `GPU failure: ${(thrown as Error)?.message ?? String(thrown)}`
    submissions++
    outputs.push(...unpack(chunk, p, out))
    return null
  }
  const err = await runChunk(inputs)
  if (err !== null) return { ok: false, reason: err }
  return { ok: true, outputs, passes: GPU_PASSES * submissions }
}
