/**
 * Draws an OCR challenge: K words at random sizes, colours, positions and slight rotations in
 * random fonts over a light background, then noise. Pure drawing on a {@link Ctx2D}: the same
 * code runs on OffscreenCanvas and @napi-rs/canvas.
 */
import type { Ctx2D } from './canvas-types.ts'
import { OCR_FONTS } from './fonts.ts'
import { randFloat, randInt, randomBytes, type RandomSource } from './words.ts'

/** Where one word was drawn (axis-aligned bounds of its rotated box, in pixels). */
export interface DrawnWord {
  text: string
  font: string
  size: number
  color: string
  angle: number
  box: { x: number; y: number; width: number; height: number }
}

/** Knobs of {@link renderChallenge}. */
export interface RenderOptions {
  width: number
  height: number
  minFontPx: number
  maxFontPx: number
  /** Largest rotation, radians, either way. */
  maxAngle: number
  /** Amplitude of per-pixel noise (0-255 scale). */
  pixelNoise: number
}

/** Defaults for 640x480. */
export const DEFAULT_RENDER: RenderOptions = { width: 640, height: 480, minFontPx: 24, maxFontPx: 42, maxAngle: 0.06, pixelNoise: 14 }

/**
 * The font sizes a challenge of `width` x `height` is drawn with (DEFAULT_RENDER's, scaled to
 * the canvas with a floor). The miner's solver reads the same rule to know how small the smallest
 * word can be (see the pipeline's detection downscale).
 */
export function challengeFontRange(width: number, height: number): { minFontPx: number; maxFontPx: number } {
  const scale = Math.min(width / DEFAULT_RENDER.width, height / DEFAULT_RENDER.height)
  return {
    minFontPx: Math.max(14, Math.round(DEFAULT_RENDER.minFontPx * Math.max(scale, 0.6))),
    maxFontPx: Math.max(18, Math.round(DEFAULT_RENDER.maxFontPx * Math.max(scale, 0.6))),
  }
}

interface Rect { x: number; y: number; width: number; height: number }

function overlaps(a: Rect, b: Rect, pad: number): boolean {
  return a.x < b.x + b.width + pad && b.x < a.x + a.width + pad && a.y < b.y + b.height + pad && b.y < a.y + a.height + pad
}

function rotatedBounds(cx: number, cy: number, w: number, h: number, angle: number): Rect {
  const c = Math.abs(Math.cos(angle))
  const s = Math.abs(Math.sin(angle))
  const bw = w * c + h * s
  const bh = w * s + h * c
  return { x: cx - bw / 2, y: cy - bh / 2, width: bw, height: bh }
}

function rgb(r: number, g: number, b: number): string {
  return `rgb(${r | 0},${g | 0},${b | 0})`
}

interface Spot { text: string; font: string; size: number; angle: number; cx: number; cy: number; bounds: Rect }

/** The canvas area (640x480) whose speckle count is 150-300. */
const SPECKLE_AREA = 640 * 480

/** Smallest font a layout shrinks to. */
const MIN_LAYOUT_FONT_PX = 12
/** Random positions tried for one word before the whole layout starts again, smaller. */
const TRIES_PER_WORD = 300
/** Whole-layout restarts, each at 0.85x the font sizes of the one before. */
const LAYOUT_RESTARTS = 16

/**
 * Places every word at a random size, font, angle and position, apart from the others. Nothing is
 * drawn here, so a layout that paints itself into a corner (early words placed large, leaving no
 * room for a later one) starts again from the first word with every size scaled down, instead of
 * failing: a greedy one-pass layout failed about 1 in 1 000 three-word 256x96 challenges (and a
 * CI run with them), and 1 in 5 five-word ones.
 */
