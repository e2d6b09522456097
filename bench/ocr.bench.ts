/**
 * OCR latency per 640x480 8-word challenge, on the same challenges in the same run:
 *   anchor  onnxruntime-node (native CPU) in this process: the pipeline before issue 17 (one
 *           recognition run per word, the model files' graphs, detection at full size) and this
 *           one (graphs after optimizeOnnx, the challenge tuning, all crops in one run)
 *   vs      onnxruntime-web WASM, batched, 1 and 2 threads, in the inference worker of a
 *           cross-origin isolated headless Chromium page (Vite dev server with the models plugin)
 * Each figure is split into detection (session run), recognition (session runs) and the rest
 * (pre/post-processing in JS). Also model download + init, cold vs from the cache, and the
 * miner's browser path (solve worker + inference worker): message hops per session run, counted
 * (page <-> solve worker at the page, page <-> inference worker and the direct port at the
 * inference worker), with the page relaying each run (before) and worker to worker (after).
 * And where the kernels' time goes: det and rec profiled per kind of operator by ORT, natively
 * and in the WASM build, one thread each (bench/ort-profile.ts), with the convolutions' GFLOP/s.
 * Issue 17 targets: native batched >= 2x the per-word path; WASM >= 0.8x native throughput
 * (against native's best batched row: default threads or one, whichever is faster here).
 */
import { cpus, loadavg } from 'node:os'
import { chromium } from 'playwright'
import { createServer } from 'vite'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.ts'
import { optimizeOnnx } from '../src/gpu/index.ts'
import { createNodeRunner } from '../src/gpu/node.ts'
import { canvasPlatform, createOcrEngine, loadOcrModelFiles, makeOcrChallenge, OCR_DET_FILE, OCR_MODEL_MANIFEST, scoreOcr, type OcrEngine } from '../src/subnet/node.ts'
import { kernelMs, opTable, profileNative, profileWasm, type OpProfile } from './ort-profile.ts'

const CHALLENGES = Number(process.env['OCR_BENCH_CHALLENGES'] ?? 4)
/** Profiled runs per session and runtime (after one warm-up). */
const PROFILE_RUNS = 5

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const fmt = (ms: number): string => `${ms.toFixed(0).padStart(6)} ms`

interface Profile { detMs: number; recMs: number; recRuns: number; jsMs: number; totalMs: number }

/** One configuration's measurements. */
class Series {
  readonly ms: number[] = []
  readonly prof: Profile[] = []
  exact = 0
  words = 0
  constructor(readonly label: string) {}
  add(ms: number, prof: Profile, exact: number, words: number): void {
    this.ms.push(ms)
    this.prof.push(prof)
    this.exact += exact
    this.words += words
  }
  get median(): number { return median(this.ms) }
  line(anchor: number): string {
    const p = (k: keyof Profile): string => median(this.prof.map((x) => x[k])).toFixed(0)
    return `  ${this.label.padEnd(46)} ${fmt(this.median)}  det ${p('detMs').padStart(4)}  rec ${p('recMs').padStart(4)} (${p('recRuns')} run${p('recRuns') === '1' ? '' : 's'})  js ${p('jsMs').padStart(4)}  exact ${this.exact}/${this.words}  throughput ${(anchor / this.median).toFixed(2)}x`
  }
}

