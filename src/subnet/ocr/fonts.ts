/**
 * The challenge fonts: Noto Sans, Noto Serif and Noto Sans Mono (SIL OFL 1.1), latin subset,
 * regular and bold, from the npm packages `@fontsource/noto-sans`, `@fontsource/noto-serif`
 * and `@fontsource/noto-sans-mono`. The same woff2 files are used in browsers (FontFace) and
 * in Node (@napi-rs/canvas registers woff2), so both render the same glyphs.
 */

/** One font face. */
export interface OcrFont {
  /** Family name we register it under (unique per face). */
  family: string
  /** npm package. */
  pkg: string
  /** File within the package. */
  file: string
}

function face(pkg: string, base: string, weight: 400 | 700): OcrFont {
  return { family: `wt-${base}-${weight}`, pkg: `@fontsource/${pkg}`, file: `files/${base}-latin-${weight}-normal.woff2` }
}

/** Every face a challenge may use. */
export const OCR_FONTS: readonly OcrFont[] = Object.freeze([
  face('noto-sans', 'noto-sans', 400),
  face('noto-sans', 'noto-sans', 700),
  face('noto-serif', 'noto-serif', 400),
  face('noto-serif', 'noto-serif', 700),
  face('noto-sans-mono', 'noto-sans-mono', 400),
  face('noto-sans-mono', 'noto-sans-mono', 700),
])
