/**
 * Miner side of text detection: PP-OCRv4's detection model (the OCR task's det file) through
 * paddleocr's DetectionService (DB post-processing: text-pixel threshold, boxes, unclip), with
 * the tensor work on whatever {@link SessionRunner} the caller gives.
 */
import { DetectionService, Image } from 'paddleocr'
import type { SessionRunner, TensorMap } from '../../gpu/index.ts'
import { SubnetError, throwIfAborted } from '../errors.ts'
import { platform } from '../ocr/canvas.node.ts'
import { assertJpegWithin } from '../ocr/jpeg.ts'
import { OCR_DET_FILE } from '../ocr/manifest.ts'
import type { TextdetChallenge } from './challenge.ts'
import type { TextdetAnswer } from './score.ts'

/** Session name in the runner. */
export const TEXTDET_SESSION = 'textdet-det'

class LocalTensor {
  constructor(readonly type: string, readonly data: Float32Array, readonly dims: readonly number[]) {}
}

const detectors = new WeakMap<SessionRunner, Promise<DetectionService>>()

/** The detector for a runner, created once (its session lives as long as the runner). */
export function textDetectorFor(runner: SessionRunner, files: ReadonlyMap<string, ArrayBuffer>, signal?: AbortSignal): Promise<DetectionService> {
  let d = detectors.get(runner)
  if (d === undefined) {
    d = (async () => {
      const det = files.get(OCR_DET_FILE)
      if (det === undefined) throw new SubnetError('MODEL_MISSING', `text detection needs ${OCR_DET_FILE}: load it with the model store first`)
      const info = await runner.createSession(TEXTDET_SESSION, det, signal !== undefined ? { signal } : {})
      const session = { inputNames: info.inputNames, outputNames: info.outputNames, run: (feeds: Record<string, LocalTensor>) => runner.run(TEXTDET_SESSION, feeds as unknown as TensorMap) }
      // PP-OCR's detection settings, as the OCR task uses them.
      return new DetectionService({ Tensor: LocalTensor } as never, session as never, { channelOrder: 'bgr', maxSideLength: 960, limitType: 'max', textPixelThreshold: 0.3, boxScoreThreshold: 0.6, unclipRatio: 1.5 })
    })()
    detectors.set(runner, d)
    d.catch(() => detectors.delete(runner))
  }
  return d
}

/** Solves a challenge: decode the JPEG, detect, answer the axis-aligned boxes. */
export async function solveTextdet(challenge: TextdetChallenge, runner: SessionRunner, files: ReadonlyMap<string, ArrayBuffer>, options: { signal?: AbortSignal } = {}): Promise<TextdetAnswer> {
  const t0 = performance.now()
  throwIfAborted(options.signal)
  // The image may be no larger than the challenge says (its frame header is read first).
  const limits = { maxWidth: challenge.width, maxHeight: challenge.height }
  assertJpegWithin(challenge.image, limits.maxWidth, limits.maxHeight)
  const detector = await textDetectorFor(runner, files, options.signal)
  const pixels = await platform.decodeImage(challenge.image, limits)
  throwIfAborted(options.signal)
  const data = pixels.data instanceof Uint8Array ? pixels.data : new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength)
  const boxes = await detector.run(new Image(pixels.width, pixels.height, data.length / (pixels.width * pixels.height), data))
  return {
    id: challenge.id,
    boxes: boxes.filter((b) => b.width > 0 && b.height > 0).map((b) => ({ x: b.x, y: b.y, width: b.width, height: b.height })),
    latencyMs: performance.now() - t0,
  }
}
