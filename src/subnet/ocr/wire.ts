/**
 * How an OCR challenge and its answer travel in the mesh's opaque `payload` / `answer` bytes.
 *
 *   payload = u32le(headerLength) || UTF-8 JSON { v: 1, id, width, height, issuedAt, deadline, mime, receipt? } || JPEG
 *   receipt = { id, score }: the validator's verdict on this miner's previous answer (its OCR
 *             challenge id and the score in [0, 1]), carried by the next challenge.
 *   answer  = UTF-8 JSON OcrAnswer (at most 64 words, 64 characters each)
 *
 * Decoders check every field and throw `RolesError('MALFORMED')`.
 */
import type { OcrAnswer, OcrChallenge, OcrWord } from '../subnet/index.ts'
import { RolesError } from './errors.ts'

/** The mesh task name of the OCR challenge. */
export const OCR_WIRE_TASK = 'ocr/1'
const MAX_WORDS = 64
const MAX_WORD_CHARS = 64
const MAX_HEADER = 1024

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

function malformed(what: string): RolesError {
  return new RolesError('MALFORMED', `malformed OCR ${what}`)
}

/** A validator's verdict on a miner's previous answer. */
export interface OcrReceipt {
  /** The OCR challenge id that answer was for. */
  id: string
  /** Its score, in [0, 1]. */
  score: number
}

/** Encodes a challenge as a mesh payload, with the verdict on the miner's previous answer if any. */
export function encodeOcrChallenge(c: OcrChallenge, receipt?: OcrReceipt): Uint8Array {
  const header = enc.encode(JSON.stringify({ v: 1, id: c.id, width: c.width, height: c.height, issuedAt: c.issuedAt, deadline: c.deadline, mime: c.mime, ...(receipt !== undefined ? { receipt: { id: receipt.id, score: Math.round(receipt.score * 1e4) / 1e4 } } : {}) }))
  const out = new Uint8Array(4 + header.byteLength + c.image.byteLength)
  new DataView(out.buffer).setUint32(0, header.byteLength, true)
  out.set(header, 4)
  out.set(c.image, 4 + header.byteLength)
  return out
}

/** Decodes a mesh payload to the challenge the solver takes. */
export function decodeOcrChallenge(payload: Uint8Array): OcrChallenge {
  return decodeOcrChallengeWithReceipt(payload).challenge
}

/** Decodes a mesh payload to the challenge and the verdict on the previous answer (null when absent). */
export function decodeOcrChallengeWithReceipt(payload: Uint8Array): { challenge: OcrChallenge; receipt: OcrReceipt | null } {
  if (payload.byteLength < 4) throw malformed('challenge: too short')
  const n = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0, true)
  if (n === 0 || n > MAX_HEADER || 4 + n > payload.byteLength) throw malformed('challenge: bad header length')
  let h: Record<string, unknown>
  try { h = JSON.parse(dec.decode(payload.subarray(4, 4 + n))) as Record<string, unknown> } catch { throw malformed('challenge: header is not JSON') }
  const int = (k: string): number => {
    const v = h[k]
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw malformed(`challenge: '${k}' is not a non-negative integer`)
    return v
  }
  if (h['v'] !== 1) throw malformed('challenge: unknown version')
  if (typeof h['id'] !== 'string' || !/^[0-9a-f]{8,64}$/u.test(h['id'])) throw malformed('challenge: bad id')
  if (h['mime'] !== 'image/jpeg') throw malformed('challenge: only image/jpeg is supported')
  const width = int('width')
  const height = int('height')
  if (width === 0 || height === 0 || width > 4096 || height > 4096) throw malformed('challenge: image size out of range')
  const image = payload.slice(4 + n)
  if (image.byteLength < 4 || image[0] !== 0xff || image[1] !== 0xd8) throw malformed('challenge: image is not a JPEG')
  let receipt: OcrReceipt | null = null
  if (h['receipt'] !== undefined) {
    const r = h['receipt'] as { id?: unknown; score?: unknown } | null
    if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || !/^[0-9a-f]{8,64}$/u.test(r.id)) throw malformed('challenge: bad receipt id')
    if (typeof r.score !== 'number' || !(r.score >= 0 && r.score <= 1)) throw malformed('challenge: receipt score must be in [0, 1]')
    receipt = { id: r.id, score: r.score }
  }
  return { challenge: { task: 'ocr', id: h['id'], mime: 'image/jpeg', image, width, height, issuedAt: int('issuedAt'), deadline: int('deadline') }, receipt }
}

/** Encodes an answer (boxes rounded to 0.1 px, confidences to 1e-4). */
export function encodeOcrAnswer(a: OcrAnswer): Uint8Array {
  const r = (x: number, k: number): number => Math.round(x * k) / k
  return enc.encode(JSON.stringify({
    id: a.id,
    words: a.words.slice(0, MAX_WORDS).map((w) => ({ text: w.text.slice(0, MAX_WORD_CHARS), confidence: r(w.confidence, 1e4), box: { x: r(w.box.x, 10), y: r(w.box.y, 10), width: r(w.box.width, 10), height: r(w.box.height, 10) } })),
    ...(a.latencyMs !== undefined ? { latencyMs: Math.round(a.latencyMs) } : {}),
    ...(a.ep !== undefined ? { ep: a.ep.slice(0, 32) } : {}),
  }))
}

/** Decodes and checks an answer. */
export function decodeOcrAnswer(bytes: Uint8Array): OcrAnswer {
  let j: Record<string, unknown>
  try { j = JSON.parse(dec.decode(bytes)) as Record<string, unknown> } catch { throw malformed('answer: not JSON') }
  if (typeof j !== 'object' || j === null) throw malformed('answer: not an object')
  if (typeof j['id'] !== 'string' || j['id'].length > 64) throw malformed('answer: bad id')
  const words = j['words']
  if (!Array.isArray(words) || words.length > MAX_WORDS) throw malformed(`answer: words must be an array of at most ${MAX_WORDS}`)
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
  const out: OcrWord[] = words.map((w: unknown) => {
    const o = w as { text?: unknown; confidence?: unknown; box?: Record<string, unknown> }
    if (typeof o !== 'object' || o === null || typeof o.text !== 'string' || o.text.length > MAX_WORD_CHARS) throw malformed('answer: a word has no text')
    const b = (typeof o.box === 'object' && o.box !== null ? o.box : {})
    return { text: o.text, confidence: num(o.confidence), box: { x: num(b['x']), y: num(b['y']), width: num(b['width']), height: num(b['height']) } }
  })
  return { id: j['id'], words: out, ...(typeof j['latencyMs'] === 'number' ? { latencyMs: j['latencyMs'] } : {}), ...(typeof j['ep'] === 'string' ? { ep: j['ep'] } : {}) }
}
