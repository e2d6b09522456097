/**
 * The HTTP server for the built app, used by `npm start` and by the end-to-end tests (so tests
 * exercise exactly what users run). It serves dist/ with cross-origin isolation headers (COOP/COEP,
 * so ONNX Runtime can use multithreaded WASM), a Content-Security-Policy on every response (see
 * csp.ts: only the app itself may frame the app), the runtime /config.json (built per request for
 * the address the browser reached, see reached-host.ts), gzip for text, and the SPA fallback. It
 * listens on loopback by default.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { createGzip } from 'node:zlib'
import type { AddressInfo } from 'node:net'
import { parseConfig } from '../ui/index.ts'
import { contentSecurityPolicy } from './csp.ts'
import { parseHostHeader, type ReachedHost } from './reached-host.ts'

/** Options of {@link startStaticServer}. */
export interface StaticServerInit {
  /** Folder with the built app (default `dist`). */
  root?: string
  /** Port; 0 picks a free one (default 0). */
  port?: number
  /** Interface (default 127.0.0.1). */
  host?: string
  /**
   * Returns the JSON served at /config.json, called on every request (so it can change) with the
   * address the browser reached (the validated Host header, null when absent or invalid).
   */
  config?: (reached: ReachedHost | null) => unknown
  /**
   * Origins allowed to frame the widget route (`?mode=widget`), sent as `frame-ancestors 'self'
   * <origins>`. Absent: any site may frame the widget. The full app is never framed by others.
   */
  frameAncestors?: string[]
  /** Extra routes tried before static files; return true when handled. */
  routes?: Array<(req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>>
}

/** A running static server. */
export interface StaticServer {
  url: string
  port: number
  server: Server
  stop(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
}
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt', '.map'])

/** Headers every response carries. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
}

/** Starts the server; resolves once it listens. */
export async function startStaticServer(init: StaticServerInit = {}): Promise<StaticServer> {
  const root = resolve(init.root ?? 'dist')
  if (!existsSync(join(root, 'index.html'))) throw new Error(`no built app in ${root}: run \`npm run build\` first`)
  const host = init.host ?? '127.0.0.1'
  const baseHeaders: Record<string, string> = { ...SECURITY_HEADERS }
  const frameAncestors = init.frameAncestors?.map((o) => {
    let u: URL
    try { u = new URL(o) } catch { throw new Error(`frameAncestors: ${o} is not an origin (scheme://host[:port])`) }
    if (u.origin === 'null' || u.origin !== o.replace(/\/$/, '')) throw new Error(`frameAncestors: ${o} is not an origin (scheme://host[:port])`)
    return u.origin
  })
  const configFor = (req: IncomingMessage): unknown => init.config?.(parseHostHeader(req.headers.host)) ?? {}

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`internal error: ${err instanceof Error ? err.message : String(err)}`)
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(baseHeaders)) res.setHeader(k, v)
    const widget = /[?&]mode=widget(&|$)/.test(req.url ?? '')
    res.setHeader('Content-Security-Policy', contentSecurityPolicy({ config: parseConfig(configFor(req)), widget, ...(frameAncestors === undefined ? {} : { frameAncestors }) }))
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      for (const route of init.routes ?? []) if (await route(req, res)) return
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    let pathname: string
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request path')
      return
    }
    if (pathname === '/config.json') {
      const body = JSON.stringify(configFor(req))
      res.writeHead(200, { 'content-type': TYPES['.json']!, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body)
      return
    }
    for (const route of init.routes ?? []) if (await route(req, res)) return

    let file = normalize(join(root, pathname))
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end()
      return
    }
    let stat = existsSync(file) ? statSync(file) : undefined
    if (stat?.isDirectory() === true) {
      file = join(file, 'index.html')
      stat = existsSync(file) ? statSync(file) : undefined
    }
    if (stat === undefined) {
      // SPA fallback for app routes; real missing files (with an extension) are 404s.
      if (extname(pathname) !== '') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
        return
      }
      file = join(root, 'index.html')
      stat = statSync(file)
    }
    const ext = extname(file)
    const headers: Record<string, string> = { 'content-type': TYPES[ext] ?? 'application/octet-stream' }
    // The shell and service worker must revalidate; hashed assets are immutable.
    if (file.includes(`${sep}assets${sep}`)) headers['cache-control'] = 'public, max-age=31536000, immutable'
    else headers['cache-control'] = 'no-cache'
    const gzip = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
    if (gzip) headers['content-encoding'] = 'gzip'
    else headers['content-length'] = String(stat.size)
    headers['vary'] = 'accept-encoding'
    res.writeHead(200, headers)
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    if (gzip) stream.pipe(createGzip()).pipe(res)
    else stream.pipe(res)
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(init.port ?? 0, host, () => { server.off('error', fail); ok() })
  })
  const port = (server.address() as AddressInfo).port
  const shownHost = host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host
  let stopped: Promise<void> | undefined
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    server,
    stop() {
      stopped ??= new Promise<void>((ok) => {
        server.close(() => ok())
        server.closeAllConnections()
      })
      return stopped
    },
  }
}
