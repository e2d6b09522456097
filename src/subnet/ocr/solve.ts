/**
 * Miner side: PP-OCRv4 detection + recognition through the `paddleocr` pure-TypeScript pre/post
 * processing, with the tensor work on whatever {@link SessionRunner} the caller gives (the
 * inference worker in browsers, onnxruntime-node or ORT-web WASM in Node).
 */
import { PaddleOcrService, type Box, type DetectionService, type RecognitionService } from 'paddleocr'
import { optimizeOnnx, type SessionRunner, type TensorMap } from '../../gpu/index.ts'
import { SubnetError, throwIfAborted } from '../errors.ts'
import { platform } from './canvas.node.ts'
import type { Pixels } from './canvas-types.ts'
import type { OcrChallenge } from './challenge.ts'
import { OCR_DET_FILE, OCR_DICT_FILE, OCR_REC_FILE } from './manifest.ts'
import type { OcrAnswer, OcrWord } from './score.ts'
import { DET_MIN_TEXT_PX, OcrPipeline, type OcrProfile, type PipelineTuning } from './pipeline.ts'
import { challengeFontRange } from './render.ts'
import { assertJpegWithin } from './jpeg.ts'

/** Session names in the runner. */
export const OCR_SESSIONS = { det: 'ocr-det', rec: 'ocr-rec' } as const

/**
 * Which characters recognition may output: `model`, every character the model knows (its
 * dictionary, digits and punctuation included): general images, the CLI; `challenge`, the
 * letters a challenge word can hold: the challenge path only (a digit read there is a misread).
 */
export type OcrAlphabet = 'model' | 'challenge'

/** The characters an {@link OcrAlphabet} allows (what the CLI reports). */
export interface OcrAlphabetInfo {
  name: OcrAlphabet
  /** Number of characters (the model's dictionary with its space, or the challenge letters). */
  characters: number
  /** Where they come from. */
  source: string
}

/** Options of {@link OcrEngine.recognize}. */
export interface OcrRecognizeOptions {
  signal?: AbortSignal
  /** Default `model`: every character the model knows. */
  alphabet?: OcrAlphabet
}

/** A ready OCR pipeline (sessions created, dictionary loaded). */
export interface OcrEngine {
  /** Recognizes the words in RGBA/RGB pixels. */
  recognize(pixels: Pixels, options?: OcrRecognizeOptions): Promise<OcrWord[]>
  /** What an alphabet holds. */
  alphabet(name: OcrAlphabet): OcrAlphabetInfo
  /** Where the last `recognize` spent its time (detection, recognition runs, the rest). */
  readonly profile: OcrProfile
}

/** Options of {@link createOcrEngine}. */
export interface OcrEngineOptions {
  /** Drop recognitions below this confidence (default 0.5). */
  minConfidence?: number
  signal?: AbortSignal
  /**
   * `batched` (default): all crops of an image recognized in one run, padded to the widest
   * (PaddleOCR's batch); `per-word`: one run per crop, the pipeline before issue 17 (the OCR bench
   * shows both in one run).
   */
  recognition?: 'batched' | 'per-word'
  /**
   * `optimized` (default): the det and rec graphs after {@link optimizeOnnx} (PP-LCNetV3's
   * per-conv scalar affines folded into the convolutions, its four-op hard-swish as two ops; float
   * rounding differs, the tests compare outputs); `original`: the files' graphs as they are.
   */
  graph?: 'optimized' | 'original'
}

