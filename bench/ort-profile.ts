/**
 * Where an ONNX model's run spends its time, per kind of operator, on onnxruntime-node (native
 * CPU, MLAS with its x86 kernels) and on onnxruntime-web's WASM build (MLAS compiled to
 * WebAssembly SIMD128), both from ONNX Runtime's own profiler, one intra-op thread each.
 *
 * The WASM side runs in this Node process (onnxruntime-web's Node build: the same MLAS sources and
 * SIMD128 flags as the page's JSEP build; headless Chromium ran the recognizer at the same speed
 * with either file). ORT writes the native profile to a file and prints the WASM one on stdout,
 * which is captured while `endProfiling()` runs.
 *
 * Convolutions are split by shape (pointwise 1x1, depthwise, dense kxk) and their achieved
 * GFLOP/s computed from the profiled shapes: the figure that says whether a gap is the kernel's.
 */
import fs, { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One profiled kind of operator: median time per run (ms) and the FLOPs of its convolutions per run. */
export interface OpKind { ms: number; nodes: number; flops: number }

/** A profile: kinds by name, and the median session run (ms). */
export interface OpProfile { kinds: Map<string, OpKind>; runMs: number }

interface TraceEvent {
  cat?: string
  name: string
  dur: number
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] }
}

interface ProfiledSession {
  inputNames: readonly string[]
  run(feeds: Record<string, unknown>): Promise<unknown>
  endProfiling(): unknown
  release(): Promise<void>
}
interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown
  InferenceSession: { create(bytes: Uint8Array, opts: object): Promise<ProfiledSession> }
  env: { wasm: { numThreads?: number } }
}

const dimsOf = (shape: Record<string, number[]> | undefined): number[] => (shape === undefined ? [] : Object.values(shape)[0] ?? [])

/** The kind of a node (convolutions by weight shape) and its FLOPs (convolutions only). */
function kindOf(e: TraceEvent): { kind: string; flops: number } {
  const op = e.args?.op_name ?? '?'
  // optimizeOnnx names its hard-swish nodes `…__hsig` and `…__hswish`.
  if ((op === 'HardSigmoid' && e.name.includes('__hsig')) || (op === 'Mul' && e.name.includes('__hswish'))) return { kind: 'hard-swish (HardSigmoid, Mul)', flops: 0 }
  if (op === 'ReorderInput' || op === 'ReorderOutput') return { kind: 'NCHWc reorder (native only)', flops: 0 }
  if (op !== 'Conv' && op !== 'FusedConv') return { kind: op, flops: 0 }
  const x = dimsOf(e.args?.input_type_shape?.[0])
  const w = dimsOf(e.args?.input_type_shape?.[1])
  const y = dimsOf(e.args?.output_type_shape?.[0])
  if (w.length !== 4 || y.length !== 4 || x.length !== 4) return { kind: 'Conv (other)', flops: 0 }
  // Native NCHWc convolutions report blocked shapes too; the weight's [Co, Ci/group, kh, kw] and the
  // output's element count are what the FLOPs need.
  const [, perGroup, kh, kw] = w as [number, number, number, number]
  const outElems = y.reduce((a, b) => a * b, 1)
  const flops = 2 * outElems * perGroup * kh * kw
  const kind = perGroup === 1 && x[1]! > 1 ? `Conv depthwise ${kh}x${kw}` : kh === 1 && kw === 1 ? 'Conv 1x1' : `Conv ${kh}x${kw}`
  return { kind, flops }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Kinds from ORT's trace events (the first run is the warm-up and is left out). */
function summarize(events: TraceEvent[]): OpProfile {
  const runs = events.filter((e) => e.name === 'model_run').map((e) => e.dur / 1000)
  const perNode = new Map<string, { e: TraceEvent; us: number[] }>()
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue
    let p = perNode.get(e.name)
    if (p === undefined) perNode.set(e.name, p = { e, us: [] })
    p.us.push(e.dur)
  }
  const kinds = new Map<string, OpKind>()
  for (const { e, us } of perNode.values()) {
    const { kind, flops } = kindOf(e)
    const k = kinds.get(kind) ?? { ms: 0, nodes: 0, flops: 0 }
    k.ms += median(us.length > 1 ? us.slice(1) : us) / 1000
    k.nodes++
    k.flops += flops
    kinds.set(kind, k)
  }
  return { kinds, runMs: median(runs.length > 1 ? runs.slice(1) : runs) }
}

