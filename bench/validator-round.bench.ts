/**
 * A validator round at scale (issue 17 item 5): the stack validator (src/roles/validator.ts, the
 * code a tab runs) challenging 16, then 64, then 256 Node miners (real mesh peers through the
 * relay, registered on the devnet's subnet 1 with its uid and registration limits raised) that
 * answer at random (no decoding, no ONNX), so the figures are the validator's own work: making
 * each OCR challenge (render + JPEG), sending it over the mesh, verifying and scoring the answer.
 * The devnet, the relay and the miners run in child processes of their own
 * (./validator-round-peers.ts), so this process holds the validator alone: its CPU time
 * (process.cpuUsage around each round; the idle anchor is the same process over the same time
 * with no round) and heap/RSS per miner are the validator's. Per size: the first (cold) round,
 * which dials every miner, and warm rounds: VR_ROUNDS (3) at the largest size, as many miners'
 * worth at the smaller ones (48 of 16 against 3 of 256), medians reported. Ratios per miner against the 16-miner
 * anchor of the same run show how it grows. Sizes: VR_SIZES (16,64,256); VR_PER_CHILD (64);
 * VR_CONCURRENCY, the validator's roundConcurrency (its default, 16, when unset). VR_PROFILE=DIR
 * writes CPU profiles of the largest size's warm rounds and of its idle anchor's window to DIR and prints its self time by module;
 * VR_CHILD_PROFILE=DIR, one per helper process (written when it exits). VR_PIN=1 (Linux, taskset)
 * gives the validator's process the first CPU and every helper process the others, so the miners,
 * relay and devnet (on other machines in a real subnet) do not run on the validator's core.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Session } from 'node:inspector/promises'
import { writeFileSync } from 'node:fs'
import { createValidator, ensureValidator } from '../src/roles/node.ts'
import { createChainClient, createKeyringSigner } from '../src/wallet/index.ts'
import { getTask } from '../src/subnet/node.ts'
import type { PeersConfig } from './validator-round-peers.ts'

const NETUID = 1
const SIZES = (process.env['VR_SIZES'] ?? '16,64,256').split(',').map(Number)
const ROUNDS = Number(process.env['VR_ROUNDS'] ?? 3)
const PER_CHILD = Number(process.env['VR_PER_CHILD'] ?? 64)
const GOAL_MS = 2_000
/** Miners in flight per round (the validator's `roundConcurrency`; its default when unset; 4 before issue 17). */
const CONCURRENCY = process.env['VR_CONCURRENCY'] === undefined ? undefined : Number(process.env['VR_CONCURRENCY'])
const PROFILE = process.env['VR_PROFILE']
/** VR_PIN: the validator on CPU 0, the helpers on the rest (see the header). */
const PIN = process.env['VR_PIN'] === '1'
/** A round that takes longer is aborted and the run ends with what the miners' rows say (VR_ROUND_TIMEOUT_MS, 600 000). */
const ROUND_TIMEOUT_MS = Number(process.env['VR_ROUND_TIMEOUT_MS'] ?? 600_000)

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`
const kb = (n: number): string => `${(n / 1024).toFixed(0)} KB`
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]! }

/** A helper process speaking lines on stdin/stdout. */
interface Child { proc: ChildProcessWithoutNullStreams; ask(line: string, timeoutMs?: number): Promise<string>; first: Promise<string> }

function child(config: PeersConfig): Child {
  const prof = process.env['VR_CHILD_PROFILE'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env['VR_CHILD_PROFILE']}`]
  const node = [process.execPath, ...prof, '--import', 'tsx', '--import', fileURLToPath(new URL('../src/server/node-shims.ts', import.meta.url)), fileURLToPath(new URL('./validator-round-peers.ts', import.meta.url))]
  const cmd = PIN ? ['taskset', '-c', pinned.others, ...node] : node
  const proc = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, VR_CONFIG: JSON.stringify(config) } })
  const waiting: Array<(l: string) => void> = []
  let buf = ''
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      if (line.startsWith('{') || line.startsWith('ready') || line.startsWith('error')) waiting.shift()?.(line)
    }
  })
  proc.stderr.on('data', (d: Buffer) => { if (process.env['VR_LOG'] !== undefined) process.stderr.write(d) })
  proc.on('exit', (code) => { for (const w of waiting.splice(0)) w(`error exited with ${code}`) })
  const next = (timeoutMs: number): Promise<string> => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${config.mode} child: no answer in ${timeoutMs} ms`)), timeoutMs)
    waiting.push((l) => { clearTimeout(t); if (l.startsWith('error')) reject(new Error(`${config.mode} child: ${l}`)); else resolve(l) })
  })
  const first = next(120_000)
  return { proc, first, ask: (line, timeoutMs = 300_000) => { const p = next(timeoutMs); proc.stdin.write(`${line}\n`); return p } }
}

interface Row { n: number; coldMs: number; coldCpuMs: number; wallMs: number; cpuMs: number; mainMs: number; idleCpuMs: number; heap: number; rss: number; answered: number; failed: number }

/** The CPUs of VR_PIN: the validator's and the helpers'. */
const pinned = { validator: '0', others: '1' }

export async function run(): Promise<void> {
  if (PIN) {
    const cpus = (await import('node:os')).availableParallelism()
    if (cpus < 2) throw new Error('VR_PIN needs at least 2 CPUs')
    pinned.others = cpus === 2 ? '1' : `1-${cpus - 1}`
    // -a: every thread of this process (libuv's pool encodes the JPEGs); threads made later inherit it.
    execFileSync('taskset', ['-a', '-p', '-c', pinned.validator, String(process.pid)], { stdio: 'ignore' })
  }
  const t0 = Date.now()
  const log = (l: string): void => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${l}`)
  const max = Math.max(...SIZES)
  const infra = child({ mode: 'infra', netuid: NETUID, blockTimeMs: 500, maxUids: max + 64 })
  const children: Child[] = [infra]
  let stopValidator = async (): Promise<void> => {}
  try {
    const { chainUrl } = JSON.parse(await infra.first) as { chainUrl: string }
    const relayKid = child({ mode: 'relay', netuid: NETUID, chainUrl, maxUids: max + 64 })
    children.push(relayKid)
    const { relays } = JSON.parse(await relayKid.first) as { relays: string[] }
    const client = await createChainClient({ endpoint: chainUrl })
    const hotkey = await createKeyringSigner('//Alice//vr-validator')
    await ensureValidator({ client, netuid: NETUID, hotkey: hotkey.address, coldkey: await createKeyringSigner('//Alice'), stake: 10_000_000_000_000n })
    const validator = createValidator({ client, netuid: NETUID, hotkey, relays, roundMs: 1e9, ...(process.env['VR_LOG'] !== undefined ? { log: (l: string) => log(`validator: ${l}`) } : {}), newcomerGapMs: 0, checkEpochs: false, ...(CONCURRENCY !== undefined ? { roundConcurrency: CONCURRENCY } : {}) })
    stopValidator = async () => { await validator.stop(); await client.stop() }
    await validator.start()
    log(`validator ${hotkey.address.slice(0, 8)}… validating (devnet and relay in child processes)`)
    // The part of each miner's figure that is not the mesh: one round challenge (render + JPEG) made
    // alone, before any miner runs (devnet and relay idle) and again after the rounds (every miner up).
    const makeQuiet = await challengeCpuMs()
    gc()
    const base = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss }

    const minerKids: Array<{ c: Child; n: number }> = []
    let total = 0
    const rows: Row[] = []
    for (const size of SIZES) {
      // Grow to `size` miners: fill the last child up to PER_CHILD, then start new ones.
      const adds: Array<Promise<string>> = []
      while (total < size) {
        let k = minerKids.at(-1)
        if (k === undefined || k.n >= PER_CHILD) {
          const c = child({ mode: 'miners', netuid: NETUID, chainUrl, relays, prefix: `c${minerKids.length}` })
          children.push(c)
          await c.first
          k = { c, n: 0 }
          minerKids.push(k)
        }
        const add = Math.min(PER_CHILD - k.n, size - total)
        k.n += add
        total += add
        adds.push(k.c.ask(`add ${add}`, 1_200_000))
      }
      await Promise.all(adds)
      log(`${total} miners up`)
      // The cold round: the first challenge to each new miner (dial through the relay included).
      const round = async (): Promise<unknown> => {
        try {
          return await validator.runRound({ signal: AbortSignal.timeout(ROUND_TIMEOUT_MS) })
        } catch (err) {
          const errors = new Map<string, number>()
          for (const m of validator.state.miners) { const e = (m.lastError ?? 'ok').replace(/12D3Koo\w+/gu, 'PEER').replace(/\/ip4\S+/gu, 'ADDR').slice(0, 160); errors.set(e, (errors.get(e) ?? 0) + 1) }
          log(`round at ${size} miners ended: ${(err as Error).message}; miners' last results: ${JSON.stringify(Object.fromEntries(errors))}`)
          throw err
        }
      }
      const cold = await timed(round)
      const coldAnswered = validator.state.miners.filter((m) => m.lastError === null && m.lastScore !== null).length
      // The idle anchor: this process with no round running, as long as a round took.
      const idleProfiler = PROFILE !== undefined && size === max ? await startProfile() : null
      const idleStart = process.cpuUsage()
      await sleep(Math.min(5_000, Math.max(500, cold.wallMs)))
      const idle = process.cpuUsage(idleStart)
      if (idleProfiler !== null) await idleProfiler.stop(`${PROFILE}/validator-idle-${size}.cpuprofile`, 1, 'the idle anchor\'s window')
      const idlePerMs = (idle.user + idle.system) / 1000 / Math.min(5_000, Math.max(500, cold.wallMs))
      const warm: Array<{ wallMs: number; cpuMs: number; mainMs: number }> = []
      const profiler = PROFILE !== undefined && size === max ? await startProfile() : null
      // As many challenges at each size as at the largest: a 16-miner round is a tenth of a second,
      // and the median of 3 of them moved the anchor (and every ratio) by 2x from run to run.
      const rounds = Math.max(ROUNDS, Math.ceil((ROUNDS * max) / size))
      for (let r = 0; r < rounds; r++) warm.push(await timed(round))
      if (profiler !== null) await profiler.stop(`${PROFILE}/validator-round-${size}.cpuprofile`, rounds)
      const scored = validator.state.miners
      gc()
      const mem = process.memoryUsage()
      const wallMs = median(warm.map((w) => w.wallMs))
      rows.push({
        n: size, coldMs: cold.wallMs, coldCpuMs: cold.cpuMs, wallMs, cpuMs: median(warm.map((w) => w.cpuMs)), mainMs: median(warm.map((w) => w.mainMs)), idleCpuMs: idlePerMs * wallMs,
        heap: mem.heapUsed - base.heap, rss: mem.rss - base.rss,
        answered: scored.filter((m) => m.lastError === null && m.lastScore !== null).length, failed: scored.filter((m) => m.lastError !== null).length,
      })
      const row = rows.at(-1)!
      const relayStats = (JSON.parse(await relayKid.ask('stats')) as { relay: Record<string, number> }).relay
      log(`relay: ${JSON.stringify(relayStats)}`)
      log(`${size} miners: cold ${row.coldMs.toFixed(0)} ms (${coldAnswered} answered); warm round ${row.wallMs.toFixed(0)} ms, CPU ${row.cpuMs.toFixed(0)} ms; ${row.answered} answered, ${row.failed} failing${row.failed > 0 ? ` (${scored.find((m) => m.lastError !== null)?.lastError})` : ''}`)
    }
    const stats = await Promise.all(children.map(async (c) => JSON.parse(await c.ask('stats')) as { cpuMs: number; rss: number }))

    const makeLoaded = await challengeCpuMs()
    const anchor = rows[0]!
    console.log(`\nvalidator round (this process: the validator alone; devnet, relay and ${minerKids.length} miner processes apart; ${PIN ? `the validator pinned to CPU ${pinned.validator}, the others to CPU ${pinned.others}` : 'all sharing the cores'}; ${CONCURRENCY ?? 16} miners in flight):`)
    // "over idle": the round's CPU less what this process spends with no round running over the same
    // time (its mesh node's gossip, pings and chain reads grow with the miners too).
    // "main thread": the event loop's busy time in the round (process CPU also counts GC, libuv and loader threads).
    console.log('  miners  cold round   warm round   validator CPU   main thread   idle CPU   CPU/miner   x anchor   over idle/miner   heap/miner   RSS/miner   answered/failing (last round)')
    for (const r of rows) {
      const per = r.cpuMs / r.n
      console.log(`  ${String(r.n).padStart(6)}  ${`${r.coldMs.toFixed(0)} ms`.padStart(10)}   ${`${r.wallMs.toFixed(0)} ms`.padStart(10)}   ${`${r.cpuMs.toFixed(0)} ms`.padStart(13)}   ${`${r.mainMs.toFixed(0)} ms`.padStart(11)}   ${`${r.idleCpuMs.toFixed(0)} ms`.padStart(8)}   ${`${per.toFixed(2)} ms`.padStart(9)}   ${`${(per / (anchor.cpuMs / anchor.n)).toFixed(2)}x`.padStart(8)}   ${`${(Math.max(0, r.cpuMs - r.idleCpuMs) / r.n).toFixed(2)} ms`.padStart(15)}   ${kb(r.heap / r.n).padStart(10)}   ${kb(r.rss / r.n).padStart(9)}   ${r.answered}/${r.failed}${r === anchor ? '   (anchor)' : ''}`)
    }
    const big = rows.at(-1)!
    console.log(`  ${big.n}-miner warm round: ${big.cpuMs.toFixed(0)} ms of validator CPU, ${big.wallMs.toFixed(0)} ms wall (goal < ${GOAL_MS} ms of validator time at 256 miners: ${big.n < 256 ? 'not judged, fewer miners' : big.cpuMs < GOAL_MS ? 'met' : 'missed'}); CPU per miner ${(big.cpuMs / big.n / (anchor.cpuMs / anchor.n)).toFixed(2)}x the ${anchor.n}-miner anchor's (1.00x is linear)`)
    console.log(`  making one round challenge (${JSON.stringify(getTask().roundDefaults)}) alone in this process, no round running: ${makeQuiet.toFixed(2)} ms of CPU before any miner ran, ${makeLoaded.toFixed(2)} ms with the ${big.n} miners, relay and devnet up on the same cores (${(makeLoaded / makeQuiet).toFixed(2)}x: what sharing the cores does to every figure above)`)
    console.log(`  cold round (dialing each miner through the relay): ${big.coldMs.toFixed(0)} ms wall, ${big.coldCpuMs.toFixed(0)} ms CPU at ${big.n}; ${anchor.coldMs.toFixed(0)} ms, ${anchor.coldCpuMs.toFixed(0)} ms at ${anchor.n}`)
    console.log(`  other processes' CPU over the run: devnet ${(stats[0]!.cpuMs / 1000).toFixed(1)} s, relay ${(stats[1]!.cpuMs / 1000).toFixed(1)} s, miners ${(stats.slice(2).reduce((a, s) => a + s.cpuMs, 0) / 1000).toFixed(1)} s (RSS ${mb(stats.slice(2).reduce((a, s) => a + s.rss, 0))}); this process ${(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6).toFixed(1)} s`)
  } finally {
    await stopValidator().catch(() => {})
    for (const c of children) c.proc.stdin.end()
    await Promise.race([Promise.all(children.map((c) => new Promise<void>((r) => { if (c.proc.exitCode !== null) r(); else c.proc.on('exit', () => r()) }))), sleep(20_000)])
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL')
  }
}

