/**
 * Mesh benchmark: browser-to-browser request/response round trips on loopback (real WebRTC
 * between headless Chromium contexts, relay on loopback), for a raw libp2p stream echo and for
 * the full challenge protocol (answer signed by the miner's Ed25519 peer key, verified against its
 * hotkey-signed binding; protocol 2.0.0, issue 17 item 3), small and 40 KB
 * payloads; challenges per second one browser validator sustains against 5 browser miners; and
 * the anchor, a plain HTTP request/response on loopback (what a Bittensor dendrite/axon pair
 * does), from the same browser and from Node, all measured in this run.
 */
import { createServer as createHttpServer, request, Agent } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startMeshEnv } from '../test/e2e/mesh/env.ts'

const NETUID = 1
const N = Number(process.env['MESH_BENCH_N'] ?? 1000)
/** Relayed rows are ~10x slower per request; fewer keep the whole run near 4 minutes. */
const N_RELAY = Math.max(1, Math.floor(N / 5))
const SMALL = 16
const LARGE = 40 * 1024
const METAGRAPH = [{ uri: '//Alice', permit: true }, { uri: '//Bob' }, { uri: '//Charlie' }, { uri: '//Dave' }, { uri: '//Eve' }, { uri: '//Ferdie' }]

/** The miners' per-validator rate limit (default 50/s) is lifted: the benchmark measures the transport. */
const BENCH_LIMITS = { ratePerSecond: 1e9, rateBurst: 1e9, maxConcurrentPerPeer: 64 }

interface Row { what: string; p50: number; p99: number; n: number }

async function nodeHttp(url: string, n: number, bytes: number): Promise<Row> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const payload = Buffer.alloc(bytes, 5)
  const rtts: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent }, (res) => {
        let got = 0
        res.on('data', (d: Buffer) => { got += d.byteLength })
        res.on('end', () => (got === bytes ? resolve() : reject(new Error('bad echo'))))
      })
      req.on('error', reject)
      req.end(payload)
    })
    rtts.push(performance.now() - t0)
  }
  agent.destroy()
  rtts.sort((a, b) => a - b)
  return { what: '', p50: rtts[Math.floor(n * 0.5)]!, p99: rtts[Math.min(n - 1, Math.floor(n * 0.99))]!, n }
}

const f = (x: number): string => x.toFixed(2).padStart(8)

