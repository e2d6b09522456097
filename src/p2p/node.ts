/**
 * The mesh node: a libp2p node (see ./libp2p.ts) plus this peer's chain-bound identity, the
 * bindings it has verified, peer discipline (offences, bans, gossipsub application score) and
 * presence gossip.
 */
import { createMeshLibp2p, isRelayed, loadKey, peerKeySigner, parseMultiaddr, parsePeerId, type Connection, type MeshLibp2p, type PrivateKey } from './libp2p.ts'
import { answerMessage, createBinding, encodeBinding, presenceMessage, signWith, sr25519Ready, verifyBinding, type Binding, type ChainView, type Signer, type VerifiedBinding } from './binding.ts'
import { MeshConnectionError, MeshError, MeshProtocolError, MeshTimeoutError } from './errors.ts'
import { BoundedMap, DEFAULT_LIMITS, RateLimiter, type MeshLimits } from './limits.ts'
import { decodePresence, encodePresence } from './messages.ts'
import { BIND_PROTOCOL, isBindingRefusal, pushBinding, readBinding } from './bind.ts'
import { checkPresence } from './presence.ts'

/** Options of {@link createMeshNode}. */
export interface MeshNodeInit {
  /** This peer's hotkey (sr25519); signs the binding, answers and presence. */
  signer: Signer
  /** Subnet this node works on. */
  netuid: number
  /** Chain lookups (metagraph): registration and validator permits. */
  chain: ChainView
  /** Relay multiaddrs, each ending in /p2p/<relay peer id> (from the app's /config.json). */
  relays: string[]
  /** Listen addresses (default: reservations on the relays, plus /webrtc in browsers). */
  listen?: string[]
  /** libp2p identity key, protobuf bytes (see `newPrivateKey`); fresh when absent. */
  privateKey?: Uint8Array
  /** Lifetime of this node's binding, ms (default 24 h); it is re-signed before it expires. */
  bindingTtlMs?: number
  /** Overrides of the protocol limits. */
  limits?: Partial<MeshLimits>
  /** Start immediately (default true). */
  start?: boolean
  /**
   * Subscribe to the subnet's presence topic and keep the miners seen (default true: validators
   * and watchers). A miner sets false: it still publishes its own presence (to the relays and
   * validators subscribed to the topic), but receives and verifies nobody else's. Subscribed, every
   * miner verified every other miner's presence each interval (an sr25519 check each, plus their
   * bindings): O(N^2) work across the mesh, most of the CPU of 48 Node miners in the
   * validator-round bench, and of every miner tab on a large subnet.
   */
  watchPresence?: boolean
}

/** A miner's presence as seen in gossip, after validation. */
export interface PresenceInfo {
  peerId: string
  hotkey: string
  netuid: number
  model: string
  capacity: number
  ts: number
}

/** How a connection to a peer is made. */
export type TransportPreference = 'auto' | 'direct' | 'relay'

/** A peer's connection state. */
export interface PeerConnectionInfo {
  peerId: string
  /** A direct (WebRTC or WebSocket) connection is open. */
  direct: boolean
  /** A relayed connection is open. */
  relayed: boolean
}

/** Events of a mesh node. */
export interface MeshNodeEvents {
  /** A valid presence message arrived (detail: {@link PresenceInfo}). */
  presence: CustomEvent<PresenceInfo>
  /** A peer was banned for repeated offences (detail: peer id). */
  ban: CustomEvent<string>
}

