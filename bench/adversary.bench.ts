/**
 * The mesh under attack (issue 14): the stack's pieces on loopback (the devnet, a relay that
 * reads it, the headless validator) with honest Node miners, first alone (the anchor), then with
 * a crowd of hostile peers doing every attack at once:
 *   - fresh-id reservation floods (bare libp2p peers, new ids every few seconds),
 *   - idle connection floods (bare peers dialing the relay and the miners and saying nothing),
 *   - forged and swapped bindings (an unregistered hotkey; a validator's binding with the hotkey
 *     swapped, pushed on the bind protocol and sent in challenges),
 *   - junk presence gossip (unregistered and forged-signature presences, at a high rate),
 *   - a validator-permit holder flooding every miner with challenges, some of them
 *     decompression bombs (a 180-byte JPEG claiming 65000x65000), and a second one sending
 *     malformed frames.
 * Honest miners use a fast solver (decode the JPEG with the real decoder, answer random words),
 * so the load is the mesh, not ONNX. It prints the honest validator's success rate and p50/p99
 * round trip with and without the attack, the relay's and the miners' state, and whether any
 * unbound peer held a reservation or an idle connection past the limit. Bounded in count and
 * time (about 2 minutes), loopback only. Sizes: ADV_MINERS (3), ADV_CROWD (16), ADV_SECONDS (30).
 *
 * Then a browser miner as a user meets it (when dist/ holds the built app; ADV_BROWSER=0 skips):
 * the built app served with this devnet and relay in its /config.json, Debian Chromium headless
 * with a fresh profile opens the URL while the crowd still attacks, clicks Start mining (the devnet
 * faucet pays registration) and waits until the dashboard counts an accepted answer; the same again
 * after the crowd has gone (the anchor). The crowd's challenge flood targets the Node miners only
 * (their ids are fixed when it starts); the reservation, idle-connection, swapped-binding and junk
 * presence attacks hit the relay the browser joins through. Each run is bounded by
 * ADV_BROWSER_TIMEOUT seconds (240).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.ts'
import { startStaticServer, type StaticServer } from '../src/server/index.ts'
import { startDevnet } from '../src/devnet/index.ts'
import { startRelay } from '../src/p2p/node-entry.ts'
import { encodeBinding, newChallengeId, sendChallenge, DEFAULT_LIMITS } from '../src/p2p/index.ts'
import { createMiner, createSubnetsView, ensureValidator, startHeadlessValidator, type Miner, type TaskSolver } from '../src/roles/node.ts'
import { canvasPlatform, cryptoRandom, encodeOcrChallenge, OCR_WIRE_TASK, randomWords } from '../src/subnet/index.ts'
import { createChainClient, createKeyringSigner } from '../src/wallet/index.ts'
import type { CrowdConfig } from './adversary-crowd.ts'

const NETUID = 1
const MINERS = Number(process.env['ADV_MINERS'] ?? 3)
const CROWD = Number(process.env['ADV_CROWD'] ?? 16)
const SECONDS = Number(process.env['ADV_SECONDS'] ?? 30)
const ROUND_MS = 1_000
const PROBE_MS = 300
const FLOODER = '//Alice//adv-flooder'
const MANGLER = '//Alice//adv-mangler'

const BROWSER_TIMEOUT_MS = 1000 * Number(process.env['ADV_BROWSER_TIMEOUT'] ?? 240)

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(s.length * p))]! }
const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`

/** Decodes the JPEG with the real (header-checked) decoder and answers random words. */
const fastSolver: TaskSolver = {
  async solve(c) {
    await canvasPlatform.decodeImage(c.image, { maxWidth: c.width, maxHeight: c.height })
    return { id: c.id, words: randomWords(cryptoRandom(), 4).map((text, i) => ({ text, confidence: 0.9, box: { x: i * 40, y: 10, width: 40, height: 20 } })) }
  },
}

/** Milliseconds from opening the URL to each step the dashboard shows; null when it did not show in time. */
interface BrowserRun { modelLoading: number | null; joining: number | null; mining: number | null; answered: number | null; accepted: number | null; phase: string; error: string | null; relay?: Record<string, number> }

/** How the relay's counters moved (refused, closed, rejected). */
const delta = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
  Object.fromEntries(['refusedConnections', 'refusedReservations', 'refusedRelayed', 'closedUnbound', 'rejectedPresence'].map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]))

