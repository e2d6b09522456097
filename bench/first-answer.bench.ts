/**
 * Time from opening the app's URL to the first answered task, as a user meets it: the local stack
 * exactly as `npm start` runs it (devnet with npm start's 3 s blocks, relay, headless validator,
 * built app from dist/), Debian Chromium headless with a persistent profile, one click on
 * Start mining. Three runs in the same profile:
 *   cold          fresh profile: no model cached, no hotkey (registration, model download)
 *   cached        model in the Cache API, but a new identity (localStorage and IndexedDB cleared:
 *                 a new session hotkey is created and registered)
 *   cached+known  model cached and the same hotkey (already registered): a reload and a click
 * Each run is split at what the dashboard shows (a MutationObserver in the page stamps each
 * change): page loaded (load event), Start mining visible, the click, model progress first shown,
 * registered (phase moves on to the model), phase Mining (model loaded, mesh joined), the first
 * challenge received (from the page's own task record: finish time minus solve time) and the
 * answered count going up. "Mining → challenge" is the wait for the headless validator's next
 * round (every 15 s; a new miner's presence starts one early); when the validator saw the page's
 * presence is printed beside it. The validator's own start-up (registration, stake,
 * permit at the next epoch) is done before any clock starts and printed apart, since a user
 * opening a running deployment does not wait for it.
 * Anchor: the cold run in the same process; ratios are cached/cold and known/cold per step.
 * The model's origin is checked by counting requests to /models/ (and ORT's files under /ort/:
 * its wasm comes from the model store's Cache API, its glue from the service worker's precache).
 * FIRST_ANSWER_RUNS=N repeats the three runs N times (a fresh profile each time) and prints medians.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page, type Request } from 'playwright'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.ts'
import { startStack, type Stack } from '../src/server/index.ts'

const RUNS = Math.max(1, Math.floor(Number(process.env['FIRST_ANSWER_RUNS'] ?? 1)) || 1)
/** `npm start`'s default block time (its --block-time). */
const BLOCK_MS = 3000
/** The page's saved session (src/ui/mining.svelte.ts SESSION_KEY). */
const SESSION_KEY = 'webtensor.mining.v1'
const STEP_TIMEOUT_MS = 600_000
const KINDS = ['cold', 'cached', 'cached+known'] as const
type Kind = (typeof KINDS)[number]

/** Requests by what they fetched: seen by the browser (with body bytes) and reaching the app server. */
interface Traffic { model: number; modelBytes: number; ort: number; ortBytes: number; serverModel: number; serverOrt: number }
const noTraffic = (): Traffic => ({ model: 0, modelBytes: 0, ort: 0, ortBytes: 0, serverModel: 0, serverOrt: 0 })
/** Model files (.onnx weights, .txt dictionary) or ORT's files (wasm, glue), by URL path. */
function kindOf(path: string): 'model' | 'ort' | null {
  return /^\/models\/[^/]+\/[^/]+\.(onnx|txt)$/u.test(path) ? 'model' : /^\/ort\/.+\.(wasm|mjs)$/u.test(path) ? 'ort' : null
}

/** Milliseconds from goto()/reload() to each step; null when the step did not show. */
interface Timeline {
  loaded: number
  ready: number
  click: number
  progress: number | null
  /** Most bytes the progress bar showed as downloaded. */
  progressBytes: number
  /** The phase moved on from registering (hotkey on chain) to the model. */
  registered: number
  mining: number
  /** The first challenge reached the miner (its task record's finish time minus its solve time). */
  challenge: number | null
  answered: number
  /** When the validator logged this hotkey's presence (a newcomer wakes its wait), or null. */
  presence: number | null
  uid: number | null
  hotkey: string | null
  /** What the phase chip says runs the model (WebGPU, WASM …). */
  ep: string | null
  traffic: Traffic
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Newest mtime under src/ (to warn when dist/ is older than the sources). */
function newestSource(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p))
    else if (/\.(ts|svelte|css|html)$/u.test(e.name) && !/\.test\.ts$/u.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs)
  }
  return newest
}