/** A peer of the webtensor mesh. */
export interface MeshNode extends EventTarget {
  /** This node's libp2p PeerId. */
  readonly peerId: string
  /** The subnet. */
  readonly netuid: number
  /** The hotkey's SS58 address. */
  readonly hotkey: string
  /** The effective limits. */
  readonly limits: Readonly<MeshLimits>
  /** The underlying libp2p node (escape hatch for diagnostics and tests). */
  readonly libp2p: MeshLibp2p
  /** Starts libp2p, dials the relays and subscribes to presence. Idempotent. */
  start(): Promise<void>
  /** Stops everything. Idempotent, safe before start. */
  stop(): Promise<void>
  /** True between start() and stop(). */
  isStarted(): boolean
  /** Addresses others can dial this node at (relay circuit and /webrtc addresses in browsers). */
  multiaddrs(): string[]
  /** Resolves when this node holds a relay reservation (is reachable through a relay). */
  waitForReservation(options?: { signal?: AbortSignal }): Promise<string[]>
  /**
   * Connects to `peer` (PeerId or multiaddr). 'relay' uses a relayed connection, 'direct' a
   * WebRTC one through relay signalling (browsers), 'auto' uses what is open, else relays first
   * and upgrades to WebRTC in the background where it can, keeping the relayed one until then.
   */
  connect(peer: string, options?: { transport?: TransportPreference; signal?: AbortSignal }): Promise<PeerConnectionInfo>
  /** Connection state of the peers we are connected to (relays excluded). */
  peers(): PeerConnectionInfo[]
  /** The binding this node presents (re-signed when near expiry). */
  currentBinding(): Promise<Binding>
  /** Verifies (with a cache) the binding of a remote peer. */
  verifyPeerBinding(b: Binding, remotePeer: string, options?: { requirePermit?: boolean }): Promise<VerifiedBinding>
  /** Publishes this node's presence on the subnet's presence topic. */
  publishPresence(info: { model: string; capacity: number }, options?: { signal?: AbortSignal }): Promise<void>
  /** Miners seen in presence gossip, latest message per peer (none when `watchPresence` is false). */
  presence(): PresenceInfo[]
  /**
   * Records a protocol offence by `peer`, against its verified hotkey when it has one (else its
   * peer id); repeated offenders are banned and every peer of the hotkey disconnected.
   */
  reportOffence(peer: string, err: MeshError): void
  /** Offences of `peer` (of its hotkey, when bound) in the current window. */
  offences(peer: string): number
  /** True while `peer`, or the hotkey it is bound to, is banned (a peer id or a hotkey may be given). */
  isBanned(peer: string): boolean
  /** The hotkey `peer` showed a valid, unexpired binding for, or undefined. */
  hotkeyOf(peer: string): string | undefined
  /**
   * The share of this node's capacity a validator hotkey gets: its share of the permit holders'
   * stake (0 without a permit; 1 when the chain view gives no stakes). Cached for a minute.
   */
  capacityShare(hotkey: string): Promise<number>
  /** Sizes of the per-peer state (diagnostics, the adversary bench). */
  stateSizes(): { verified: number; offences: number; bans: number; presences: number; limiters: number }
  /** Gossipsub score of `peer` as this node sees it. */
  gossipScore(peer: string): number
  /** The best open connection to `peer` for the preference, or undefined. */
  connectionTo(peer: string, transport?: TransportPreference): Connection | undefined
  /** Remembers that a challenge id has been answered; false if it already was (a replay). */
  markAnswered(challengeKey: string): boolean
  /**
   * Signs an answer with this node's libp2p peer key: Ed25519 over answerMessage(validator, id,
   * answer). The binding (hotkey-signed, naming this peer id) ties the key to the hotkey.
   */
  signAnswer(validatorPeerId: string, challengeId: Uint8Array, answer: Uint8Array): Promise<Uint8Array>
}

/** The presence topic of a subnet. */
export function presenceTopic(netuid: number): string {
  return `/webtensor/presence/1/${netuid}`
}

const DIAL_TIMEOUT_MS = 15_000
const WEBRTC_DIAL_TIMEOUT_MS = 8_000
const WEBRTC_DIAL_ATTEMPTS = 3
const ANSWERED_MAX = 100_000
const SWEEP_MS = 10_000
const SHARE_CACHE_MS = 60_000