/** The challenge path's whitelist: ASCII letters (challenge words hold nothing else). */
export const OCR_CHALLENGE_CHARACTERS: readonly string[] = Object.freeze([...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'])

/**
 * The challenge path's pipeline settings: a challenge's smallest word is drawn at
 * {@link challengeFontRange}'s minimum (24 px on 640x480), so detection can run on the image
 * shrunk until that is {@link DET_MIN_TEXT_PX} (2x: 320x240 instead of 640x480, a quarter of the
 * detector's work), and recognition needs no padding past the widest word.
 */
export function challengeTuning(width: number, height: number): PipelineTuning {
  return { detDownscale: Math.max(1, Math.floor(challengeFontRange(width, height).minFontPx / DET_MIN_TEXT_PX)), tightRecWidth: true }
}

/** {@link optimizeOnnx}'s graph as a fresh ArrayBuffer (a runner may transfer it to a worker). */
function optimizedGraph(buf: ArrayBuffer): ArrayBuffer {
  const { bytes } = optimizeOnnx(new Uint8Array(buf))
  const out = new ArrayBuffer(bytes.byteLength)
  new Uint8Array(out).set(bytes)
  return out
}

class LocalTensor {
  constructor(readonly type: string, readonly data: Float32Array, readonly dims: readonly number[]) {}
}

/** Representative detection input for the EP measurement: a 1x3x160x160 gradient. */
function detProbe(): TensorMap {
  const n = 3 * 160 * 160
  const data = new Float32Array(n)
  for (let i = 0; i < n; i++) data[i] = ((i % 97) / 97) * 2 - 1
  return { x: { type: 'float32', data, dims: [1, 3, 160, 160] } }
}

/** Reads the dictionary file: one character per line, then the space PP-OCR's model also predicts. */
export function parseDictionary(bytes: ArrayBuffer): string[] {
  const lines = new TextDecoder().decode(bytes).replace(/\r?\n$/u, '').split(/\r?\n/u)
  lines.push(' ')
  return lines
}

/** Creates the engine: both sessions on the runner, sessions reused across calls. */
export async function createOcrEngine(runner: SessionRunner, files: ReadonlyMap<string, ArrayBuffer>, options: OcrEngineOptions = {}): Promise<OcrEngine> {
  const det = files.get(OCR_DET_FILE)
  const rec = files.get(OCR_REC_FILE)
  const dict = files.get(OCR_DICT_FILE)
  if (det === undefined || rec === undefined || dict === undefined) {
    throw new SubnetError('MODEL_MISSING', `the OCR model needs ${OCR_DET_FILE}, ${OCR_REC_FILE} and ${OCR_DICT_FILE}: load them with the model store first`)
  }
  const minConfidence = options.minConfidence ?? 0.5
  const signal = options.signal
  const timed = { det: 0, rec: 0, recRuns: 0 }
  let recNames: { inputNames: string[]; outputNames: string[] } = { inputNames: [], outputNames: [] }
  // The runner decides the EP for detection by measuring; recognition follows on the same path.
  let detEp: string | undefined
  const ort = {
    Tensor: LocalTensor,
    InferenceSession: {
      async create(buf: ArrayBuffer) {
        const name = buf === det ? OCR_SESSIONS.det : OCR_SESSIONS.rec
        const model = options.graph === 'original' ? buf : optimizedGraph(buf)
        const info = await runner.createSession(name, model, {
          ...(name === OCR_SESSIONS.det ? { probe: detProbe() } : {}),
          ...(name === OCR_SESSIONS.rec && (detEp === 'webgpu' || detEp === 'wasm') ? { ep: detEp } : {}),
          ...(signal !== undefined ? { signal } : {}),
        })
        if (name === OCR_SESSIONS.det) detEp = info.ep
        else recNames = info
        return {
          inputNames: info.inputNames,
          outputNames: info.outputNames,
          run: async (feeds: Record<string, LocalTensor>) => {
            const t0 = performance.now()
            const out = await runner.run(name, feeds as unknown as TensorMap)
            if (name === OCR_SESSIONS.det) timed.det += performance.now() - t0
            else { timed.rec += performance.now() - t0; timed.recRuns++ }
            return out
          },
        }
      },
    },
  }
  const dictionary = parseDictionary(dict)
  const service = await PaddleOcrService.createInstance({
    ort: ort as never,
    detection: { modelBuffer: det, channelOrder: 'bgr', maxSideLength: 960, limitType: 'max', textPixelThreshold: 0.3, boxScoreThreshold: 0.6, unclipRatio: 1.5 },
    recognition: { modelBuffer: rec, charactersDictionary: dictionary, channelOrder: 'bgr', imageHeight: 48, imageWidth: 320 },
  })
  const internals = service as unknown as { detectionService: DetectionService; recognitionService: RecognitionService }
  const pipeline = new OcrPipeline(runner, { rec: OCR_SESSIONS.rec, recInput: recNames.inputNames[0] ?? 'x', recOutput: recNames.outputNames[0] ?? '' }, internals.detectionService, internals.recognitionService, dictionary)
  const challengeSet = new Set(OCR_CHALLENGE_CHARACTERS)
  let profile: OcrProfile = { detMs: 0, recMs: 0, recRuns: 0, crops: 0, jsMs: 0, totalMs: 0 }
  return {
    get profile() { return profile },
    async recognize(pixels, opts = {}) {
      throwIfAborted(opts.signal)
      const data = pixels.data instanceof Uint8Array ? pixels.data : new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength)
      let results: { text: string; confidence: number; box: Box }[]
      if (options.recognition === 'per-word') {
        const t0 = performance.now()
        timed.det = 0; timed.rec = 0; timed.recRuns = 0
        results = await service.recognize({ width: pixels.width, height: pixels.height, data }, opts.alphabet === 'challenge' ? { charWhiteList: [...OCR_CHALLENGE_CHARACTERS] } : {})
        const totalMs = performance.now() - t0
        profile = { detMs: timed.det, recMs: timed.rec, recRuns: timed.recRuns, crops: results.length, jsMs: totalMs - timed.det - timed.rec, totalMs }
      } else {
        timed.det = 0
        const challenge = opts.alphabet === 'challenge'
        results = await pipeline.recognize({ width: pixels.width, height: pixels.height, data }, challenge ? challengeSet : null, opts.signal, () => timed.det, challenge ? challengeTuning(pixels.width, pixels.height) : {})
        profile = pipeline.profile
      }
      return results
        .filter((r) => r.text.trim() !== '' && r.confidence >= minConfidence)
        .map((r) => ({
          text: r.text.trim(),
          confidence: r.confidence,
          box: { x: r.box.x, y: r.box.y, width: r.box.width, height: r.box.height, ...(r.box.points !== undefined ? { points: r.box.points.map((p) => ({ x: p.x, y: p.y })) } : {}) },
        }))
    },
    alphabet(name) {
      return name === 'challenge'
        ? { name, characters: OCR_CHALLENGE_CHARACTERS.length, source: 'the challenge letters (a-z, A-Z)' }
        : { name, characters: dictionary.length, source: `${OCR_DICT_FILE} and a space` }
    },
  }
}

const engines = new WeakMap<SessionRunner, Promise<OcrEngine>>()

/** The engine for a runner, created once and reused (sessions live as long as the runner). */
export function ocrEngineFor(runner: SessionRunner, files: ReadonlyMap<string, ArrayBuffer>, options: OcrEngineOptions = {}): Promise<OcrEngine> {
  let e = engines.get(runner)
  if (e === undefined) {
    e = createOcrEngine(runner, files, options)
    engines.set(runner, e)
    e.catch(() => engines.delete(runner))
  }
  return e
}

/** Solves a challenge: decode the JPEG, detect, recognize over the challenge letters. */
export async function solveOcr(challenge: OcrChallenge, runner: SessionRunner, files: ReadonlyMap<string, ArrayBuffer>, options: { signal?: AbortSignal } = {}): Promise<OcrAnswer> {
  const t0 = performance.now()
  // The image may be no larger than the challenge says: its frame header is read before anything
  // is decoded (a small JPEG can declare a gigapixel frame).
  const limits = { maxWidth: challenge.width, maxHeight: challenge.height }
  assertJpegWithin(challenge.image, limits.maxWidth, limits.maxHeight)
  const engine = await ocrEngineFor(runner, files, options)
  const pixels = await platform.decodeImage(challenge.image, limits)
  // The challenge path: words are letters only, so a digit read here is a misread, not an answer.
  const words = await engine.recognize(pixels, { ...options, alphabet: 'challenge' })
  return { id: challenge.id, words, latencyMs: performance.now() - t0 }
}
