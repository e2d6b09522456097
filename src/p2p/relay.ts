/**
 * The relay (Node only): a WebSocket listener, circuit-relay-v2 server with reservation limits,
 * the mesh's bootstrap peer and a gossipsub hub. Browsers reach each other through it and then
 * upgrade to direct WebRTC; Node validators reach browser miners through it.
 */
import { createRelayLibp2p } from './libp2p.ts'
import { presenceTopic } from './node.ts'
import { MeshError } from './errors.ts'

/** Options of {@link startRelay}. */
export interface RelayInit {
  /** TCP port of the WebSocket listener (default 0: any free port). */
  port?: number
  /** Interface to listen on (default 127.0.0.1). */
  host?: string
  /** Stable identity (protobuf private key bytes, see `newPrivateKey`), so the relay keeps its PeerId across restarts. */
  privateKey?: Uint8Array
  /** Subnets whose presence topics the relay carries (default [1]). */
  netuids?: number[]
  /** Most simultaneous reservations (default 1024). */
  maxReservations?: number
  /** Most connections from one IP address (default 256). */
  maxConnectionsPerIp?: number
  /** Byte limit per relayed connection (default 0: none; miners answer validators over relayed connections from Node). */
  dataLimit?: number
  /** Time limit per relayed connection, ms (default 0: none). */
  durationLimit?: number
  /** Stops the relay when aborted. */
  signal?: AbortSignal
}

/** A running relay. */
export interface Relay {
  /** Full multiaddrs including /p2p/<peer id>: give these to the app (config.json `relay`). */
  multiaddrs: string[]
  peerId: string
  /** Stops the relay. Idempotent. */
  stop(): Promise<void>
}

/** Starts a relay and resolves once it listens. */
export async function startRelay(init: RelayInit = {}): Promise<Relay> {
  const port = init.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MeshError('ERR_INVALID_ARGUMENT', `port ${port} is not in 0..65535`)
  init.signal?.throwIfAborted()
  const node = await createRelayLibp2p({
    host: init.host ?? '127.0.0.1',
    port,
    ...(init.privateKey !== undefined ? { privateKey: init.privateKey } : {}),
    maxReservations: init.maxReservations ?? 1024,
    maxConnectionsPerIp: init.maxConnectionsPerIp ?? 256,
    dataLimit: init.dataLimit ?? 0,
    durationLimit: init.durationLimit ?? 0,
    topics: (init.netuids ?? [1]).map((n) => presenceTopic(n)),
  })
  await node.start()
  for (const n of init.netuids ?? [1]) node.services.pubsub.subscribe(presenceTopic(n))
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    init.signal?.removeEventListener('abort', onAbort)
    await node.stop()
  }
  const onAbort = (): void => { void stop() }
  init.signal?.addEventListener('abort', onAbort, { once: true })
  return { multiaddrs: node.getMultiaddrs().map((m) => m.toString()), peerId: node.peerId.toString(), stop }
}