/** A fresh browser profile opens `url`, clicks Start mining and waits for an accepted answer. */
async function browserMiner(browser: Browser, url: string): Promise<BrowserRun> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    const t0 = Date.now()
    const out: BrowserRun = { modelLoading: null, joining: null, mining: null, answered: null, accepted: null, phase: '', error: null }
    await page.goto(url)
    await page.getByRole('button', { name: 'Start mining' }).click({ timeout: 60_000 })
    const num = async (id: string): Promise<number> => Number(await page.getByTestId(id).textContent())
    while (Date.now() - t0 < BROWSER_TIMEOUT_MS) {
      out.phase = ((await page.getByTestId('miner-phase').textContent()) ?? '').trim()
      if (out.modelLoading === null && /^(Loading the model|Joining|Mining)/u.test(out.phase)) out.modelLoading = Date.now() - t0
      if (out.joining === null && /^(Joining|Mining)/u.test(out.phase)) out.joining = Date.now() - t0
      if (out.mining === null && /^Mining/u.test(out.phase)) out.mining = Date.now() - t0
      if (out.answered === null && (await num('answered')) >= 1) out.answered = Date.now() - t0
      if ((await num('accepted')) >= 1) { out.accepted = Date.now() - t0; break }
      if (/Stopped by an error/u.test(out.phase)) { out.error = ((await page.locator('[role="alert"]').first().textContent().catch(() => null)) ?? out.phase).trim(); break }
      await sleep(250)
    }
    return out
  } finally {
    await context.close().catch(() => {})
  }
}

