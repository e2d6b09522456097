import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from './fixtures.ts'
import { startStack } from '../../src/server/stack.ts'

test.describe('app shell', () => {
  test('renders the product name and the device status', async ({ page, stack }) => {
    await page.goto(stack.url)
    await expect(page.getByRole('heading', { level: 1, name: 'webtensor' })).toBeVisible()
    await expect(page.getByTestId('status')).toContainText('WebGPU')
    // The server's COOP/COEP headers make the page cross-origin isolated (threads for WASM).
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    await expect(page.getByTestId('status')).toContainText('multithreaded')
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
    const stack = await startStack({ root, port: 0 })
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
