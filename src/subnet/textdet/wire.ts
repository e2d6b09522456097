/**
 * How a text-detection challenge and its answer travel in the mesh's opaque bytes (framing of
 * ../wire.ts):
 *
 *   payload = u32le(headerLength) || UTF-8 JSON { v: 1, id, width, height, issuedAt, deadline, mime, receipt? } || JPEG
 *   answer  = UTF-8 JSON { id, boxes: [{ x, y, width, height }] (at most 64), latencyMs?, ep? }
 *
 * Decoders check every field and throw `SubnetError('MALFORMED')`.
 */
import type { TaskCodec, TaskReceipt } from '../task.ts'
import { answerExtras, decodeImageChallenge, decodeJsonAnswer, encodeImageChallenge, encodeJson, malformed, readAnswerExtras } from '../wire.ts'
import type { TextBox, TextdetChallenge } from './challenge.ts'
import type { TextdetAnswer } from './score.ts'

/** The mesh task name of the text-detection challenge. */
export const TEXTDET_WIRE_TASK = 'textdet/1'
/** Most boxes an answer may hold. */
export const TEXTDET_MAX_BOXES = 64
const NAME = 'text-detection'

function decodeAnswer(bytes: Uint8Array): TextdetAnswer {
  const j = decodeJsonAnswer(NAME, bytes)
  const boxes = j['boxes']
  if (!Array.isArray(boxes) || boxes.length > TEXTDET_MAX_BOXES) throw malformed(NAME, `answer: boxes must be an array of at most ${TEXTDET_MAX_BOXES}`)
  const out: TextBox[] = boxes.map((b: unknown, k) => {
    if (typeof b !== 'object' || b === null) throw malformed(NAME, `answer: boxes[${k}] is not an object`)
    const o = b as Record<string, unknown>
    for (const f of ['x', 'y', 'width', 'height']) if (typeof o[f] !== 'number' || !Number.isFinite(o[f])) throw malformed(NAME, `answer: boxes[${k}].${f} is not a finite number`)
    return { x: o['x'] as number, y: o['y'] as number, width: o['width'] as number, height: o['height'] as number }
  })
  return { id: j.id, boxes: out, ...readAnswerExtras(j) }
}

/** The text-detection codec. */
export const textdetWire: TaskCodec<TextdetChallenge, TextdetAnswer> = Object.freeze({
  encodeChallenge: (c: TextdetChallenge, receipt?: TaskReceipt) => encodeImageChallenge(c, receipt),
  decodeChallenge: (payload: Uint8Array) => {
    const { fields, receipt } = decodeImageChallenge(NAME, payload)
    return { challenge: { task: 'textdet' as const, ...fields }, receipt }
  },
  encodeAnswer: (a: TextdetAnswer) => {
    const r = (x: number, k: number): number => Math.round(x * k) / k
    return encodeJson({ id: a.id, boxes: a.boxes.slice(0, TEXTDET_MAX_BOXES).map((b) => ({ x: r(b.x, 10), y: r(b.y, 10), width: r(b.width, 10), height: r(b.height, 10) })), ...answerExtras(a) })
  },
  decodeAnswer,
})
