/**
 * Yuma Consensus benchmark (`npm run bench -- consensus`):
 * - exact CPU reference epoch for n = 64, 256, 1024, 4096 with ~10%-dense weights, beside two
 *   float64 implementations of the same Yuma1 epoch measured in the same run: the numpy anchor
 *   (bench/consensus_numpy.py: vectorised over dense n x n matrices, one BLAS thread, run by
 *   python3 on the same inputs; skipped with a note when python3/numpy is missing) and a
 *   straightforward sparse float64 one in TypeScript;
 * - batched WebGPU throughput: one submission of 64 epochs at n = 256 (Dawn in Node; here a
 *   software adapter, SwiftShader), beside the exact CPU running the same 64 epochs.
 * Dawn reads its driver environment at process start, so the GPU part runs in a child process.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runEpoch, runEpochBatch, parseEpochInput, consensusDawnEnv, releaseConsensusGpu, CONSENSUS_GPU_PASSES, type EpochInput } from '../src/consensus/index.ts'

function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A chain-like subnet: every uid a permitted, active validator; weights and bonds about 10% dense;
 * Yuma1 defaults. Validators agree on a popular tenth of the uids (each weights them with
 * probability 0.9) and scatter the rest, so most popular columns have a stake majority and a
 * nonzero consensus (with uniformly scattered weights every median, and so every incentive, is 0).
 */
export function benchInput(n: number, seed: number, density = 0.1): EpochInput {
  const r = prng(seed)
  const popular = Math.max(1, Math.round(n * density))
  const row = (max: number): Array<[number, number]> => {
    const out: Array<[number, number]> = []
    for (let j = 0; j < n; j++) if (r() < (j < popular ? 0.9 : density * 0.1)) out.push([j, 1 + Math.floor(r() * max)])
    if (out.length > 0) out[Math.floor(r() * out.length)]![1] = 65535
    return out
  }
  return parseEpochInput({
    n, current_block: 10_000, tempo: 360, activity_cutoff_blocks: 5000, last_mechanism_step_block: 9_639,
    last_update: Array.from({ length: n }, () => 9_000 + Math.floor(r() * 1000)),
    block_at_registration: Array.from({ length: n }, () => Math.floor(r() * 8000)),
    alpha_stake: Array.from({ length: n }, () => Math.floor(r() * 1e13)),
    stake_threshold: 0, owner_uid: 0, validator_permit: new Array(n).fill(true), max_allowed_validators: n,
    kappa: 32767, bonds_penalty: 65535, bonds_moving_average: 900000, yuma3: false,
    weights: Array.from({ length: n }, () => row(65534)),
    bonds: Array.from({ length: n }, () => row(65534)),
    rao_emission: 1_000_000_000,
  })
}

/** The anchor: the same Yuma1 epoch in plain float64 (sort-and-walk median), no fixed point. */
export function epochFloat64(x: EpochInput): Float64Array {
  const n = x.n
  const S = new Float64Array(n)
  let ss = 0
  for (let i = 0; i < n; i++) { S[i] = Number(x.alpha_stake[i]!); ss += S[i]! }
  const A = new Float64Array(n)
  let sa = 0
  for (let i = 0; i < n; i++) {
    S[i] = ss > 0 ? S[i]! / ss : 0
    const act = !(x.last_update[i]! + x.activity_cutoff_blocks < x.current_block)
    A[i] = act && x.validator_permit[i] === true ? S[i]! : 0
    sa += A[i]!
  }
  for (let i = 0; i < n; i++) A[i] = sa > 0 ? A[i]! / sa : 0
  const Wc: number[][] = []
  const Wv: number[][] = []
  for (let i = 0; i < n; i++) {
    const c: number[] = []
    const v: number[] = []
    let rs = 0
    if (x.validator_permit[i] === true) for (const [j, w] of x.weights[i]!) {
      if (j === i || x.last_update[i]! <= x.block_at_registration[j]!) continue
      c.push(j); v.push(w); rs += w
    }
    for (let k = 0; k < v.length; k++) v[k] = rs > 0 ? v[k]! / rs : 0
    Wc.push(c); Wv.push(v)
  }
  const kappa = x.kappa / 65535
  const colS: number[][] = Array.from({ length: n }, () => [])
  const colW: number[][] = Array.from({ length: n }, () => [])
  for (let i = 0; i < n; i++) if (A[i]! > 0) for (let k = 0; k < Wc[i]!.length; k++) if (Wv[i]![k]! > 0) { colS[Wc[i]![k]!]!.push(A[i]!); colW[Wc[i]![k]!]!.push(Wv[i]![k]!) }
  const C = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    const idx = colW[j]!.map((_, k) => k).sort((a, b) => colW[j]![b]! - colW[j]![a]!)
    let acc = 0
    for (const k of idx) { acc += colS[j]![k]!; if (acc > kappa) { C[j] = colW[j]![k]!; break } }
  }
  const R = new Float64Array(n)
  const clipped = Wv.map((v, i) => v.map((w, k) => Math.min(w, C[Wc[i]![k]!]!)))
  for (let i = 0; i < n; i++) for (let k = 0; k < Wc[i]!.length; k++) R[Wc[i]![k]!] += A[i]! * clipped[i]![k]!
  let sr = 0
  for (let j = 0; j < n; j++) sr += R[j]!
  const I = R.map((r) => (sr > 0 ? r / sr : 0))
  // bonds: column-normalized B and ΔB, EMA, column-normalized, dividends
  const alpha = 1 - Number(x.bonds_moving_average) / 1e6
  const colB = new Float64Array(n)
  const colD = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    for (const [j, b] of x.bonds[i]!) colB[j] += b
    for (let k = 0; k < Wc[i]!.length; k++) colD[Wc[i]![k]!] += clipped[i]![k]! * A[i]!
  }
  const ema = new Map<number, number>()
  const colE = new Float64Array(n)
  const D = new Float64Array(n)
  const rows: Array<Map<number, number>> = []
  for (let i = 0; i < n; i++) {
    ema.clear()
    for (const [j, b] of x.bonds[i]!) ema.set(j, (1 - alpha) * (colB[j]! > 0 ? b / colB[j]! : 0))
    for (let k = 0; k < Wc[i]!.length; k++) {
      const j = Wc[i]![k]!
      ema.set(j, (ema.get(j) ?? 0) + alpha * (colD[j]! > 0 ? (clipped[i]![k]! * A[i]!) / colD[j]! : 0))
    }
    const m = new Map(ema)
    for (const [j, v] of m) colE[j] += v
    rows.push(m)
  }
  let sd = 0
  for (let i = 0; i < n; i++) { for (const [j, v] of rows[i]!) D[i] += I[j]! * (colE[j]! > 0 ? v / colE[j]! : 0); sd += D[i]! }
  const E = new Float64Array(n)
  for (let i = 0; i < n; i++) E[i] = (I[i]! + (sd > 0 ? D[i]! / sd : 0)) / 2
  return E
}