async function profileWith(ort: OrtModule, opts: object, model: Uint8Array, dims: readonly number[], runs: number, end: (s: ProfiledSession) => Promise<string>): Promise<OpProfile> {
  const s = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', enableProfiling: true, ...opts })
  try {
    const n = dims.reduce((a, b) => a * b, 1)
    const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37))
    for (let i = 0; i < runs + 1; i++) await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', data, dims) })
    const text = await end(s)
    return summarize(JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)) as TraceEvent[])
  } finally {
    await s.release()
  }
}

/** onnxruntime-node, one intra-op thread: the profile file ORT writes, read and deleted. */
export async function profileNative(model: Uint8Array, dims: readonly number[], runs: number): Promise<OpProfile> {
  const ort = (await import('onnxruntime-node')) as unknown as OrtModule
  const dir = mkdtempSync(join(tmpdir(), 'ort-profile-'))
  try {
    return await profileWith(ort, { executionProviders: ['cpu'], intraOpNumThreads: 1, profileFilePrefix: join(dir, 'native') }, model, dims, runs, async (s) => {
      s.endProfiling()
      const file = readdirSync(dir).find((f) => f.endsWith('.json'))
      if (file === undefined) throw new Error('onnxruntime-node wrote no profile')
      return readFileSync(join(dir, file), 'utf8')
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * onnxruntime-web's WASM build in this process, one thread: the profile it prints, captured (its
 * Emscripten glue prints with `fs.writeSync(1, line)`, looked up on the module object at each call).
 */
export async function profileWasm(model: Uint8Array, dims: readonly number[], runs: number): Promise<OpProfile> {
  const ort = (await import('onnxruntime-web')) as unknown as OrtModule
  ort.env.wasm.numThreads = 1
  return profileWith(ort, { executionProviders: ['wasm'] }, model, dims, runs, async (s) => {
    const writeSync = fs.writeSync
    let text = ''
    fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]): number => {
      if (fd === 1 && typeof data === 'string') { text += data; return data.length }
      return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest)
    }) as typeof fs.writeSync
    try {
      await s.endProfiling()
    } finally {
      fs.writeSync = writeSync
    }
    return text
  })
}

/** Sum of the kinds' median times (ms), optionally only those whose name matches. */
export function kernelMs(p: OpProfile, match: RegExp = /./): number {
  let t = 0
  for (const [k, v] of p.kinds) if (match.test(k)) t += v.ms
  return t
}

/** Table lines: each kind's native and WASM ms per run, the ratio, and the convolutions' GFLOP/s. */
export function opTable(native: OpProfile, wasm: OpProfile, minMs = 0.5): string[] {
  const names = [...new Set([...native.kinds.keys(), ...wasm.kinds.keys()])]
  const ms = (p: OpProfile, k: string): number => p.kinds.get(k)?.ms ?? 0
  names.sort((a, b) => ms(wasm, b) - ms(wasm, a))
  const gflops = (p: OpProfile, k: string): string => {
    const x = p.kinds.get(k)
    return x === undefined || x.flops === 0 || x.ms === 0 ? '' : `${(x.flops / x.ms / 1e6).toFixed(0)} GFLOP/s`
  }
  const total = (p: OpProfile): number => kernelMs(p)
  const lines = [`    ${'operator (nodes)'.padEnd(34)} ${'native'.padStart(8)} ${'WASM'.padStart(8)}  WASM/native  share of WASM  native / WASM convolution speed`]
  let restN = 0
  let restW = 0
  for (const k of names) {
    const [n, w] = [ms(native, k), ms(wasm, k)]
    if (Math.max(n, w) < minMs) { restN += n; restW += w; continue }
    const nodes = wasm.kinds.get(k)?.nodes ?? native.kinds.get(k)?.nodes ?? 0
    const g = gflops(native, k)
    lines.push(`    ${`${k} (${nodes})`.padEnd(34)} ${n.toFixed(1).padStart(8)} ${w.toFixed(1).padStart(8)}  ${(n > 0 && w > 0 ? `${(w / n).toFixed(1)}x` : n > 0 ? 'native only' : 'in Conv').padStart(11)}  ${`${((w / total(wasm)) * 100).toFixed(0)}%`.padStart(13)}  ${g === '' ? '' : `${g} / ${gflops(wasm, k)}`}`)
  }
  lines.push(`    ${'the rest'.padEnd(34)} ${restN.toFixed(1).padStart(8)} ${restW.toFixed(1).padStart(8)}`)
  lines.push(`    ${'all kernels (median session run)'.padEnd(34)} ${total(native).toFixed(1).padStart(8)} ${total(wasm).toFixed(1).padStart(8)}  ${`${(total(wasm) / total(native)).toFixed(1)}x`.padStart(11)}  (runs ${native.runMs.toFixed(0)} / ${wasm.runMs.toFixed(0)} ms)`)
  return lines
}
