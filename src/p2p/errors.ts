/**
 * Errors of the mesh. Every error thrown by src/p2p is a {@link MeshError} with a stable `code`;
 * subclasses exist only where a caller acts differently (retry, give up, blame the remote).
 */

/** Stable error codes of the mesh (also sent on the wire in `WireError.code`). */
export type MeshErrorCode =
  | 'ERR_FRAME_TOO_LARGE' // a length prefix above the limit
  | 'ERR_BAD_VARINT' // a length prefix that is not a valid varint
  | 'ERR_MALFORMED' // bytes that do not decode to the expected message
  | 'ERR_TRUNCATED' // the stream ended inside a frame
  | 'ERR_BINDING_INVALID' // wrong signature, wrong peer, wrong subnet or expired
  | 'ERR_NOT_REGISTERED' // hotkey not registered on the subnet
  | 'ERR_NO_PERMIT' // hotkey without a validator permit
  | 'ERR_BAD_SIGNATURE' // answer signature does not verify
  | 'ERR_REPLAY' // an answer for another or an already answered challenge
  | 'ERR_RATE_LIMITED'
  | 'ERR_TOO_MANY_STREAMS'
  | 'ERR_BANNED'
  | 'ERR_TIMEOUT'
  | 'ERR_DEADLINE' // the challenge deadline passed before an answer
  | 'ERR_HANDLER' // the miner's task handler failed
  | 'ERR_CONNECTION' // could not reach the peer, or the connection died mid-request
  | 'ERR_ABORTED'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_NOT_STARTED'
  | 'ERR_BUSY' // the miner's queue (or this validator's stake share of it) is full: try later

/** Base class of every mesh error. */
export class MeshError extends Error {
  override name = 'MeshError'
  /** Stable machine-readable code. */
  readonly code: MeshErrorCode
  constructor(code: MeshErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
  /** The error as plain data, for postMessage across a worker boundary. */
  toJSON(): { name: string; code: MeshErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message }
  }
}

/** The remote peer sent something that breaks the protocol (its fault: it loses score). */
export class MeshProtocolError extends MeshError {
  override name = 'MeshProtocolError'
}

/** The remote peer refused our request and said why (`code` is the remote's code). */
export class MeshRefusedError extends MeshError {
  override name = 'MeshRefusedError'
}

/** The peer could not be reached or the connection dropped: the request may be retried. */
export class MeshConnectionError extends MeshError {
  override name = 'MeshConnectionError'
}

/** A timeout or deadline passed. */
export class MeshTimeoutError extends MeshError {
  override name = 'MeshTimeoutError'
}

const CODES = new Set<string>([
  'ERR_FRAME_TOO_LARGE', 'ERR_BAD_VARINT', 'ERR_MALFORMED', 'ERR_TRUNCATED', 'ERR_BINDING_INVALID',
  'ERR_NOT_REGISTERED', 'ERR_NO_PERMIT', 'ERR_BAD_SIGNATURE', 'ERR_REPLAY', 'ERR_RATE_LIMITED',
  'ERR_TOO_MANY_STREAMS', 'ERR_BANNED', 'ERR_TIMEOUT', 'ERR_DEADLINE', 'ERR_HANDLER', 'ERR_CONNECTION',
  'ERR_ABORTED', 'ERR_INVALID_ARGUMENT', 'ERR_NOT_STARTED', 'ERR_BUSY',
])

/** Narrows a string received from the wire to a known code (unknown codes become ERR_MALFORMED). */
export function toMeshErrorCode(code: string): MeshErrorCode {
  return CODES.has(code) ? (code as MeshErrorCode) : 'ERR_MALFORMED'
}

/** Rebuilds a mesh error sent as data (`toJSON()`) on the other side of a worker boundary. */
export function meshErrorFromJSON(data: { name?: string; code: string; message: string }): MeshError {
  const code = toMeshErrorCode(data.code)
  switch (data.name) {
    case 'MeshProtocolError': return new MeshProtocolError(code, data.message)
    case 'MeshRefusedError': return new MeshRefusedError(code, data.message)
    case 'MeshConnectionError': return new MeshConnectionError(code, data.message)
    case 'MeshTimeoutError': return new MeshTimeoutError(code, data.message)
    default: return new MeshError(code, data.message)
  }
}
