/**
 * The one adapter to js-libp2p: every runtime import of a libp2p package is in this file.
 *
 * Environment split: browsers and Node share this file and differ by feature detection of what
 * the platform offers, not by a bundler alias. Where `RTCPeerConnection` exists (browsers) the
 * node gets the WebRTC transport and listens on `/webrtc`; in Node (no WebRTC without a native
 * module) it has WebSockets and circuit relay only, and a Node without a global `WebSocket`
 * (Node 20 without --experimental-websocket) gets the `ws` package installed as the global,
 * loaded through a computed specifier the browser bundler never follows.
 */
import { createLibp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { webRTC } from '@libp2p/webrtc'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { gossipsub } from '@libp2p/gossipsub'
import { bootstrap } from '@libp2p/bootstrap'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { KEEP_ALIVE } from '@libp2p/interface'
import type { Connection, Libp2p, PeerId, PrivateKey, PublicKey, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { GossipSub } from '@libp2p/gossipsub'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { MeshConnectionError, MeshError, MeshProtocolError, MeshTimeoutError } from './errors.ts'
import { FrameDecoder, encodeFrame } from './frame.ts'
import { BoundedMap } from './limits.ts'
import { patchInitChannelRace } from './webrtc-init.ts'

export type { Connection, Libp2p, PeerId, PrivateKey, Stream, Multiaddr }

/** The services every mesh node runs. */
export type MeshServices = {
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
  pubsub: GossipSub & { getScore(peerId: string): number }
}

/** The services of a relay. */
export type RelayServices = MeshServices & {
  relay: CircuitRelayService
}

/** A libp2p node with the mesh services. */
export type MeshLibp2p = Libp2p<MeshServices>

/** True where this platform can do browser-to-browser WebRTC. */
export function hasWebRTC(): boolean {
  return typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection === 'function'
}

/** Installs `ws` as the global WebSocket in a Node without one (the WebSockets transport dials with it). */
async function ensureWebSocket(): Promise<void> {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function') return
  const specifier = ['w', 's'].join('')
  const mod = (await import(/* @vite-ignore */ specifier)) as { WebSocket: new (...args: any[]) => { on(e: string, f: () => void): void } }
  // An 'error' event without a listener would throw from `ws`'s EventEmitter and crash the
  // process (e.g. a late ECONNREFUSED after the dialer gave up); browsers never throw there.
  class QuietWebSocket extends mod.WebSocket {
    constructor(...args: any[]) {
      super(...args)
      this.on('error', () => {})
    }
  }
  ;(globalThis as { WebSocket?: unknown }).WebSocket = QuietWebSocket
}

/** Options of {@link createMeshLibp2p}. */
export interface MeshLibp2pInit {
  /** Relay multiaddrs (with /p2p/<id>): dialed at start and kept alive. */
  relays: string[]
  /** Listen addresses; defaults to relay reservations, plus /webrtc where WebRTC exists. */
  listen?: string[]
  /** Identity key (protobuf bytes from {@link newPrivateKey}, or the loaded key); a fresh one when absent. */
  privateKey?: Uint8Array | PrivateKey
  /** Gossipsub application-specific score of a peer. */
  appScore: (peerId: string) => number
  /** Peers refused at the gate. */
  isBanned: (peerId: string) => boolean
  /** Inbound peers admitted at the gate (after encryption): see MeshNode's admission. */
  admit?: (peerId: string) => boolean
  /** Topics this node may subscribe to or relay (allowlist). */
  topics: string[]
}

/** A new Ed25519 libp2p identity as protobuf bytes (store them to keep a stable PeerId). */
export async function newPrivateKey(): Promise<Uint8Array> {
  return privateKeyToProtobuf(await generateKeyPair('Ed25519'))
}

/** The libp2p identity key from its protobuf bytes (a fresh Ed25519 one when absent); throws `ERR_INVALID_ARGUMENT`. */
export function loadKey(bytes: Uint8Array | PrivateKey | undefined): Promise<PrivateKey> | PrivateKey {
  if (bytes === undefined) return generateKeyPair('Ed25519')
  if (!(bytes instanceof Uint8Array)) return bytes
  try { return privateKeyFromProtobuf(bytes) } catch (err) { throw new MeshError('ERR_INVALID_ARGUMENT', 'privateKey is not a libp2p private key in protobuf form', { cause: err }) }
}

function b64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** WebCrypto's Ed25519 key for `raw` (32-byte public, or 64-byte private||public), or null where the platform lacks it. */
async function webCryptoEd25519(raw: Uint8Array, use: 'sign' | 'verify'): Promise<CryptoKey | null> {
  try {
    if (use === 'verify') return await crypto.subtle.importKey('raw', Uint8Array.from(raw), { name: 'Ed25519' }, false, ['verify'])
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: b64url(raw.subarray(32, 64)), d: b64url(raw.subarray(0, 32)) }
    return await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['sign'])
  } catch {
    return null
  }
}