function layoutWords(ctx: Ctx2D, words: readonly string[], rng: RandomSource, opts: RenderOptions): Spot[] {
  const { width: W, height: H } = opts
  const margin = 8
  for (let restart = 0, scale = 1; restart <= LAYOUT_RESTARTS; restart++, scale *= 0.85) {
    const placed: Spot[] = []
    for (const text of words) {
      const base = opts.minFontPx + randInt(rng, opts.maxFontPx - opts.minFontPx + 1)
      let size = Math.max(MIN_LAYOUT_FONT_PX, Math.floor(base * scale))
      const font = OCR_FONTS[randInt(rng, OCR_FONTS.length)]!.family
      const angle = randFloat(rng, -opts.maxAngle, opts.maxAngle)
      let spot: Spot | null = null
      // Measured again only when the size changes (a measure was most of a layout's cost).
      let measured = -1
      let w = 0
      for (let attempt = 0; spot === null && attempt < TRIES_PER_WORD; attempt++) {
        if (measured !== size) {
          ctx.font = `${size}px "${font}"`
          w = ctx.measureText(text).width
          measured = size
        }
        const h = size * 1.25
        const bounds0 = rotatedBounds(0, 0, w, h, angle)
        if (bounds0.width + 2 * margin > W || bounds0.height + 2 * margin > H) {
          if (size === MIN_LAYOUT_FONT_PX) break
          size = Math.max(MIN_LAYOUT_FONT_PX, Math.floor(size * 0.85))
          continue
        }
        const cx = randFloat(rng, margin + bounds0.width / 2, W - margin - bounds0.width / 2)
        const cy = randFloat(rng, margin + bounds0.height / 2, H - margin - bounds0.height / 2)
        const bounds = rotatedBounds(cx, cy, w, h, angle)
        // Keep words well apart so the detector sees separate boxes.
        if (placed.every((p) => !overlaps(p.bounds, bounds, size * 0.6))) spot = { text, font, size, angle, cx, cy, bounds }
      }
      if (spot === null) break
      placed.push(spot)
    }
    if (placed.length === words.length) return placed
  }
  throw new Error(`challenge layout failed: ${words.length} words do not fit a ${W}x${H} canvas even at ${MIN_LAYOUT_FONT_PX} px`)
}

/**
 * Renders `words` onto `ctx`, returns where each went (see {@link layoutWords} for the placement).
 */
export function renderChallenge(ctx: Ctx2D, words: readonly string[], rng: RandomSource, opts: RenderOptions = DEFAULT_RENDER): DrawnWord[] {
  const { width: W, height: H } = opts
  // Light background with a slight random tint; text is always dark: contrast is guaranteed.
  const bg = [205 + randInt(rng, 51), 205 + randInt(rng, 51), 205 + randInt(rng, 51)] as const
  ctx.fillStyle = rgb(bg[0], bg[1], bg[2])
  ctx.fillRect(0, 0, W, H)

  // Faint lines behind the text.
  for (let i = 0, n = 3 + randInt(rng, 4); i < n; i++) {
    ctx.strokeStyle = rgb(randInt(rng, 256), randInt(rng, 256), randInt(rng, 256))
    ctx.globalAlpha = randFloat(rng, 0.15, 0.35)
    ctx.lineWidth = randFloat(rng, 0.5, 1.5)
    ctx.beginPath()
    ctx.moveTo(randFloat(rng, 0, W), randFloat(rng, 0, H))
    ctx.lineTo(randFloat(rng, 0, W), randFloat(rng, 0, H))
    ctx.stroke()
  }
  ctx.globalAlpha = 1

  const layout = layoutWords(ctx, words, rng, opts)
  const drawn: DrawnWord[] = []
  ctx.textBaseline = 'middle'
  ctx.textAlign = 'center'
  for (const spot of layout) {
    const color = rgb(randInt(rng, 110), randInt(rng, 110), randInt(rng, 110))
    ctx.font = `${spot.size}px "${spot.font}"`
    ctx.save()
    ctx.translate(spot.cx, spot.cy)
    ctx.rotate(spot.angle)
    ctx.fillStyle = color
    ctx.fillText(spot.text, 0, 0)
    ctx.restore()
    const b = spot.bounds
    drawn.push({ text: spot.text, font: spot.font, size: spot.size, color, angle: spot.angle, box: { x: Math.round(b.x), y: Math.round(b.y), width: Math.round(b.width), height: Math.round(b.height) } })
  }

  // Speckles: 150-300 on 640x480, as many per pixel on any other size (a round's 320x160 had the
  // 640x480 count, six times as dense, and they were a quarter of the validator's CPU per challenge).
  for (let i = 0, n = Math.round((150 + randInt(rng, 150)) * (W * H) / SPECKLE_AREA); i < n; i++) {
    ctx.fillStyle = rgb(randInt(rng, 256), randInt(rng, 256), randInt(rng, 256))
    ctx.globalAlpha = randFloat(rng, 0.2, 0.5)
    ctx.beginPath()
    ctx.arc(randFloat(rng, 0, W), randFloat(rng, 0, H), randFloat(rng, 0.4, 1.4), 0, Math.PI * 2)
    ctx.fill()
  }
  ctx.globalAlpha = 1

  // Per-pixel noise, uniform in ±pixelNoise (the same offset on R, G and B).
  if (opts.pixelNoise > 0) {
    const img = ctx.getImageData(0, 0, W, H)
    addPixelNoise(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.length), opts.pixelNoise, rng)
    ctx.putImageData(img as never, 0, 0)
  }
  return drawn
}

