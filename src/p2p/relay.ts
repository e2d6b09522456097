/**
 * The relay (Node only): a WebSocket listener, circuit-relay-v2 server, the mesh's bootstrap peer
 * and a gossipsub hub. Browsers reach each other through it and then upgrade to direct WebRTC;
 * Node validators reach browser miners through it.
 *
 * Admission: a peer sends its binding on `/webtensor/bind/1.0.0` as it connects (see ./bind.ts).
 * Only peers whose binding verifies (with a chain view: a hotkey registered on a carried subnet)
 * may reserve a slot or open a relayed connection, within caps per IP and per hotkey; a
 * connection that shows no binding within `bindTimeoutMs` is closed, and a reservation is dropped
 * as soon as its peer leaves or its binding lapses. Relayed connections carry data and time
 * limits. Presence gossip is validated (binding, signature, per-hotkey rate) before it is forwarded.
 */
import { createRelayLibp2p, hostOf, type Connection, type Stream } from './libp2p.ts'
import { presenceTopic } from './node.ts'
import { encodeBinding, sr25519Ready, verifyBinding, type Binding, type ChainView } from './binding.ts'
import { BIND_PROTOCOL, readBinding } from './bind.ts'
import { MeshError } from './errors.ts'
import { BoundedMap, DEFAULT_LIMITS, RateLimiter } from './limits.ts'
import { checkPresence } from './presence.ts'

/** Options of {@link startRelay}. */
export interface RelayInit {
  /** TCP port of the WebSocket listener (default 0: any free port). */
  port?: number
  /** Interface to listen on (default 127.0.0.1). */
  host?: string
  /** Stable identity (protobuf private key bytes, see `newPrivateKey`), so the relay keeps its PeerId across restarts. */
  privateKey?: Uint8Array
  /** Subnets whose presence topics the relay carries and whose hotkeys it serves (default [1]). */
  netuids?: number[]
  /**
   * The chain: a peer may reserve only for a hotkey registered on one of `netuids`. Without it
   * (tests, a private mesh) any correctly signed, unexpired binding for a carried subnet is enough.
   */
  chain?: ChainView
  /** Most simultaneous reservations (default 1024). */
  maxReservations?: number
  /** Most reservations held by one hotkey's peers (default 4). */
  maxReservationsPerHotkey?: number
  /** Most reservations held from one IP address (default 64). */
  maxReservationsPerIp?: number
  /** Most connections from one IP address whose peer has not (yet) shown a binding (default 32). */
  maxConnectionsPerIp?: number
  /**
   * New connections per second from one IP address (default 10, bursts of 20): peers keep their
   * connection, so only a flood of fresh ones (each a handshake) is slowed.
   */
  newConnectionsPerIpPerSecond?: number
  /** A connection without a verified binding is closed after this many ms (default 5000). */
  bindTimeoutMs?: number
  /** Reservation lifetime unless refreshed, ms (default 15 min; clients refresh before it ends). */
  reservationTtl?: number
  /** Byte limit per relayed connection (default 16 MiB: some hundred challenges). */
  dataLimit?: number
  /** Time limit per relayed connection, ms (default 5 min; the validator redials). */
  durationLimit?: number
  /** How often reservations and connections are swept, ms (default 1000). */
  sweepMs?: number
  /** Stops the relay when aborted. */
  signal?: AbortSignal
}

/** What the relay holds now (tests and the adversary bench). */
export interface RelayStats {
  connections: number
  /** Open connections whose peer has shown no verified binding. */
  unboundConnections: number
  /** Age of the oldest of them, ms (0 when none). */
  oldestUnboundMs: number
  reservations: number
  /** Reservations held by peers without a verified binding (0 unless something is wrong). */
  unboundReservations: number
  /** Peers with a verified binding remembered. */
  bound: number
  /** Reservations refused, relayed connections refused, idle connections closed, presences rejected, connections refused at the gate. */
  refusedReservations: number
  refusedRelayed: number
  closedUnbound: number
  rejectedPresence: number
  refusedConnections: number
}

/** A running relay. */
export interface Relay {
  /** Full multiaddrs including /p2p/<peer id>: give these to the app (config.json `relay`). */
  multiaddrs: string[]
  peerId: string
  /** What it holds now. */
  stats(): RelayStats
  /** Stops the relay. Idempotent. */
  stop(): Promise<void>
}

interface BoundPeer { hotkey: string; binding: Binding; encoded: string; checkedAt: number }

/** Chain facts about a bound peer are re-read this often, ms. */
const RECHECK_MS = 60_000

