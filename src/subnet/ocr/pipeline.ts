/**
 * The OCR pipeline's own steps around `paddleocr`'s detection post-processing:
 *  - detection input: RGBA pixels straight into a reused float tensor when the image needs no
 *    resize (a challenge's 640x480 is already a multiple of 32 and under the 960 limit: it is
 *    never scaled, and never upscaled), else paddleocr's resize;
 *  - recognition in batches: every crop of an image padded to the widest (PaddleOCR's
 *    `max_wh_ratio` batch) and recognized in one run instead of one run per word;
 *  - CTC decoding from each row's argmax.
 * Reading order, crop geometry and the per-crop resize are paddleocr's (so a batched run sees the
 * same pixels as the per-word path, which the tests compare).
 */
import { DEFAULT_RECOGNITION_OPTIONS, Image, normalizeInputToRgb, type Box, type DetectionService, type RecognitionService } from 'paddleocr'
import type { SessionRunner, TensorData } from '../../gpu/index.ts'
import { cropRotatedRgb } from './crop.ts'
import { SubnetError } from '../errors.ts'

/** Crops per recognition run (bounds one run's memory: 16 x 3 x 48 x 960 floats = 8.8 MB). */
export const REC_BATCH = 16

/** One recognized crop. */
export interface RecognizedCrop {
  text: string
  confidence: number
  box: Box
}

/** Where the time of one image went (ms); session runs include any transport to the runner. */
export interface OcrProfile {
  /** Detection session run(s). */
  detMs: number
  /** Recognition session runs. */
  recMs: number
  /** Number of recognition runs. */
  recRuns: number
  /** Crops recognized. */
  crops: number
  /** Everything else: tensors in, boxes, crops, CTC decoding. */
  jsMs: number
  totalMs: number
}

/** paddleocr's private steps this module calls (checked to exist at creation). */
interface RecognitionInternals {
  sortBoxesByReadingOrder(boxes: Box[], ordering: object): Box[]
  calculateBatchMaxWhRatio(boxes: Box[], options: { imageWidth: number; imageHeight: number }): number
}
interface DetectionInternals {
  preprocessDetection(image: Image, options: DetectionOptions): Promise<{ tensor: Float32Array; resizeParams: object }>
}
interface DetectionOptions {
  inputShape?: unknown
  maxSideLength: number
  limitType: string
  maxSideLimit: number
  mean: readonly number[]
  stdDeviation: readonly number[]
  channelOrder: 'rgb' | 'bgr'
}

const ORDERING = { sortByReadingOrder: true }

/** Recognition input settings of PP-OCR (height 48, minimum padded width 320, BGR, [-1, 1]). */
export const REC_INPUT = { height: 48, minWidth: 320, channelOrder: 'bgr' as const }

/** Reusable Float32Arrays by length (a few shapes recur: one per detection size, a few per batch). */
class Buffers {
  private readonly held = new Map<number, Float32Array>()
  get(length: number): Float32Array {
    let b = this.held.get(length)
    if (b === undefined || b.length !== length) {
      if (this.held.size >= 6) this.held.delete(this.held.keys().next().value as number)
      b = new Float32Array(length)
      this.held.set(length, b)
    }
    return b
  }
}

/** Writes `src` (any channel count >= 3, rows of `srcWidth`) normalized into a CHW slot of width `dstWidth`, as paddleocr's Image.tensor does. */
function writeChw(src: Uint8Array, channels: number, width: number, height: number, dst: Float32Array, offset: number, dstWidth: number, mean: readonly number[], norm: readonly number[], bgr: boolean): void {
  const plane = height * dstWidth
  for (let c = 0; c < 3; c++) {
    const from = bgr ? 2 - c : c
    const n = norm[c]!
    const mn = mean[c]!
    const base = offset + c * plane
    for (let y = 0; y < height; y++) {
      let p = y * width * channels + from
      const row = base + y * dstWidth
      for (let x = 0; x < width; x++, p += channels) dst[row + x] = src[p]! * n - mn * n
    }
  }
}

/** CTC greedy decoding of one [T, C] row (blank 0; dictionary index i-1), as PaddleOCR's CTCLabelDecode. */
export function ctcDecode(logits: Float32Array, offset: number, steps: number, classes: number, dictionary: readonly string[], allowed: ReadonlySet<string> | null): { text: string; confidence: number } {
  let text = ''
  let sum = 0
  let count = 0
  let last = -1
  for (let t = 0; t < steps; t++) {
    const o = offset + t * classes
    let best = -Infinity
    let at = 0
    for (let i = 0; i < classes; i++) {
      const v = logits[o + i]!
      if (v > best) { best = v; at = i }
    }
    if (at === last) continue
    last = at
    if (at === 0) continue
    const ch = dictionary[at - 1] ?? ''
    if (allowed !== null && !allowed.has(ch) && ch !== ' ') continue
    text += ch
    sum += best
    count++
  }
  return { text, confidence: count > 0 ? sum / count : 0 }
}