export async function run(): Promise<void> {
  const t0 = Date.now()
  const log = (l: string): void => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${l}`)
  const devnet = await startDevnet({ port: 0, blockTimeMs: 400 })
  const client = await createChainClient({ endpoint: devnet.url })
  const relay = await startRelay({ port: 0, netuids: [NETUID], chain: createSubnetsView(client, [NETUID]) })
  const stops: Array<() => Promise<unknown>> = []
  const miners: Miner[] = []
  try {
    const bob = await createKeyringSigner('//Bob')
    const alice = await createKeyringSigner('//Alice')
    for (let i = 0; i < MINERS; i++) {
      const m = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner(`//Bob//adv-miner-${i}`), relays: relay.multiaddrs, solver: fastSolver, coldkey: bob, publishPeerId: true })
      await m.start()
      miners.push(m)
      stops.push(() => m.stop())
    }
    log(`${MINERS} honest miners mining`)
    // Two hostile permit holders (registered and staked now, permits at the same epoch as the validator's).
    const flooderKey = await createKeyringSigner(FLOODER)
    const manglerKey = await createKeyringSigner(MANGLER)
    await ensureValidator({ client, netuid: NETUID, hotkey: flooderKey.address, coldkey: alice, stake: 2_000_000_000_000n })
    await ensureValidator({ client, netuid: NETUID, hotkey: manglerKey.address, coldkey: alice, stake: 500_000_000_000n })
    const vlog: string[] = []
    const hv = await startHeadlessValidator({ log: (l) => { if (process.env['ADV_LOG'] !== undefined) vlog.push(`${((Date.now() - t0) / 1000).toFixed(1)} ${l}`) }, chainUrl: devnet.url, relayAddrs: relay.multiaddrs, netuid: NETUID, coldkeySuri: '//Alice', roundMs: ROUND_MS, challenge: { words: 3, width: 256, height: 96, deadlineMs: 10_000 } })
    stops.push(() => hv.stop())
    log(`validator ${hv.hotkey} validating`)
    const honest = new Set(miners.map((m) => m.state.hotkey))

    // The measure: the stack validator's own mesh node (its hotkey and stake share) challenges each
    // honest miner every PROBE_MS with a real OCR-wire challenge; wall time per challenge,
    // connection included. Its rounds (which also commit weights and check epochs on the chain,
    // whose pace varies with the shared CPU) run beside it and are counted as well.
    const phase = { name: 'warm-up', ok: 0, failed: 0, rtts: [] as number[], streamRtts: [] as number[], rounds: 0, roundAnswers: 0, errors: {} as Record<string, number> }
    const probeImg = await (async () => { const s = canvasPlatform.createSurface(256, 96); s.ctx.fillStyle = '#fff'; s.ctx.fillRect(0, 0, 256, 96); return await s.encodeJpeg(0.8) })()
    const probing = new AbortController()
    const probes = miners.map(async (m) => {
      while (!probing.signal.aborted) {
        const start = performance.now()
        const now = Date.now()
        const id = newChallengeId()
        const payload = encodeOcrChallenge({ task: 'ocr', id: Buffer.from(id).toString('hex'), mime: 'image/jpeg', image: probeImg, width: 256, height: 96, issuedAt: now, deadline: now + 10_000 })
        try {
          const r = await sendChallenge(hv.validator.mesh!, m.state.peerId!, { id, task: OCR_WIRE_TASK, payload, deadline: now + 10_000 }, { retries: 1, signal: probing.signal })
          phase.ok++
          phase.rtts.push(performance.now() - start)
          phase.streamRtts.push(r.rttMs)
        } catch (err) {
          if (probing.signal.aborted) break
          phase.failed++
          const code = (err as { code?: string }).code ?? 'ERROR'
          phase.errors[code] = (phase.errors[code] ?? 0) + 1
        }
        await sleep(PROBE_MS)
      }
    })
    stops.push(async () => { probing.abort(); await Promise.all(probes) })
    let lastRound = -1
    const last = new Map<string, { answered: number; failed: number }>()
    const unsub = hv.validator.subscribe((s) => {
      if (s.round !== lastRound) { if (lastRound >= 0) phase.rounds += s.round - lastRound; lastRound = s.round; if (process.env['ADV_LOG'] !== undefined) vlog.push(`${((Date.now() - t0) / 1000).toFixed(1)} round ${s.round} (${phase.name})`) }
      for (const r of s.miners) {
        if (!honest.has(r.hotkey)) continue
        const prev = last.get(r.hotkey) ?? { answered: r.answered, failed: r.failed }
        if (r.answered > prev.answered) phase.roundAnswers += r.answered - prev.answered
        last.set(r.hotkey, { answered: r.answered, failed: r.failed })
      }
    })
    stops.push(async () => unsub())
    const measure = async (name: string): Promise<typeof phase & { cpuMs: number }> => {
      Object.assign(phase, { name, ok: 0, failed: 0, rtts: [], streamRtts: [], rounds: 0, roundAnswers: 0, errors: {} })
      const cpu = process.cpuUsage()
      await sleep(SECONDS * 1000)
      const used = process.cpuUsage(cpu)
      return { ...phase, rtts: [...phase.rtts], streamRtts: [...phase.streamRtts], errors: { ...phase.errors }, cpuMs: (used.user + used.system) / 1000 }
    }
    await sleep(3_000) // every miner answered once
    const heap0 = process.memoryUsage().heapUsed
    const base = await measure('no attack')
    log(`no attack: ${base.ok} answered, ${base.failed} failed`)

    // The crowd, in its own process (see ./adversary-crowd.ts).
    const config: CrowdConfig = {
      chainUrl: devnet.url, netuid: NETUID, relays: relay.multiaddrs, miners: miners.map((m) => m.state.peerId!), crowd: CROWD,
      flooderSuri: FLOODER, manglerSuri: MANGLER, validatorBinding: Buffer.from(encodeBinding(await hv.validator.mesh!.currentBinding())).toString('hex'),
    }
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', fileURLToPath(new URL('../src/server/node-shims.ts', import.meta.url)), fileURLToPath(new URL('./adversary-crowd.ts', import.meta.url))], { env: { ...process.env, ADV_CROWD_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    const exited = new Promise<void>((r) => child.on('exit', () => r()))
    stops.push(async () => { if (child.exitCode === null) child.kill('SIGKILL') })
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => { if (d.toString().includes('crowd: attacking')) resolve(); else process.stderr.write(d) })
      child.on('exit', (code) => reject(new Error(`the crowd exited with ${code}`)))
    })

    // Watch the limits while the attack runs.
    const watch = { maxUnboundReservations: 0, maxOldestUnboundRelayMs: 0, maxOldestUnboundMinerMs: 0, relayMaxConnections: 0, peakHeap: 0 }
    const watcher = setInterval(() => {
      const s = relay.stats()
      watch.maxUnboundReservations = Math.max(watch.maxUnboundReservations, s.unboundReservations)
      watch.maxOldestUnboundRelayMs = Math.max(watch.maxOldestUnboundRelayMs, s.oldestUnboundMs)
      watch.relayMaxConnections = Math.max(watch.relayMaxConnections, s.connections)
      watch.peakHeap = Math.max(watch.peakHeap, process.memoryUsage().heapUsed)
      for (const m of miners) {
        const mesh = m.mesh
        if (mesh === null) continue
        for (const c of mesh.libp2p.getConnections()) {
          if (mesh.hotkeyOf(c.remotePeer.toString()) === undefined && c.remotePeer.toString() !== relay.peerId) watch.maxOldestUnboundMinerMs = Math.max(watch.maxOldestUnboundMinerMs, Date.now() - c.timeline.open)
        }
      }
    }, 250)
    log(`attack: ${CROWD} bare peers, a swapper, a junk publisher, a flooding and a mangling permit holder (in a child process)`)
    const attacked = await measure('under attack')
    clearInterval(watcher)
    const relayStats = relay.stats()
    const minerStates = miners.map((m) => m.mesh?.stateSizes())
    const banned = miners.map((m) => [m.mesh?.isBanned(flooderKey.address), m.mesh?.isBanned(manglerKey.address)])
    // A browser miner opens the URL while the crowd still attacks, then again once it has gone.
    const browserRuns: { attacked?: BrowserRun; quiet?: BrowserRun; skipped?: string } = {}
    let app: StaticServer | undefined
    let browser: Browser | undefined
    if (process.env['ADV_BROWSER'] === '0') browserRuns.skipped = 'ADV_BROWSER=0'
    else if (!existsSync('dist/index.html')) browserRuns.skipped = 'dist/ is missing (npx vite build)'
    else {
      app = await startStaticServer({ port: 0, config: () => ({ chain: devnet.url, netuid: NETUID, relay: relay.multiaddrs, devnet: true, network: 'adversary bench devnet' }) })
      stops.push(() => app!.stop())
      devnet.allowOrigin(app.url)
      browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
      stops.push(() => browser!.close())
      log(`browser miner: opening ${app.url} under attack`)
      const before = relay.stats() as unknown as Record<string, number>
      browserRuns.attacked = { ...(await browserMiner(browser, app.url)), relay: delta(before, relay.stats() as unknown as Record<string, number>) }
      log(`browser miner under attack: ${JSON.stringify(browserRuns.attacked)}`)
    }
    child.kill('SIGTERM')
    await Promise.race([exited, sleep(15_000)])
    if (browser !== undefined && app !== undefined) {
      await sleep(3_000)
      log('browser miner: opening the URL without attack (the anchor)')
      const before = relay.stats() as unknown as Record<string, number>
      browserRuns.quiet = { ...(await browserMiner(browser, app.url)), relay: delta(before, relay.stats() as unknown as Record<string, number>) }
      log(`browser miner without attack: ${JSON.stringify(browserRuns.quiet)}`)
    }
    const counts = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, number>

    // The report.
    const rate = (p: typeof base): number => p.ok / Math.max(1, p.ok + p.failed)
    const row = (p: typeof base): string => `${p.name.padEnd(13)} answered ${String(p.ok).padStart(4)}  failed ${String(p.failed).padStart(3)}  success ${(100 * rate(p)).toFixed(1).padStart(5)}%  p50 ${pct(p.rtts, 0.5).toFixed(0).padStart(5)} ms  p99 ${pct(p.rtts, 0.99).toFixed(0).padStart(5)} ms`
    console.log(`\nhonest challenges (the stack validator ${hv.hotkey.slice(0, 8)}…'s node to ${MINERS} honest miners, one every ${PROBE_MS} ms per miner, ${SECONDS} s each):`)
    console.log(`  ${row(base)}   (anchor)`)
    console.log(`  ${row(attacked)}`)
    const keep = rate(attacked) / Math.max(1e-9, rate(base))
    console.log(`  the stream part alone (request written to answer read): p50 ${pct(base.streamRtts, 0.5).toFixed(0)} / p99 ${pct(base.streamRtts, 0.99).toFixed(0)} ms without, p50 ${pct(attacked.streamRtts, 0.5).toFixed(0)} / p99 ${pct(attacked.streamRtts, 0.99).toFixed(0)} ms under attack`)
    console.log(`  failures by code: ${JSON.stringify(base.errors)} without, ${JSON.stringify(attacked.errors)} under attack`)
    console.log(`  validator rounds: ${base.rounds} (${base.roundAnswers} answers) without, ${attacked.rounds} (${attacked.roundAnswers}) under attack; CPU of this process ${(base.cpuMs / 1000).toFixed(1)} s vs ${(attacked.cpuMs / 1000).toFixed(1)} s, the crowd's ${((counts['cpuMs'] ?? 0) / 1000).toFixed(1)} s (2 shared cores, ${SECONDS} s each)`)
    if (vlog.length > 0) console.log(vlog.join('\n'), '\n', JSON.stringify(hv.state.miners))
    console.log(`  answers per second: ${(base.ok / SECONDS).toFixed(2)} without, ${(attacked.ok / SECONDS).toFixed(2)} under attack (${(100 * attacked.ok / Math.max(1, base.ok)).toFixed(0)}%)`)
    const p99x = pct(attacked.rtts, 0.99) / pct(base.rtts, 0.99)
    console.log(`  success kept: ${(100 * keep).toFixed(1)}% of the anchor (target >= 95%)   p99 ratio: ${p99x.toFixed(2)}x (target <= 3x)`)
    console.log(`\nattack volume: ${JSON.stringify(counts)}`)
    console.log(`relay: ${JSON.stringify(relayStats)}`)
    console.log(`limits held: unbound reservations max ${watch.maxUnboundReservations} (target 0); oldest unbound connection at the relay ${watch.maxOldestUnboundRelayMs} ms, at a miner ${watch.maxOldestUnboundMinerMs} ms (limit ${DEFAULT_LIMITS.bindTimeoutMs} ms + 1 s sweep)`)
    console.log(`miners' per-peer state: ${JSON.stringify(minerStates)}; flooder/mangler banned per miner: ${JSON.stringify(banned)}`)
    const bsec = (ms: number | null | undefined): string => (ms === null || ms === undefined ? 'not within the limit' : `${(ms / 1000).toFixed(1)} s`)
    if (browserRuns.skipped !== undefined) console.log(`browser miner: skipped (${browserRuns.skipped})`)
    else {
      const a = browserRuns.attacked!
      const q = browserRuns.quiet!
      console.log(`browser miner (Chromium headless, fresh profile, open → Start mining → …; limit ${BROWSER_TIMEOUT_MS / 1000} s): under attack / without attack (anchor, after the crowd left)`)
      console.log(`  registered (Loading the model shown)  ${bsec(a.modelLoading).padStart(10)} / ${bsec(q.modelLoading)}`)
      console.log(`  model loaded (Joining the mesh shown) ${bsec(a.joining).padStart(10)} / ${bsec(q.joining)}`)
      console.log(`  Mining shown (joined the mesh)        ${bsec(a.mining).padStart(10)} / ${bsec(q.mining)}`)
      console.log(`  first answered                        ${bsec(a.answered).padStart(10)} / ${bsec(q.answered)}`)
      console.log(`  first accepted                        ${bsec(a.accepted).padStart(10)} / ${bsec(q.accepted)}${a.accepted !== null && q.accepted !== null ? `   (${(a.accepted / q.accepted).toFixed(2)}x)` : ''}`)
      console.log(`  the relay's counters during each run: ${JSON.stringify(a.relay)} / ${JSON.stringify(q.relay)} (on loopback the crowd and the browser share one IP and so its per-IP budgets)`)
      if (a.accepted === null || q.accepted === null) console.log(`  last phase: ${JSON.stringify(a.phase)} / ${JSON.stringify(q.phase)}; errors: ${a.error ?? '-'} / ${q.error ?? '-'}`)
    }
    console.log(`heap (this process: devnet, relay, validator, miners; the crowd ${mb(counts['heapUsed'] ?? 0)} apart): ${mb(heap0)} before the attack, peak ${mb(watch.peakHeap)}, after ${mb(process.memoryUsage().heapUsed)}; relay connections peak ${watch.relayMaxConnections}`)
  } finally {
    for (const s of stops.reverse()) await s().catch(() => {})
    await relay.stop()
    await client.stop()
    await devnet.stop()
  }
}