/** What the page's MutationObserver stamped (Date.now() in the page; same clock as Node's). */
interface Stamps { progress: number | null; progressBytes: number; registered: number | null; mining: number | null; answered: number | null; error: string | null }

/** Installs the observer; `before` is the answered count shown before the click. */
async function observe(page: Page, before: number): Promise<void> {
  await page.evaluate((before) => {
    const g = globalThis as unknown as { __firstAnswer: Stamps }
    const s: Stamps = { progress: null, progressBytes: 0, registered: null, mining: null, answered: null, error: null }
    g.__firstAnswer = s
    const check = (): void => {
      const now = Date.now()
      const phase = document.querySelector('[data-testid="miner-phase"]')?.textContent ?? ''
      const answered = Number(document.querySelector('[data-testid="answered"]')?.textContent ?? 'NaN')
      const bar = document.getElementById('model-progress') as HTMLProgressElement | null
      if (s.progress === null && bar !== null) s.progress = now
      if (bar !== null) s.progressBytes = Math.max(s.progressBytes, bar.value)
      if (s.registered === null && /Loading the model|Joining|^\s*Mining/u.test(phase)) s.registered = now
      if (s.mining === null && /^\s*Mining/u.test(phase)) s.mining = now
      if (s.answered === null && answered > before) s.answered = now
      if (s.error === null && /Stopped by an error/u.test(phase)) s.error = (document.querySelector('[role="alert"]')?.textContent ?? phase).trim()
    }
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
    check()
  }, before)
}

interface Probe { traffic: Traffic; presence: Map<string, number[]> }

