/**
 * How an OCR challenge and its answer travel in the mesh's opaque `payload` / `answer` bytes
 * (framing shared by every task, see ../wire.ts):
 *
 *   payload = u32le(headerLength) || UTF-8 JSON { v: 1, id, width, height, issuedAt, deadline, mime, receipt? } || JPEG
 *   receipt = { id, score }: the validator's verdict on this miner's previous answer (its OCR
 *             challenge id and the score in [0, 1]), carried by the next challenge.
 *   answer  = UTF-8 JSON OcrAnswer (at most 64 words, 64 characters each)
 *
 * Decoders check every field and throw `SubnetError('MALFORMED')`.
 */
import type { TaskCodec, TaskReceipt } from '../task.ts'
import { answerExtras, decodeImageChallenge, decodeJsonAnswer, encodeImageChallenge, encodeJson, malformed, num, readAnswerExtras } from '../wire.ts'
import type { OcrChallenge } from './challenge.ts'
import type { OcrAnswer, OcrWord } from './score.ts'

/** The mesh task name of the OCR challenge. */
export const OCR_WIRE_TASK = 'ocr/1'
const MAX_WORDS = 64
const MAX_WORD_CHARS = 64
const NAME = 'OCR'

/** A validator's verdict on a miner's previous answer. */
export type OcrReceipt = TaskReceipt

/** Encodes a challenge as a mesh payload, with the verdict on the miner's previous answer if any. */
export function encodeOcrChallenge(c: OcrChallenge, receipt?: OcrReceipt): Uint8Array {
  return encodeImageChallenge(c, receipt)
}

/** Decodes a mesh payload to the challenge the solver takes. */
export function decodeOcrChallenge(payload: Uint8Array): OcrChallenge {
  return decodeOcrChallengeWithReceipt(payload).challenge
}

/** Decodes a mesh payload to the challenge and the verdict on the previous answer (null when absent). */
export function decodeOcrChallengeWithReceipt(payload: Uint8Array): { challenge: OcrChallenge; receipt: OcrReceipt | null } {
  const { fields, receipt } = decodeImageChallenge(NAME, payload)
  return { challenge: { task: 'ocr', ...fields }, receipt }
}

/** Encodes an answer (boxes rounded to 0.1 px, confidences to 1e-4). */
export function encodeOcrAnswer(a: OcrAnswer): Uint8Array {
  const r = (x: number, k: number): number => Math.round(x * k) / k
  return encodeJson({
    id: a.id,
    words: a.words.slice(0, MAX_WORDS).map((w) => ({ text: w.text.slice(0, MAX_WORD_CHARS), confidence: r(w.confidence, 1e4), box: { x: r(w.box.x, 10), y: r(w.box.y, 10), width: r(w.box.width, 10), height: r(w.box.height, 10) } })),
    ...answerExtras(a),
  })
}

/** Decodes and checks an answer. */
export function decodeOcrAnswer(bytes: Uint8Array): OcrAnswer {
  const j = decodeJsonAnswer(NAME, bytes)
  const words = j['words']
  if (!Array.isArray(words) || words.length > MAX_WORDS) throw malformed(NAME, `answer: words must be an array of at most ${MAX_WORDS}`)
  const out: OcrWord[] = words.map((w: unknown) => {
    const o = w as { text?: unknown; confidence?: unknown; box?: Record<string, unknown> }
    if (typeof o !== 'object' || o === null || typeof o.text !== 'string' || o.text.length > MAX_WORD_CHARS) throw malformed(NAME, 'answer: a word has no text')
    const b = (typeof o.box === 'object' && o.box !== null ? o.box : {})
    return { text: o.text, confidence: num(o.confidence), box: { x: num(b['x']), y: num(b['y']), width: num(b['width']), height: num(b['height']) } }
  })
  return { id: j.id, words: out, ...readAnswerExtras(j) }
}

/** The OCR codec as a {@link TaskCodec}. */
export const ocrWire: TaskCodec<OcrChallenge, OcrAnswer> = Object.freeze({
  encodeChallenge: encodeOcrChallenge,
  decodeChallenge: decodeOcrChallengeWithReceipt,
  encodeAnswer: encodeOcrAnswer,
  decodeAnswer: decodeOcrAnswer,
})
