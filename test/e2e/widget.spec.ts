/**
 * The partner widget, end to end: a partner page on ANOTHER origin (127.0.0.1 vs the app's
 * localhost, so also another site) loads /widget.js from the app and embeds <webtensor-miner>.
 * Proves: the iframe is cross-origin and opaque to the host; nothing the host scripts starts
 * mining; a real click inside the iframe does; consent is remembered for that host after a reload
 * and "Forget this site" revokes it; the loader ignores status messages from other origins. Where
 * Chromium really blocks third-party storage (its default here), the widget asks for storage
 * access only from the consent click, keeps consent for the visit when refused, and says so.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Frame, type Page } from '@playwright/test'
import { test, expect } from './fixtures.ts'
import { startStaticServer } from '../../src/server/index.ts'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/chromium.ts'

const CONSENT_KEY = 'webtensor.widget.consent.v1'
const BLOCKED = 'Your browser blocks storage for embedded sites, so this choice lasts until you leave this page.'

/** Records, in every frame, each document.requestStorageAccess call and whether the frame had user activation then. */
const SPY_RSA = () => {
  const w = window as unknown as { __rsa: Array<{ types: unknown; activation: boolean }> }
  w.__rsa = []
  const orig = Document.prototype.requestStorageAccess as ((this: Document, t?: unknown) => Promise<unknown>) | undefined
  if (orig === undefined) return
  Document.prototype.requestStorageAccess = function (this: Document, types?: unknown) {
    w.__rsa.push({ types: types ?? null, activation: navigator.userActivation.isActive })
    return orig.call(this, types)
  } as typeof Document.prototype.requestStorageAccess
}
type RsaWindow = { __rsa: Array<{ types: unknown; activation: boolean }> }
/** What this frame's own localStorage does: 'ok' or the error's name. */
const probeLocalStorage = () => { try { localStorage.getItem('probe'); return 'ok' } catch (e) { return (e as Error).name } }

interface Status { phase: string; answered: number; consent: boolean }
interface PartnerWindow { __statuses: Status[]; __raw: number }