class MeshNodeImpl extends EventTarget implements MeshNode {
  readonly peerId: string
  readonly netuid: number
  readonly hotkey: string
  readonly limits: Readonly<MeshLimits>
  readonly libp2p: MeshLibp2p
  readonly #signer: Signer
  /** Signs with the libp2p identity key (see signAnswer). */
  readonly #peerSign: (message: Uint8Array) => Promise<Uint8Array>
  readonly #chain: ChainView
  readonly #relays: string[]
  readonly #watchPresence: boolean
  readonly #relayPeers: Set<string>
  readonly #bindingTtlMs: number
  /** Offence times and bans by hotkey (or by peer id for a peer that never showed a binding). */
  readonly #offences: BoundedMap<string, number[]>
  readonly #bans: BoundedMap<string, number>
  /** Verified bindings by remote peer, keyed on the whole encoded binding (not only its signature). */
  readonly #verified: BoundedMap<string, { encoded: Uint8Array; result: VerifiedBinding; until: number }>
  readonly #presence: BoundedMap<string, PresenceInfo>
  /** Presence messages per hotkey. */
  readonly #presenceLimiter: RateLimiter
  readonly #shares: BoundedMap<string, { share: Promise<number>; until: number }>
  readonly #bindTimers = new Set<ReturnType<typeof setTimeout>>()
  /** Unidentified peers admitted at the gate, with when (kept for one bind timeout). */
  readonly #admitted = new Map<string, number>()
  #sweepTimer: ReturnType<typeof setInterval> | undefined
  readonly #answered = new Set<string>()
  #binding: Promise<Binding> | undefined
  #bindingExpiry = 0
  #started = false
  #upgrading = new Set<string>()
  #relayTimer: ReturnType<typeof setInterval> | undefined
  readonly #connecting = new Map<string, Promise<PeerConnectionInfo>>()

  constructor(libp2p: MeshLibp2p, init: MeshNodeInit, limits: MeshLimits, peerKey: PrivateKey) {
    super()
    this.libp2p = libp2p
    this.#peerSign = peerKeySigner(peerKey)
    this.peerId = libp2p.peerId.toString()
    this.netuid = init.netuid
    this.hotkey = init.signer.address
    this.limits = Object.freeze(limits)
    this.#signer = init.signer
    this.#chain = init.chain
    this.#relays = init.relays
    this.#watchPresence = init.watchPresence ?? true
    this.#relayPeers = new Set(init.relays.map((r) => parseMultiaddr(r).getComponents().findLast((c) => c.name === 'p2p')?.value).filter((p): p is string => p !== undefined))
    this.#bindingTtlMs = init.bindingTtlMs ?? 24 * 3600_000
    const max = limits.maxTrackedPeers
    this.#offences = new BoundedMap(max)
    this.#bans = new BoundedMap(max)
    this.#verified = new BoundedMap(max)
    this.#presence = new BoundedMap(max)
    this.#shares = new BoundedMap(max)
    this.#presenceLimiter = new RateLimiter(limits.presenceRatePerSecond, limits.presenceBurst, undefined, max)
  }

