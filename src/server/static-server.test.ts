/**
 * The app server's headers and /config.json against a real listening server: the CSP on every
 * response (only the app frames the app; the widget route keeps its allowlist; connect-src names
 * the configured chain and relay), and the addresses advertised to a browser that reached the
 * server at another address (`--host 0.0.0.0`), with the Host header validated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startStaticServer, type StaticServer } from './static-server.ts'
import { startStack, type Stack } from './stack.ts'
import { advertiseFor, parseHostHeader } from './reached-host.ts'
import { multiaddrSource } from './csp.ts'

const root = mkdtempSync(join(tmpdir(), 'webtensor-static-'))
writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>')
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** GET with an explicit Host header (what a remote browser sends), to the server's loopback port. */
function get(port: number, path: string, host?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: host === undefined ? {} : { host } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', fail)
    req.end()
  })
}

function directives(csp: string): Map<string, string> {
  return new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => { const [k, ...v] = d.split(/\s+/); return [k!, v.join(' ')] }))
}

describe('Content-Security-Policy', () => {
  let server: StaticServer
  beforeAll(async () => {
    server = await startStaticServer({ root, config: () => ({ chain: 'ws://127.0.0.1:9944', relay: ['/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWabc', '/dns4/relay.example/tcp/443/wss/p2p/12D3KooWabc'], netuid: 1 }) })
  })
  afterAll(() => server.stop())

  it('the app may be framed only by itself, on every response', async () => {
    for (const path of ['/', '/index.html', '/some/app/route', '/config.json', '/missing.js']) {
      const res = await get(server.port, path)
      const csp = directives(String(res.headers['content-security-policy']))
      expect(csp.get('frame-ancestors'), path).toBe("'self'")
    }
  })

  it('scripts, workers and WASM from the app only; connections to the app, the chain and the relays', async () => {
    const csp = directives(String((await get(server.port, '/')).headers['content-security-policy']))
    expect(csp.get('script-src')).toBe("'self' 'wasm-unsafe-eval'")
    expect(csp.get('worker-src')).toBe("'self'")
    expect(csp.get('object-src')).toBe("'none'")
    expect(csp.get('default-src')).toBe("'self'")
    expect(csp.get('connect-src')!.split(' ').sort()).toEqual(["'self'", 'ws://127.0.0.1:*', 'http://127.0.0.1:*', 'wss://relay.example:*'].sort())
  })

  it('the widget route may be framed by any site when no allowlist is set, by the allowlist when it is', async () => {
    expect(directives(String((await get(server.port, '/?mode=widget&nonce=abcdefgh')).headers['content-security-policy'])).get('frame-ancestors')).toBe('*')
    // A look-alike parameter is not the widget route.
    expect(directives(String((await get(server.port, '/?xmode=widget')).headers['content-security-policy'])).get('frame-ancestors')).toBe("'self'")
    const listed = await startStaticServer({ root, frameAncestors: ['https://partner.example'] })
    try {
      expect(directives(String((await get(listed.port, '/?mode=widget')).headers['content-security-policy'])).get('frame-ancestors')).toBe("'self' https://partner.example")
      expect(directives(String((await get(listed.port, '/')).headers['content-security-policy'])).get('frame-ancestors')).toBe("'self'")
    } finally { await listed.stop() }
  })

  it('relay multiaddrs map to WebSocket sources; others to none', () => {
    expect(multiaddrSource('/ip4/10.0.0.2/tcp/9090/ws/p2p/x')).toBe('ws://10.0.0.2:*')
    expect(multiaddrSource('/dns4/r.example/tcp/443/tls/ws/p2p/x')).toBe('wss://r.example:*')
    expect(multiaddrSource('/ip6/::1/tcp/1/ws')).toBe('ws://[::1]:*')
    expect(multiaddrSource('/ip4/10.0.0.2/tcp/9090/p2p/x')).toBeNull()
    expect(multiaddrSource('/ip4/a;b/tcp/1/ws')).toBeNull()
  })
})

