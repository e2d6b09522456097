/**
 * src/subnet: the tasks a subnet runs: challenge generation (validator), solving (miner) and
 * deterministic scoring. The only door of the subsystem.
 */
export type { Task, AnyTask, TaskScore, SolveOptions, TaskChallenge, TaskAnswer, TaskReceipt, TaskCodec, ScoreContext } from './task.ts'
export { TASKS, getTask } from './registry.ts'
export { SubnetError, type SubnetErrorCode } from './errors.ts'
export { ocrTask, type OcrTask } from './ocr/task.ts'
export { makeOcrChallenge, type OcrChallenge, type OcrTruth, type OcrMakeOptions } from './ocr/challenge.ts'
export { scoreOcr, cer, type OcrAnswer, type OcrWord, type OcrScoreOptions } from './ocr/score.ts'
export { createOcrEngine, ocrEngineFor, OCR_SESSIONS, type OcrEngine, type OcrEngineOptions, type OcrAlphabet, type OcrAlphabetInfo, type OcrRecognizeOptions } from './ocr/solve.ts'
export { encodeOcrChallenge, decodeOcrChallenge, encodeOcrAnswer, decodeOcrAnswer, OCR_WIRE_TASK, type OcrReceipt } from './ocr/wire.ts'
export { OCR_MODEL_MANIFEST, OCR_DET_FILE, OCR_DICT_FILE } from './ocr/manifest.ts'
export { randomWords, cryptoRandom } from './ocr/words.ts'
export type { OcrFont } from './ocr/fonts.ts'
export type { Pixels } from './ocr/canvas-types.ts'
export { platform as canvasPlatform } from './ocr/canvas.node.ts'
export type { TextdetTask } from './textdet/task.ts'
export type { TextdetChallenge, TextdetTruth, TextdetMakeOptions, TextBox } from './textdet/challenge.ts'
export type { TextdetAnswer, TextdetScoreOptions } from './textdet/score.ts'
