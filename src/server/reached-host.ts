/**
 * The address a browser reached the app server at (its `Host` header, validated), and the
 * rewrite of loopback chain/relay addresses to it: with `--host 0.0.0.0` a browser on another
 * machine must be told the server's address it used, not 127.0.0.1 (which is its own machine).
 */
import { networkInterfaces } from 'node:os'
import type { AppConfig } from '../ui/index.ts'

/** A validated Host header: the name or IP literal (IPv6 without brackets) and its kind. */
export interface ReachedHost {
  host: string
  kind: 'ip4' | 'ip6' | 'dns'
}

const IP4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
const IP6 = /^[0-9a-f:.]{2,45}$/

/**
 * Parses a Host header (`name[:port]`, `1.2.3.4[:port]`, `[v6][:port]`). Anything else (empty,
 * spaces, paths, user info, over-long names, bad ports) is null: the server then advertises its
 * configured addresses unchanged.
 */
export function parseHostHeader(raw: string | undefined): ReachedHost | null {
  if (raw === undefined || raw.length === 0 || raw.length > 260) return null
  const v = raw.toLowerCase()
  let host: string
  let port: string | undefined
  if (v.startsWith('[')) {
    const end = v.indexOf(']')
    if (end < 0) return null
    host = v.slice(1, end)
    const rest = v.slice(end + 1)
    if (rest !== '' && !rest.startsWith(':')) return null
    port = rest === '' ? undefined : rest.slice(1)
    if (!IP6.test(host) || !host.includes(':')) return null
    try { new URL(`http://[${host}]/`) } catch { return null }
    if (port !== undefined && !validPort(port)) return null
    return { host, kind: 'ip6' }
  }
  const colon = v.lastIndexOf(':')
  if (colon >= 0) {
    port = v.slice(colon + 1)
    host = v.slice(0, colon)
    if (!validPort(port)) return null
  } else {
    host = v
  }
  if (host.endsWith('.')) host = host.slice(0, -1)
  if (IP4.test(host)) return { host, kind: 'ip4' }
  if (/^[\d.]+$/.test(host)) return null // digits and dots that are not a dotted quad
  if (host.length > 253) return null
  const labels = host.split('.')
  if (labels.length === 0 || !labels.every((l) => DNS_LABEL.test(l))) return null
  return { host, kind: 'dns' }
}

function validPort(p: string): boolean {
  return /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535
}

/** True for 127.0.0.0/8, ::1 and localhost: addresses that mean "this machine" to whoever reads them. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h)
}

/**
 * The config a browser that reached the server at `reached` should get: loopback chain and relay
 * addresses become `reached` (same ports). Unchanged when the client itself is on loopback, when
 * the Host header was invalid, or when the server listens on loopback only (`listenHost`).
 */
export function advertiseFor(config: AppConfig, reached: ReachedHost | null, listenHost: string): AppConfig {
  if (reached === null || isLoopback(reached.host) || isLoopback(listenHost)) return config
  const out: AppConfig = { ...config }
  if (config.chain !== undefined) {
    try {
      const u = new URL(config.chain)
      if ((u.protocol === 'ws:' || u.protocol === 'wss:') && isLoopback(u.hostname)) {
        u.hostname = reached.kind === 'ip6' ? `[${reached.host}]` : reached.host
        out.chain = u.toString().replace(/\/$/, '')
      }
    } catch { /* a named endpoint (finney, test) is left as is */ }
  }
  if (config.relay !== undefined) {
    const proto = reached.kind === 'ip4' ? 'ip4' : reached.kind === 'ip6' ? 'ip6' : 'dns'
    const seen = new Set<string>()
    out.relay = []
    for (const addr of config.relay) {
      const m = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)(\/.*)$/.exec(addr)
      const next = m !== null && isLoopback(m[2]!) ? `/${proto}/${reached.host}${m[3]!}` : addr
      if (!seen.has(next)) { seen.add(next); out.relay.push(next) }
    }
  }
  return out
}

/**
 * The origins a browser can load the app from when the server listens on `listenHost:port`:
 * `localhost` and the address itself, or, on a wildcard (`0.0.0.0`, `::`), every address of this
 * machine's interfaces. Only this machine's own addresses: never what a Host header claims.
 */
export function servedOrigins(listenHost: string, port: number): string[] {
  const hosts = new Set<string>(['localhost', '127.0.0.1'])
  if (listenHost === '0.0.0.0' || listenHost === '::') {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) if (listenHost === '::' || a.family === 'IPv4') hosts.add(a.address.split('%')[0]!)
    }
  } else {
    hosts.add(listenHost)
  }
  return [...hosts].map((h) => `http://${h.includes(':') ? `[${h}]` : h}:${port}`)
}
