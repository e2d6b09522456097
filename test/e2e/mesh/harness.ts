/**
 * Browser side of the mesh end-to-end tests and benchmark: one mesh node per page, driven by
 * Playwright through `window.mesh`. Uses only the public door of src/p2p.
 */
import { answerMessage, createMeshNode, newChallengeId, sendChallenge, serveChallenges, verifyPeerSignature, verifySignature, type ChallengeServer, type MeshNode, type TransportPreference } from '../../../src/p2p/index.ts'
import { devHotkey, dialWebRTCOnce, StaticMetagraph } from '../../../src/p2p/test-fixtures.ts'

/** Init of a harness node. */
export interface HarnessInit {
  relays: string[]
  netuid: number
  /** Dev URI of this page's hotkey, e.g. '//Bob'. */
  uri: string
  /** The metagraph: dev URIs registered on the subnet, with or without a validator permit. */
  metagraph: Array<{ uri: string; permit?: boolean }>
  limits?: Record<string, number>
}

/** What `challenge` returns: plain data, so it crosses into Playwright. */
export interface HarnessResult {
  ok: boolean
  code?: string
  name?: string
  message?: string
  direct?: boolean
  rttMs?: number
  attempts?: number
  answer?: string
  hotkey?: string
}

const ECHO = '/webtensor/bench-echo/1.0.0'
const enc = new TextEncoder()
const dec = new TextDecoder()
let node: MeshNode | undefined
let relays: string[] = []
let server: ChallengeServer | undefined
let delayMs = 0

function need(): MeshNode {
  if (node === undefined) throw new Error('call mesh.init first')
  return node
}

