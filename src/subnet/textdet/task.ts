/**
 * The text-detection task, a second {@link Task} plug-in beside OCR: the validator draws random
 * words at places only it knows, the miner answers where text is (word boxes from PP-OCRv4's
 * detection model), the score is IoU-matched F1 (recall and precision) and latency. Verifiable
 * (the validator drew the boxes) and cheap (one det run, no new model download).
 */
import type { Task } from '../task.ts'
import { cryptoRandom, randInt } from '../ocr/words.ts'
import { makeTextdetChallenge, type TextdetChallenge, type TextdetMakeOptions, type TextdetTruth } from './challenge.ts'
import { TEXTDET_MODEL_MANIFEST } from './manifest.ts'
import { scoreTextdet, type TextdetAnswer, type TextdetScoreOptions } from './score.ts'
import { solveTextdet, textDetectorFor } from './solve.ts'
import { TEXTDET_WIRE_TASK, textdetWire } from './wire.ts'

/** The text-detection task type. */
export type TextdetTask = Task<TextdetChallenge, TextdetTruth, TextdetAnswer, TextdetMakeOptions, TextdetScoreOptions>

/** The text-detection task. */
export const textdetTask: TextdetTask = Object.freeze({
  id: 'textdet',
  wireName: TEXTDET_WIRE_TASK,
  model: 'textdet/pp-ocrv4-det',
  manifest: TEXTDET_MODEL_MANIFEST,
  roundDefaults: Object.freeze({ words: 4, width: 320, height: 160, deadlineMs: 20_000 }),
  wire: textdetWire,
  makeChallenge: (options?: TextdetMakeOptions) => makeTextdetChallenge(options),
  prepare: async (options: Parameters<TextdetTask['solve']>[1]) => { await textDetectorFor(options.runner, options.files, options.signal) },
  solve: (challenge: TextdetChallenge, options: Parameters<TextdetTask['solve']>[1]) =>
    solveTextdet(challenge, options.runner, options.files, options.signal !== undefined ? { signal: options.signal } : {}),
  score: (truth: TextdetTruth, answer: TextdetAnswer, options?: TextdetScoreOptions) =>
    scoreTextdet(truth.id, truth.boxes, answer, { deadlineMs: truth.deadline - truth.issuedAt, ...options }),
  /** Four boxes at random places (no model). */
  randomAnswer: (c: TextdetChallenge) => {
    const rng = cryptoRandom()
    return { id: c.id, boxes: Array.from({ length: 4 }, () => ({ x: randInt(rng, c.width), y: randInt(rng, c.height), width: 20 + randInt(rng, 60), height: 12 + randInt(rng, 20) })) }
  },
})