/**
 * Per-call settings of the challenge path, where the miner knows how the image was drawn. Left
 * out, the pipeline does what paddleocr does (the general path: any image, any text size).
 */
export interface PipelineTuning {
  /**
   * Detection on the image shrunk by this integer factor (a k x k box average, straight into the
   * tensor, padded to a multiple of 32), boxes mapped back at full resolution. Safe while the
   * smallest text stays at least {@link DET_MIN_TEXT_PX} tall after shrinking.
   */
  detDownscale?: number
  /**
   * Recognition batch as wide as the widest crop (rounded up to 8, the model's stride) instead of
   * at least PaddleOCR's 320: short words are not padded to 320 columns of blank.
   */
  tightRecWidth?: boolean
}

/** Smallest text height (px) the detector is given on the challenge path. */
export const DET_MIN_TEXT_PX = 12

/** Writes `src` shrunk by `k` (box average of each k x k block, edge blocks over the pixels they have), normalized, into a CHW tensor of `tw` x `th` (the rest left as is). */
function writeChwDownscaled(src: Uint8Array, channels: number, width: number, height: number, k: number, dst: Float32Array, tw: number, th: number, mean: readonly number[], norm: readonly number[], bgr: boolean): void {
  const dw = Math.ceil(width / k)
  const dh = Math.ceil(height / k)
  const plane = tw * th
  const sums = new Float64Array(dw * 3)
  for (let by = 0; by < dh; by++) {
    sums.fill(0)
    const y0 = by * k
    const y1 = Math.min(height, y0 + k)
    for (let y = y0; y < y1; y++) {
      let p = y * width * channels
      for (let x = 0, o = 0, left = k; x < width; x++, p += channels) {
        sums[o] = sums[o]! + src[p]!
        sums[o + 1] = sums[o + 1]! + src[p + 1]!
        sums[o + 2] = sums[o + 2]! + src[p + 2]!
        if (--left === 0) { left = k; o += 3 }
      }
    }
    for (let bx = 0; bx < dw; bx++) {
      const count = (y1 - y0) * (Math.min(width, bx * k + k) - bx * k)
      for (let c = 0; c < 3; c++) {
        const from = bgr ? 2 - c : c
        dst[c * plane + by * tw + bx] = (sums[bx * 3 + from]! / count) * norm[c]! - mean[c]! * norm[c]!
      }
    }
  }
}

/** The batched pipeline over a runner's det and rec sessions. */
export class OcrPipeline {
  private readonly buffers = new Buffers()
  private readonly recInternals: RecognitionInternals
  private readonly mean: readonly number[] = DEFAULT_RECOGNITION_OPTIONS.mean!
  private readonly norm: readonly number[] = DEFAULT_RECOGNITION_OPTIONS.stdDeviation!
  /** The fast detection input applies to this pipeline's calls only (the per-word path keeps paddleocr's). */
  private inCall = false
  private detDownscale = 1
  profile: OcrProfile = { detMs: 0, recMs: 0, recRuns: 0, crops: 0, jsMs: 0, totalMs: 0 }

  constructor(
    private readonly runner: SessionRunner,
    private readonly session: { rec: string; recInput: string; recOutput: string },
    private readonly detection: DetectionService,
    recognition: RecognitionService,
    private readonly dictionary: readonly string[],
  ) {
    const r = recognition as unknown as Partial<RecognitionInternals>
    const d = detection as unknown as Partial<DetectionInternals>
    if (typeof r.sortBoxesByReadingOrder !== 'function' || typeof r.calculateBatchMaxWhRatio !== 'function' || typeof d.preprocessDetection !== 'function') {
      throw new SubnetError('MODEL_MISSING', 'the installed paddleocr package lacks the steps the OCR pipeline uses (reinstall paddleocr 1.2)')
    }
    this.recInternals = r as RecognitionInternals
    // Detection input without a copy or resize where none is needed (see the file comment).
    const libraryPre = d.preprocessDetection.bind(detection)
    ;(detection as unknown as DetectionInternals).preprocessDetection = async (image, options) => {
      const { width: w, height: h } = image
      const k = this.detDownscale
      if (this.inCall && k > 1 && image.channels >= 3 && options.inputShape === undefined && options.limitType === 'max') {
        const tw = Math.ceil(Math.ceil(w / k) / 32) * 32
        const th = Math.ceil(Math.ceil(h / k) / 32) * 32
        if (Math.max(tw, th) <= Math.min(options.maxSideLength, options.maxSideLimit)) {
          const tensor = this.buffers.get(3 * tw * th)
          tensor.fill(0)
          writeChwDownscaled(image.data, image.channels, w, h, k, tensor, tw, th, options.mean, options.stdDeviation, options.channelOrder === 'bgr')
          return { tensor, resizeParams: { srcHeight: h, srcWidth: w, resizeSourceHeight: h, resizeSourceWidth: w, dstHeight: th, dstWidth: tw, scaleWidth: 1 / k, scaleHeight: 1 / k } }
        }
      }
      const unscaled = options.inputShape === undefined && options.limitType === 'max' && w % 32 === 0 && h % 32 === 0 && w + h >= 64 && Math.max(w, h) <= Math.min(options.maxSideLength, options.maxSideLimit)
      if (!this.inCall || !unscaled || image.channels < 3) return libraryPre(image, options)
      const tensor = this.buffers.get(3 * w * h)
      writeChw(image.data, image.channels, w, h, tensor, 0, w, options.mean, options.stdDeviation, options.channelOrder === 'bgr')
      return { tensor, resizeParams: { srcHeight: h, srcWidth: w, resizeSourceHeight: h, resizeSourceWidth: w, dstHeight: h, dstWidth: w, scaleWidth: 1, scaleHeight: 1 } }
    }
  }

