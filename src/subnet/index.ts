/**
 * src/subnet: the tasks a subnet runs: challenge generation (validator), solving (miner) and
 * deterministic scoring. The only door of the subsystem.
 */
export type { Task, AnyTask, TaskScore, SolveOptions, TaskChallenge, TaskAnswer, TaskReceipt, TaskCodec, ScoreContext } from './task.ts'
export { TASKS, DEFAULT_TASK, getTask, taskByWireName } from './registry.ts'
export { SubnetError, type SubnetErrorCode } from './errors.ts'
export { ocrTask, type OcrTask } from './ocr/task.ts'
export { makeOcrChallenge, type OcrChallenge, type OcrTruth, type OcrMakeOptions } from './ocr/challenge.ts'
export { scoreOcr, normalizeWord, editDistance, cer, type OcrAnswer, type OcrWord, type OcrScoreOptions } from './ocr/score.ts'
export { solveOcr, createOcrEngine, ocrEngineFor, parseDictionary, OCR_SESSIONS, OCR_CHALLENGE_CHARACTERS, type OcrEngine, type OcrEngineOptions, type OcrAlphabet, type OcrAlphabetInfo, type OcrRecognizeOptions } from './ocr/solve.ts'
export { encodeOcrChallenge, decodeOcrChallenge, decodeOcrChallengeWithReceipt, encodeOcrAnswer, decodeOcrAnswer, ocrWire, OCR_WIRE_TASK, type OcrReceipt } from './ocr/wire.ts'
export { OCR_MODEL_MANIFEST, OCR_MODEL_PACKAGE, OCR_DET_FILE, OCR_REC_FILE, OCR_DICT_FILE } from './ocr/manifest.ts'
export { OCR_ALPHABET, randomWords, cryptoRandom } from './ocr/words.ts'
export { OCR_FONTS, type OcrFont } from './ocr/fonts.ts'
export type { Pixels } from './ocr/canvas-types.ts'
export { platform as canvasPlatform } from './ocr/canvas.node.ts'
export { textdetTask, type TextdetTask } from './textdet/task.ts'
export { makeTextdetChallenge, type TextdetChallenge, type TextdetTruth, type TextdetMakeOptions, type TextBox } from './textdet/challenge.ts'
export { scoreTextdet, iou, type TextdetAnswer, type TextdetScoreOptions } from './textdet/score.ts'
export { solveTextdet, TEXTDET_SESSION } from './textdet/solve.ts'
export { textdetWire, TEXTDET_WIRE_TASK, TEXTDET_MAX_BOXES } from './textdet/wire.ts'
export { TEXTDET_MODEL_MANIFEST } from './textdet/manifest.ts'
