/** The OCR task as a {@link Task} plug-in. */
import type { Task } from '../task.ts'
import { makeOcrChallenge, type OcrChallenge, type OcrMakeOptions, type OcrTruth } from './challenge.ts'
import { OCR_MODEL_MANIFEST } from './manifest.ts'
import { scoreOcr, type OcrAnswer, type OcrScoreOptions } from './score.ts'
import { ocrEngineFor, solveOcr } from './solve.ts'
import { OCR_WIRE_TASK, ocrWire } from './wire.ts'
import { cryptoRandom, randomWords } from './words.ts'

/** The OCR task type. */
export type OcrTask = Task<OcrChallenge, OcrTruth, OcrAnswer, OcrMakeOptions, OcrScoreOptions>

/**
 * The OCR task: the validator renders random words only it knows, the miner reads them back
 * with PP-OCRv4, the score is exactness and latency.
 */
export const ocrTask: OcrTask = Object.freeze({
  id: 'ocr',
  wireName: OCR_WIRE_TASK,
  model: 'ocr/pp-ocrv4',
  manifest: OCR_MODEL_MANIFEST,
  roundDefaults: Object.freeze({ words: 4, width: 320, height: 160, deadlineMs: 20_000 }),
  wire: ocrWire,
  makeChallenge: (options?: OcrMakeOptions) => makeOcrChallenge(options),
  prepare: async (options: Parameters<OcrTask['solve']>[1]) => { await ocrEngineFor(options.runner, options.files) },
  solve: (challenge: OcrChallenge, options: Parameters<OcrTask['solve']>[1]) =>
    solveOcr(challenge, options.runner, options.files, options.signal !== undefined ? { signal: options.signal } : {}),
  score: (truth: OcrTruth, answer: OcrAnswer, options?: OcrScoreOptions) => {
    const deadlineMs = truth.deadline - truth.issuedAt
    return scoreOcr(truth.id, truth.words, answer, { deadlineMs, ...options })
  },
  /** Four random words at made-up places (no model). */
  randomAnswer: (c: OcrChallenge) => ({ id: c.id, words: randomWords(cryptoRandom(), 4).map((text, i) => ({ text, confidence: 0.9, box: { x: i * 40, y: 10, width: 40, height: 20 } })) }),
})
