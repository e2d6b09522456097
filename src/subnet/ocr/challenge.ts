/** Validator side: a fresh OCR challenge (JPEG) and the truth it keeps. */
import { throwIfAborted } from '../errors.ts'
import type { ImageChallengeFields } from '../wire.ts'
import { platform } from './canvas.node.ts'
import { challengeFontRange, DEFAULT_RENDER, renderChallenge, type DrawnWord } from './render.ts'
import { cryptoRandom, randFloat, randomWords } from './words.ts'

/** What the miner receives: a JPEG with the words on it. */
export interface OcrChallenge extends ImageChallengeFields {
  task: 'ocr'
}

/** What the validator keeps. */
export interface OcrTruth {
  id: string
  words: string[]
  drawn: DrawnWord[]
  issuedAt: number
  deadline: number
}

/** Options of {@link makeOcrChallenge}. */
export interface OcrMakeOptions {
  /** Number of words (default 8). */
  words?: number
  width?: number
  height?: number
  /** Time allowed to answer (default 30 000 ms). */
  deadlineMs?: number
  /** Clock (default Date.now). */
  now?: () => number
  signal?: AbortSignal
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Makes one challenge. Every random choice comes from the platform CSPRNG. */
export async function makeOcrChallenge(options: OcrMakeOptions = {}): Promise<{ challenge: OcrChallenge; truth: OcrTruth }> {
  throwIfAborted(options.signal)
  await platform.loadFonts()
  throwIfAborted(options.signal)
  const width = options.width ?? DEFAULT_RENDER.width
  const height = options.height ?? DEFAULT_RENDER.height
  const k = options.words ?? 8
  const rng = cryptoRandom()
  const words = randomWords(rng, k)
  const surface = platform.createSurface(width, height)
  const drawn = renderChallenge(surface.ctx, words, rng, { ...DEFAULT_RENDER, width, height, ...challengeFontRange(width, height) })
  const image = await surface.encodeJpeg(randFloat(rng, 0.75, 0.92))
  const id = new Uint8Array(16)
  crypto.getRandomValues(id)
  const issuedAt = (options.now ?? Date.now)()
  const deadline = issuedAt + (options.deadlineMs ?? 30_000)
  return {
    challenge: { task: 'ocr', id: hex(id), mime: 'image/jpeg', image, width, height, issuedAt, deadline },
    truth: { id: hex(id), words, drawn, issuedAt, deadline },
  }
}
