/** The part of a 2D canvas context the challenge renderer uses (OffscreenCanvas and @napi-rs/canvas both have it). */
export interface Ctx2D {
  fillStyle: string | CanvasGradient | CanvasPattern
  strokeStyle: string | CanvasGradient | CanvasPattern
  lineWidth: number
  globalAlpha: number
  font: string
  textBaseline: CanvasTextBaseline
  textAlign: CanvasTextAlign
  save(): void
  restore(): void
  translate(x: number, y: number): void
  rotate(angle: number): void
  fillRect(x: number, y: number, w: number, h: number): void
  fillText(text: string, x: number, y: number): void
  measureText(text: string): { width: number; actualBoundingBoxAscent: number; actualBoundingBoxDescent: number }
  beginPath(): void
  moveTo(x: number, y: number): void
  lineTo(x: number, y: number): void
  arc(x: number, y: number, r: number, a0: number, a1: number): void
  stroke(): void
  fill(): void
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray; width: number; height: number }
  putImageData(img: never, x: number, y: number): void
}

/** Decoded pixels (RGBA). */
export interface Pixels {
  width: number
  height: number
  data: Uint8ClampedArray | Uint8Array
}

/** What each environment provides: `canvas.node.ts` (@napi-rs/canvas) or `canvas.browser.ts` (OffscreenCanvas). */
export interface CanvasPlatform {
  /** Registers the challenge fonts once; resolves when they can be drawn. */
  loadFonts(): Promise<void>
  /** A drawing surface. */
  createSurface(width: number, height: number): { ctx: Ctx2D; encodeJpeg(quality: number): Promise<Uint8Array> }
  /**
   * Decodes a PNG or JPEG to RGBA pixels. The size in its header is checked first: above `limits`
   * (default 4096 a side, see jpeg.ts) it is refused with `BAD_IMAGE`, undecoded.
   */
  decodeImage(bytes: Uint8Array, limits?: { maxWidth: number; maxHeight: number }): Promise<Pixels>
}
