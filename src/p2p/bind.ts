/**
 * The binding exchange, `/webtensor/bind/1.0.0`: as soon as a connection opens, each side that
 * has a hotkey sends its encoded binding on one stream (one length-prefixed frame). Relays admit
 * reservations and relayed connections only for peers whose binding verified, and nodes close a
 * connection whose peer shows none within `bindTimeoutMs`. Both ends use these two helpers.
 */
import { decodeBinding, encodeBinding, type Binding } from './binding.ts'
import { MeshConnectionError, MeshError } from './errors.ts'
import { readFrame, writeFrame, type Connection, type Stream } from './libp2p.ts'

/** The protocol id. */
export const BIND_PROTOCOL = '/webtensor/bind/1.0.0'

/** An encoded binding is about 150 bytes; anything longer is refused from its length prefix. */
const MAX_BINDING_BYTES = 512

/** Sends `binding` to the peer of `conn`. Never throws: a peer that misses it closes the connection later. */
export async function pushBinding(conn: Connection, binding: Binding, timeoutMs: number): Promise<boolean> {
  if (conn.status !== 'open') return false
  const signal = AbortSignal.timeout(timeoutMs)
  let stream: Stream | undefined
  try {
    stream = await conn.newStream(BIND_PROTOCOL, { signal, runOnLimitedConnection: true })
    await writeFrame(stream, encodeBinding(binding), signal)
    return true
  } catch (err) {
    stream?.abort(err instanceof Error ? err : new MeshConnectionError('ERR_CONNECTION', String(err)))
    return false
  }
}

/** Reads the binding a peer sent on a bind stream; throws a typed {@link MeshError}. */
export async function readBinding(stream: Stream, connection: Connection, timeoutMs: number): Promise<Binding> {
  const frame = await readFrame(stream, MAX_BINDING_BYTES, AbortSignal.timeout(timeoutMs), connection)
  const b = decodeBinding(frame)
  stream.close().catch(() => {})
  return b
}

/** True for the errors that say the peer is not who it claims (not a dropped connection). */
export function isBindingRefusal(err: unknown): boolean {
  return err instanceof MeshError && !(err instanceof MeshConnectionError) && err.code !== 'ERR_TIMEOUT' && err.code !== 'ERR_ABORTED'
}