/**
 * Adds to each RGBA pixel of `d` one offset uniform in [-amp, amp] on R, G and B (clamped to
 * 0..255; alpha kept). The offsets come from one random byte per pixel out of a bulk draw, bytes
 * at or above the largest multiple of the level count rejected (no modulo bias): one
 * getRandomValues per 64 KB rather than a 32-bit draw per pixel made this 6x faster, and it was most
 * of a validator's CPU per OCR challenge. `d` is a plain byte view: stores into a
 * Uint8ClampedArray cost more than clamping by hand.
 */
export function addPixelNoise(d: Uint8Array, amp: number, rng: RandomSource): void {
  const a = Math.min(127, Math.floor(amp))
  if (!(a > 0)) return
  const levels = 2 * a + 1
  const limit = 256 - (256 % levels)
  const add = noiseTable(a, levels, limit)
  const pool = noisePool(Math.ceil((d.length / 4) * 1.15) + 64)
  let at = pool.length
  const whole = d.length >> 2
  // Whole pixels as one 32-bit load and store where the bytes are 4-aligned (little-endian: R is
  // the low byte), else byte by byte: the same offsets either way.
  const px = (d.byteOffset & 3) === 0 && LITTLE_ENDIAN ? new Uint32Array(d.buffer, d.byteOffset, whole) : null
  for (let p = 0; p < whole; p++) {
    let b: number
    do {
      if (at === pool.length) { randomBytes(rng, pool); at = 0 }
      b = pool[at++]!
    } while (b >= limit)
    const row = b << 8
    if (px !== null) {
      const v = px[p]!
      px[p] = ((v & 0xff000000) | (add[row | ((v >>> 16) & 0xff)]! << 16) | (add[row | ((v >>> 8) & 0xff)]! << 8) | add[row | (v & 0xff)]!) >>> 0
    } else {
      const i = p << 2
      d[i] = add[row | d[i]!]!
      d[i + 1] = add[row | d[i + 1]!]!
      d[i + 2] = add[row | d[i + 2]!]!
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

let pooled: Uint8Array | null = null

/** The random-byte pool, kept between challenges (its bytes are all drawn afresh before use). */
function noisePool(n: number): Uint8Array {
  if (pooled === null || pooled.length !== n) pooled = new Uint8Array(n)
  return pooled
}

const noiseTables = new Map<number, Uint8Array>()

/**
 * For each accepted random byte b and channel value v, at b * 256 + v: v + (b mod levels) - a,
 * clamped to 0..255 (one load per channel instead of an add and two compares: 1.6x faster).
 */
function noiseTable(a: number, levels: number, limit: number): Uint8Array {
  let t = noiseTables.get(a)
  if (t === undefined) {
    t = new Uint8Array(limit * 256)
    for (let b = 0; b < limit; b++) {
      const n = (b % levels) - a
      for (let v = 0; v < 256; v++) t[(b << 8) | v] = Math.min(255, Math.max(0, v + n))
    }
    noiseTables.set(a, t)
  }
  return t
}