/**
 * A signer with the peer key (Ed25519): where WebCrypto has Ed25519 the key is imported once
 * (@libp2p/crypto imports it again for every signature), else the key's own `sign`.
 */
export function peerKeySigner(key: PrivateKey): (message: Uint8Array) => Promise<Uint8Array> {
  const imported = key.type === 'Ed25519' ? webCryptoEd25519(key.raw, 'sign') : Promise.resolve(null)
  return async (message) => {
    const k = await imported
    if (k === null) return await key.sign(message)
    return new Uint8Array(await crypto.subtle.sign('Ed25519', k, Uint8Array.from(message)))
  }
}

/** Ed25519 public keys of peer ids, parsed and imported once (a PeerId of an Ed25519 key embeds the key). */
const peerKeys = new Map<string, Promise<{ key: PublicKey; web: CryptoKey | null } | null>>()
const PEER_KEYS_MAX = 4096

async function peerKey(peerId: string): Promise<{ key: PublicKey; web: CryptoKey | null } | null> {
  let pk: PublicKey | undefined
  try { pk = peerIdFromString(peerId).publicKey } catch { return null }
  if (pk === undefined || pk.type !== 'Ed25519') return null
  return { key: pk, web: await webCryptoEd25519(pk.raw, 'verify') }
}

/**
 * Verifies `signature` over `message` by the Ed25519 key that `peerId` embeds (WebCrypto where
 * the platform has it, else @libp2p/crypto's own). False for any other key type, a malformed
 * peer id or a bad signature; never throws.
 */
export async function verifyPeerSignature(peerId: string, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.byteLength !== 64) return false
  let entry = peerKeys.get(peerId)
  if (entry === undefined) {
    entry = peerKey(peerId)
    if (peerKeys.size >= PEER_KEYS_MAX) peerKeys.delete(peerKeys.keys().next().value as string)
    peerKeys.set(peerId, entry)
  }
  const k = await entry
  if (k === null) return false
  try {
    if (k.web !== null) return await crypto.subtle.verify('Ed25519', k.web, Uint8Array.from(signature), Uint8Array.from(message))
    return await k.key.verify(message, signature)
  } catch {
    return false
  }
}

function gossip(init: { appScore: (p: string) => number; topics: string[]; doPX: boolean }) {
  return gossipsub({
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    runOnLimitedConnection: true,
    emitSelf: false,
    doPX: init.doPX,
    allowedTopics: init.topics,
    maxInboundDataLength: 16 * 1024,
    // No IP colocation penalty: every peer reached through a relay shows the relay's address (and
    // browsers behind one NAT share theirs), so more than 10 honest peers would be graylisted
    // together. Sybils are held off by the chain-bound identity instead (bindings, per-hotkey limits).
    scoreParams: { appSpecificScore: init.appScore, appSpecificWeight: 1, IPColocationFactorWeight: 0 },
    // Offenders get an application score far below the graylist threshold (-80).
    scoreThresholds: { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: -80, acceptPXThreshold: 10, opportunisticGraftThreshold: 20 },
  })
}

const allowAllAddrs = { denyDialMultiaddr: async (): Promise<boolean> => false }

