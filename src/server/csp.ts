/**
 * The Content-Security-Policy the app server sends on every response. The app may be framed only
 * by itself (`frame-ancestors 'self'`: no clickjacking of Start mining or Register); the widget
 * route (`?mode=widget`) by the operator's partner allowlist (any site when none is set: the
 * widget asks for consent inside its own frame). Scripts, workers and WASM come from the app's own
 * origin only (`'wasm-unsafe-eval'` lets ONNX Runtime compile its WASM; no `eval`, no inline
 * scripts); network connections go to the app's origin and the configured chain and relays.
 */
import { resolveEndpoint } from '../wallet/index.ts'
import type { AppConfig } from '../ui/index.ts'

/** Options of {@link contentSecurityPolicy}. */
export interface CspInit {
  /** The page's config (chain and relays decide `connect-src`). */
  config: AppConfig
  /** The request is for the widget route (`?mode=widget`). */
  widget: boolean
  /** Origins allowed to frame the widget; undefined = any site. */
  frameAncestors?: string[]
}

/** Builds the header value. */
export function contentSecurityPolicy(init: CspInit): string {
  const frameAncestors = !init.widget ? "'self'" : init.frameAncestors === undefined ? '*' : ["'self'", ...init.frameAncestors].join(' ')
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    // Svelte and uPlot set style attributes; no script runs from a style.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connectSources(init.config)].join(' ')}`,
    "manifest-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ')
}

/**
 * The chain endpoint (WebSocket and HTTP) and the relays' WebSocket addresses as CSP sources: scheme and host exact,
 * any port. The port is left open because the service worker serves its cached shell with the
 * headers it was cached with, while the local stack's devnet and relay pick new ports at each start.
 */
export function connectSources(config: AppConfig): string[] {
  const out = new Set<string>()
  if (config.chain !== undefined) {
    try {
      const u = new URL(resolveEndpoint(config.chain))
      const host = u.hostname // IPv6 keeps its brackets
      out.add(`${u.protocol}//${host}:*`)
      // The same node over HTTP (the devnet's faucet and admin calls are JSON-RPC over HTTP).
      out.add(`${u.protocol === 'wss:' ? 'https' : 'http'}://${host}:*`)
    } catch { /* an invalid endpoint connects nowhere */ }
  }
  for (const addr of config.relay ?? []) {
    const src = multiaddrSource(addr)
    if (src !== null) out.add(src)
  }
  return [...out]
}

/** `/ip4/1.2.3.4/tcp/9090/ws/...` -> `ws://1.2.3.4:*`; `/dns4/x/tcp/443/wss` or `/tls/ws` -> `wss://x:*`; null when not a WebSocket address. */
export function multiaddrSource(addr: string): string | null {
  const parts = addr.split('/')
  const proto = parts[1]
  const host = parts[2]
  if (host === undefined || !/^(ip4|ip6|dns|dns4|dns6)$/.test(proto ?? '') || !/^[A-Za-z0-9.:-]+$/.test(host)) return null
  const rest = parts.slice(3)
  const secure = rest.includes('wss') || (rest.includes('tls') && rest.includes('ws'))
  if (!secure && !rest.includes('ws')) return null
  return `${secure ? 'wss' : 'ws'}://${proto === 'ip6' ? `[${host}]` : host}:*`
}
