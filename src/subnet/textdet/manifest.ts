/**
 * The text-detection task's model: the PP-OCRv4 detection file the OCR task ships (same bytes,
 * same pinned sha256, same URL: a browser that mined OCR has it cached already).
 */
import type { ModelManifest } from '../../gpu/index.ts'
import { OCR_DET_FILE, OCR_MODEL_MANIFEST } from '../ocr/manifest.ts'

/** The pinned manifest: the det file only. */
export const TEXTDET_MODEL_MANIFEST: ModelManifest = Object.freeze({
  ...OCR_MODEL_MANIFEST,
  task: 'textdet',
  name: 'PaddleOCR PP-OCRv4 mobile detection',
  files: Object.freeze(OCR_MODEL_MANIFEST.files.filter((f) => f.name === OCR_DET_FILE)),
}) as ModelManifest