/**
 * libp2p's connection monitor pings every connection each 10 s and aborts it when a ping goes
 * unanswered for its adaptive timeout, at least 5 s. A relay or a tab that stalls for longer
 * (CPU-starved under an attack or a 256-miner round, a long GC, a background tab's throttled
 * timers) then loses every connection at once, and with it every miner's reservation: validators
 * got NO_RESERVATION for miners that were up (64 Node miners on this 2-core machine: 13 to 52 of 64
 * failing a round, 119 ping aborts). Only a peer silent for 30 s is given up; a peer that really
 * left closes its WebSocket, which ends the connection at once without any ping.
 *
 * Every 30 s, not libp2p's 10: each ping is a stream of its own (open, protocol select, echo,
 * close), through two layers of noise and yamux on a relayed connection, and each side pings each
 * connection. A validator with 256 relayed miners answered and sent 51 pings a second, most of its
 * CPU between rounds. Giving up on a silent peer is still a matter of its 30-60 s timeout.
 */
const CONNECTION_MONITOR = { pingInterval: 30_000, pingTimeout: { minTimeout: 30_000, maxTimeout: 60_000 } }

/**
 * yamux without its own keep-alive pings: the connection monitor above already pings every
 * connection (a frame each way on each connection every 30 s, twice over on a relayed one).
 */
const muxer = (): ReturnType<typeof yamux> => yamux({ enableKeepAlive: false })

/**
 * Relayed connections one peer may have through one relay connection, both ways: each rides on a
 * HOP stream that stays open as long as it does, and libp2p allows 64 outbound streams of a
 * protocol per connection unless the stream's options say otherwise (a validator's 65th miner behind
 * a relay got "Too many outbound protocol streams for protocol /libp2p/circuit/relay/0.2.0/hop -
 * 65/64"). The relay takes as many inbound HOP streams per connection, and opens as many STOP
 * streams on its connection to one destination (the other end of each relayed connection).
 */
export const RELAYED_PER_CONNECTION = 1024

/**
 * The circuit transport with {@link RELAYED_PER_CONNECTION} as its HOP streams' limit. The transport
 * opens its HOP stream with the options its `dial` gets, but libp2p's dial queue passes a transport
 * only its own few options (signal, progress), so the limit can't come from `libp2p.dial`: it is set
 * here, on every dial of this transport (WebRTC's signalling dials through it too).
 */
function manyRelayed<T extends (components: never) => { dial(ma: unknown, options: object): Promise<unknown> }>(factory: T): T {
  return ((components: never) => {
    const transport = factory(components)
    const dial = transport.dial.bind(transport)
    transport.dial = async (ma, options) => await dial(ma, { ...options, maxOutboundStreams: RELAYED_PER_CONNECTION })
    return transport
  }) as T
}