export async function run(): Promise<void> {
  const made = []
  for (let i = 0; i < CHALLENGES + 1; i++) made.push(await makeOcrChallenge())
  const truthWords = made.map((m) => m.truth.words)

  // Native: the per-word path (before) and the batched one (after), same runner and sessions.
  const files = loadOcrModelFiles()
  const runner = await createNodeRunner({ backend: 'onnxruntime-node' })
  // One intra-op thread too: the like-for-like anchor of one WASM thread (and, on a loaded host,
  // what ORT's spinning thread pool costs).
  const runner1 = await createNodeRunner({ backend: 'onnxruntime-node', threads: 1 })
  // The path before issue 17 (one rec run per word, the files' graphs, full-size detection) on
  // runners of its own: a runner keeps one session per name, and the graphs differ.
  const before = await createNodeRunner({ backend: 'onnxruntime-node' })
  const before1 = await createNodeRunner({ backend: 'onnxruntime-node', threads: 1 })
  const native: { series: Series; engine: OcrEngine }[] = [
    { series: new Series('onnxruntime-node, per word (before)'), engine: await createOcrEngine(before, files, { recognition: 'per-word', graph: 'original' }) },
    { series: new Series('onnxruntime-node, per word, 1 thread (before)'), engine: await createOcrEngine(before1, files, { recognition: 'per-word', graph: 'original' }) },
    { series: new Series('onnxruntime-node, batched'), engine: await createOcrEngine(runner, files) },
    { series: new Series('onnxruntime-node, batched, 1 thread'), engine: await createOcrEngine(runner1, files) },
  ]
  const solveNative = async (i: number): Promise<void> => {
    for (const n of native) {
      const t0 = performance.now()
      const pixels = await canvasPlatform.decodeImage(made[i]!.challenge.image)
      const words = await n.engine.recognize(pixels, { alphabet: 'challenge' })
      const dt = performance.now() - t0
      if (i === 0) continue // warm-up
      n.series.add(dt, n.engine.profile, scoreOcr('x', truthWords[i]!, { id: 'x', words }).parts['exact']!, truthWords[i]!.length)
    }
  }

  // Browser: Vite dev server with the models plugin, COOP/COEP page.
  const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' })
  await server.listen()
  const url = server.resolvedUrls?.local[0]
  if (url === undefined) throw new Error('vite dev server has no URL')
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage()
    // tsx compiles this file with esbuild's keepNames, which wraps functions in __name(): give the page one.
    await page.addInitScript('globalThis.__name = (f) => f')
    await page.route(`${url}__bench.html`, (route) => route.fulfill({
      body: '<!doctype html><title>ocr bench</title>',
      contentType: 'text/html',
      headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    }))
    await page.goto(`${url}__bench.html`)
    const images = made.map((m) => Buffer.from(m.challenge.image).toString('base64'))

    // Model download + init: cold (network, new cache) and warm (Cache API), each in a fresh worker.
    const load = await page.evaluate(async () => {
      const gpu = await import(/* @vite-ignore */ '/src/gpu/index.ts' as string) as typeof import('../src/gpu/index.ts')
      const subnet = await import(/* @vite-ignore */ '/src/subnet/index.ts' as string) as typeof import('../src/subnet/index.ts')
      const cacheName = `bench-${crypto.randomUUID()}`
      const once = async () => {
        const t0 = performance.now()
        const model = await gpu.createModelStore({ cacheName }).load(subnet.OCR_MODEL_MANIFEST)
        const t1 = performance.now()
        const client = gpu.createInferenceClient({ ep: 'wasm' })
        await subnet.createOcrEngine(client, model.files)
        const t2 = performance.now()
        client.stop()
        return { download: t1 - t0, init: t2 - t1, fromCache: model.fromCache.length }
      }
      const cold = await once()
      const warm = await once()
      await caches.delete(cacheName)
      return { cold, warm }
    })

    // Two workers (1 and 2 threads) kept alive; every challenge is solved natively, then by each
    // worker in turn, so machine-load drift hits all alike. The page reports what ORT really got.
    const workers = await page.evaluate(async () => {
      const gpu = await import(/* @vite-ignore */ '/src/gpu/index.ts' as string) as typeof import('../src/gpu/index.ts')
      const subnet = await import(/* @vite-ignore */ '/src/subnet/index.ts' as string) as typeof import('../src/subnet/index.ts')
      const model = await gpu.createModelStore({ cacheName: 'bench-run' }).load(subnet.OCR_MODEL_MANIFEST)
      const g = globalThis as unknown as { bench: unknown }
      const engines = []
      const info = []
      // A module using one v128 instruction: validates only where WebAssembly SIMD is supported.
      const simd = WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]))
      for (const n of [1, 2]) {
        const client = gpu.createInferenceClient({ ep: 'wasm', numThreads: n })
        const init = await client.start()
        const engine = await subnet.createOcrEngine(client, model.files)
        // The session exists: this returns its info (ORT's thread count after its backend started).
        const det = await client.createSession(subnet.OCR_SESSIONS.det, model.files.get(subnet.OCR_DET_FILE)!, { ep: 'wasm' })
        engines.push({ client, engine })
        info.push({ requested: n, workerThreads: init.numThreads, ortThreads: det.wasmThreads ?? 0, isolated: init.crossOriginIsolated })
      }
      g.bench = { engines, subnet }
      return { info, simd, pageIsolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }
    })
    const wasm = workers.info.map((w) => new Series(`onnxruntime-web WASM, batched, ${w.ortThreads} thread${w.ortThreads === 1 ? '' : 's'}`))
    for (let i = 0; i < made.length; i++) {
      await solveNative(i)
      for (let k = 0; k < wasm.length; k++) {
        const r = await page.evaluate(async ({ k, image, truth }) => {
          const b = (globalThis as unknown as { bench: { engines: { engine: import('../src/subnet/index.ts').OcrEngine }[]; subnet: typeof import('../src/subnet/index.ts') } }).bench
          const bytes = Uint8Array.from(atob(image), (c) => c.charCodeAt(0))
          const t0 = performance.now()
          const pixels = await b.subnet.canvasPlatform.decodeImage(bytes)
          const engine = b.engines[k]!.engine
          const found = await engine.recognize(pixels, { alphabet: 'challenge' })
          const dt = performance.now() - t0
          return { dt, profile: engine.profile, exact: b.subnet.scoreOcr('x', truth, { id: 'x', words: found }).parts['exact']! }
        }, { k, image: images[i]!, truth: truthWords[i]! })
        if (i === 0) continue
        wasm[k]!.add(r.dt, r.profile, r.exact, truthWords[i]!.length)
      }
    }
    await page.evaluate(() => {
      for (const e of (globalThis as unknown as { bench: { engines: { client: { stop(): void } }[] } }).bench.engines) e.client.stop()
    })

    // The miner's browser path: a browser solver per route, the same challenges, messages counted.
    const hops = await page.evaluate(async ({ challenges }) => {
      const gpu = await import(/* @vite-ignore */ '/src/gpu/index.ts' as string) as typeof import('../src/gpu/index.ts')
      const subnet = await import(/* @vite-ignore */ '/src/subnet/index.ts' as string) as typeof import('../src/subnet/index.ts')
      const roles = await import(/* @vite-ignore */ '/src/roles/browser-solver.ts' as string) as typeof import('../src/roles/index.ts')
      const out = []
      for (const direct of [false, true]) {
        let pageSolveWorker = 0
        let warmed = false
        const client = gpu.createInferenceClient({ ep: 'wasm', numThreads: 1, memory: { get: () => undefined, set: () => {} } })
        const solver = roles.createBrowserSolver({
          task: subnet.ocrTask,
          store: gpu.createModelStore({ cacheName: 'bench-run' }),
          inference: client,
          direct,
          createWorker: () => {
            const w = new Worker(new URL('/src/roles/solve.worker.ts', location.href), { type: 'module' })
            const post = w.postMessage.bind(w)
            w.postMessage = ((msg: unknown, transfer?: Transferable[]) => { pageSolveWorker++; post(msg, transfer ?? []) }) as Worker['postMessage']
            w.addEventListener('message', (e: MessageEvent<{ type: string }>) => { pageSolveWorker++; if (e.data.type === 'warmed') warmed = true })
            return w
          },
        })
        await solver.load({})
        while (!warmed) await new Promise((r) => setTimeout(r, 20))
        const ms: number[] = []
        const s0 = await client.workerStats()
        const m0 = pageSolveWorker
        for (const c of challenges) {
          const challenge = { ...c, image: Uint8Array.from(atob(c.image), (x) => x.charCodeAt(0)) }
          const t0 = performance.now()
          await solver.solve(challenge as never, { signal: AbortSignal.timeout(600_000) })
          ms.push(performance.now() - t0)
        }
        const s1 = await client.workerStats()
        solver.stop()
        const runs = s1.runs.page + s1.runs.port - s0.runs.page - s0.runs.port
        // Less the solve/solved pair of each challenge, and the second stats request and the first's answer.
        const solveWorker = pageSolveWorker - m0 - 2 * challenges.length
        const inferencePage = s1.page.received - s0.page.received - 1 + s1.page.sent - s0.page.sent - 1
        const port = s1.port.received - s0.port.received + s1.port.sent - s0.port.sent
        out.push({ direct, runs, solveWorker, inferencePage, port, ms })
      }
      return out
    }, { challenges: made.slice(1).map((m) => ({ ...m.challenge, image: Buffer.from(m.challenge.image).toString('base64') })) })

    // Where the kernels' time goes: each session's graph (optimizeOnnx's, as the pipeline runs it)
    // profiled by ORT on one thread, natively and in onnxruntime-web's WASM build, at the challenge
    // path's shapes (detection on the 2x-shrunk 640x480 image; recognition of 8 crops padded to
    // 192 columns, the middle of the 168-232 the widest word of a 640x480 challenge measured).
    const recFile = OCR_MODEL_MANIFEST.files.find((f) => f.name !== OCR_DET_FILE && f.name.endsWith('.onnx'))!.name
    const profiles: { name: string; dims: number[]; native: OpProfile; wasm: OpProfile }[] = []
    for (const [name, file, dims] of [['detection', OCR_DET_FILE, [1, 3, 256, 320]], ['recognition', recFile, [8, 3, 48, 192]]] as const) {
      const model = optimizeOnnx(new Uint8Array(files.get(file)!)).bytes
      profiles.push({ name, dims: [...dims], native: await profileNative(model, dims, PROFILE_RUNS), wasm: await profileWasm(model, dims, PROFILE_RUNS) })
    }

    const [before, before1, after, single] = native.map((n) => n.series) as [Series, Series, Series, Series]
    // The anchor: native's best batched row (ORT's default threads or one thread, whichever is faster here).
    const anchor = Math.min(after.median, single.median)
    console.log(`OCR, 640x480, 8 words, median of ${CHALLENGES} challenges after 1 warm-up (same images for all; det/rec: session runs, js: the rest):`)
    console.log(before.line(anchor))
    console.log(before1.line(anchor))
    console.log(`${after.line(anchor)}${anchor === after.median ? '  (anchor)' : ''}`)
    console.log(`${single.line(anchor)}${anchor === after.median ? '' : '  (anchor)'}`)
    for (const s of wasm) console.log(s.line(anchor))
    const met = (x: number): string => (x >= 2 ? 'met' : 'not met')
    console.log(`Native, this pipeline (optimized graphs, challenge tuning, batched) vs before (per word, the files' graphs): ${(before.median / after.median).toFixed(2)}x faster with ORT's default threads, ${(before1.median / single.median).toFixed(2)}x with 1 thread each (target >= 2x: ${met(before.median / after.median)} / ${met(before1.median / single.median)})`)
    const best = Math.min(...wasm.map((s) => s.median))
    console.log(`WASM (best) vs native batched (best): ${(anchor / best).toFixed(2)}x throughput (target >= 0.8x: ${anchor / best >= 0.8 ? 'met' : 'not met on this machine'}); WASM 1 thread vs native 1 thread: ${(single.median / wasm[0]!.median).toFixed(2)}x`)
    console.log(`Host load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores: above the core count, every figure here is shared with other processes (compare ratios, not ms)`)
    const load1 = loadavg()[0]!
    console.log(`WASM runtime: SIMD ${workers.simd ? 'supported (ORT 1.30 ships only SIMD builds)' : 'NOT supported'}; page crossOriginIsolated ${workers.pageIsolated}; ` +
      workers.info.map((w) => `${w.requested} requested -> worker ${w.workerThreads}, ort.env.wasm.numThreads ${w.ortThreads}${w.isolated ? '' : ' (worker not isolated)'}`).join('; '))
    if (wasm.length === 2) {
      const gain = wasm[0]!.median / wasm[1]!.median
      const why = workers.info[1]!.ortThreads < 2
        ? 'ORT runs one thread (the worker is not cross-origin isolated)'
        : gain >= 1.1
          ? 'the second thread is in use'
          : `no idle core for it: ${workers.cores} hardware threads in the page (${cpus().length} on this host), load average ${load1.toFixed(1)} over the last minute`
      console.log(`Second WASM thread: ${gain.toFixed(2)}x (1 thread / 2 threads): ${why}`)
    }
    console.log(`Where the kernels' time goes, per kind of operator: ORT's profiler, 1 thread each, median of ${PROFILE_RUNS} runs after a warm-up; native = onnxruntime-node, WASM = onnxruntime-web's WASM build (SIMD128) in Node, the same kernels as the page's (ms per run):`)
    for (const p of profiles) {
      console.log(`  ${p.name} [${p.dims.join(',')}]`)
      for (const l of opTable(p.native, p.wasm)) console.log(l)
    }
    const sum = (k: 'native' | 'wasm', match?: RegExp): number => profiles.reduce((a, p) => a + kernelMs(p[k], match), 0)
    const gemm = /^Conv (1x1|\d+x\d+)$/
    const perThread = sum('wasm') / sum('native')
    console.log(`  Dense and pointwise convolutions (GEMMs): ${sum('wasm', gemm).toFixed(0)} of the WASM kernels' ${sum('wasm').toFixed(0)} ms (${((sum('wasm', gemm) / sum('wasm')) * 100).toFixed(0)}%), ${(sum('wasm', gemm) / sum('native', gemm)).toFixed(1)}x native's: MLAS's SIMD128 GEMM (4 lanes, multiply and add apart) against its AVX2/FMA one (8 lanes, fused), a kernel gap no graph rewrite removes; depthwise convolutions run as im2col + a one-row GEMM per channel in WASM (MLAS's direct depthwise kernels are for x86's NCHWc layout, ARM and its scalar WASM build)`)
    console.log(`  det + rec kernels: WASM ${perThread.toFixed(1)}x native's time on one thread each; 0.8x native's one-thread throughput needs WASM within 1.25x, i.e. ${Math.ceil(perThread / 1.25)} or more WASM threads scaling perfectly against native's one (this host has ${cpus().length} cores)`)
    console.log(`Browser solver (solve worker + inference worker, WASM 1 thread), ${CHALLENGES} challenges: message hops per session run, counted`)
    for (const h of hops) {
      const per = (n: number): string => (n / h.runs).toFixed(2)
      console.log(`  ${(h.direct ? 'worker to worker (after)' : 'page relays (before)').padEnd(26)} ${per(h.solveWorker + h.inferencePage + h.port)} hops/run  (page<->solve worker ${per(h.solveWorker)}, page<->inference ${per(h.inferencePage)}, port ${per(h.port)}; ${h.runs} runs)  solve ${fmt(median(h.ms))}`)
    }
    const [relayed, direct] = [hops[0]!, hops[1]!]
    console.log(`  page messages per run: ${((relayed.solveWorker + relayed.inferencePage) / relayed.runs).toFixed(2)} -> ${((direct.solveWorker + direct.inferencePage) / direct.runs).toFixed(2)}; solve time relayed / direct: ${(median(relayed.ms) / median(direct.ms)).toFixed(2)}x`)
    console.log('Model download + init (ORT-web WASM worker, det + rec sessions):')
    console.log(`  cold  (network)    download ${fmt(load.cold.download)}  init ${fmt(load.cold.init)}  total ${fmt(load.cold.download + load.cold.init)}`)
    console.log(`  warm  (Cache API)  load     ${fmt(load.warm.download)}  init ${fmt(load.warm.init)}  total ${fmt(load.warm.download + load.warm.init)}  (${load.warm.fromCache} files from cache)`)
    console.log(`  cached / cold: ${((load.warm.download + load.warm.init) / (load.cold.download + load.cold.init)).toFixed(2)}x`)
  } finally {
    await runner.stop()
    await runner1.stop()
    await browser.close()
    await server.close()
  }
}
