/**
 * Validator side of text detection: the OCR task's renderer draws random words at places only
 * the validator knows; the truth is their boxes (the miner is asked where the text is, not what
 * it says).
 */
import { makeOcrChallenge, type OcrMakeOptions } from '../ocr/challenge.ts'
import type { ImageChallengeFields } from '../wire.ts'

/** An axis-aligned box, pixels. */
export interface TextBox {
  x: number
  y: number
  width: number
  height: number
}

/** What the miner receives: a JPEG with words on it. */
export interface TextdetChallenge extends ImageChallengeFields {
  task: 'textdet'
}

/** What the validator keeps: where each word was drawn (bounds of its rotated line box). */
export interface TextdetTruth {
  id: string
  boxes: TextBox[]
  issuedAt: number
  deadline: number
}

/** Options of {@link makeTextdetChallenge} (the OCR renderer's). */
export type TextdetMakeOptions = OcrMakeOptions

/** Makes one challenge. Every random choice comes from the platform CSPRNG. */
export async function makeTextdetChallenge(options: TextdetMakeOptions = {}): Promise<{ challenge: TextdetChallenge; truth: TextdetTruth }> {
  const { challenge: c, truth: t } = await makeOcrChallenge(options)
  return {
    challenge: { task: 'textdet', id: c.id, mime: c.mime, image: c.image, width: c.width, height: c.height, issuedAt: c.issuedAt, deadline: c.deadline },
    truth: { id: t.id, boxes: t.drawn.map((d) => ({ ...d.box })), issuedAt: t.issuedAt, deadline: t.deadline },
  }
}