/** Creates (not starts) the libp2p node of a mesh peer. */
export async function createMeshLibp2p(init: MeshLibp2pInit): Promise<MeshLibp2p> {
  await ensureWebSocket()
  const webrtc = hasWebRTC()
  // @libp2p/webrtc's dialer can wait forever for an 'init' channel event that already fired (see webrtc-init.ts).
  if (webrtc) patchInitChannelRace()
  const relays = init.relays.map((r) => parseMultiaddr(r))
  const listen = init.listen ?? (webrtc ? ['/p2p-circuit', '/webrtc'] : ['/p2p-circuit'])
  const banned = (peer: PeerId): boolean => init.isBanned(peer.toString())
  const node = await createLibp2p({
    start: false,
    privateKey: await loadKey(init.privateKey),
    addresses: { listen },
    transports: [
      webSockets(),
      manyRelayed(circuitRelayTransport({ reservationCompletionTimeout: 10_000 })),
      ...(webrtc ? [webRTC({ rtcConfiguration: { iceServers: [] } })] : []),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [muxer()],
    connectionGater: {
      // The app configures which relays to dial, loopback and ws:// included (browser default refuses both).
      ...allowAllAddrs,
      denyDialPeer: async (peer) => banned(peer),
      denyInboundEncryptedConnection: async (peer) => banned(peer) || init.admit?.(peer.toString()) === false,
      denyOutboundEncryptedConnection: async (peer) => banned(peer),
    },
    // Every relayed connection shows the relay's address: libp2p's per-address budget (5 new
    // connections/s, 10 pending) would be one budget for all peers behind the relay. Peers are
    // admitted by identity at the gate instead (bound peers always, unidentified ones up to a cap).
    connectionManager: { reconnectRetries: 1_000_000, reconnectRetryInterval: 500, reconnectBackoffFactor: 1.5, dialTimeout: 10_000, inboundConnectionThreshold: 1_000, maxIncomingPendingConnections: 128 },
    connectionMonitor: CONNECTION_MONITOR,
    peerDiscovery: relays.length > 0 ? [bootstrap({ list: relays.map((r) => r.toString()), timeout: 0, tagName: KEEP_ALIVE, tagValue: 100 })] : [],
    services: {
      identify: identify({ runOnLimitedConnection: true }),
      ping: ping(),
      pubsub: gossip({ appScore: init.appScore, topics: init.topics, doPX: false }),
    },
  })
  return node as unknown as MeshLibp2p
}

/** Options of {@link createRelayLibp2p}. */
export interface RelayLibp2pInit {
  host: string
  port: number
  privateKey?: Uint8Array
  maxReservations: number
  /** How long a reservation lasts unless refreshed, ms. */
  reservationTtl: number
  topics: string[]
  /** Data limit per relayed connection, bytes. */
  dataLimit: number
  /** Duration limit per relayed connection, ms. */
  durationLimit: number
  /** The relay's admission decisions (identity, per-IP and per-hotkey caps). */
  gate: {
    denyInboundConnection(remoteAddr: Multiaddr): boolean
    denyInboundRelayReservation(peer: string): Promise<boolean>
    denyOutboundRelayedConnection(src: string, dst: string): Promise<boolean>
  }
}

/** Creates and starts a relay: WebSocket listener, circuit-relay-v2 server, gossipsub hub. */
export async function createRelayLibp2p(init: RelayLibp2pInit): Promise<Libp2p<RelayServices>> {
  await ensureWebSocket()
  const node = await createLibp2p({
    privateKey: await loadKey(init.privateKey),
    addresses: { listen: [`/ip4/${init.host}/tcp/${init.port}/ws`] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [muxer()],
    connectionManager: { maxConnections: 4096, maxIncomingPendingConnections: 256, inboundConnectionThreshold: 1000, maxPeerAddrsToDial: 4 },
    connectionMonitor: CONNECTION_MONITOR,
    connectionGater: {
      ...allowAllAddrs,
      denyInboundConnection: async (maConn) => init.gate.denyInboundConnection(maConn.remoteAddr),
      denyInboundRelayReservation: async (peer) => await init.gate.denyInboundRelayReservation(peer.toString()),
      denyOutboundRelayedConnection: async (src, dst) => await init.gate.denyOutboundRelayedConnection(src.toString(), dst.toString()),
    },
    services: {
      identify: identify({ runOnLimitedConnection: true }),
      ping: ping(),
      pubsub: gossip({ appScore: () => 0, topics: init.topics, doPX: true }),
      relay: circuitRelayServer({
        maxInboundHopStreams: RELAYED_PER_CONNECTION,
        maxOutboundStopStreams: RELAYED_PER_CONNECTION,
        reservations: {
          maxReservations: init.maxReservations,
          reservationTtl: init.reservationTtl,
          // Every relayed connection is limited: enough for challenges, useless as a proxy.
          applyDefaultLimit: true,
          defaultDurationLimit: init.durationLimit,
          defaultDataLimit: BigInt(init.dataLimit),
        },
      }),
    },
  })
  return node as unknown as Libp2p<RelayServices>
}

/** The IP address of a multiaddr, or undefined. */
export function hostOf(ma: Multiaddr): string | undefined {
  return ma.getComponents().find((c) => c.name === 'ip4' || c.name === 'ip6')?.value
}

/** Parses a multiaddr; throws `ERR_INVALID_ARGUMENT`. */
export function parseMultiaddr(s: string): Multiaddr {
  try { return multiaddr(s) } catch (err) { throw new MeshError('ERR_INVALID_ARGUMENT', `'${s}' is not a multiaddr`, { cause: err }) }
}

/** Parses a PeerId; throws `ERR_INVALID_ARGUMENT`. */
export function parsePeerId(s: string): PeerId {
  let id = parsedPeerIds.get(s)
  if (id === undefined) {
    try { id = peerIdFromString(s) } catch (err) { throw new MeshError('ERR_INVALID_ARGUMENT', `'${s}' is not a libp2p PeerId`, { cause: err }) }
    parsedPeerIds.set(s, id)
  }
  return id
}

/**
 * Peer ids parsed (base58 and multihash decoding, the embedded key): a validator looks each miner's
 * up several times a challenge, about a tenth of a millisecond each time. PeerIds are immutable.
 */
const parsedPeerIds = new BoundedMap<string, PeerId>(PEER_KEYS_MAX)

/**
 * True for a connection through a relay. A browser-to-browser WebRTC connection's address also
 * names the relay it was signalled through (`…/p2p-circuit/webrtc/p2p/<peer>`), but is direct.
 */
export function isRelayed(c: Connection): boolean {
  // A connection's remote address never changes; decoding it each time was a validator's every challenge.
  let r = relayedConnections.get(c)
  if (r === undefined) {
    const names = c.remoteAddr.getComponents().map((x) => x.name)
    r = names.includes('p2p-circuit') && !names.includes('webrtc')
    relayedConnections.set(c, r)
  }
  return r
}

const relayedConnections = new WeakMap<Connection, boolean>()

/**
 * Why a stream ended: with nothing pending, what a dropped connection looks like too (retryable,
 * not an offence); inside a frame, a protocol violation unless the connection itself went down.
 */
function endError(pending: number, connection: Connection | undefined): MeshError {
  if (pending === 0) return new MeshConnectionError('ERR_CONNECTION', 'stream ended before a message')
  if (connection !== undefined && connection.status !== 'open') return new MeshConnectionError('ERR_CONNECTION', 'connection closed inside a frame')
  return new MeshProtocolError('ERR_TRUNCATED', 'stream ended inside a frame')
}

/** A stream's 'close': its error as a connection error, else as {@link endError}. */
function closeError(evt: { error?: Error }, pending: number, connection: Connection | undefined): MeshError {
  return evt.error !== undefined ? new MeshConnectionError('ERR_CONNECTION', `stream closed: ${evt.error.message}`, { cause: evt.error }) : endError(pending, connection)
}

/** An aborted read's error: `ERR_TIMEOUT` for a timeout signal, a MeshError reason as it is, else `ERR_ABORTED`. */
function abortReason(signal: AbortSignal): MeshError {
  const reason: unknown = signal.reason
  return reason instanceof DOMException && reason.name === 'TimeoutError'
    ? new MeshTimeoutError('ERR_TIMEOUT', 'timed out waiting for a message')
    : reason instanceof MeshError ? reason : new MeshError('ERR_ABORTED', 'aborted')
}

/**
 * Reads exactly one length-prefixed frame of at most `maxLength` bytes from `stream`.
 * Rejects with `ERR_FRAME_TOO_LARGE`, `ERR_BAD_VARINT`, `ERR_TRUNCATED`, `ERR_TIMEOUT`,
 * `ERR_ABORTED` or `ERR_CONNECTION` (also for a stream that ends before any byte: that is how a
 * dropped connection looks); removes its listeners when it settles.
 */
export function readFrame(stream: Stream, maxLength: number, signal: AbortSignal, connection?: Connection): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const decoder = new FrameDecoder(maxLength)
    const done = (err: Error | undefined, frame?: Uint8Array): void => {
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('close', onClose)
      stream.removeEventListener('end', onEnd)
      signal.removeEventListener('abort', onAbort)
      if (err !== undefined) reject(err)
      else resolve(frame as Uint8Array)
    }
    const onMessage = (evt: { data: Uint8Array | import('uint8arraylist').Uint8ArrayList }): void => {
      try {
        const frames = decoder.push(evt.data)
        if (frames.length > 0) {
          // One message per stream: anything after the first frame is a protocol violation.
          if (frames.length > 1 || decoder.pending > 0) done(new MeshProtocolError('ERR_MALFORMED', 'more than one message on a one-message stream'))
          else done(undefined, frames[0])
        }
      } catch (err) {
        done(err as Error)
      }
    }
    const onEnd = (): void => { done(endError(decoder.pending, connection)) }
    const onClose = (evt: { error?: Error }): void => { done(closeError(evt, decoder.pending, connection)) }
    const onAbort = (): void => { done(abortReason(signal)) }
    if (signal.aborted) { onAbort(); return }
    stream.addEventListener('message', onMessage)
    stream.addEventListener('close', onClose)
    stream.addEventListener('end', onEnd)
    signal.addEventListener('abort', onAbort)
    if (stream.readableEnded) onEnd()
  })
}