/** Opens (or reloads) the app, clicks Start mining and waits for the first answered task. */
async function measure(page: Page, url: string, probe: Probe, reload: boolean): Promise<Timeline> {
  probe.traffic = noTraffic()
  const wall0 = Date.now()
  const t0 = performance.now()
  const at = (): number => performance.now() - t0
  if (reload) await page.reload({ waitUntil: 'load' })
  else await page.goto(url, { waitUntil: 'load' })
  const loaded = at()
  const start = page.getByRole('button', { name: 'Start mining' })
  await start.waitFor({ timeout: 60_000 })
  const ready = at()
  const before = Number(await page.getByTestId('answered').textContent())
  await observe(page, before)
  await start.click()
  const click = at()
  const deadline = Date.now() + STEP_TIMEOUT_MS
  let st: Stamps
  for (;;) {
    st = await page.evaluate(() => (globalThis as unknown as { __firstAnswer: Stamps }).__firstAnswer)
    if (st.answered !== null) break
    if (st.error !== null) throw new Error(`the miner stopped: ${st.error}`)
    if (Date.now() > deadline) {
      const phase = (await page.getByTestId('miner-phase').textContent())?.trim()
      throw new Error(`no answer within ${STEP_TIMEOUT_MS / 60_000} minutes (phase: ${phase})`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  const rel = (wall: number | null): number | null => (wall === null ? null : wall - wall0)
  // The page saves its task records (finish time, solve time) in localStorage on every answer.
  const saved = await page.evaluate((key) => localStorage.getItem(key), SESSION_KEY)
  const session = saved === null ? null : (JSON.parse(saved) as { uid?: number | null; hotkey?: string | null; history?: Array<{ at: number; latencyMs: number }> })
  const first = session?.history?.find((r) => r.at >= wall0)
  const mining = rel(st.mining) ?? rel(st.answered)!
  const answered = rel(st.answered)!
  const hotkey = session?.hotkey ?? null
  // The first time the validator logged this hotkey's presence during this run (a known hotkey returns in a later run).
  const presence = hotkey === null ? undefined : probe.presence.get(hotkey)?.find((t) => t >= wall0)
  const ep = /runs on ([^\n]+?)(\s{2,}|$)/u.exec((await page.getByTestId('miner-phase').textContent()) ?? '')?.[1] ?? null
  return {
    loaded, ready, click,
    progress: rel(st.progress),
    progressBytes: st.progressBytes,
    registered: rel(st.registered) ?? mining,
    mining,
    challenge: first === undefined ? null : first.at - first.latencyMs - wall0,
    answered,
    presence: presence === undefined ? null : presence - wall0,
    uid: session?.uid ?? null,
    hotkey,
    ep,
    traffic: { ...probe.traffic },
  }
}

/** Stops the miner (a reload), then forgets the origin's identity (localStorage, IndexedDB) but keeps the Cache API. */
async function forgetIdentity(page: Page): Promise<string[]> {
  await page.reload({ waitUntil: 'load' })
  await page.getByRole('button', { name: 'Start mining' }).waitFor({ timeout: 60_000 })
  return await page.evaluate(async () => {
    localStorage.clear()
    const out: string[] = []
    for (const db of await indexedDB.databases()) {
      if (db.name === undefined) continue
      const name = db.name
      out.push(await new Promise<string>((ok) => {
        const r = indexedDB.deleteDatabase(name)
        const timer = setTimeout(() => ok(`${name} (still blocked after 10 s)`), 10_000)
        r.onsuccess = () => { clearTimeout(timer); ok(name) }
        r.onerror = () => { clearTimeout(timer); ok(`${name} (error: ${String(r.error)})`) }
      }))
    }
    return out
  })
}

/** Model files in the profile's Cache API (what the model store keeps). */
async function cachedModelFiles(page: Page): Promise<number> {
  return await page.evaluate(async () => {
    let n = 0
    for (const name of await caches.keys()) {
      for (const req of await (await caches.open(name)).keys()) if (/\/models\/.+\.(onnx|txt)$/u.test(new URL(req.url).pathname)) n++
    }
    return n
  })
}

const sec = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`)
const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`

export async function run(): Promise<void> {
  if (!existsSync('dist/index.html')) {
    throw new Error('first-answer: dist/ is missing: build the app first (npx vite build), as npm start does')
  }
  if (newestSource('src') > statSync('dist/index.html').mtimeMs) {
    console.log('note: src/ has files newer than dist/index.html: this measures the last build (npx vite build to refresh)')
  }
  const t0 = performance.now()
  const validatorLog: string[] = []
  const probe: Probe = { traffic: noTraffic(), presence: new Map() }
  let stack: Stack | undefined
  const results: Record<Kind, Timeline[]> = { cold: [], cached: [], 'cached+known': [] }
  const notes: string[] = []
  try {
    stack = await startStack({
      port: 0,
      devnet: { blockTimeMs: BLOCK_MS },
      log: (line) => {
        if (!line.startsWith('validator: ')) return
        validatorLog.push(line)
        const m = /presence from (\S+),/u.exec(line)
        if (m !== null) probe.presence.set(m[1]!, [...(probe.presence.get(m[1]!) ?? []), Date.now()])
      },
    })
    const validator = await stack.validatorReady()
    if (validator === undefined) throw new Error(`the headless validator did not start:\n  ${validatorLog.slice(-5).join('\n  ')}`)
    stack.app.server.on('request', (req: { url?: string }) => {
      const kind = kindOf(new URL(req.url ?? '/', 'http://x').pathname)
      if (kind === 'model') probe.traffic.serverModel++
      else if (kind === 'ort') probe.traffic.serverOrt++
    })
    console.log(`stack up (devnet ${BLOCK_MS} ms blocks) and the headless validator validating after ${sec(performance.now() - t0)} (registration, stake, permit at the next epoch; not counted below)`)
    for (let r = 0; r < RUNS; r++) {
      const profile = mkdtempSync(join(tmpdir(), 'webtensor-first-answer-'))
      let context: BrowserContext | undefined
      try {
        context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
        // tsx compiles this file with esbuild's keepNames, which wraps functions in __name(): give the page one.
        await context.addInitScript('globalThis.__name = (f) => f')
        const count = (req: Request): void => {
          const kind = kindOf(new URL(req.url()).pathname)
          if (kind === null) return
          probe.traffic[kind]++
          void req.sizes().then((s) => { probe.traffic[`${kind}Bytes`] += s.responseBodySize }).catch(() => {})
        }
        context.on('requestfinished', count)
        const page = context.pages()[0] ?? (await context.newPage())
        results.cold.push(await measure(page, stack.url, probe, false))
        const cachedAfterCold = await cachedModelFiles(page)
        const deleted = await forgetIdentity(page)
        if (r === 0) notes.push(`after the cold run: ${cachedAfterCold} model files in the Cache API; cleared localStorage and IndexedDB ${deleted.length === 0 ? '(none)' : deleted.join(', ')}`)
        results.cached.push(await measure(page, stack.url, probe, true))
        results['cached+known'].push(await measure(page, stack.url, probe, true))
      } finally {
        await context?.close().catch(() => {})
        rmSync(profile, { recursive: true, force: true })
      }
      console.log(`run ${r + 1}/${RUNS}: open → first answer  ${KINDS.map((kind) => `${kind} ${sec(results[kind][r]!.answered)}`).join(', ')}`)
    }
  } finally {
    await stack?.stop()
  }

  const pick = (k: Kind, f: (t: Timeline) => number | null): number | null => {
    const xs = results[k].map(f).filter((x): x is number => x !== null)
    return xs.length === 0 ? null : median(xs)
  }
  const steps: Array<[string, (t: Timeline) => number | null]> = [
    ['open → page loaded (load event)', (t) => t.loaded],
    ['open → Start mining visible', (t) => t.ready],
    ['click → model progress shown', (t) => (t.progress === null ? null : t.progress - t.click)],
    ['click → registered (hotkey on chain)', (t) => t.registered - t.click],
    ['registered → Mining (model loaded, mesh joined)', (t) => t.mining - t.registered],
    ['Mining → first challenge (validator round wait)', (t) => (t.challenge === null ? null : t.challenge - t.mining)],
    ['first challenge → answered (solve, UI)', (t) => (t.challenge === null ? null : t.answered - t.challenge)],
    ['open → first answer', (t) => t.answered],
  ]
  const W = 50
  console.log(`\nTime to the first answered task${RUNS > 1 ? ` (median of ${RUNS} runs)` : ''}, Debian Chromium headless, ${BLOCK_MS / 1000} s devnet blocks, anchor: the cold run:`)
  console.log(`  ${'step'.padEnd(W)}${KINDS.map((k) => k.padStart(13)).join('')}  cached/cold  known/cold`)
  for (const [label, f] of steps) {
    const c = pick('cold', f)
    const w = pick('cached', f)
    const k = pick('cached+known', f)
    const ratio = (x: number | null): string => (x === null || c === null || c === 0 ? '—' : `${(x / c).toFixed(2)}x`)
    console.log(`  ${label.padEnd(W)}${[c, w, k].map((x) => sec(x).padStart(13)).join('')}  ${ratio(w).padStart(11)} ${ratio(k).padStart(11)}`)
  }
  const each = (f: (t: Timeline) => string): string => KINDS.map((k) => `${k} ${results[k].map(f).join('/')}`).join(', ')
  console.log('Per run:')
  console.log(`  model files (/models/, .onnx + .txt) fetched by the page: ${each((t) => `${t.traffic.model} (${mb(t.traffic.modelBytes)})`)}; reaching the app server: ${each((t) => String(t.traffic.serverModel))}`)
  console.log(`  ORT files (/ort/: wasm from the Cache API, glue from the service worker) fetched by the page: ${each((t) => `${t.traffic.ort} (${mb(t.traffic.ortBytes)})`)}; reaching the app server: ${each((t) => String(t.traffic.serverOrt))}`)
  console.log(`  progress bar: most shown as downloaded ${each((t) => (t.progress === null ? 'not shown' : mb(t.progressBytes)))}`)
  console.log(`  model runs on: ${each((t) => t.ep ?? '?')}`)
  console.log(`  uid: ${each((t) => String(t.uid ?? '?'))}; hotkey: ${each((t) => (t.hotkey ?? '?').slice(0, 8))}`)
  console.log(`  validator logged the page's presence (a newcomer or returning miner: challenged at once) after open: ${each((t) => sec(t.presence))}`)
  for (const n of notes) console.log(`  ${n}`)
}
