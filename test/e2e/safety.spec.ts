/**
 * Clickjacking, end to end in real Chromium: a page on another origin cannot frame the full app
 * (the server's CSP `frame-ancestors 'self'` makes Chromium refuse the frame), and where a
 * deployment sends no such header the app itself refuses to run inside another site's frame.
 * The app still works top-level under the CSP (no violations reported while it loads).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, expect } from './fixtures.ts'

async function startAttacker(appUrl: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url !== '/frame.html') { res.writeHead(404).end(); return }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>attacker</title>
<p>Win a prize! Click the button below.</p>
<iframe id="victim" src="${appUrl()}" width="900" height="700"></iframe>`)
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

test.describe('clickjacking', () => {
  test('the app under its CSP loads without violations, and a page on another origin cannot frame it', async ({ page, stack }) => {
    const appOrigin = new URL(stack.url).origin
    const attacker = await startAttacker(() => stack.url)
    try {
      // Top-level: the app mounts and nothing it loads breaks the policy.
      await page.addInitScript(() => {
        const w = window as unknown as { __violations: string[] }
        w.__violations = []
        document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`))
      })
      const res = await page.goto(stack.url)
      expect(res!.headers()['content-security-policy']).toContain("frame-ancestors 'self'")
      await expect(page.getByRole('button', { name: 'Start mining' })).toBeVisible()
      await expect(page.getByTestId('network')).toContainText(stack.devnet!.url)
      expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([])

      // Framed by another origin: Chromium refuses the frame (its error page replaces it).
      expect(attacker.origin).not.toBe(appOrigin)
      const blocked = page.waitForEvent('console', { predicate: (m) => m.text().includes('frame-ancestors'), timeout: 30_000 })
      await page.goto(`${attacker.origin}/frame.html`)
      await blocked
      await page.waitForLoadState('load')
      expect(page.frames().map((f) => f.url())).toEqual([`${attacker.origin}/frame.html`, 'chrome-error://chromewebdata/'])
      await expect(page.frameLocator('#victim').getByRole('button', { name: 'Start mining' })).toHaveCount(0)
    } finally {
      await new Promise<void>((ok) => { attacker.server.close(() => ok()); attacker.server.closeAllConnections() })
    }
  })

  test('where no frame-ancestors header arrives (another deployment), the app refuses to run in a foreign frame', async ({ page, stack }) => {
    const appOrigin = new URL(stack.url).origin
    const attacker = await startAttacker(() => stack.url)
    // A deployment whose server sends no CSP: strip the header on the way (the bytes are the real build).
    await page.route(`${appOrigin}/**`, async (route) => {
      const res = await route.fetch()
      const headers = { ...res.headers() }
      delete headers['content-security-policy']
      await route.fulfill({ response: res, headers })
    })
    try {
      await page.goto(`${attacker.origin}/frame.html`)
      const frame = page.frameLocator('#victim')
      await expect(frame.getByTestId('framed-refused')).toContainText('will not run here')
      await expect(frame.getByRole('button', { name: 'Start mining' })).toHaveCount(0)
      await expect(frame.getByRole('link', { name: 'Open webtensor in its own tab' })).toHaveAttribute('href', `${appOrigin}/`)
    } finally {
      await new Promise<void>((ok) => { attacker.server.close(() => ok()); attacker.server.closeAllConnections() })
    }
  })
})