describe('advertised addresses (--host 0.0.0.0)', () => {
  it('validates the Host header', () => {
    expect(parseHostHeader('192.168.1.5:5173')).toEqual({ host: '192.168.1.5', kind: 'ip4' })
    expect(parseHostHeader('Box.Local:80')).toEqual({ host: 'box.local', kind: 'dns' })
    expect(parseHostHeader('[fd00::5]:5173')).toEqual({ host: 'fd00::5', kind: 'ip6' })
    for (const bad of [undefined, '', 'a b', 'evil.example/x', 'u@h', '999.1.1.1', 'h:0', 'h:99999', '[::1', '[zz]', '-a.example', 'a'.repeat(64) + '.x']) expect(parseHostHeader(bad), String(bad)).toBeNull()
  })

  it('rewrites loopback chain and relay addresses to the reached host, only when listening beyond loopback', () => {
    const cfg = { chain: 'ws://127.0.0.1:9944', relay: ['/ip4/127.0.0.1/tcp/9090/ws/p2p/P', '/ip4/10.1.2.3/tcp/9090/ws/p2p/P'], netuid: 1 }
    expect(advertiseFor(cfg, { host: '10.1.2.3', kind: 'ip4' }, '0.0.0.0')).toEqual({ chain: 'ws://10.1.2.3:9944', relay: ['/ip4/10.1.2.3/tcp/9090/ws/p2p/P'], netuid: 1 })
    expect(advertiseFor(cfg, { host: 'box.lan', kind: 'dns' }, '0.0.0.0')).toEqual({ chain: 'ws://box.lan:9944', relay: ['/dns/box.lan/tcp/9090/ws/p2p/P', '/ip4/10.1.2.3/tcp/9090/ws/p2p/P'], netuid: 1 })
    expect(advertiseFor(cfg, { host: 'fd00::5', kind: 'ip6' }, '::').chain).toBe('ws://[fd00::5]:9944')
    expect(advertiseFor(cfg, { host: 'localhost', kind: 'dns' }, '0.0.0.0')).toBe(cfg)
    expect(advertiseFor(cfg, null, '0.0.0.0')).toBe(cfg)
    expect(advertiseFor(cfg, { host: '10.1.2.3', kind: 'ip4' }, '127.0.0.1')).toBe(cfg)
    expect(advertiseFor({ chain: 'finney' }, { host: '10.1.2.3', kind: 'ip4' }, '0.0.0.0')).toEqual({ chain: 'finney' })
  })

  describe('the stack on 0.0.0.0', () => {
    let stack: Stack
    beforeAll(async () => { stack = await startStack({ root, host: '0.0.0.0', port: 0, services: { validator: false }, devnet: { blockTimeMs: 0 } }) })
    afterAll(() => stack.stop())

    it('gives a remote browser the address it reached, not 127.0.0.1; loopback clients keep loopback', async () => {
      const devPort = new URL(stack.devnet!.url).port
      const remote = JSON.parse((await get(stack.app.port, '/config.json', `192.0.2.7:${stack.app.port}`)).body) as { chain: string; relay: string[] }
      expect(remote.chain).toBe(`ws://192.0.2.7:${devPort}`)
      expect(remote.relay.length).toBeGreaterThan(0)
      expect(remote.relay.some((a) => a.startsWith('/ip4/192.0.2.7/tcp/'))).toBe(true)
      expect(remote.relay.some((a) => a.includes('/127.0.0.1/'))).toBe(false)
      // The CSP of that response allows exactly those addresses.
      const res = await get(stack.app.port, '/', `192.0.2.7:${stack.app.port}`)
      expect(directives(String(res.headers['content-security-policy'])).get('connect-src')).toContain('ws://192.0.2.7:*')
      const local = JSON.parse((await get(stack.app.port, '/config.json', `localhost:${stack.app.port}`)).body) as { chain: string }
      expect(local.chain).toBe(stack.devnet!.url)
      // A forged or malformed Host header is not echoed: the configured addresses are served.
      const forged = JSON.parse((await get(stack.app.port, '/config.json', 'evil.example/x')).body) as { chain: string }
      expect(forged.chain).toBe(stack.devnet!.url)
    })

    it('a page loaded from this machine\'s LAN address may use the devnet faucet; another origin may not', async () => {
      const lan = Object.values(networkInterfaces()).flat().find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
      expect(lan, 'this test needs a non-loopback IPv4 interface').toBeDefined()
      const faucet = async (origin: string) => {
        const res = await fetch(stack.devnet!.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'devnet_faucet', params: ['5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty'] }) })
        return await res.json() as { result?: unknown; error?: { message: string } }
      }
      expect((await faucet(`http://${lan!.address}:${stack.app.port}`)).error).toBeUndefined()
      expect((await faucet('http://evil.example')).error).toBeDefined()
      expect((await faucet(`http://${lan!.address}:${stack.app.port + 1}`)).error).toBeDefined()
    })
  })
})
