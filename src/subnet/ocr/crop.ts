/**
 * paddleocr 1.2's `Image.cropRotated` (a perspective warp of a detected quad onto an upright
 * rectangle, bicubic with a = -0.75, edge pixels repeated, turned counter-clockwise when tall),
 * computed the same way to the last bit but for the three colour channels only and without an
 * allocation per pixel: it was the largest JS cost of a challenge (about 16 ms of 8 crops, most
 * of it sampling an alpha channel nothing reads). `crop.test.ts` compares it byte for byte with
 * paddleocr's.
 */
import { Image } from 'paddleocr'

interface Point { x: number; y: number }

/** Gauss-Jordan elimination with partial pivoting, in paddleocr's order of operations. */
function solve(matrix: number[][], values: number[]): number[] {
  const size = values.length
  const a = matrix.map((row, i) => [...row, values[i]!])
  for (let col = 0; col < size; col++) {
    let pivot = col
    for (let row = col + 1; row < size; row++) if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row
    if (Math.abs(a[pivot]![col]!) < Number.EPSILON) throw new Error('Cannot calculate perspective transform from degenerate points')
    if (pivot !== col) [a[col], a[pivot]] = [a[pivot]!, a[col]!]
    const p = a[col]!
    const pv = p[col]!
    for (let e = col; e <= size; e++) p[e] = p[e]! / pv
    for (let row = 0; row < size; row++) {
      if (row === col) continue
      const r = a[row]!
      const f = r[col]!
      for (let e = col; e <= size; e++) r[e] = r[e]! - f * p[e]!
    }
  }
  return a.map((row) => row[size]!)
}

/** The homography taking the rectangle's corners to `points` (paddleocr's getPerspectiveTransform). */
function perspective(source: readonly Point[], target: readonly Point[]): number[] {
  const m: number[][] = []
  const v: number[] = []
  for (let i = 0; i < 4; i++) {
    const s = source[i]!
    const d = target[i]!
    m.push([s.x, s.y, 1, 0, 0, 0, -s.x * d.x, -s.y * d.x])
    v.push(d.x)
    m.push([0, 0, 0, s.x, s.y, 1, -s.x * d.y, -s.y * d.y])
    v.push(d.y)
  }
  return [...solve(m, v), 1]
}

const A = -0.75
/** Writes the four bicubic weights of fraction `x` into `out` (paddleocr's cubicCoefficients). */
function cubic(x: number, out: Float64Array): void {
  const x1 = x + 1
  const x2 = 1 - x
  const c0 = ((A * x1 - 5 * A) * x1 + 8 * A) * x1 - 4 * A
  const c1 = ((A + 2) * x - (A + 3)) * x * x + 1
  const c2 = ((A + 2) * x2 - (A + 3)) * x2 * x2 + 1
  out[0] = c0
  out[1] = c1
  out[2] = c2
  out[3] = 1 - c0 - c1 - c2
}

/** `image.cropRotated(points)`'s RGB, as a 3-channel Image. */
export function cropRotatedRgb(image: Image, points: readonly Point[]): Image {
  const dist = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y)
  const p = points as [Point, Point, Point, Point]
  const width = Math.max(Math.floor(dist(p[0], p[1])), Math.floor(dist(p[2], p[3])), 1)
  const height = Math.max(Math.floor(dist(p[0], p[3])), Math.floor(dist(p[1], p[2])), 1)
  const t = perspective([{ x: 0, y: 0 }, { x: width, y: 0 }, { x: width, y: height }, { x: 0, y: height }], points)
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = t as [number, number, number, number, number, number, number, number, number]
  const { width: W, height: H, channels: C, data } = image
  const out = new Uint8Array(width * height * 3)
  const cx = new Float64Array(4)
  const cy = new Float64Array(4)
  const xs = new Int32Array(4)
  const ys = new Int32Array(4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sx: number
      let sy: number
      const den = m6 * x + m7 * y + m8
      if (Math.abs(den) < Number.EPSILON) { sx = 0; sy = 0 } else { sx = (m0 * x + m1 * y + m2) / den; sy = (m3 * x + m4 * y + m5) / den }
      const bx = Math.floor(sx)
      const by = Math.floor(sy)
      cubic(sx - bx, cx)
      cubic(sy - by, cy)
      for (let k = 0; k < 4; k++) {
        xs[k] = Math.max(0, Math.min(W - 1, bx + k - 1))
        ys[k] = Math.max(0, Math.min(H - 1, by + k - 1))
      }
      const o = (y * width + x) * 3
      for (let c = 0; c < 3; c++) {
        let value = 0
        for (let ky = 0; ky < 4; ky++) {
          const row = ys[ky]! * W
          for (let kx = 0; kx < 4; kx++) value += data[(row + xs[kx]!) * C + c]! * cx[kx]! * cy[ky]!
        }
        out[o + c] = Math.round(Math.max(0, Math.min(255, value)))
      }
    }
  }
  const crop = new Image(width, height, 3, out)
  return height / width >= 1.5 ? crop.rotateCounterClockwise() : crop
}