/**
 * Reads length-prefixed frames one after another from a stream that carries several (a challenge
 * session: request, response, request, ...): at most one whole frame may wait to be taken; one
 * more is a protocol violation (`ERR_MALFORMED`), so a peer cannot queue work or memory past a
 * frame of `maxLength` or two. The end of the stream rejects the waiting and
 * every later `next` as {@link readFrame} does (`ERR_CONNECTION` between frames, `ERR_TRUNCATED`
 * inside one). `detach` removes its listeners.
 */
export class FrameReader {
  readonly #stream: Stream
  readonly #decoder: FrameDecoder
  readonly #connection: Connection | undefined
  #frame: Uint8Array | null = null
  #failed: Error | null = null
  #waiter: { resolve: (f: Uint8Array) => void; reject: (e: Error) => void } | null = null

  constructor(stream: Stream, maxLength: number, connection?: Connection) {
    this.#stream = stream
    this.#decoder = new FrameDecoder(maxLength)
    this.#connection = connection
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('close', this.#onClose)
    stream.addEventListener('end', this.#onEnd)
    if (stream.readableEnded) this.#onEnd()
  }

  /** The next frame; rejects on `signal` (`ERR_TIMEOUT` for a timeout signal), the stream's end or a violation. */
  next(signal: AbortSignal): Promise<Uint8Array> {
    if (this.#frame !== null) { const f = this.#frame; this.#frame = null; return Promise.resolve(f) }
    if (this.#failed !== null) return Promise.reject(this.#failed)
    if (this.#waiter !== null) return Promise.reject(new MeshError('ERR_INVALID_ARGUMENT', 'a frame is already awaited on this stream'))
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiter = null
        reject(abortReason(signal))
      }
      if (signal.aborted) { onAbort(); return }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiter = {
        resolve: (f) => { signal.removeEventListener('abort', onAbort); this.#waiter = null; resolve(f) },
        reject: (e) => { signal.removeEventListener('abort', onAbort); this.#waiter = null; reject(e) },
      }
    })
  }

  /** The stream ended or broke the protocol: no frame will come. */
  get failed(): boolean {
    return this.#failed !== null
  }

  detach(): void {
    this.#stream.removeEventListener('message', this.#onMessage)
    this.#stream.removeEventListener('close', this.#onClose)
    this.#stream.removeEventListener('end', this.#onEnd)
  }

  #fail(err: Error): void {
    if (this.#failed !== null) return
    this.#failed = err
    this.detach()
    this.#waiter?.reject(err)
  }

  readonly #onMessage = (evt: { data: Uint8Array | import('uint8arraylist').Uint8ArrayList }): void => {
    try {
      for (const f of this.#decoder.push(evt.data)) {
        if (this.#waiter !== null) this.#waiter.resolve(f)
        else if (this.#frame === null) this.#frame = f
        else throw new MeshProtocolError('ERR_MALFORMED', 'another message while one was still waiting to be answered')
      }
    } catch (err) {
      this.#fail(err as Error)
    }
  }

  readonly #onEnd = (): void => { this.#fail(endError(this.#decoder.pending, this.#connection)) }

  readonly #onClose = (evt: { error?: Error }): void => { this.#fail(closeError(evt, this.#decoder.pending, this.#connection)) }
}

/** Writes one frame and keeps the stream open (a session's next frame follows). */
export async function sendFrame(stream: Stream, body: Uint8Array, signal: AbortSignal): Promise<void> {
  try {
    if (!stream.send(encodeFrame(body))) await stream.onDrain({ signal })
  } catch (err) {
    if (err instanceof MeshError) throw err
    throw new MeshConnectionError('ERR_CONNECTION', `could not send: ${(err as Error).message}`, { cause: err })
  }
}

/** Writes one frame and closes our writing side. */
export async function writeFrame(stream: Stream, body: Uint8Array, signal: AbortSignal): Promise<void> {
  await sendFrame(stream, body, signal)
  try {
    await stream.close({ signal })
  } catch (err) {
    if (err instanceof MeshError) throw err
    throw new MeshConnectionError('ERR_CONNECTION', `could not send: ${(err as Error).message}`, { cause: err })
  }
}