export async function run(): Promise<void> {
  // Echo server for the HTTP anchor (CORS so the harness page may call it).
  const http = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'access-control-allow-origin': '*' })
      res.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  const echoUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/echo`
  const env = await startMeshEnv(NETUID)
  try {
    console.log(`chromium contexts: 1 validator + 5 miners; relay ${env.relay.multiaddrs[0]}; n=${N} sequential requests per row (${N_RELAY} for relayed rows); each request opens a new stream`)
    const validator = await env.peer({ netuid: NETUID, uri: '//Alice', metagraph: METAGRAPH })
    const miners = await Promise.all(['//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((uri) => env.peer({ netuid: NETUID, uri, metagraph: METAGRAPH, limits: BENCH_LIMITS })))
    for (const m of miners) await m.page.evaluate(() => window.mesh.serve())
    await Promise.all(miners.map((m) => m.page.evaluate(() => window.mesh.waitForReservation())))
    for (const m of miners) await validator.page.evaluate((p) => window.mesh.connect(p, 'direct'), m.peerId)
    const target = miners[0]!.peerId
    const rows: Row[] = []
    const push = (what: string, r: { p50: number; p99: number; n: number }): void => { rows.push({ what, ...r }); console.log(`${what.padEnd(54)} p50 ${f(r.p50)} ms   p99 ${f(r.p99)} ms   n=${r.n}`) }

    // Anchors first (warm-up excluded: 50 requests).
    await validator.page.evaluate(([u]) => window.mesh.benchFetch(u, 50, 16), [echoUrl] as const)
    const httpSmall = await validator.page.evaluate(([u, n, b]) => window.mesh.benchFetch(u, n, b), [echoUrl, N, SMALL] as const)
    push('anchor: HTTP POST browser->Node loopback, 16 B', httpSmall)
    const httpLarge = await validator.page.evaluate(([u, n, b]) => window.mesh.benchFetch(u, n, b), [echoUrl, N, LARGE] as const)
    push('anchor: HTTP POST browser->Node loopback, 40 KB', httpLarge)
    await nodeHttp(echoUrl, 50, SMALL)
    push('anchor: HTTP POST Node->Node loopback, 16 B', await nodeHttp(echoUrl, N, SMALL))
    push('anchor: HTTP POST Node->Node loopback, 40 KB', await nodeHttp(echoUrl, N, LARGE))

    for (const [transport, label, count] of [['direct', 'WebRTC direct', N], ['relay', 'via relay', N_RELAY]] as const) {
      await validator.page.evaluate(([p, t]) => window.mesh.benchEcho(p, 50, 16, t), [target, transport] as const)
      const es = await validator.page.evaluate(([p, n, b, t]) => window.mesh.benchEcho(p, n, b, t), [target, count, SMALL, transport] as const)
      push(`browser<->browser raw stream echo, ${label}, 16 B`, es)
      const el = await validator.page.evaluate(([p, n, b, t]) => window.mesh.benchEcho(p, n, b, t), [target, count, LARGE, transport] as const)
      push(`browser<->browser raw stream echo, ${label}, 40 KB`, el)
      if (transport === 'direct') {
        push(`browser<->browser raw echo on one open stream, ${label}, 16 B`, await validator.page.evaluate(([p, n, b, t]) => window.mesh.benchEchoOneStream(p, n, b, t), [target, count, SMALL, transport] as const))
      }
      const cs = await validator.page.evaluate(([p, n, b, t]) => window.mesh.benchChallenges(p, n, b, t), [target, count, SMALL, transport] as const)
      push(`browser<->browser signed challenge, ${label}, 16 B`, cs)
      const cl = await validator.page.evaluate(([p, n, b, t]) => window.mesh.benchChallenges(p, n, b, t), [target, count, LARGE, transport] as const)
      push(`browser<->browser signed challenge, ${label}, 40 KB`, cl)
    }

    const sig = await validator.page.evaluate(() => window.mesh.benchSignatures('//Alice', 200))
    console.log(`per-answer signature, sign + verify in the browser (n=200): v1 hotkey sr25519 ${sig.v1Ms.toFixed(3)} ms, v2 peer key Ed25519 ${sig.v2Ms.toFixed(3)} ms (${(sig.v1Ms / sig.v2Ms).toFixed(1)}x cheaper)`)

    const peers = miners.map((m) => m.peerId)
    const tp = await validator.page.evaluate(([p]) => window.mesh.throughput(p, 10, 16, 16), [peers] as const)
    console.log(`throughput: one browser validator vs 5 browser miners (WebRTC, 16 in flight, 16 B, 10 s): ${tp.perSecond.toFixed(1)} challenges/s (${tp.done} answered, ${tp.failed} failed)`)
    const tpl = await validator.page.evaluate(([p]) => window.mesh.throughput(p, 10, 16, 40 * 1024), [peers] as const)
    console.log(`throughput: same with 40 KB challenges: ${tpl.perSecond.toFixed(1)} challenges/s (${tpl.done} answered, ${tpl.failed} failed)`)

    const ratio = (a: Row | undefined, b: Row | undefined): string => (a && b ? `p50 ${(a.p50 / b.p50).toFixed(2)}x, p99 ${(a.p99 / b.p99).toFixed(2)}x` : 'n/a')
    const byName = (s: string): Row | undefined => rows.find((r) => r.what.startsWith(s))
    const anchor = (r: { p50: number; p99: number; n: number }): Row => ({ ...r, what: '' })
    console.log('\nratios against the browser HTTP anchor (same payload; goal for the signed challenge: p50 within 1.5x, p99 within 2x):')
    for (const size of ['16 B', '40 KB'] as const) {
      const a = anchor(size === '16 B' ? httpSmall : httpLarge)
      console.log(`  raw echo WebRTC ${size}: ${ratio(byName(`browser<->browser raw stream echo, WebRTC direct, ${size}`), a)}`)
      if (size === '16 B') console.log(`  raw echo on one open stream WebRTC ${size} (no stream per request): ${ratio(byName(`browser<->browser raw echo on one open stream, WebRTC direct, ${size}`), a)}`)
      console.log(`  signed challenge WebRTC ${size}: ${ratio(byName(`browser<->browser signed challenge, WebRTC direct, ${size}`), a)}`)
    }
    console.log('ratios of the signed challenge against the raw stream echo (the protocol\'s own cost: bindings, signing, verifying, codecs):')
    for (const size of ['16 B', '40 KB'] as const) console.log(`  WebRTC ${size}: ${ratio(byName(`browser<->browser signed challenge, WebRTC direct, ${size}`), byName(`browser<->browser raw stream echo, WebRTC direct, ${size}`))}`)
  } finally {
    await env.stop()
    await new Promise<void>((r) => http.close(() => r()))
  }
}
