import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { test, expect } from './fixtures.ts'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/chromium.ts'
import { startStack } from '../../src/server/index.ts'

test.describe('app shell', () => {
  test('renders the product name and the device status', async ({ page, stack }) => {
    await page.goto(stack.url)
    await expect(page.getByRole('heading', { level: 1, name: 'webtensor' })).toBeVisible()
    // Nothing mines before a click: the miner tab offers Start mining and shows it idle.
    await expect(page.getByRole('button', { name: 'Start mining' })).toBeVisible()
    await expect(page.getByTestId('miner-phase')).toContainText('Not mining')
    await page.getByRole('tab', { name: 'Device' }).click()
    await expect(page.getByTestId('status')).toBeVisible()
    await expect(page.getByTestId('status')).toContainText('WebGPU')
    // The server's COOP/COEP headers make the page cross-origin isolated (threads for WASM).
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    await expect(page.getByTestId('status')).toContainText('multithreaded')
    // The page learns the local network from /config.json, not from the bundle.
    await expect(page.getByTestId('network')).toContainText(stack.devnet!.url)
    await expect(page.getByTestId('network')).toContainText('netuid 1')
  })

  test('Chromium reports the app installable', async ({ stack }) => {
    // Installability is never reported for incognito contexts, so this test uses a real profile.
    const profile = mkdtempSync(join(tmpdir(), 'webtensor-profile-'))
    const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
    try {
      const page = await context.newPage()
      await page.goto(stack.url)
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 })
      const cdp = await context.newCDPSession(page)
      // The check Chromium runs before offering "Install app" (Lighthouse's installable-manifest audit uses it too).
      const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> }
      expect(installabilityErrors).toEqual([])
      const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; url: string }
      expect(manifest.errors).toEqual([])
      expect(manifest.url).toBe(new URL('/manifest.webmanifest', stack.url).href)
    } finally {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  })

  test('links a manifest with the installability fields', async ({ page, stack }) => {
    const res = await page.request.get(new URL('/manifest.webmanifest', stack.url).href)
    expect(res.ok()).toBe(true)
    const m = (await res.json()) as { name: string; short_name: string; start_url: string; display: string; icons: Array<{ sizes: string; purpose?: string; src: string }> }
    expect(m.short_name).toBe('webtensor')
    expect(m.start_url).toBe('/')
    expect(m.display).toBe('standalone')
    expect(m.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']))
    expect(m.icons.some((i) => i.purpose === 'maskable')).toBe(true)
    for (const icon of m.icons) {
      const r = await page.request.get(new URL(icon.src, stack.url).href)
      expect(r.headers()['content-type']).toBe('image/png')
    }
  })

  test('the service worker takes control and the shell loads offline', async ({ page, context, stack }) => {
    await page.goto(stack.url)
    await expect(page.getByRole('heading', { level: 1, name: 'webtensor' })).toBeVisible()
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 })
    await expect(page.getByTestId('status')).toContainText('Offline use')
    await expect(page.getByTestId('status')).toContainText('ready')

    await context.setOffline(true)
    try {
      await page.reload()
      await expect(page.getByRole('heading', { level: 1, name: 'webtensor' })).toBeVisible()
      expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
      await expect(page.getByTestId('status')).toContainText('offline')
      // A deep link is served the shell from the precache too.
      await page.goto(new URL('/dashboard', stack.url).href)
      await expect(page.getByRole('heading', { level: 1, name: 'webtensor' })).toBeVisible()
    } finally {
      await context.setOffline(false)
    }
  })

  test('a new version waits for the update prompt instead of reloading', async ({ page }) => {
    // A deployment of its own (a copy of dist/) so the test can ship a "new version" in place.
    const root = mkdtempSync(join(tmpdir(), 'webtensor-deploy-'))
    cpSync('dist', root, { recursive: true })
    const stack = await startStack({ root, port: 0, services: { devnet: false, relay: false, validator: false } })
    try {
      await page.goto(stack.url)
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 })
      const navigations: string[] = []
      page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()) })

      appendFileSync(join(root, 'sw.js'), '\n// a new deployment\n')
      await page.evaluate(async () => { await (await navigator.serviceWorker.getRegistration())?.update() })
      await expect(page.getByRole('alertdialog')).toContainText('A new version of webtensor is ready', { timeout: 60_000 })
      // The new worker waits: the page was not reloaded and the old worker still controls it.
      expect(navigations).toEqual([])
      expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state)).toBe('installed')

      await Promise.all([page.waitForEvent('framenavigated'), page.getByRole('button', { name: 'Reload to update' }).click()])
      await expect(page.getByRole('heading', { level: 1, name: 'webtensor' })).toBeVisible()
      await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistration())?.waiting === null)
    } finally {
      await stack.stop()
      rmSync(root, { recursive: true, force: true })
    }
  })
})