/** Wall time, process CPU (every thread) and the main thread's busy time (event-loop utilization) of `fn`. */
async function timed(fn: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number; mainMs: number }> {
  const cpu = process.cpuUsage()
  const elu = performance.eventLoopUtilization()
  const start = performance.now()
  await fn()
  const used = process.cpuUsage(cpu)
  const busy = performance.eventLoopUtilization(elu)
  return { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000, mainMs: busy.active }
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }

/** The main thread's CPU profile (V8's sampling profiler) from now to `stop`, which writes it and prints self time per module. */
async function startProfile(): Promise<{ stop(path: string, rounds: number, what?: string): Promise<void> }> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.setSamplingInterval', { interval: 200 })
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    async stop(path, rounds, what = `${rounds} warm rounds`) {
      const { profile } = await session.post('Profiler.stop') as unknown as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } }
      session.disconnect()
      writeFileSync(path, JSON.stringify(profile))
      const byId = new Map(profile.nodes.map((n) => [n.id, n]))
      const self = new Map<string, number>()
      profile.samples.forEach((id, i) => {
        const f = byId.get(id)!.callFrame
        const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/u.exec(f.url)?.[1]
        const key = pkg ?? (f.url.includes('/src/') ? `src/${f.url.split('/src/')[1]}` : f.url === '' ? `(${f.functionName || 'native'})` : f.url.replace(/^.*\//u, ''))
        self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
      })
      const total = [...self.values()].reduce((a, b) => a + b, 0)
      console.log(`  main-thread profile of ${what} (${path}), self time per ${rounds === 1 ? 'window' : 'round'} by module (of ${(total / rounds).toFixed(0)} ms sampled, idle included):`)
      for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`    ${(v / rounds).toFixed(1).padStart(8)} ms  ${k}`)
    },
  }
}

/** CPU time (ms) of one round challenge of the default task (render + JPEG), mean of 100 made one after another. */
async function challengeCpuMs(): Promise<number> {
  const task = getTask()
  for (let i = 0; i < 10; i++) await task.makeChallenge(task.roundDefaults)
  const start = process.cpuUsage()
  for (let i = 0; i < 100; i++) await task.makeChallenge(task.roundDefaults)
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000 / 100
}
