/**
 * src/subnet: the tasks a subnet runs: challenge generation (validator), solving (miner) and
 * deterministic scoring. The only door of the subsystem.
 */
export type { Task, TaskScore, SolveOptions } from './task.ts'
export { SubnetError, type SubnetErrorCode } from './errors.ts'
export { ocrTask, type OcrTask } from './ocr/task.ts'
export { makeOcrChallenge, type OcrChallenge, type OcrTruth, type OcrMakeOptions } from './ocr/challenge.ts'
export { scoreOcr, normalizeWord, editDistance, cer, type OcrAnswer, type OcrWord, type OcrScoreOptions } from './ocr/score.ts'
export { solveOcr, createOcrEngine, ocrEngineFor, parseDictionary, OCR_SESSIONS, OCR_CHALLENGE_CHARACTERS, type OcrEngine, type OcrEngineOptions, type OcrAlphabet, type OcrAlphabetInfo, type OcrRecognizeOptions } from './ocr/solve.ts'
export { OCR_MODEL_MANIFEST, OCR_MODEL_PACKAGE, OCR_DET_FILE, OCR_REC_FILE, OCR_DICT_FILE } from './ocr/manifest.ts'
export { OCR_ALPHABET, randomWords, cryptoRandom } from './ocr/words.ts'
export { OCR_FONTS, type OcrFont } from './ocr/fonts.ts'
export type { Pixels } from './ocr/canvas-types.ts'
export { platform as canvasPlatform } from './ocr/canvas.node.ts'
