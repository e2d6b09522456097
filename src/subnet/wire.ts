/**
 * The framing tasks share for their mesh payloads (each task's codec decides the header fields
 * and the body):
 *
 *   challenge = u32le(headerLength) || UTF-8 JSON header { v, id, ..., receipt? } || body bytes
 *   receipt   = { id, score }: the validator's verdict on this miner's previous answer
 *   answer    = UTF-8 JSON (task-specific, bounded by the task)
 *
 * Every failure is `SubnetError('MALFORMED')` naming the task and the field.
 */
import { SubnetError } from './errors.ts'
import type { TaskReceipt } from './task.ts'

/** Largest challenge header, bytes. */
export const MAX_HEADER = 1024
/** What an id looks like (hex, 4..32 bytes). */
const ID = /^[0-9a-f]{8,64}$/u

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

/** A MALFORMED error for `task` ("malformed OCR challenge: ..."). */
export function malformed(task: string, what: string): SubnetError {
  return new SubnetError('MALFORMED', `malformed ${task} ${what}`)
}

/** Frames a JSON header (with the receipt, scores rounded to 1e-4) and a body. */
export function encodeFrame(header: Record<string, unknown>, body: Uint8Array, receipt?: TaskReceipt): Uint8Array {
  const h = enc.encode(JSON.stringify({ ...header, ...(receipt !== undefined ? { receipt: { id: receipt.id, score: Math.round(receipt.score * 1e4) / 1e4 } } : {}) }))
  const out = new Uint8Array(4 + h.byteLength + body.byteLength)
  new DataView(out.buffer).setUint32(0, h.byteLength, true)
  out.set(h, 4)
  out.set(body, 4 + h.byteLength)
  return out
}

/** Reads a frame: the header's fields through checked getters, the body (a copy), the receipt. */
export function decodeFrame(task: string, payload: Uint8Array): { header: FrameHeader; body: Uint8Array; receipt: TaskReceipt | null } {
  if (payload.byteLength < 4) throw malformed(task, 'challenge: too short')
  const n = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0, true)
  if (n === 0 || n > MAX_HEADER || 4 + n > payload.byteLength) throw malformed(task, 'challenge: bad header length')
  let h: Record<string, unknown>
  try { h = JSON.parse(dec.decode(payload.subarray(4, 4 + n))) as Record<string, unknown> } catch { throw malformed(task, 'challenge: header is not JSON') }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw malformed(task, 'challenge: header is not an object')
  let receipt: TaskReceipt | null = null
  if (h['receipt'] !== undefined) {
    const r = h['receipt'] as { id?: unknown; score?: unknown } | null
    if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || !ID.test(r.id)) throw malformed(task, 'challenge: bad receipt id')
    if (typeof r.score !== 'number' || !(r.score >= 0 && r.score <= 1)) throw malformed(task, 'challenge: receipt score must be in [0, 1]')
    receipt = { id: r.id, score: r.score }
  }
  return { header: new FrameHeader(task, h), body: payload.slice(4 + n), receipt }
}

/** A decoded header with checked getters (each names the field it refuses). */
export class FrameHeader {
  constructor(private readonly task: string, readonly raw: Record<string, unknown>) {}
  /** A non-negative safe integer. */
  int(k: string): number {
    const v = this.raw[k]
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw malformed(this.task, `challenge: '${k}' is not a non-negative integer`)
    return v
  }
  /** The challenge id (hex). */
  id(): string {
    const v = this.raw['id']
    if (typeof v !== 'string' || !ID.test(v)) throw malformed(this.task, 'challenge: bad id')
    return v
  }
}

/** Encodes a JSON answer. */
export function encodeJson(value: unknown): Uint8Array {
  return enc.encode(JSON.stringify(value))
}

/** Decodes a JSON answer object with its id (at most 64 characters). */
export function decodeJsonAnswer(task: string, bytes: Uint8Array): Record<string, unknown> & { id: string } {
  let j: Record<string, unknown>
  try { j = JSON.parse(dec.decode(bytes)) as Record<string, unknown> } catch { throw malformed(task, 'answer: not JSON') }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw malformed(task, 'answer: not an object')
  if (typeof j['id'] !== 'string' || j['id'].length > 64) throw malformed(task, 'answer: bad id')
  return j as Record<string, unknown> & { id: string }
}

/** The optional fields every answer may carry (`latencyMs` rounded, `ep` at most 32 characters). */
export function answerExtras(a: { latencyMs?: number; ep?: string }): { latencyMs?: number; ep?: string } {
  return { ...(a.latencyMs !== undefined ? { latencyMs: Math.round(a.latencyMs) } : {}), ...(a.ep !== undefined ? { ep: a.ep.slice(0, 32) } : {}) }
}

/** Reads back {@link answerExtras}. */
export function readAnswerExtras(j: Record<string, unknown>): { latencyMs?: number; ep?: string } {
  return { ...(typeof j['latencyMs'] === 'number' ? { latencyMs: j['latencyMs'] } : {}), ...(typeof j['ep'] === 'string' ? { ep: j['ep'] } : {}) }
}

/** A finite number, else 0 (answer fields a miner may garble without harming anyone but itself). */
export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0
}

/** A JPEG image body check (SOI marker). */
export function assertJpegBody(task: string, image: Uint8Array): void {
  if (image.byteLength < 4 || image[0] !== 0xff || image[1] !== 0xd8) throw malformed(task, 'challenge: image is not a JPEG')
}

/** The fields of an image challenge (OCR, text detection): a JPEG and its size. */
export interface ImageChallengeFields {
  /** 128-bit random id, hex. */
  id: string
  mime: 'image/jpeg'
  /** The JPEG bytes. */
  image: Uint8Array
  width: number
  height: number
  /** Unix ms when made. */
  issuedAt: number
  /** Unix ms after which answers score 0. */
  deadline: number
}

/** Frames an image challenge: header `{ v: 1, id, width, height, issuedAt, deadline, mime, receipt? }`, body the JPEG. */
export function encodeImageChallenge(c: ImageChallengeFields, receipt?: TaskReceipt): Uint8Array {
  return encodeFrame({ v: 1, id: c.id, width: c.width, height: c.height, issuedAt: c.issuedAt, deadline: c.deadline, mime: c.mime }, c.image, receipt)
}

/** Reads an image challenge (sides 1..4096, a JPEG body). */
export function decodeImageChallenge(task: string, payload: Uint8Array): { fields: ImageChallengeFields; receipt: TaskReceipt | null } {
  const { header: h, body: image, receipt } = decodeFrame(task, payload)
  if (h.raw['v'] !== 1) throw malformed(task, 'challenge: unknown version')
  const id = h.id()
  if (h.raw['mime'] !== 'image/jpeg') throw malformed(task, 'challenge: only image/jpeg is supported')
  const width = h.int('width')
  const height = h.int('height')
  if (width === 0 || height === 0 || width > 4096 || height > 4096) throw malformed(task, 'challenge: image size out of range')
  assertJpegBody(task, image)
  return { fields: { id, mime: 'image/jpeg', image, width, height, issuedAt: h.int('issuedAt'), deadline: h.int('deadline') }, receipt }
}
