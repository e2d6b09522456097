/** The OCR task as a {@link Task}. */
import type { Task } from '../task.ts'
import { makeOcrChallenge, type OcrChallenge, type OcrMakeOptions, type OcrTruth } from './challenge.ts'
import { OCR_MODEL_MANIFEST } from './manifest.ts'
import { scoreOcr, type OcrAnswer, type OcrScoreOptions } from './score.ts'
import { solveOcr } from './solve.ts'

/** The OCR task type. */
export type OcrTask = Task<OcrChallenge, OcrTruth, OcrAnswer, OcrMakeOptions, OcrScoreOptions>

/**
 * The OCR task: the validator renders random words only it knows, the miner reads them back
 * with PP-OCRv4, the score is exactness and latency.
 */
export const ocrTask: OcrTask = Object.freeze({
  id: 'ocr',
  manifest: OCR_MODEL_MANIFEST,
  makeChallenge: (options?: OcrMakeOptions) => makeOcrChallenge(options),
  solve: (challenge: OcrChallenge, options: Parameters<OcrTask['solve']>[1]) =>
    solveOcr(challenge, options.runner, options.files, options.signal !== undefined ? { signal: options.signal } : {}),
  score: (truth: OcrTruth, answer: OcrAnswer, options?: OcrScoreOptions) => {
    const deadlineMs = truth.deadline - truth.issuedAt
    return scoreOcr(truth.id, truth.words, answer, { deadlineMs, ...options })
  },
})
