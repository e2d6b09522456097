/**
 * Challenge words: drawn from the platform CSPRNG (crypto.getRandomValues), never a seed anyone
 * else could know, over an alphabet with no look-alikes once case is folded.
 */

/**
 * Lower-case letters without `i`, `l` and `o` (confused with `1`, `I`, `0`, `O` and each other
 * across fonts), and without `j` and `q`: on the rotated, noisy renders PP-OCRv4 read `j`/`J` as
 * `i`/`I` and `q` as `a`, which were 6 of its 8 misses in 480 words (a Node measurement,
 * onnxruntime-node); an honest miner should not lose score to the alphabet. Digits are left out
 * for the same reason. Words are rendered in lower, upper or title case; scoring folds case, so
 * `c`/`C`, `s`/`S` ... cannot be confused either.
 */
export const OCR_ALPHABET = 'abcdefghkmnprstuvwxyz'

/**
 * A source of uniform random 32-bit integers (default: the platform CSPRNG). `fill`, where present,
 * fills a byte array with uniform random bytes in one go (the per-pixel noise draws ~340 KB a challenge).
 */
export type RandomSource = (() => number) & { fill?: (bytes: Uint8Array) => void }

/** Uniform 32-bit values from `crypto.getRandomValues`, buffered; `fill` draws bytes directly. */
export function cryptoRandom(): RandomSource {
  const buf = new Uint32Array(256)
  let at = buf.length
  const next = (): number => {
    if (at === buf.length) {
      crypto.getRandomValues(buf)
      at = 0
    }
    return buf[at++]!
  }
  // getRandomValues takes at most 65 536 bytes a call.
  const fill = (bytes: Uint8Array): void => {
    for (let o = 0; o < bytes.length; o += 65_536) crypto.getRandomValues(bytes.subarray(o, Math.min(bytes.length, o + 65_536)))
  }
  return Object.assign(next, { fill })
}

/** Fills `bytes` from `rng`: its `fill` where it has one, else four bytes per 32-bit draw. */
export function randomBytes(rng: RandomSource, bytes: Uint8Array): void {
  if (rng.fill !== undefined) { rng.fill(bytes); return }
  for (let i = 0; i < bytes.length; i += 4) {
    const v = rng() >>> 0
    for (let k = 0; k < 4 && i + k < bytes.length; k++) bytes[i + k] = (v >>> (8 * k)) & 0xff
  }
}

/** Uniform integer in [0, n) without modulo bias. */
export function randInt(rng: RandomSource, n: number): number {
  if (n <= 0 || n > 2 ** 32) throw new RangeError(`randInt bound ${n} out of range`)
  const limit = 2 ** 32 - (2 ** 32 % n)
  for (;;) {
    const v = rng() >>> 0
    if (v < limit) return v % n
  }
}

/** Uniform float in [lo, hi). */
export function randFloat(rng: RandomSource, lo: number, hi: number): number {
  return lo + ((rng() >>> 0) / 2 ** 32) * (hi - lo)
}

/** Case style a word is drawn in. */
export type WordCase = 'lower' | 'upper' | 'title'

/** One random word of `minLen..maxLen` letters from {@link OCR_ALPHABET} (no letter twice in a row), in a random case. */
export function randomWord(rng: RandomSource, minLen = 4, maxLen = 8): string {
  const len = minLen + randInt(rng, maxLen - minLen + 1)
  let w = ''
  while (w.length < len) {
    const c = OCR_ALPHABET[randInt(rng, OCR_ALPHABET.length)]!
    // No doubled letters: narrow pairs like "jj" collapse in CTC decoding on some fonts.
    if (c !== w[w.length - 1]) w += c
  }
  const style: WordCase = (['lower', 'upper', 'title'] as const)[randInt(rng, 3)]!
  if (style === 'upper') return w.toUpperCase()
  if (style === 'title') return w[0]!.toUpperCase() + w.slice(1)
  return w
}

/** `k` distinct random words (distinct after case folding, so matching is unambiguous). */
export function randomWords(rng: RandomSource, k: number, minLen = 4, maxLen = 8): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  while (out.length < k) {
    const w = randomWord(rng, minLen, maxLen)
    if (seen.has(w.toLowerCase())) continue
    seen.add(w.toLowerCase())
    out.push(w)
  }
  return out
}
