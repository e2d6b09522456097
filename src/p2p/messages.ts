/**
 * Codecs of the challenge protocol and presence messages: protobuf bodies (./wire.proto),
 * checked field by field so that any decoded message has sane sizes. Every failure is a
 * {@link MeshProtocolError} with code `ERR_MALFORMED`.
 */
import { MeshProtocolError, toMeshErrorCode, type MeshErrorCode } from './errors.ts'
import { bindingFromWire, bindingToWire, type Binding } from './binding.ts'
import { ChallengeRequest as WireRequest, ChallengeResponse as WireResponse, Presence as WirePresence } from './wire.ts'

/** A challenge as the validator sends it. */
export interface Challenge {
  /** 8..64 random bytes, unique per challenge; a retry reuses the id. */
  id: Uint8Array
  /** Task name, e.g. 'ocr/1'. */
  task: string
  /** Opaque task input. */
  payload: Uint8Array
  /** Answer due by this time, ms since the epoch. */
  deadline: number
}

/** A decoded request: the validator's binding and its challenge. */
export interface RequestMessage {
  binding: Binding
  challenge: Challenge
}

/** A decoded response: an answer, or the miner's refusal. */
export type ResponseMessage =
  | {
    ok: true
    id: Uint8Array
    answer: Uint8Array
    /** Ed25519 by the peer key of `binding.peerId` over answerMessage(validator peer, id, answer) (wire: peer_signature). */
    signature: Uint8Array
    binding: Binding
  }
  | { ok: false; code: MeshErrorCode; message: string }

/** A presence announcement. */
export interface PresenceMessage {
  binding: Binding
  model: string
  capacity: number
  ts: number
  signature: Uint8Array
}

const MAX_TASK = 64
const MAX_MODEL = 128
const MAX_ERROR_TEXT = 512

function malformed(what: string, cause?: unknown): MeshProtocolError {
  return new MeshProtocolError('ERR_MALFORMED', `malformed ${what}`, cause === undefined ? undefined : { cause })
}

function checkId(id: Uint8Array, what: string): void {
  if (id.byteLength < 8 || id.byteLength > 64) throw malformed(`${what}: challenge id must be 8..64 bytes`)
}

/** Encodes a request body (unframed). */
export function encodeRequest(m: RequestMessage): Uint8Array {
  return WireRequest.encode({
    binding: bindingToWire(m.binding),
    challenge: { id: m.challenge.id as Uint8Array<ArrayBuffer>, task: m.challenge.task, payload: m.challenge.payload as Uint8Array<ArrayBuffer>, deadline: BigInt(m.challenge.deadline) },
  })
}

/** Decodes and checks a request body. */
export function decodeRequest(bytes: Uint8Array, maxPayload: number): RequestMessage {
  let w: WireRequest
  try { w = WireRequest.decode(bytes) } catch (err) { throw malformed('request', err) }
  const c = w.challenge
  if (c === undefined) throw malformed('request: no challenge')
  checkId(c.id, 'request')
  if (c.task.length === 0 || c.task.length > MAX_TASK) throw malformed('request: task name must be 1..64 characters')
  if (c.payload.byteLength > maxPayload) throw new MeshProtocolError('ERR_FRAME_TOO_LARGE', `challenge payload of ${c.payload.byteLength} bytes is above the limit of ${maxPayload}`)
  if (c.deadline === 0n || c.deadline > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('request: deadline out of range')
  return { binding: bindingFromWire(w.binding), challenge: { id: c.id, task: c.task, payload: c.payload, deadline: Number(c.deadline) } }
}

/** Encodes a response body (unframed). */
export function encodeResponse(m: ResponseMessage): Uint8Array {
  if (!m.ok) return WireResponse.encode({ id: new Uint8Array(0), answer: new Uint8Array(0), peerSignature: new Uint8Array(0), error: { code: m.code, message: m.message.slice(0, MAX_ERROR_TEXT) } })
  return WireResponse.encode({ id: m.id as Uint8Array<ArrayBuffer>, answer: m.answer as Uint8Array<ArrayBuffer>, peerSignature: m.signature as Uint8Array<ArrayBuffer>, binding: bindingToWire(m.binding) })
}

/** Decodes and checks a response body. */
export function decodeResponse(bytes: Uint8Array, maxAnswer: number): ResponseMessage {
  let w: WireResponse
  try { w = WireResponse.decode(bytes) } catch (err) { throw malformed('response', err) }
  if (w.error !== undefined) return { ok: false, code: toMeshErrorCode(w.error.code), message: w.error.message.slice(0, MAX_ERROR_TEXT) }
  checkId(w.id, 'response')
  if (w.answer.byteLength > maxAnswer) throw new MeshProtocolError('ERR_FRAME_TOO_LARGE', `answer of ${w.answer.byteLength} bytes is above the limit of ${maxAnswer}`)
  // A version-1 answer (hotkey signature in field 3, now reserved) has no peer signature.
  if (w.peerSignature.byteLength !== 64) throw malformed(`response: peer_signature is ${w.peerSignature.byteLength === 0 ? 'missing (a version-1 answer?)' : 'not 64 bytes'}`)
  return { ok: true, id: w.id, answer: w.answer, signature: w.peerSignature, binding: bindingFromWire(w.binding) }
}

/** Encodes a presence message. */
export function encodePresence(m: PresenceMessage): Uint8Array {
  return WirePresence.encode({ binding: bindingToWire(m.binding), model: m.model, capacity: m.capacity, ts: BigInt(m.ts), signature: m.signature as Uint8Array<ArrayBuffer> })
}

/** Decodes and checks a presence message. */
export function decodePresence(bytes: Uint8Array): PresenceMessage {
  let w: WirePresence
  try { w = WirePresence.decode(bytes) } catch (err) { throw malformed('presence', err) }
  if (w.model.length > MAX_MODEL) throw malformed('presence: model name above 128 characters')
  if (w.signature.byteLength !== 64) throw malformed('presence: signature is not 64 bytes')
  if (w.ts === 0n || w.ts > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('presence: timestamp out of range')
  return { binding: bindingFromWire(w.binding), model: w.model, capacity: w.capacity, ts: Number(w.ts), signature: w.signature }
}