/** This page's node, connected to `peer` over `transport`, and that connection. */
async function connected(peer: string, transport: TransportPreference): Promise<{ m: MeshNode; conn: NonNullable<ReturnType<MeshNode['connectionTo']>> }> {
  const m = need()
  await m.connect(peer, { transport })
  const conn = m.connectionTo(peer, transport)
  if (conn === undefined) throw new Error('no connection')
  return { m, conn }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

const mesh = {
  async init(init: HarnessInit): Promise<{ peerId: string; hotkey: string }> {
    const chain = new StaticMetagraph(init.netuid)
    for (const m of init.metagraph) chain.add(devHotkey(m.uri).address, m.permit === true)
    relays = init.relays
    node = await createMeshNode({ signer: devHotkey(init.uri), netuid: init.netuid, chain, relays: init.relays, ...(init.limits !== undefined ? { limits: init.limits } : {}) })
    // Raw echo protocol for the benchmark: libp2p transport cost without the challenge crypto.
    await node.libp2p.handle(ECHO, (stream) => {
      stream.addEventListener('message', (e) => { stream.send(e.data) })
      stream.addEventListener('remoteCloseWrite', () => { void stream.close() })
    }, { runOnLimitedConnection: true })
    return { peerId: node.peerId, hotkey: node.hotkey }
  },
  async waitForReservation(): Promise<string[]> {
    return await need().waitForReservation({ signal: AbortSignal.timeout(60_000) })
  },
  multiaddrs(): string[] {
    return need().multiaddrs()
  },
  async serve(opts: { delayMs?: number } = {}): Promise<void> {
    delayMs = opts.delayMs ?? 0
    server = await serveChallenges(need(), async (c) => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs))
      return enc.encode(JSON.stringify({ task: c.task, bytes: c.payload.byteLength, from: c.validator.hotkey }))
    })
  },
  setDelay(ms: number): void {
    delayMs = ms
  },
  handled(): number {
    return server?.handled ?? 0
  },
  async connect(peer: string, transport: TransportPreference): Promise<{ direct: boolean; relayed: boolean }> {
    const info = await need().connect(peer, { transport, signal: AbortSignal.timeout(30_000) })
    return { direct: info.direct, relayed: info.relayed }
  },
  /** One WebRTC dial to `peer` through the first relay, without retries, hung up once made. */
  async dialWebRTCOnce(peer: string, timeoutMs: number): Promise<{ ok: boolean; steps: string[]; message?: string }> {
    return await dialWebRTCOnce(need(), relays[0] ?? '', peer, timeoutMs)
  },
  async challenge(peer: string, opts: { bytes?: number; transport?: TransportPreference; deadlineMs?: number } = {}): Promise<HarnessResult> {
    try {
      const r = await sendChallenge(need(), peer, { id: newChallengeId(), task: 'echo', payload: new Uint8Array(opts.bytes ?? 16).fill(7), deadline: Date.now() + (opts.deadlineMs ?? 20_000) }, { transport: opts.transport ?? 'auto' })
      return { ok: true, direct: r.direct, rttMs: r.rttMs, attempts: r.attempts, answer: dec.decode(r.answer), hotkey: r.hotkey }
    } catch (err) {
      const e = err as { name?: string; code?: string; message?: string }
      return { ok: false, ...(e.code !== undefined ? { code: e.code } : {}), ...(e.name !== undefined ? { name: e.name } : {}), message: String(e.message) }
    }
  },
  /** Sequential challenges; returns p50/p99 of the round trip, ms. */
  async benchChallenges(peer: string, n: number, bytes: number, transport: TransportPreference): Promise<{ p50: number; p99: number; n: number; direct: boolean }> {
    const rtts: number[] = []
    let direct = false
    const payload = new Uint8Array(bytes).fill(7)
    for (let i = 0; i < n; i++) {
      const r = await sendChallenge(need(), peer, { id: newChallengeId(), task: 'echo', payload, deadline: Date.now() + 20_000 }, { transport })
      rtts.push(r.rttMs)
      direct = r.direct
    }
    rtts.sort((a, b) => a - b)
    return { p50: percentile(rtts, 50), p99: percentile(rtts, 99), n, direct }
  },
  /** Sequential raw echo round trips on one libp2p stream each (no challenge crypto). */
  async benchEcho(peer: string, n: number, bytes: number, transport: TransportPreference): Promise<{ p50: number; p99: number; n: number; direct: boolean }> {
    const { m, conn } = await connected(peer, transport)
    const payload = new Uint8Array(bytes).fill(9)
    const rtts: number[] = []
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      const stream = await conn.newStream(ECHO, { runOnLimitedConnection: true })
      await new Promise<void>((resolve, reject) => {
        let got = 0
        stream.addEventListener('message', (e) => { got += e.data.byteLength; if (got >= bytes) resolve() })
        stream.addEventListener('close', () => { if (got < bytes) reject(new Error('echo stream closed early')) })
        stream.send(payload)
      })
      rtts.push(performance.now() - t0)
      await stream.close()
    }
    rtts.sort((a, b) => a - b)
    return { p50: percentile(rtts, 50), p99: percentile(rtts, 99), n, direct: m.connectionTo(peer, 'direct') === conn }
  },
  /** Sequential raw echo round trips on ONE libp2p stream opened beforehand: the transport's floor without a stream per request. */
  async benchEchoOneStream(peer: string, n: number, bytes: number, transport: TransportPreference): Promise<{ p50: number; p99: number; n: number; direct: boolean }> {
    const { m, conn } = await connected(peer, transport)
    const payload = new Uint8Array(bytes).fill(9)
    const stream = await conn.newStream(ECHO, { runOnLimitedConnection: true })
    let got = 0
    let want = 0
    let wake: (() => void) | null = null
    stream.addEventListener('message', (e) => { got += e.data.byteLength; if (got >= want) wake?.() })
    const rtts: number[] = []
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      want += bytes
      await new Promise<void>((resolve) => { wake = resolve; stream.send(payload) })
      rtts.push(performance.now() - t0)
    }
    await stream.close()
    rtts.sort((a, b) => a - b)
    return { p50: percentile(rtts, 50), p99: percentile(rtts, 99), n, direct: m.connectionTo(peer, 'direct') === conn }
  },
  /** Challenges/s with `concurrency` in flight spread over `peers`, for `seconds`. */
  async throughput(peers: string[], seconds: number, concurrency: number, bytes: number): Promise<{ perSecond: number; done: number; failed: number }> {
    const m = need()
    const payload = new Uint8Array(bytes).fill(7)
    const end = performance.now() + seconds * 1000
    let done = 0
    let failed = 0
    let k = 0
    const worker = async (): Promise<void> => {
      while (performance.now() < end) {
        const peer = peers[k++ % peers.length] as string
        try {
          await sendChallenge(m, peer, { id: newChallengeId(), task: 'echo', payload, deadline: Date.now() + 20_000 })
          done++
        } catch { failed++ }
      }
    }
    const t0 = performance.now()
    await Promise.all(Array.from({ length: concurrency }, worker))
    return { perSecond: done / ((performance.now() - t0) / 1000), done, failed }
  },
  /** Sequential HTTP POST round trips to an echo server (the anchor: what a dendrite/axon pair does). */
  async benchFetch(url: string, n: number, bytes: number): Promise<{ p50: number; p99: number; n: number }> {
    const payload = new Uint8Array(bytes).fill(5)
    const rtts: number[] = []
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      const res = await fetch(url, { method: 'POST', body: payload })
      const body = new Uint8Array(await res.arrayBuffer())
      if (body.byteLength !== bytes) throw new Error('bad echo')
      rtts.push(performance.now() - t0)
    }
    rtts.sort((a, b) => a - b)
    return { p50: percentile(rtts, 50), p99: percentile(rtts, 99), n }
  },
  /**
   * Per-answer signature cost in this browser, sign then verify, n times each way: version 1 of
   * the challenge protocol (the hotkey, sr25519) against version 2 (the peer key, Ed25519).
   */
  async benchSignatures(uri: string, n: number): Promise<{ v1Ms: number; v2Ms: number }> {
    const me = need()
    const hotkey = devHotkey(uri)
    const answer = enc.encode('{"text":"bench"}')
    const time = async (f: (id: Uint8Array) => Promise<boolean>): Promise<number> => {
      const t0 = performance.now()
      for (let i = 0; i < n; i++) if (!(await f(newChallengeId()))) throw new Error('signature did not verify')
      return (performance.now() - t0) / n
    }
    const v1 = (id: Uint8Array) => { const m = answerMessage(me.peerId, id, answer); return Promise.resolve(verifySignature(m, hotkey.sign(m) as Uint8Array, hotkey.address)) }
    const v2 = async (id: Uint8Array) => verifyPeerSignature(me.peerId, answerMessage(me.peerId, id, answer), await me.signAnswer(me.peerId, id, answer))
    await time(v1); await time(v2)
    return { v1Ms: await time(v1), v2Ms: await time(v2) }
  },
  peers() {
    return need().peers()
  },
  async stop(): Promise<void> {
    await server?.stop()
    await node?.stop()
  },
}

declare global {
  interface Window { mesh: typeof mesh; meshReady: boolean }
}
window.mesh = mesh
window.meshReady = true
