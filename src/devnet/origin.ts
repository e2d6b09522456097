/**
 * Who may call the devnet's admin methods (`devnet_faucet`, `devnet_setHyperparams`,
 * `devnet_produceBlock`). A web page on any site can send requests to a port on the user's machine,
 * so a browser request is admitted only from an origin the stack itself serves; non-browser
 * clients (no `Origin` header: Node, the CLI, scripts) and holders of the admin token printed at
 * start are admitted too. The public Substrate JSON-RPC stays open to every origin.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'

/** Methods that change the chain outside its rules (absent on real nodes). */
export const ADMIN_METHODS: ReadonlySet<string> = new Set(['devnet_faucet', 'devnet_setHyperparams', 'devnet_produceBlock'])

/** The header (HTTP) and query parameter (HTTP and WebSocket URLs) that carry the admin token. */
export const TOKEN_HEADER = 'x-devnet-token'
export const TOKEN_PARAM = 'token'

/** A fresh admin token (128 bits, hex). */
export function newAdminToken(): string {
  return randomBytes(16).toString('hex')
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'))
}

function hostOf(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined) return undefined
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  } catch {
    return undefined
  }
}

/** What a request carries that decides admin access. */
export interface RequestAuth {
  /** The `Origin` header; undefined for non-browser clients. */
  origin: string | undefined
  /** The `Host` header the request was addressed to. */
  host: string | undefined
  /** A token from the header or the URL, if any. */
  token: string | undefined
}

/**
 * The admin gate. Allowed browser origins: those registered with {@link AdminGate.allowOrigin}
 * (the app the stack serves), and, for a browser on another machine reaching a wildcard-bound
 * stack, the same app port on the very address the request was sent to — only for IP literals and
 * loopback names, so a DNS-rebound name cannot pass.
 */
export class AdminGate {
  readonly token: string
  readonly #origins = new Set<string>()
  readonly #ports = new Set<string>()

  constructor(token: string = newAdminToken()) {
    this.token = token
  }

  /** Admits browser requests from `origin` (e.g. `http://127.0.0.1:5173`, the app's). */
  allowOrigin(origin: string): void {
    const u = new URL(origin)
    this.#origins.add(u.origin)
    this.#ports.add(u.port === '' ? (u.protocol === 'https:' ? '443' : '80') : u.port)
  }

  /** Whether a request may call an admin method. */
  admits(req: RequestAuth): boolean {
    if (req.token !== undefined && this.#tokenMatches(req.token)) return true
    if (req.origin === undefined) return true
    let u: URL
    try {
      u = new URL(req.origin)
    } catch {
      return false // includes the opaque origin "null" (sandboxed frames, file: pages)
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false
    if (this.#origins.has(u.origin)) return true
    const port = u.port === '' ? (u.protocol === 'https:' ? '443' : '80') : u.port
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase()
    const reached = hostOf(req.host)
    const literal = isIP(host) !== 0 || isLoopback(host)
    return this.#ports.has(port) && literal && (isLoopback(host) || host === reached)
  }

  #tokenMatches(t: string): boolean {
    const a = Buffer.from(t)
    const b = Buffer.from(this.token)
    return a.length === b.length && timingSafeEqual(a, b)
  }
}