/** Starts a relay and resolves once it listens. */
export async function startRelay(init: RelayInit = {}): Promise<Relay> {
  const port = init.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MeshError('ERR_INVALID_ARGUMENT', `port ${port} is not in 0..65535`)
  const netuids = init.netuids ?? [1]
  for (const n of netuids) if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new MeshError('ERR_INVALID_ARGUMENT', `netuid ${n} is not an integer in 0..65535`)
  init.signal?.throwIfAborted()
  await sr25519Ready()
  const bindTimeoutMs = init.bindTimeoutMs ?? DEFAULT_LIMITS.bindTimeoutMs
  const perHotkey = init.maxReservationsPerHotkey ?? 4
  const perIp = init.maxReservationsPerIp ?? 64
  const unboundPerIp = init.maxConnectionsPerIp ?? 32
  const bound = new BoundedMap<string, BoundPeer>(DEFAULT_LIMITS.maxTrackedPeers)
  const waiters = new Map<string, Set<() => void>>()
  const counters = { refusedReservations: 0, refusedRelayed: 0, closedUnbound: 0, rejectedPresence: 0, refusedConnections: 0 }
  const connRate = init.newConnectionsPerIpPerSecond ?? 10
  const ipLimiter = new RateLimiter(connRate, connRate * 2, undefined, DEFAULT_LIMITS.maxTrackedPeers)

  const verify = async (b: Binding, peer: string): Promise<void> => {
    if (!netuids.includes(b.netuid)) throw new MeshError('ERR_BINDING_INVALID', `binding is for subnet ${b.netuid}, which this relay does not carry`)
    // The cache compares the whole encoded binding, never the signature alone.
    const encoded = encodeBinding(b).join(',')
    const cached = bound.get(peer)
    if (cached !== undefined && cached.encoded === encoded && Date.now() - cached.checkedAt < RECHECK_MS) return
    await verifyBinding(b, init.chain ?? { isRegistered: () => true, hasValidatorPermit: () => false }, { peerId: peer, netuid: b.netuid })
    bound.delete(peer)
    bound.set(peer, { hotkey: b.hotkey, binding: b, encoded, checkedAt: Date.now() })
    for (const w of waiters.get(peer) ?? []) w()
    waiters.delete(peer)
  }
  const boundHotkey = (peer: string): string | undefined => {
    const b = bound.get(peer)
    return b !== undefined && b.binding.expiry > Date.now() ? b.hotkey : undefined
  }
  /** Resolves with the peer's hotkey once its binding verified, or undefined after `ms`. */
  const waitBound = async (peer: string, ms: number): Promise<string | undefined> => {
    const now = boundHotkey(peer)
    if (now !== undefined) return now
    if (waiters.size > DEFAULT_LIMITS.maxTrackedPeers) return undefined
    await new Promise<void>((resolve) => {
      const set = waiters.get(peer) ?? new Set()
      const done = (): void => { clearTimeout(t); set.delete(done); if (set.size === 0 && waiters.get(peer) === set) waiters.delete(peer); resolve() }
      const t = setTimeout(done, ms)
      set.add(done)
      waiters.set(peer, set)
    })
    return boundHotkey(peer)
  }

  let node: Awaited<ReturnType<typeof createRelayLibp2p>> | undefined
  const connectionsOf = (peer: string): Connection[] => node?.getConnections().filter((c) => c.remotePeer.toString() === peer && c.status === 'open') ?? []
  const reservationPeers = (): string[] => [...(node?.services.relay.reservations.keys() ?? [])].map((p) => p.toString())

  node = await createRelayLibp2p({
    host: init.host ?? '127.0.0.1',
    port,
    ...(init.privateKey !== undefined ? { privateKey: init.privateKey } : {}),
    maxReservations: init.maxReservations ?? 1024,
    reservationTtl: init.reservationTtl ?? 15 * 60_000,
    dataLimit: init.dataLimit ?? 16 * 1024 * 1024,
    durationLimit: init.durationLimit ?? 5 * 60_000,
    topics: netuids.map((n) => presenceTopic(n)),
    gate: {
      // Before the handshake only the address is known: unidentified connections per IP are capped.
      denyInboundConnection(remoteAddr) {
        const ip = hostOf(remoteAddr)
        let n = 0
        for (const c of node?.getConnections() ?? []) if (hostOf(c.remoteAddr) === ip && boundHotkey(c.remotePeer.toString()) === undefined) n++
        const deny = n >= unboundPerIp || !ipLimiter.take(ip ?? '')
        if (deny) counters.refusedConnections++
        return deny
      },
      async denyInboundRelayReservation(peer) {
        const hotkey = await waitBound(peer, bindTimeoutMs)
        let deny = hotkey === undefined
        if (!deny) {
          const ipOf = new Map<string, string | undefined>()
          for (const c of node?.getConnections() ?? []) if (c.status === 'open') ipOf.set(c.remotePeer.toString(), hostOf(c.remoteAddr))
          const ip = ipOf.get(peer)
          let byHotkey = 0
          let byIp = 0
          for (const p of reservationPeers()) {
            if (p === peer) continue
            if (boundHotkey(p) === hotkey) byHotkey++
            if (ip !== undefined && ipOf.get(p) === ip) byIp++
          }
          deny = byHotkey >= perHotkey || byIp >= perIp
        }
        if (deny) counters.refusedReservations++
        return deny
      },
      async denyOutboundRelayedConnection(src, dst) {
        const deny = (await waitBound(src, bindTimeoutMs)) === undefined || boundHotkey(dst) === undefined
        if (deny) counters.refusedRelayed++
        return deny
      },
    },
  })
  const relayNode = node
  await relayNode.handle(BIND_PROTOCOL, (stream: Stream, conn: Connection) => {
    const peer = conn.remotePeer.toString()
    readBinding(stream, conn, bindTimeoutMs).then((b) => verify(b, peer)).catch((err: unknown) => {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    })
  }, { runOnLimitedConnection: true, maxInboundStreams: 2, maxOutboundStreams: 1 })

  // Presence gossip: validated here before it is forwarded to anyone.
  const limiter = new RateLimiter(DEFAULT_LIMITS.presenceRatePerSecond, DEFAULT_LIMITS.presenceBurst, undefined, DEFAULT_LIMITS.maxTrackedPeers)
  const pubsub = relayNode.services.pubsub
  for (const n of netuids) {
    pubsub.topicValidators.set(presenceTopic(n), async (_peer, msg) => {
      type Verdict = import('@libp2p/gossipsub').TopicValidatorResult
      if (msg.type !== 'signed') { counters.rejectedPresence++; return 'reject' as Verdict }
      const { verdict } = await checkPresence(msg.data, msg.from.toString(), { netuid: n, limiter, verifyBinding: (b, from) => verify(b, from) })
      if (verdict !== 'accept') counters.rejectedPresence++
      return verdict as Verdict
    })
  }

  await relayNode.start()
  for (const n of netuids) pubsub.subscribe(presenceTopic(n))

  // The sweep: idle unidentified connections closed, reservations of departed or unbound peers
  // dropped, lapsed bindings forgotten, bound peers' registration re-read now and then.
  const sweep = (): void => {
    const now = Date.now()
    for (const c of relayNode.getConnections()) {
      const peer = c.remotePeer.toString()
      if (boundHotkey(peer) === undefined && now - c.timeline.open >= bindTimeoutMs) {
        counters.closedUnbound++
        void c.close().catch(() => c.abort(new MeshError('ERR_BINDING_INVALID', 'no binding')))
      }
    }
    const connected = new Set(relayNode.getConnections().filter((c) => c.status === 'open').map((c) => c.remotePeer.toString()))
    const reservations = relayNode.services.relay.reservations
    for (const p of [...reservations.keys()]) {
      const peer = p.toString()
      if (boundHotkey(peer) === undefined || !connected.has(peer)) reservations.delete(p)
    }
    for (const [peer, b] of bound) {
      if (b.binding.expiry <= now || (!connected.has(peer) && now - b.checkedAt > RECHECK_MS)) { bound.delete(peer); continue }
      if (now - b.checkedAt > RECHECK_MS && init.chain !== undefined) {
        b.checkedAt = now
        void Promise.resolve(init.chain.isRegistered(b.hotkey, b.binding.netuid)).then((ok) => { if (!ok) bound.delete(peer) }, () => {})
      }
    }
  }
  const timer = setInterval(sweep, init.sweepMs ?? 1_000)
  ;(timer as { unref?: () => void }).unref?.()

  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    clearInterval(timer)
    init.signal?.removeEventListener('abort', onAbort)
    for (const set of waiters.values()) for (const w of set) w()
    await relayNode.stop()
  }
  const onAbort = (): void => { void stop() }
  init.signal?.addEventListener('abort', onAbort, { once: true })
  return {
    multiaddrs: relayNode.getMultiaddrs().map((m) => m.toString()),
    peerId: relayNode.peerId.toString(),
    stats() {
      const peers = new Set(relayNode.getConnections().map((c) => c.remotePeer.toString()))
      const res = reservationPeers()
      const unbound = relayNode.getConnections().filter((c) => boundHotkey(c.remotePeer.toString()) === undefined)
      return {
        connections: relayNode.getConnections().length,
        unboundConnections: unbound.length,
        oldestUnboundMs: unbound.reduce((m, c) => Math.max(m, Date.now() - c.timeline.open), 0),
        reservations: res.length,
        unboundReservations: res.filter((p) => boundHotkey(p) === undefined).length,
        bound: [...peers].filter((p) => boundHotkey(p) !== undefined).length,
        ...counters,
      }
    },
    stop,
  }
}