  /** Detects and recognizes, batching the crops. `allowed`: the characters kept (null: all); `detRunMs`: the det session's time in this call. */
  async recognize(pixels: { width: number; height: number; data: Uint8Array }, allowed: ReadonlySet<string> | null, signal: AbortSignal | undefined, detRunMs: () => number, tuning: PipelineTuning = {}): Promise<RecognizedCrop[]> {
    const t0 = performance.now()
    const channels = pixels.data.length / (pixels.width * pixels.height)
    if (!Number.isInteger(channels) || channels < 3 || channels > 4) throw new SubnetError('BAD_IMAGE', `pixels hold ${pixels.data.length} bytes for ${pixels.width}x${pixels.height}: expected RGB or RGBA`)
    // RGBA as is: crops and tensors read the first three channels (no RGB copy of the image). A tiny
    // image (sides summing under 64) is padded by paddleocr, which pads RGB only: copy that one.
    const image = channels === 3 || pixels.width + pixels.height >= 64 ? new Image(pixels.width, pixels.height, channels, pixels.data) : normalizeInputToRgb(pixels)
    const det0 = performance.now()
    const k = tuning.detDownscale ?? 1
    if (!Number.isInteger(k) || k < 1) throw new SubnetError('BAD_IMAGE', `detection downscale must be a whole number >= 1, got ${k}`)
    this.inCall = true
    this.detDownscale = k
    const boxes = await this.detection.run(image).finally(() => { this.inCall = false; this.detDownscale = 1 })
    const detWall = performance.now() - det0
    const detMs = Math.min(detRunMs(), detWall)
    const valid = this.recInternals.sortBoxesByReadingOrder(boxes.filter((b) => b.width > 0 && b.height > 0), ORDERING)
    const H = REC_INPUT.height
    const crops = valid.map((box) => (box.points !== undefined ? cropRotatedRgb(image, box.points) : image.crop(box)))
    const maxWhRatio = this.recInternals.calculateBatchMaxWhRatio(valid, { imageWidth: REC_INPUT.minWidth, imageHeight: H })
    const widths = crops.map((c) => Math.ceil(H * (c.width / c.height)))
    const W = tuning.tightRecWidth === true
      ? Math.ceil(Math.max(8, ...widths) / 8) * 8
      : Math.max(REC_INPUT.minWidth, Math.ceil(H * maxWhRatio), ...widths)
    const out: RecognizedCrop[] = []
    let recMs = 0
    let recRuns = 0
    for (let from = 0; from < crops.length; from += REC_BATCH) {
      const n = Math.min(REC_BATCH, crops.length - from)
      const slot = 3 * H * W
      const batch = this.buffers.get(n * slot)
      batch.fill(0)
      for (let i = 0; i < n; i++) {
        const crop = crops[from + i]!
        const rw = Math.min(widths[from + i]!, W)
        const resized = crop.resize({ width: rw, height: H })
        writeChw(resized.data, resized.channels, rw, H, batch, i * slot, W, this.mean, this.norm, REC_INPUT.channelOrder === 'bgr')
      }
      const r0 = performance.now()
      const result = await this.runner.run(this.session.rec, { [this.session.recInput]: { type: 'float32', data: batch, dims: [n, 3, H, W] } }, signal !== undefined ? { signal } : {})
      recMs += performance.now() - r0
      recRuns++
      const logits = (result[this.session.recOutput] ?? Object.values(result)[0]) as TensorData | undefined
      if (logits === undefined || !(logits.data instanceof Float32Array) || logits.dims.length !== 3 || logits.dims[0] !== n) {
        throw new SubnetError('MODEL_MISSING', `the recognition model returned ${logits === undefined ? 'nothing' : `[${logits.dims.join(',')}]`}, expected [${n}, T, classes] logits`)
      }
      const steps = logits.dims[1]!
      const classes = logits.dims[2]!
      for (let i = 0; i < n; i++) {
        const { text, confidence } = ctcDecode(logits.data, i * steps * classes, steps, classes, this.dictionary, allowed)
        out.push({ text, confidence, box: valid[from + i]! })
      }
    }
    const total = performance.now() - t0
    this.profile = { detMs, recMs, recRuns, crops: crops.length, jsMs: total - detMs - recMs, totalMs: total }
    return out
  }
}
