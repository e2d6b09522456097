/**
 * Node canvas (@napi-rs/canvas, prebuilt per platform). In browser bundles the models plugin
 * swaps this file for `canvas.browser.ts`.
 */
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { GlobalFonts, createCanvas, loadImage } from '@napi-rs/canvas'
import { SubnetError } from '../errors.ts'
import type { CanvasPlatform, Ctx2D, Pixels } from './canvas-types.ts'
import { OCR_FONTS } from './fonts.ts'
import { assertJpegWithin, MAX_IMAGE_SIDE } from './jpeg.ts'

const require = createRequire(import.meta.url)
let fontsLoaded = false

/** The Node platform. */
export const platform: CanvasPlatform = {
  async loadFonts() {
    if (fontsLoaded) return
    for (const f of OCR_FONTS) {
      const key = GlobalFonts.register(readFileSync(require.resolve(`${f.pkg}/${f.file}`)), f.family)
      if (key === null) throw new SubnetError('CANVAS_UNAVAILABLE', `could not register font ${f.pkg}/${f.file}; reinstall dependencies`)
    }
    fontsLoaded = true
  },
  createSurface(width, height) {
    const canvas = createCanvas(width, height)
    const ctx = canvas.getContext('2d') as unknown as Ctx2D
    return {
      ctx,
      // Synchronous: a 320x160 challenge encodes in about 1 ms, and the thread-pool hand-off of
      // canvas.encode cost 0.3-0.45 ms of CPU more per challenge (2.93 -> 2.66 ms for the whole
      // challenge, A/B in one process), a tenth of a validator's per-miner work.
      encodeJpeg: async (quality) => new Uint8Array(canvas.encodeSync('jpeg', Math.round(quality * 100))),
    }
  },
  async decodeImage(bytes, limits = { maxWidth: MAX_IMAGE_SIDE, maxHeight: MAX_IMAGE_SIDE }): Promise<Pixels> {
    // A small file may declare a huge frame: refuse it from its header, before decoding.
    assertJpegWithin(bytes, limits.maxWidth, limits.maxHeight)
    let img
    try {
      img = await loadImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    } catch (err) {
      throw new SubnetError('BAD_IMAGE', `not a decodable image: ${(err as Error).message}`, { cause: err })
    }
    const canvas = createCanvas(img.width, img.height)
    const ctx = canvas.getContext('2d')
    ctx.drawImage(img, 0, 0)
    const d = ctx.getImageData(0, 0, img.width, img.height)
    return { width: d.width, height: d.height, data: d.data }
  },
}
