/**
 * The mesh test environment, shared by test/e2e/mesh.spec.ts and bench/mesh.bench.ts: a Node
 * relay on loopback, a Vite dev server for the harness page (test/e2e/mesh/harness.html), and
 * headless Debian Chromium with one browser context per mesh peer.
 */
import { fileURLToPath } from 'node:url'
import { createServer, type ViteDevServer } from 'vite'
import { chromium, type Browser, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../../../scripts/chromium.ts'
import { startRelay, newPrivateKey, type Relay } from '../../../src/p2p/node-entry.ts'
import type { HarnessInit } from './harness.ts'

const ROOT = fileURLToPath(new URL('.', import.meta.url))
const REPO = fileURLToPath(new URL('../../../', import.meta.url))

/** A running environment. */
export interface MeshEnv {
  relay: Relay
  relayKey: Uint8Array
  relayPort: number
  url: string
  browser: Browser
  /** Opens a new browser context with the harness and a started mesh node. */
  peer(init: Omit<HarnessInit, 'relays'>): Promise<{ page: Page; peerId: string; hotkey: string }>
  /** Stops the relay and starts it again on the same port with the same identity. */
  restartRelay(): Promise<void>
  stop(): Promise<void>
}

/** Starts relay, Vite and Chromium. */
export async function startMeshEnv(netuid: number): Promise<MeshEnv> {
  const relayKey = await newPrivateKey()
  let relay = await startRelay({ port: 0, privateKey: relayKey, netuids: [netuid] })
  const relayPort = Number(relay.multiaddrs[0]!.split('/')[4])
  let vite: ViteDevServer | undefined
  let browser: Browser | undefined
  try {
    vite = await createServer({
      configFile: false,
      root: ROOT,
      logLevel: 'error',
      clearScreen: false,
      server: { host: '127.0.0.1', port: 0, strictPort: false, fs: { allow: [REPO] }, hmr: false, watch: null },
      optimizeDeps: { entries: [`${ROOT}harness.ts`] },
    })
    await vite.listen()
    const addr = vite.httpServer?.address()
    if (addr === null || addr === undefined || typeof addr === 'string') throw new Error('vite did not listen')
    const url = `http://127.0.0.1:${addr.port}/harness.html`
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
    const b = browser
    const v = vite
    const env: MeshEnv = {
      get relay() { return relay },
      relayKey,
      relayPort,
      url,
      browser: b,
      async peer(init) {
        const context = await b.newContext()
        const page = await context.newPage()
        page.on('pageerror', (e) => { console.error(`[page ${init.uri}] ${e.message}`) })
        if (process.env['MESH_DEBUG'] !== undefined) {
          page.on('console', (m) => { console.error(`${(performance.now() / 1000).toFixed(3)} [${init.uri}] ${m.text().replace(/%c|color: #?\w+/g, '')}`) })
          await page.addInitScript((d) => { localStorage.setItem('debug', d) }, process.env['MESH_DEBUG'])
        }
        await page.goto(url)
        await page.waitForFunction(() => window.meshReady === true, undefined, { timeout: 120_000 })
        const id = await page.evaluate((i) => window.mesh.init(i), { ...init, relays: relay.multiaddrs })
        return { page, ...id }
      },
      async restartRelay() {
        await relay.stop()
        relay = await startRelay({ port: relayPort, privateKey: relayKey, netuids: [netuid] })
      },
      async stop() {
        await b.close().catch(() => {})
        await v.close().catch(() => {})
        await relay.stop().catch(() => {})
      },
    }
    return env
  } catch (err) {
    await browser?.close().catch(() => {})
    await vite?.close().catch(() => {})
    await relay.stop()
    throw err
  }
}