/** The partner site: /partner.html embeds the widget; /evil.html (a third origin when loaded via localhost) forges status messages. */
async function startPartner(appOrigin: string | (() => string)): Promise<{ server: Server; origin: string }> {
  const partnerPage = (app: string, netuid: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title></head><body>
<h1>Partner site</h1>
<webtensor-miner app="${app}" netuid="${netuid}" duty-cycle="0.25"></webtensor-miner>
<script>
  window.__statuses = []; window.__raw = 0;
  document.addEventListener('webtensor-status', (e) => window.__statuses.push(e.detail));
  window.addEventListener('message', (e) => { if (e.data && e.data.forged) window.__raw++ });
</script>
<script src="${app}/widget.js"></script>
</body></html>`
  const evil = `<!doctype html><script>
  const nonce = new URLSearchParams(location.hash.slice(1)).get('nonce');
  parent.postMessage({ source: 'webtensor', v: 1, type: 'status', nonce, phase: 'mining', answered: 999, accepted: 999, dutyCycle: 1, consent: true, error: null, forged: 'frame' }, '*');
</script>`
  const server = createServer((req, res) => {
    const claimed = req.url === '/partner.html?netuid=7' ? '7' : '1' // a host may claim another subnet than the app's
    const body = req.url === '/partner.html' || req.url === '/partner.html?netuid=7' ? partnerPage(typeof appOrigin === 'string' ? appOrigin : appOrigin(), claimed) : req.url?.startsWith('/evil.html') === true ? evil : null
    if (body === null) { res.writeHead(404).end(); return }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body)
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** A persistent Chromium profile that allows third-party storage (Chrome's "Allow third-party cookies"). */
async function thirdPartyStorageProfile(): Promise<{ profile: string; context: BrowserContext; page: Page }> {
  const profile = mkdtempSync(join(tmpdir(), 'webtensor-widget-profile-'))
  mkdirSync(join(profile, 'Default'))
  writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }))
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
  return { profile, context, page: context.pages()[0] ?? await context.newPage() }
}

function widgetFrame(page: Page, appOrigin: string): Frame {
  const f = page.frames().find((fr) => fr.url().startsWith(appOrigin + '/?mode=widget'))
  if (f === undefined) throw new Error('widget frame not found')
  return f
}

const statuses = (page: Page) => page.evaluate(() => (window as unknown as PartnerWindow).__statuses)
const lastStatus = async (page: Page) => (await statuses(page)).at(-1)

test.describe('partner widget', () => {
  test('host scripts cannot start mining; a real click inside the iframe can; consent per host is remembered and revocable', async ({ stack }) => {
    const appOrigin = new URL(stack.url).origin
    const partner = await startPartner(appOrigin)
    // A profile with third-party storage allowed (Chrome's "Allow third-party cookies"): where a
    // browser blocks it (this Chromium's default, incognito), the widget cannot remember consent
    // and says so (the next test).
    const { profile, context, page } = await thirdPartyStorageProfile()
    try {
      expect(partner.origin).not.toBe(appOrigin)
      await page.goto(`${partner.origin}/partner.html`)
      const frame = page.locator('webtensor-miner').locator('iframe').contentFrame()
      await expect(frame.getByRole('button', { name: 'Start mining' })).toBeVisible()
      await expect(frame.getByTestId('consent-text')).toContainText('127.0.0.1')
      await expect(frame.getByTestId('consent-text')).toContainText('uses your GPU')
      await expect(frame.getByTestId('widget-chip')).toContainText('Not mining')
      // The loader's hello gets the first status back through the custom event.
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.length > 0)
      expect(await lastStatus(page)).toMatchObject({ phase: 'idle', consent: false, dutyCycle: 0.25 })

      // (1) Cross-origin: the host cannot reach the iframe's DOM or storage.
      const reach = await page.evaluate(() => {
        const f = document.querySelector('webtensor-miner')!.shadowRoot!.querySelector('iframe')!
        let docError = ''
        try { void (f.contentWindow as Window).document.body } catch (e) { docError = (e as Error).name }
        let storageError = ''
        try { void (f.contentWindow as Window).localStorage } catch (e) { storageError = (e as Error).name }
        return { contentDocument: f.contentDocument === null, docError, storageError, allow: f.allow, src: f.src }
      })
      expect(reach).toMatchObject({ contentDocument: true, docError: 'SecurityError', storageError: 'SecurityError' })
      expect(reach.allow).toContain('cross-origin-isolated')
      expect(reach.allow).toContain('compute-pressure')
      expect(reach.allow).toContain('storage-access')
      expect(new URL(reach.src).origin).toBe(appOrigin)
      const app = widgetFrame(page, appOrigin)
      // This profile allows third-party storage: the frame's own localStorage works, nothing is asked.
      expect(await app.evaluate(probeLocalStorage)).toBe('ok')
      expect(await app.evaluate(() => (document as Document & { featurePolicy?: { allowsFeature(f: string): boolean } }).featurePolicy?.allowsFeature('storage-access'))).toBe(true)
      await expect(frame.getByTestId('no-storage')).toHaveCount(0)
      // The widget identifies its host from the browser, not from anything the host said.
      expect(await app.evaluate(() => location.ancestorOrigins[0])).toBe(partner.origin)

      // (5) Forged status messages from other origins (the host itself, a third-origin frame) are ignored.
      const nonce = new URL(reach.src).searchParams.get('nonce')!
      await page.evaluate(({ nonce, evil }) => {
        window.postMessage({ source: 'webtensor', v: 1, type: 'status', nonce, phase: 'mining', answered: 999, accepted: 999, dutyCycle: 1, consent: true, error: null, forged: 'host' }, '*')
        const f = document.createElement('iframe')
        f.src = `${evil}/evil.html#nonce=${nonce}`
        document.body.append(f)
      }, { nonce, evil: partner.origin.replace('127.0.0.1', 'localhost') })
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__raw === 2)
      expect((await statuses(page)).some((s) => s.answered === 999 || s.phase !== 'idle')).toBe(false)
      expect(await page.evaluate(() => (document.querySelector('webtensor-miner') as HTMLElement & { status: Status }).status.phase)).toBe('idle')

      // (2) Scripted attempts from the host page do not start mining.
      await page.evaluate((nonce) => {
        const el = document.querySelector('webtensor-miner') as HTMLElement & { ping(): void }
        const f = el.shadowRoot!.querySelector('iframe')!
        el.click()
        f.click()
        for (const target of [el, f]) {
          target.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }))
          target.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }))
          target.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
        }
        const w = f.contentWindow!
        w.postMessage({ type: 'start' }, '*')
        w.postMessage({ source: 'webtensor-host', v: 1, type: 'start', nonce }, '*')
        w.postMessage({ source: 'webtensor-host', v: 1, type: 'resume', nonce }, '*')
        w.postMessage({ source: 'webtensor-host', v: 1, type: 'hello', nonce, start: true }, '*')
        ;(el as unknown as { start?: () => void }).start?.()
      }, nonce)
      // Even a script running inside the frame (an untrusted click) is refused.
      await app.evaluate(() => { for (const b of document.querySelectorAll('button')) if (b.textContent?.includes('Start mining')) b.click() })
      await expect(frame.getByTestId('refused')).toContainText('Only your own click')
      // A ping answered after all of the above still says idle, without consent.
      const before = (await statuses(page)).length
      await page.evaluate(() => (document.querySelector('webtensor-miner') as HTMLElement & { ping(): void }).ping())
      await page.waitForFunction((n) => (window as unknown as PartnerWindow).__statuses.length > n, before)
      expect((await statuses(page)).every((s) => s.phase === 'idle' && !s.consent)).toBe(true)
      await expect(frame.getByTestId('widget-chip')).toContainText('Not mining')
      expect(await app.evaluate((k) => localStorage.getItem(k), CONSENT_KEY)).toBeNull()

      // (3) A real click inside the iframe (trusted input) starts it, with consent remembered.
      await frame.getByLabel(/Remember my choice for 127\.0\.0\.1/).check()
      await expect(frame.locator('main')).toHaveAttribute('data-visible', 'true')
      await frame.getByRole('button', { name: 'Start mining' }).click()
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.some((s) => s.phase !== 'idle'))
      await expect(frame.getByTestId('widget-chip')).not.toContainText('Not mining')
      expect(await lastStatus(page)).toMatchObject({ consent: true })
      const stored = JSON.parse((await app.evaluate((k) => localStorage.getItem(k), CONSENT_KEY)) ?? '{}') as Record<string, unknown>
      expect(Object.keys(stored)).toEqual([partner.origin])

      // (4) After a reload consent is remembered for this host (still no start without a click) ...
      await page.reload()
      await expect(frame.getByTestId('consent-remembered')).toContainText('127.0.0.1')
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.length > 0)
      expect(await lastStatus(page)).toMatchObject({ phase: 'idle', consent: true })
      await expect(frame.getByTestId('widget-chip')).toContainText('Not mining')
      // ... and "Forget this site" revokes it.
      await frame.getByRole('button', { name: 'Forget this site' }).click()
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.at(-1)?.consent === false)
      expect(await widgetFrame(page, appOrigin).evaluate((k) => localStorage.getItem(k), CONSENT_KEY)).toBeNull()
      await page.reload()
      await expect(frame.getByTestId('consent-text')).toBeVisible()
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.length > 0)
      expect(await lastStatus(page)).toMatchObject({ phase: 'idle', consent: false })
    } finally {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
      await new Promise<void>((ok) => { partner.server.close(() => ok()); partner.server.closeAllConnections() })
    }
  })

  test('where Chromium really blocks third-party storage (the default profile here) consent lasts the visit and says so; storage access is asked only from the click; a faded (clickjacked) widget refuses clicks', async ({ page, stack }) => {
    const appOrigin = new URL(stack.url).origin
    const partner = await startPartner(appOrigin)
    await page.addInitScript(SPY_RSA)
    try {
      await page.goto(`${partner.origin}/partner.html`)
      const frame = page.locator('webtensor-miner').locator('iframe').contentFrame()
      await expect(frame.getByTestId('no-storage')).toContainText('blocks storage for embedded sites')
      const app = widgetFrame(page, appOrigin)
      // Real blocking, not a simulation: the cross-site frame's localStorage throws in this Chromium.
      expect(await app.evaluate(probeLocalStorage)).toBe('SecurityError')
      expect(await app.evaluate(() => typeof document.requestStorageAccess)).toBe('function')
      await expect(frame.getByLabel(/Remember my choice for 127\.0\.0\.1/)).toBeVisible()
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.length > 0)
      await page.evaluate(() => { (document.querySelector('webtensor-miner') as HTMLElement).click() })
      // Clickjacking: while the host fades the widget, a real click is refused (IntersectionObserver v2).
      await page.evaluate(() => { (document.querySelector('webtensor-miner') as HTMLElement).style.opacity = '0.3' })
      await expect(frame.locator('main')).toHaveAttribute('data-visible', 'false')
      await frame.getByLabel(/Remember my choice/).check()
      await frame.getByRole('button', { name: 'Start mining' }).click()
      await expect(frame.getByTestId('refused')).toContainText('covered')
      await expect(frame.getByTestId('widget-chip')).toContainText('Not mining')
      // Neither loading nor a refused click asked the browser for storage access.
      expect(await app.evaluate(() => (window as unknown as RsaWindow).__rsa)).toEqual([])
      await page.evaluate(() => { (document.querySelector('webtensor-miner') as HTMLElement).style.opacity = '' })
      await expect(frame.locator('main')).toHaveAttribute('data-visible', 'true')
      await frame.getByRole('button', { name: 'Start mining' }).click()
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.some((s) => s.phase !== 'idle'))
      // The consent click asked once, with the click's activation; Chromium refused it for real
      // (headless: the app site never had top-level interaction, so no prompt), and mining runs
      // with consent held for this visit, said plainly.
      expect(await app.evaluate(() => (window as unknown as RsaWindow).__rsa)).toEqual([{ types: { localStorage: true, indexedDB: true }, activation: true }])
      await expect(frame.getByTestId('consent-session')).toHaveText(BLOCKED)
      expect(await lastStatus(page)).toMatchObject({ consent: true })
      expect(await app.evaluate(probeLocalStorage)).toBe('SecurityError')
      // Revocation works in this mode too.
      await frame.getByRole('button', { name: 'Forget this site' }).click()
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.at(-1)?.consent === false)
      await expect(frame.getByTestId('widget-chip')).toContainText('Not mining')
      await expect(frame.getByTestId('consent-session')).toHaveCount(0)
      await expect(frame.getByTestId('no-storage')).toHaveText(BLOCKED)
      // The next visit asks again, and loading asks the browser for nothing.
      await page.reload()
      await expect(frame.getByTestId('consent-text')).toBeVisible()
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.length > 0)
      expect(await lastStatus(page)).toMatchObject({ phase: 'idle', consent: false })
      expect(await widgetFrame(page, appOrigin).evaluate(() => (window as unknown as RsaWindow).__rsa)).toEqual([])
    } finally {
      await new Promise<void>((ok) => { partner.server.close(() => ok()); partner.server.closeAllConnections() })
    }
  })

  test('with storage access already granted (a profile exception), the widget uses it at load without a click and never starts by itself', async ({ stack }) => {
    const appOrigin = new URL(stack.url).origin
    const partner = await startPartner(appOrigin)
    // Third-party storage blocked, plus a stored storage-access grant for the app inside the
    // partner's pages: what Chrome keeps after the user accepted its prompt once.
    const profile = mkdtempSync(join(tmpdir(), 'webtensor-widget-profile-'))
    mkdirSync(join(profile, 'Default'))
    writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ profile: {
      cookie_controls_mode: 1, block_third_party_cookies: true,
      content_settings: { exceptions: { storage_access: { [`${appOrigin},${partner.origin}`]: { setting: 1 } } } },
    } }))
    const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
    await context.addInitScript(SPY_RSA)
    const page = context.pages()[0] ?? await context.newPage()
    try {
      await page.goto(`${partner.origin}/partner.html`)
      const frame = page.locator('webtensor-miner').locator('iframe').contentFrame()
      await expect(frame.getByRole('button', { name: 'Start mining' })).toBeVisible()
      const app = widgetFrame(page, appOrigin)
      expect(await app.evaluate(probeLocalStorage)).toBe('SecurityError')
      expect(await app.evaluate(async () => (await navigator.permissions.query({ name: 'storage-access' as PermissionName })).state)).toBe('granted')
      // The grant lets the widget ask at load, once, with no click (no user activation).
      await app.waitForFunction(() => (window as unknown as RsaWindow).__rsa.length > 0)
      expect(await app.evaluate(() => (window as unknown as RsaWindow).__rsa)).toEqual([{ types: { localStorage: true, indexedDB: true }, activation: false }])
      // What the grant really yields here decides the widget's mode; the widget must tell the truth.
      // (Chromium 156 headless: the handle's localStorage still throws SecurityError, but its
      // IndexedDB opens, so the widget remembers consent there.)
      const handle = await app.evaluate(async () => {
        const rsa = document.requestStorageAccess as unknown as (types: object) => Promise<{ localStorage: Storage; indexedDB: IDBFactory }>
        const h = await rsa.call(document, { localStorage: true, indexedDB: true })
        let ls = false
        try { h.localStorage.getItem('probe'); ls = true } catch { /* refused */ }
        let idb = false
        try { await new Promise((ok, ko) => { const r = h.indexedDB.open('probe'); r.onsuccess = ok; r.onerror = ko }); idb = true } catch { /* refused */ }
        return { ls, idb }
      })
      const handleWorks = handle.ls || handle.idb
      test.info().annotations.push({ type: 'storage-access handle', description: `localStorage ${handle.ls ? 'usable' : 'refused'}, IndexedDB ${handle.idb ? 'usable' : 'refused'}` })
      await frame.getByLabel(/Remember my choice/).check()
      await frame.getByRole('button', { name: 'Start mining' }).click()
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.some((s) => s.phase !== 'idle' && s.consent))
      if (handleWorks) {
        await expect(frame.getByTestId('consent-session')).toHaveCount(0)
        await page.reload()
        await expect(frame.getByTestId('consent-remembered')).toContainText('127.0.0.1')
        await expect(frame.getByTestId('widget-chip')).toContainText('Not mining')
        await frame.getByRole('button', { name: 'Forget this site' }).click()
        await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.at(-1)?.consent === false)
      } else {
        await expect(frame.getByTestId('consent-session')).toHaveText(BLOCKED)
        await frame.getByRole('button', { name: 'Forget this site' }).click()
        await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.at(-1)?.consent === false)
        await page.reload()
        await expect(frame.getByTestId('consent-text')).toBeVisible()
        await expect(frame.getByTestId('widget-chip')).toContainText('Not mining')
      }
    } finally {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
      await new Promise<void>((ok) => { partner.server.close(() => ok()); partner.server.closeAllConnections() })
    }
  })

  test('an operator allowlist (frame-ancestors) lets listed partners frame the app and blocks others', async ({ page }) => {
    let appOrigin = ''
    const partner = await startPartner(() => appOrigin)
    const listed = await startStaticServer({ port: 0, frameAncestors: [partner.origin] })
    appOrigin = new URL(listed.url).origin
    try {
      const res = await page.request.get(`${appOrigin}/?mode=widget`)
      expect(res.headers()['content-security-policy']).toContain(`; frame-ancestors 'self' ${partner.origin}`)
      await page.goto(`${partner.origin}/partner.html`)
      await page.waitForFunction(() => (window as unknown as PartnerWindow).__statuses.length > 0)
      expect(page.frames().some((f) => f.url().startsWith(appOrigin))).toBe(true)
      // The same page reached as localhost:<port> is another origin, not on the list.
      const unlisted = partner.origin.replace('127.0.0.1', 'localhost')
      await page.goto(`${unlisted}/partner.html`)
      await page.waitForFunction(() => document.querySelector('webtensor-miner')?.shadowRoot?.querySelector('iframe') !== null)
      await page.waitForLoadState('load')
      const frame = page.locator('webtensor-miner').locator('iframe').contentFrame()
      await expect(frame.locator('body')).toBeAttached()
      // Chromium replaces the refused frame with its error page.
      expect(page.frames().map((f) => f.url())).toEqual([`${unlisted}/partner.html`, 'chrome-error://chromewebdata/'])
      expect(await page.evaluate(() => (window as unknown as PartnerWindow).__statuses.length)).toBe(0)
    } finally {
      await listed.stop()
      await new Promise<void>((ok) => { partner.server.close(() => ok()); partner.server.closeAllConnections() })
    }
  })

  test('shown below its minimum size (a 1x1 px frame) the widget pauses mining and resumes at full size; its consent names the configured subnet, not the host\'s', async ({ stack }) => {
    test.setTimeout(360_000)
    const appOrigin = new URL(stack.url).origin
    const partner = await startPartner(appOrigin)
    // Mining needs the frame's storage (its session hotkey): a profile that allows third-party storage, as in the first test.
    const { profile, context, page } = await thirdPartyStorageProfile()
    const el = (size: { width: string; height: string } | null) => page.evaluate((sz) => {
      const e = document.querySelector('webtensor-miner') as HTMLElement
      e.style.width = sz?.width ?? ''
      e.style.height = sz?.height ?? ''
    }, size)
    try {
      await page.goto(`${partner.origin}/partner.html?netuid=7`)
      const frame = page.locator('webtensor-miner').locator('iframe').contentFrame()
      // The app's /config.json says subnet 1; the host's attribute says 7.
      expect(stack.config.netuid).toBe(1)
      await expect(frame.getByTestId('consent-text')).toContainText('(subnet 1)')
      await expect(frame.getByTestId('consent-text')).not.toContainText('subnet 7')
      // A 1x1 px frame is not seen: a real click there is refused.
      await expect(frame.locator('main')).toHaveAttribute('data-visible', 'true')
      await el({ width: '1px', height: '1px' })
      await expect(frame.locator('main')).toHaveAttribute('data-visible', 'false')
      await el(null)
      await expect(frame.locator('main')).toHaveAttribute('data-visible', 'true')
      await frame.getByRole('button', { name: 'Start mining' }).click()
      const waitPhase = (phase: string, timeout = 30_000) => page.waitForFunction((p) => (document.querySelector('webtensor-miner') as HTMLElement & { status: Status | null }).status?.phase === p, phase, { timeout })
      await waitPhase('mining', 300_000)
      // The host shrinks the frame after the click: mining pauses, and the host is told.
      await el({ width: '1px', height: '1px' })
      await waitPhase('paused')
      await expect(frame.getByTestId('widget-chip')).toContainText('out of view')
      await el(null)
      await waitPhase('mining')
      // Just under the minimum width (200 px) or height (100 px) also pauses.
      await el({ width: '199px', height: '300px' })
      await waitPhase('paused')
      await el(null)
      await waitPhase('mining')
      await el({ width: '340px', height: '99px' })
      await waitPhase('paused')
      await el(null)
      await waitPhase('mining')
      expect((await statuses(page)).filter((s) => s.phase === 'paused').length).toBeGreaterThanOrEqual(3)
    } finally {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
      await new Promise<void>((ok) => { partner.server.close(() => ok()); partner.server.closeAllConnections() })
    }
  })

  test('widget.js stays small and is served to other origins', async ({ page, stack }) => {
    const res = await page.request.get(new URL('/widget.js', stack.url).href, { headers: { 'accept-encoding': 'identity' } })
    expect(res.ok()).toBe(true)
    expect(res.headers()['content-type']).toContain('javascript')
    expect(res.headers()['cross-origin-resource-policy']).toBe('cross-origin')
    expect((await res.body()).length).toBeLessThan(8 * 1024)
  })
})
