/**
 * Time from opening the app's URL to the first answered task, as a user meets it: the local stack
 * exactly as `npm start` runs it (devnet, relay, headless validator, built app), Debian Chromium
 * with a persistent profile, one click on Start mining. Three runs in the same profile:
 *   cold          fresh profile: no model cached, no hotkey (registration, model download)
 *   cached        model in the Cache API, but a new identity (localStorage and IndexedDB cleared:
 *                 a new session hotkey is created and registered)
 *   cached+known  model cached and the same hotkey (already registered): a reload and a click
 * Each run is split at what the dashboard shows: page ready (Start mining visible), the click,
 * model progress first shown, phase Mining (model loaded, mesh joined), first answer counted. The
 * last step waits for the headless validator's next round (every 15 s), so "Mining → answer" is
 * mostly that wait; the validator's own start-up (registration, stake, permit at the next epoch) is
 * done before any clock starts and printed apart, since a user opening a running deployment does
 * not wait for it. Anchor: the cold run; ratios are cached/cold for the same step.
 * FIRST_ANSWER_RUNS=N repeats the three runs N times (fresh profile each time) and prints medians.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.ts'
import { startStack } from '../src/server/stack.ts'

const RUNS = Math.max(1, Number(process.env['FIRST_ANSWER_RUNS'] ?? 1))
const KINDS = ['cold', 'cached', 'cached+known'] as const
type Kind = (typeof KINDS)[number]

/** Milliseconds from goto() to each step; null when the step did not show (e.g. no download). */
interface Timeline {
  ready: number
  click: number
  progress: number | null
  /** Registration done: the phase moved on to loading the model. */
  registered: number
  mining: number
  answered: number
  modelRequests: number
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

async function readDashboard(page: Page): Promise<{ phase: string; answered: number; progress: boolean }> {
  return await page.evaluate(() => ({
    phase: document.querySelector('[data-testid="miner-phase"]')?.textContent ?? '',
    answered: Number(document.querySelector('[data-testid="answered"]')?.textContent ?? 'NaN'),
    progress: document.getElementById('model-progress') !== null,
  }))
}

/** Opens (or reloads) the app, clicks Start mining and samples the dashboard every 100 ms. */
async function measure(page: Page, url: string, requests: { n: number }, reload: boolean): Promise<Timeline> {
  requests.n = 0
  const t0 = performance.now()
  const at = (): number => performance.now() - t0
  if (reload) await page.reload()
  else await page.goto(url)
  const start = page.getByRole('button', { name: 'Start mining' })
  await start.waitFor({ timeout: 60_000 })
  const ready = at()
  const answeredBefore = (await readDashboard(page)).answered
  await start.click()
  const click = at()
  let progress: number | null = null
  let registered: number | null = null
  let mining: number | null = null
  const deadline = Date.now() + 600_000
  for (;;) {
    const d = await readDashboard(page)
    if (progress === null && d.progress) progress = at()
    if (registered === null && /Loading the model|Joining|^\s*Mining/u.test(d.phase)) registered = at()
    if (mining === null && /^\s*Mining/u.test(d.phase)) mining = at()
    if (d.answered > answeredBefore) {
      const now = at()
      return { ready, click, progress, registered: registered ?? mining ?? now, mining: mining ?? now, answered: now, modelRequests: requests.n }
    }
    if (/Stopped by an error/u.test(d.phase)) throw new Error(`the miner stopped: ${d.phase}`)
    if (Date.now() > deadline) throw new Error(`no answer within 10 minutes (phase: ${d.phase.trim()})`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Forgets this origin's identity (localStorage, IndexedDB) but keeps the Cache API (the model). */
async function forgetIdentity(page: Page): Promise<void> {
  await page.evaluate(async () => {
    localStorage.clear()
    for (const db of await indexedDB.databases()) {
      if (db.name === undefined) continue
      await new Promise<void>((ok) => { const r = indexedDB.deleteDatabase(db.name!); r.onsuccess = r.onerror = r.onblocked = () => ok() })
    }
  })
}

const s = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`).padStart(9)

export async function run(): Promise<void> {
  if (!existsSync('dist/index.html')) throw new Error('dist/ is missing: build the app first (npx vite build), as npm start does')
  const t0 = performance.now()
  const stack = await startStack({ port: 0 })
  const results: Record<Kind, Timeline[]> = { cold: [], cached: [], 'cached+known': [] }
  try {
    const validator = await stack.validatorReady()
    if (validator === undefined) throw new Error('the headless validator did not start')
    console.log(`stack up and the headless validator validating after ${s(performance.now() - t0).trim()} (registration, stake, permit at the next epoch; not counted below)`)
    for (let r = 0; r < RUNS; r++) {
      const profile = mkdtempSync(join(tmpdir(), 'webtensor-first-answer-'))
      let context: BrowserContext | undefined
      try {
        context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
        const requests = { n: 0 }
        context.on('request', (req) => { if (/\/models\/.+\.onnx$/u.test(new URL(req.url()).pathname)) requests.n++ })
        const page = context.pages()[0] ?? (await context.newPage())
        results.cold.push(await measure(page, stack.url, requests, false))
        await forgetIdentity(page)
        results.cached.push(await measure(page, stack.url, requests, true))
        results['cached+known'].push(await measure(page, stack.url, requests, true))
      } finally {
        await context?.close()
        rmSync(profile, { recursive: true, force: true })
      }
    }
  } finally {
    await stack.stop()
  }

  const pick = (k: Kind, f: (t: Timeline) => number | null): number | null => {
    const xs = results[k].map(f).filter((x): x is number => x !== null)
    return xs.length === 0 ? null : median(xs)
  }
  const steps: Array<[string, (t: Timeline) => number | null]> = [
    ['open → page ready', (t) => t.ready],
    ['click → registered (hotkey on chain)', (t) => t.registered - t.click],
    ['registered → Mining (model loaded, mesh joined)', (t) => t.mining - t.registered],
    ['Mining → first answer (validator round wait)', (t) => t.answered - t.mining],
    ['open → first answer', (t) => t.answered],
  ]
  console.log(`\nTime to the first answered task${RUNS > 1 ? ` (median of ${RUNS} runs)` : ''}, Debian Chromium headless, WASM on this machine's CPU:`)
  console.log(`  ${'step'.padEnd(56)}${KINDS.map((k) => k.padStart(14)).join('')}   cached/cold  known/cold`)
  for (const [label, f] of steps) {
    const [c, w, k] = KINDS.map((kind) => pick(kind, f))
    const ratio = (x: number | null): string => (x === null || c === null || c === 0 ? '—' : `${(x / c).toFixed(2)}x`)
    console.log(`  ${label.padEnd(56)}${[c, w, k].map((x) => s(x).padStart(14)).join('')}   ${ratio(w).padStart(11)} ${ratio(k).padStart(11)}`)
  }
  const req = KINDS.map((k) => results[k].map((t) => t.modelRequests).join('/'))
  console.log(`  model file requests (.onnx) per run: cold ${req[0]}, cached ${req[1]}, cached+known ${req[2]} (0 = served from the Cache API)`)
  console.log(`  progress bar shown: cold ${results.cold.map((t) => (t.progress === null ? 'no' : 'yes')).join('/')}, cached ${results.cached.map((t) => (t.progress === null ? 'no' : 'yes')).join('/')}`)
}