  isRelay(peer: string): boolean { return this.#relayPeers.has(peer) }

  hotkeyOf(peer: string): string | undefined {
    const v = this.#verified.get(peer)
    return v !== undefined && v.result.binding.expiry > Date.now() ? v.result.binding.hotkey : undefined
  }

  async capacityShare(hotkey: string): Promise<number> {
    const now = Date.now()
    let c = this.#shares.get(hotkey)
    if (c === undefined || c.until <= now) {
      const chain = this.#chain
      const share = chain.stakeShare === undefined
        ? Promise.resolve(chain.hasValidatorPermit(hotkey, this.netuid)).then((p) => (p ? 1 : 0))
        : Promise.resolve(chain.stakeShare(hotkey, this.netuid)).then((x) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0))
      c = { share, until: now + SHARE_CACHE_MS }
      this.#shares.set(hotkey, c)
      share.catch(() => { this.#shares.delete(hotkey) })
    }
    return await c.share
  }

  stateSizes(): { verified: number; offences: number; bans: number; presences: number; limiters: number } {
    return { verified: this.#verified.size, offences: this.#offences.size, bans: this.#bans.size, presences: this.#presence.size, limiters: this.#presenceLimiter.size }
  }

  /**
   * Admission at the gate (after encryption, before anything else): banned peers never; peers
   * with a verified binding and the relays always; others only while fewer than
   * `maxUnboundPeers` unidentified peers are connected.
   */
  admit(peer: string): boolean {
    if (this.isBanned(peer)) return false
    if (this.#relayPeers.has(peer) || this.hotkeyOf(peer) !== undefined) return true
    // Unidentified peers: those connected, and those admitted a moment ago whose connection is
    // still being set up (admissions race each other otherwise).
    const now = Date.now()
    for (const [p, at] of this.#admitted) if (now - at > this.limits.bindTimeoutMs) this.#admitted.delete(p)
    const unbound = new Set<string>()
    for (const [p] of this.#admitted) if (this.hotkeyOf(p) === undefined) unbound.add(p)
    for (const c of this.libp2p.getConnections()) {
      const p = c.remotePeer.toString()
      if (!this.#relayPeers.has(p) && this.hotkeyOf(p) === undefined) unbound.add(p)
    }
    if (!unbound.has(peer) && unbound.size >= this.limits.maxUnboundPeers) return false
    this.#admitted.set(peer, now)
    return true
  }

  /** Sends our binding on a new connection, and closes it if the peer shows none in time. */
  readonly #onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    const conn = evt.detail
    const peer = conn.remotePeer.toString()
    void this.currentBinding().then((b) => pushBinding(conn, b, this.limits.bindTimeoutMs)).catch(() => {})
    if (this.#relayPeers.has(peer)) return
    const t = setTimeout(() => {
      this.#bindTimers.delete(t)
      if (conn.status === 'open' && this.hotkeyOf(peer) === undefined) {
        void conn.close().catch(() => conn.abort(new MeshError('ERR_BINDING_INVALID', 'no binding')))
      }
    }, this.limits.bindTimeoutMs)
    this.#bindTimers.add(t)
    ;(t as { unref?: () => void }).unref?.()
  }

  /** A peer's binding, pushed on the bind protocol: verified, or the connection is closed. */
  async #onBindStream(stream: import('./libp2p.ts').Stream, conn: Connection): Promise<void> {
    const peer = conn.remotePeer.toString()
    try {
      const b = await readBinding(stream, conn, this.limits.bindTimeoutMs)
      const r = await this.verifyPeerBinding(b, peer)
      if (this.isBanned(peer)) { void this.libp2p.hangUp(conn.remotePeer).catch(() => {}); return }
      // Bound peers outrank unidentified ones when connections are pruned; validators most.
      await this.libp2p.peerStore.merge(conn.remotePeer, { tags: { 'webtensor-bound': { value: r.validatorPermit ? 100 : 50, ttl: Math.max(1, b.expiry - Date.now()) } } }).catch(() => {})
    } catch (err) {
      stream.abort(err as Error)
      // A forged or malformed binding is an offence; an unregistered hotkey is not, but its peer
      // stays unbound, so the bind timer closes the connection all the same.
      if (isBindingRefusal(err) && err instanceof MeshProtocolError && (err.code === 'ERR_BINDING_INVALID' || err.code === 'ERR_MALFORMED')) this.reportOffence(peer, err)
    }
  }

  #sweep(): void {
    const now = Date.now()
    for (const [k, list] of this.#offences) {
      const kept = list.filter((t) => now - t < this.limits.offenceWindowMs)
      if (kept.length === 0) this.#offences.delete(k)
      else if (kept.length !== list.length) this.#offences.set(k, kept)
    }
    for (const [k, until] of this.#bans) if (until <= now) this.#bans.delete(k)
    for (const [k, p] of this.#presence) if (now - p.ts > this.limits.presenceTtlMs) this.#presence.delete(k)
    for (const [k, v] of this.#verified) if (v.result.binding.expiry <= now) this.#verified.delete(k)
    for (const [k, v] of this.#shares) if (v.until <= now) this.#shares.delete(k)
  }

  isStarted(): boolean { return this.#started }

  async start(): Promise<void> {
    if (this.#started) return
    this.#started = true
    // Binding and presence checks verify in WASM from here on (JS before it loads: same answers).
    await sr25519Ready()
    await this.libp2p.handle(BIND_PROTOCOL, (stream, conn) => { void this.#onBindStream(stream, conn) }, { runOnLimitedConnection: true, maxInboundStreams: 2, maxOutboundStreams: 2 })
    this.libp2p.addEventListener('connection:open', this.#onConnectionOpen)
    await this.libp2p.start()
    for (const conn of this.libp2p.getConnections()) this.#onConnectionOpen(new CustomEvent('connection:open', { detail: conn }))
    const l = this.limits
    this.#sweepTimer = setInterval(() => this.#sweep(), Math.min(SWEEP_MS, Math.max(200, Math.min(l.offenceWindowMs, l.banMs, l.presenceTtlMs) / 2)))
    ;(this.#sweepTimer as { unref?: () => void }).unref?.()
    const pubsub = this.libp2p.services.pubsub
    const topic = presenceTopic(this.netuid)
    pubsub.topicValidators.set(topic, async (_peer, msg) => this.#validatePresence(msg))
    pubsub.addEventListener('message', this.#onMessage)
    // Publishing needs no subscription (gossipsub sends to the topic's subscribed peers); whatever a
    // peer pushes on the topic anyway still goes through the validator above.
    if (this.#watchPresence) pubsub.subscribe(topic)
    await this.currentBinding()
    this.#watchRelays()
  }

  /**
   * Keeps a connection to every configured relay: redials one that dropped (a relay restart,
   * a network change) every second until it is back; the circuit transport then renews the
   * reservation. Idempotent.
   */
  #watchRelays(): void {
    if (this.#relayTimer !== undefined || this.#relays.length === 0) return
    let busy = false
    const tick = (): void => {
      if (busy || !this.#started) return
      busy = true
      void Promise.all(this.#relays.map(async (r) => {
        const ma = parseMultiaddr(r)
        const id = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
        if (id === undefined || this.libp2p.getConnections(parsePeerId(id)).some((c) => c.status === 'open')) return
        await this.libp2p.dial(ma, { signal: AbortSignal.timeout(5_000) }).catch(() => {})
      })).finally(() => { busy = false })
    }
    this.#relayTimer = setInterval(tick, 1_000)
    ;(this.#relayTimer as { unref?: () => void }).unref?.()
  }

  async stop(): Promise<void> {
    if (!this.#started) return
    this.#started = false
    clearInterval(this.#relayTimer)
    this.#relayTimer = undefined
    clearInterval(this.#sweepTimer)
    this.#sweepTimer = undefined
    for (const t of this.#bindTimers) clearTimeout(t)
    this.#bindTimers.clear()
    this.libp2p.removeEventListener('connection:open', this.#onConnectionOpen)
    const pubsub = this.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.#onMessage)
    await this.libp2p.stop()
  }

  multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((m) => m.toString())
  }

  async waitForReservation(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const has = (): string[] => this.multiaddrs().filter((a) => a.includes('/p2p-circuit'))
    const now = has()
    if (now.length > 0) return now
    return await new Promise<string[]>((resolve, reject) => {
      const onChange = (): void => {
        const addrs = has()
        if (addrs.length > 0) { cleanup(); resolve(addrs) }
      }
      const onAbort = (): void => { cleanup(); reject(new MeshTimeoutError('ERR_TIMEOUT', 'no relay reservation yet: is the relay running and reachable?')) }
      const cleanup = (): void => {
        this.libp2p.removeEventListener('self:peer:update', onChange)
        options.signal?.removeEventListener('abort', onAbort)
      }
      this.libp2p.addEventListener('self:peer:update', onChange)
      options.signal?.addEventListener('abort', onAbort)
      if (options.signal?.aborted === true) onAbort()
    })
  }

  connectionTo(peer: string, transport: TransportPreference = 'auto'): Connection | undefined {
    const conns = this.libp2p.getConnections(parsePeerId(peer)).filter((c) => c.status === 'open')
    const direct = conns.find((c) => !isRelayed(c))
    const relayed = conns.find((c) => isRelayed(c))
    if (transport === 'direct') return direct
    if (transport === 'relay') return relayed
    return direct ?? relayed
  }

  async connect(peer: string, options: { transport?: TransportPreference; signal?: AbortSignal } = {}): Promise<PeerConnectionInfo> {
    // Concurrent calls for one peer share one dial (parallel dials would race duplicate connections).
    const key = `${options.transport ?? 'auto'} ${peer}`
    const pending = this.#connecting.get(key)
    if (pending !== undefined) return await pending
    const p = this.#connect(peer, options)
    this.#connecting.set(key, p)
    try { return await p } finally { this.#connecting.delete(key) }
  }

  async #connect(peer: string, options: { transport?: TransportPreference; signal?: AbortSignal }): Promise<PeerConnectionInfo> {
    if (!this.#started) throw new MeshError('ERR_NOT_STARTED', 'the mesh node is not started: call start() first')
    const transport = options.transport ?? 'auto'
    const isAddr = peer.startsWith('/')
    const peerId = isAddr ? parseMultiaddr(peer).getComponents().findLast((c) => c.name === 'p2p')?.value : peer
    if (peerId === undefined) throw new MeshError('ERR_INVALID_ARGUMENT', `multiaddr '${peer}' does not end in /p2p/<peer id>`)
    if (this.isBanned(peerId)) throw new MeshError('ERR_BANNED', `peer ${peerId} is banned`)
    const signal = options.signal
    const dial = async (addr: string): Promise<void> => {
      // WebRTC set-up through relay signalling can still fail now and then (the 'init' channel
      // race that stalled dials is worked around in webrtc-init.ts): bounded attempts, each with
      // its own timeout.
      const webrtc = addr.includes('/webrtc')
      const attempts = webrtc ? WEBRTC_DIAL_ATTEMPTS : 1
      for (let i = 1; ; i++) {
        const t = AbortSignal.timeout(webrtc ? WEBRTC_DIAL_TIMEOUT_MS : DIAL_TIMEOUT_MS)
        try {
          // force: a circuit dial must not be answered with the open WebRTC connection (and vice versa).
          await this.libp2p.dial(parseMultiaddr(addr), { force: true, signal: signal === undefined ? t : AbortSignal.any([signal, t]) })
          return
        } catch (err) {
          if (i < attempts && signal?.aborted !== true) continue
          throw new MeshConnectionError('ERR_CONNECTION', `could not connect to ${peerId} over ${addr}: ${(err as Error).message}`, { cause: err })
        }
      }
    }
    const viaRelays = (suffix: string): string[] => this.#relays.map((r) => `${r}/p2p-circuit${suffix}/p2p/${peerId}`)
    const tryAll = async (addrs: string[]): Promise<void> => {
      let last: unknown = new MeshConnectionError('ERR_CONNECTION', `no relay configured to reach ${peerId}`)
      for (const a of addrs) {
        try { await dial(a); return } catch (err) { last = err }
      }
      throw last
    }
    if (isAddr && this.connectionTo(peerId, transport) === undefined) await dial(peer)
    if (transport === 'relay' && this.connectionTo(peerId, 'relay') === undefined) await tryAll(viaRelays(''))
    if (transport === 'direct' && this.connectionTo(peerId, 'direct') === undefined) await tryAll(viaRelays('/webrtc'))
    if (transport === 'auto' && this.connectionTo(peerId) === undefined) {
      await tryAll(viaRelays(''))
      this.#upgradeInBackground(peerId, viaRelays('/webrtc'))
    }
    return this.#info(peerId)
  }

  /** Keeps the relayed connection and tries WebRTC beside it; a failure leaves the relayed one in use. */
  #upgradeInBackground(peerId: string, addrs: string[]): void {
    if (this.#upgrading.has(peerId) || !hasDirectCapability(this)) return
    this.#upgrading.add(peerId)
    void (async () => {
      outer: for (const a of addrs) {
        for (let i = 0; i < WEBRTC_DIAL_ATTEMPTS; i++) {
          try { await this.libp2p.dial(parseMultiaddr(a), { signal: AbortSignal.timeout(WEBRTC_DIAL_TIMEOUT_MS) }); break outer } catch { /* stays relayed */ }
        }
      }
    })().finally(() => this.#upgrading.delete(peerId))
  }

  #info(peerId: string): PeerConnectionInfo {
    return { peerId, direct: this.connectionTo(peerId, 'direct') !== undefined, relayed: this.connectionTo(peerId, 'relay') !== undefined }
  }

  peers(): PeerConnectionInfo[] {
    const ids = new Set(this.libp2p.getConnections().map((c) => c.remotePeer.toString()))
    return [...ids].filter((p) => !this.#relayPeers.has(p)).map((p) => this.#info(p))
  }

  async currentBinding(): Promise<Binding> {
    const now = Date.now()
    if (this.#binding === undefined || this.#bindingExpiry - now < this.#bindingTtlMs / 10) {
      this.#bindingExpiry = now + this.#bindingTtlMs
      this.#binding = createBinding({ peerId: this.peerId, signer: this.#signer, netuid: this.netuid, expiry: this.#bindingExpiry })
      this.#binding.catch(() => { this.#binding = undefined })
    }
    return await this.#binding
  }

  async verifyPeerBinding(b: Binding, remotePeer: string, options: { requirePermit?: boolean } = {}): Promise<VerifiedBinding> {
    const now = Date.now()
    const cached = this.#verified.get(remotePeer)
    // Every field counts: a binding equal to the cached one except for its hotkey (same
    // signature) is another claim and is verified from scratch.
    const encoded = encodeBinding(b)
    let result: VerifiedBinding
    if (cached !== undefined && cached.until > now && equalBytes(cached.encoded, encoded)) {
      result = cached.result
    } else {
      result = await verifyBinding(b, this.#chain, { peerId: remotePeer, netuid: this.netuid, now })
      // Only a binding that verified is cached; chain facts are re-read at most once a minute per peer.
      this.#verified.delete(remotePeer)
      this.#verified.set(remotePeer, { encoded, result, until: Math.min(b.expiry, now + 60_000) })
    }
    if (options.requirePermit === true && !result.validatorPermit) throw new MeshProtocolError('ERR_NO_PERMIT', `hotkey ${b.hotkey} has no validator permit on subnet ${this.netuid}: miners serve challenges only to validators`)
    return result
  }

  async publishPresence(info: { model: string; capacity: number }, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.#started) throw new MeshError('ERR_NOT_STARTED', 'the mesh node is not started: call start() first')
    options.signal?.throwIfAborted()
    const binding = await this.currentBinding()
    const ts = Date.now()
    const capacity = Math.max(0, Math.min(0xffffffff, Math.floor(info.capacity)))
    const signature = await signWith(this.#signer, presenceMessage(this.peerId, info.model, capacity, ts))
    await this.libp2p.services.pubsub.publish(presenceTopic(this.netuid), encodePresence({ binding, model: info.model, capacity, ts, signature }))
  }

  presence(): PresenceInfo[] {
    const now = Date.now()
    return [...this.#presence.values()].filter((p) => now - p.ts <= this.limits.presenceTtlMs)
  }

  async #validatePresence(msg: { type: string; data: Uint8Array; from?: { toString(): string } }): Promise<import('@libp2p/gossipsub').TopicValidatorResult> {
    type Verdict = import('@libp2p/gossipsub').TopicValidatorResult
    if (msg.type !== 'signed' || msg.from === undefined) return 'reject' as Verdict
    const from = msg.from.toString()
    const { verdict, presence } = await checkPresence(msg.data, from, {
      netuid: this.netuid,
      limiter: this.#presenceLimiter,
      verifyBinding: (b, peer) => this.verifyPeerBinding(b, peer),
      refuse: (peer) => this.isBanned(peer),
    })
    if (verdict !== 'accept' || presence === undefined) return verdict as Verdict
    const prev = this.#presence.get(from)
    if (prev !== undefined && prev.ts >= presence.ts) return 'ignore' as Verdict
    return 'accept' as Verdict
  }

  readonly #onMessage = (evt: CustomEvent<{ topic: string; data: Uint8Array; type: string; from?: { toString(): string } }>): void => {
    const msg = evt.detail
    if (msg.topic !== presenceTopic(this.netuid) || msg.type !== 'signed' || msg.from === undefined) return
    try {
      const p = decodePresence(msg.data)
      const info: PresenceInfo = { peerId: msg.from.toString(), hotkey: p.binding.hotkey, netuid: p.binding.netuid, model: p.model, capacity: p.capacity, ts: p.ts }
      this.#presence.set(info.peerId, info)
      this.dispatchEvent(new CustomEvent('presence', { detail: info }))
    } catch { /* validated before delivery */ }
  }

  /** Offences and bans are kept per hotkey for bound peers: a new peer id does not escape them. */
  #keyOf(peer: string): string {
    return this.hotkeyOf(peer) ?? peer
  }

  reportOffence(peer: string, err: MeshError): void {
    if (!(err instanceof MeshProtocolError)) return
    const now = Date.now()
    const key = this.#keyOf(peer)
    const list = (this.#offences.get(key) ?? []).filter((t) => now - t < this.limits.offenceWindowMs)
    list.push(now)
    this.#offences.set(key, list)
    if (list.length >= this.limits.offenceLimit && !this.isBanned(peer)) {
      this.#bans.set(key, now + this.limits.banMs)
      this.dispatchEvent(new CustomEvent('ban', { detail: peer }))
      // Every peer id of the hotkey goes.
      const peers = new Set([peer])
      for (const c of this.libp2p.getConnections()) if (this.#keyOf(c.remotePeer.toString()) === key) peers.add(c.remotePeer.toString())
      for (const p of peers) void this.libp2p.hangUp(parsePeerId(p)).catch(() => {})
    }
  }

  offences(peer: string): number {
    const now = Date.now()
    return (this.#offences.get(this.#keyOf(peer)) ?? []).filter((t) => now - t < this.limits.offenceWindowMs).length
  }

  isBanned(peer: string): boolean {
    const now = Date.now()
    for (const key of new Set([peer, this.#keyOf(peer)])) {
      const until = this.#bans.get(key)
      if (until === undefined) continue
      if (until > now) return true
      this.#bans.delete(key)
      this.#offences.delete(key)
    }
    return false
  }

  /** Gossipsub application-specific score: offenders go negative, the banned far below graylisting. */
  appScore(peer: string): number {
    if (this.isBanned(peer)) return -1000
    return -10 * this.offences(peer)
  }

  gossipScore(peer: string): number {
    return this.libp2p.services.pubsub.getScore(peer)
  }

  async signAnswer(validatorPeerId: string, challengeId: Uint8Array, answer: Uint8Array): Promise<Uint8Array> {
    return await this.#peerSign(answerMessage(validatorPeerId, challengeId, answer))
  }

  markAnswered(challengeKey: string): boolean {
    if (this.#answered.has(challengeKey)) return false
    this.#answered.add(challengeKey)
    if (this.#answered.size > ANSWERED_MAX) this.#answered.delete(this.#answered.values().next().value as string)
    return true
  }
}

function hasDirectCapability(node: MeshNodeImpl): boolean {
  return node.multiaddrs().some((a) => a.includes('/webrtc'))
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Creates a mesh node for this environment (browser: WebRTC + WebSockets + relay; Node:
 * WebSockets + relay) and starts it unless `start: false`.
 */
export async function createMeshNode(init: MeshNodeInit): Promise<MeshNode> {
  if (!Number.isInteger(init.netuid) || init.netuid < 0 || init.netuid > 0xffff) throw new MeshError('ERR_INVALID_ARGUMENT', `netuid ${init.netuid} is not an integer in 0..65535`)
  const limits: MeshLimits = { ...DEFAULT_LIMITS, ...init.limits }
  for (const r of init.relays) {
    const p = parseMultiaddr(r).getComponents().findLast((c) => c.name === 'p2p')
    if (p === undefined) throw new MeshError('ERR_INVALID_ARGUMENT', `relay multiaddr '${r}' must end in /p2p/<relay peer id>`)
  }
  let node: MeshNodeImpl | undefined
  const peerKey = await loadKey(init.privateKey)
  const libp2p = await createMeshLibp2p({
    relays: init.relays,
    ...(init.listen !== undefined ? { listen: init.listen } : {}),
    privateKey: peerKey,
    appScore: (p) => node?.appScore(p) ?? 0,
    isBanned: (p) => node?.isBanned(p) ?? false,
    admit: (p) => node?.admit(p) ?? true,
    topics: [presenceTopic(init.netuid)],
  })
  node = new MeshNodeImpl(libp2p, init, limits, peerKey)
  if (init.start !== false) await node.start()
  return node
}