/**
 * Median wall and CPU (user + system of this process) milliseconds per call of `fn`; each sample
 * runs `inner` calls, since the kernel accounts CPU time in ticks of a few milliseconds.
 */
function timeIt(fn: () => void, minMs: number, maxRuns: number, warm = true, inner = 1, warmMs = 400): { wall: number; cpu: number } {
  if (warm) {
    // steady state: let the JIT tier up (and the heap settle) before measuring; the numpy anchor
    // needs no warm-up beyond one call
    const w0 = performance.now()
    do fn(); while (performance.now() - w0 < warmMs)
  }
  const wall: number[] = []
  const cpu: number[] = []
  const start = performance.now()
  while (wall.length < maxRuns && (wall.length < 3 || performance.now() - start < minMs)) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    for (let k = 0; k < inner; k++) fn()
    wall.push((performance.now() - t0) / inner)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000 / inner)
  }
  const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  return { wall: med(wall), cpu: med(cpu) }
}

const GPU_BATCH = 64
const GPU_N = 256

async function gpuChild(): Promise<void> {
  const inputs = Array.from({ length: GPU_BATCH }, (_, k) => benchInput(GPU_N, 1000 + k))
  const t0 = performance.now()
  const first = await runEpochBatch(inputs, { prefer: 'gpu', requireGpu: true })
  const firstMs = performance.now() - t0
  const times: number[] = []
  const cpus: number[] = []
  for (let k = 0; k < 2; k++) {
    const t = performance.now()
    const c0 = process.cpuUsage()
    const res = await runEpochBatch(inputs, { prefer: 'gpu', requireGpu: true })
    times.push(performance.now() - t)
    const c = process.cpuUsage(c0)
    cpus.push((c.user + c.system) / 1000)
    if (res.path !== 'gpu') throw new Error('GPU path not taken')
  }
  times.sort((a, b) => a - b)
  cpus.sort((a, b) => a - b)
  // the GPU outputs are the exact ones: check against the CPU for the first epochs
  const same = first.outputs.slice(0, 4).every((o, k) => JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(runEpoch(inputs[k]!), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
  await releaseConsensusGpu()
  process.stdout.write(JSON.stringify({ firstMs, bestMs: times[0], cpuMs: cpus[0], passes: first.passes, same }) + '\n')
}

const SIZES = [64, 256, 1024, 4096]

/** Runs the numpy anchor on the inputs; per input `{ wall, cpu }` ms, or a reason it could not run. */
function numpyAnchor(inputs: EpochInput[]): { ok: true; times: Array<{ wall: number; cpu: number }>; version: string } | { ok: false; reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'consensus-bench-'))
  try {
    const file = join(dir, 'inputs.json')
    writeFileSync(file, JSON.stringify(inputs, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    const script = fileURLToPath(new URL('./consensus_numpy.py', import.meta.url))
    const r = spawnSync('python3', [script, file, '3000'], {
      encoding: 'utf8', timeout: 900_000,
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    })
    if (r.status !== 0) return { ok: false, reason: (r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? 'python3 failed' }
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { wall: number; cpu: number; numpy: string })
    return { ok: true, times: lines, version: lines[0]?.numpy ?? '?' }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Prints the figures. */
export async function run(): Promise<void> {
  console.log('Times are medians; "cpu" is this process\'s user+system time, which a busy shared machine inflates less than wall time.')
  console.log('CPU exact reference vs float64 anchors (Yuma1, every uid a validator, ~10% dense weights and bonds agreeing on a popular tenth)')
  const xs = SIZES.map((n) => benchInput(n, n))
  console.log('numpy anchor: bench/consensus_numpy.py (dense float64, one BLAS thread), run for each n just before the exact epoch at that n;')
  console.log('the TypeScript epochs are measured in steady state (2 s of warm-up calls at n <= 256, 0.4 s above)')
  console.log('     n   entries   exact ms (cpu / wall)   numpy ms (cpu / wall)   f64-ts ms (cpu / wall)   exact/numpy (cpu)   exact/f64-ts (cpu)')
  SIZES.forEach((n, k) => {
    const x = xs[k]!
    const np = numpyAnchor([x])
    if (k === 0) console.log(np.ok ? `  (numpy ${np.version})` : `  (numpy anchor not measured: ${np.reason})`)
    const entries = x.weights.reduce((a, r) => a + r.length, 0)
    const big = n >= 4096
    const inner = n <= 64 ? 1000 : n <= 256 ? 100 : n <= 1024 ? 2 : 1
    const warmMs = n <= 256 ? 2000 : 400
    const exact = timeIt(() => runEpoch(x), big ? 0 : 3000, big ? 3 : 9, !big, inner, warmMs)
    const float = timeIt(() => epochFloat64(x), big ? 0 : 3000, big ? 3 : 9, !big, inner, warmMs)
    const pair = (t: { wall: number; cpu: number }): string => `${t.cpu.toFixed(2)} / ${t.wall.toFixed(2)}`
    const npt = np.ok ? np.times[0]! : undefined
    console.log(`${String(n).padStart(6)} ${String(entries).padStart(9)} ${pair(exact).padStart(23)} ${(npt ? pair(npt) : '-').padStart(23)} ${pair(float).padStart(24)} ${(npt ? (exact.cpu / npt.cpu).toFixed(2) : '-').padStart(19)} ${(exact.cpu / float.cpu).toFixed(2).padStart(20)}`)
  })

  console.log(`\nWebGPU batch: ${GPU_BATCH} epochs at n = ${GPU_N} in one submission (${CONSENSUS_GPU_PASSES} compute passes), Dawn in a child process`)
  const inputs = Array.from({ length: GPU_BATCH }, (_, k) => benchInput(GPU_N, 1000 + k))
  const cpuBatch = timeIt(() => { for (const x of inputs) runEpoch(x) }, 0, 3)
  const floatBatch = timeIt(() => { for (const x of inputs) epochFloat64(x) }, 0, 3)
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, ...consensusDawnEnv(), WEBTENSOR_BENCH_CONSENSUS_GPU: '1' },
    encoding: 'utf8',
    timeout: 600_000,
  })
  const line = child.stdout.trim().split('\n').pop() ?? ''
  let gpu: { firstMs: number; bestMs: number; cpuMs: number; passes: number; same: boolean } | undefined
  try { gpu = JSON.parse(line) as typeof gpu } catch { gpu = undefined }
  const eps = (ms: number): string => (GPU_BATCH / (ms / 1000)).toFixed(1)
  console.log(`  CPU exact, same 64 epochs, one thread:   ${cpuBatch.wall.toFixed(0)} ms wall -> ${eps(cpuBatch.wall)} epochs/s (cpu ${cpuBatch.cpu.toFixed(0)} ms -> ${eps(cpuBatch.cpu)} epochs/s)`)
  console.log(`  float64 anchor, same epochs, one thread: ${floatBatch.wall.toFixed(0)} ms wall -> ${eps(floatBatch.wall)} epochs/s (cpu ${floatBatch.cpu.toFixed(0)} ms -> ${eps(floatBatch.cpu)} epochs/s)`)
  if (gpu === undefined) {
    console.log(`  GPU: not measured (${(child.stderr || child.error?.message || 'child failed').trim().split('\n').slice(-3).join(' | ')})`)
    return
  }
  console.log(`  GPU, software adapter (best of 2):       ${gpu.bestMs.toFixed(0)} ms wall -> ${eps(gpu.bestMs)} epochs/s (cpu of all SwiftShader threads ${gpu.cpuMs.toFixed(0)} ms -> ${eps(gpu.cpuMs)} epochs/s; first batch incl. pipeline compile ${gpu.firstMs.toFixed(0)} ms; ${gpu.passes} passes; outputs equal CPU: ${gpu.same})`)
  console.log(`  ratios (wall): GPU vs CPU exact ${(cpuBatch.wall / gpu.bestMs).toFixed(2)}x, GPU vs float64 ${(floatBatch.wall / gpu.bestMs).toFixed(2)}x`)
}

if (process.env['WEBTENSOR_BENCH_CONSENSUS_GPU'] === '1') await gpuChild()
