/** Browser canvas (OffscreenCanvas, in pages and workers). Chosen over `canvas.node.ts` by the models plugin. */
import { SubnetError } from '../errors.ts'
import type { CanvasPlatform, Ctx2D, Pixels } from './canvas-types.ts'
import { OCR_FONTS } from './fonts.ts'
import sans400 from '@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2?url'
import sans700 from '@fontsource/noto-sans/files/noto-sans-latin-700-normal.woff2?url'
import serif400 from '@fontsource/noto-serif/files/noto-serif-latin-400-normal.woff2?url'
import serif700 from '@fontsource/noto-serif/files/noto-serif-latin-700-normal.woff2?url'
import mono400 from '@fontsource/noto-sans-mono/files/noto-sans-mono-latin-400-normal.woff2?url'
import mono700 from '@fontsource/noto-sans-mono/files/noto-sans-mono-latin-700-normal.woff2?url'
import { assertJpegWithin, MAX_IMAGE_SIDE } from './jpeg.ts'

const URLS: Record<string, string> = {
  'wt-noto-sans-400': sans400,
  'wt-noto-sans-700': sans700,
  'wt-noto-serif-400': serif400,
  'wt-noto-serif-700': serif700,
  'wt-noto-sans-mono-400': mono400,
  'wt-noto-sans-mono-700': mono700,
}

let fonts: Promise<void> | null = null

function fontSet(): FontFaceSet {
  const s = (globalThis as { fonts?: FontFaceSet; document?: Document }).fonts ?? (globalThis as { document?: Document }).document?.fonts
  if (s === undefined) throw new SubnetError('CANVAS_UNAVAILABLE', 'no FontFaceSet in this realm: challenges need a page or a worker with self.fonts')
  return s
}

/** The browser platform. */
export const platform: CanvasPlatform = {
  loadFonts() {
    fonts ??= (async () => {
      const set = fontSet()
      await Promise.all(OCR_FONTS.map(async (f) => {
        const url = URLS[f.family]
        if (url === undefined) throw new SubnetError('CANVAS_UNAVAILABLE', `no URL for font ${f.family}`)
        const res = await fetch(url)
        if (!res.ok) throw new SubnetError('CANVAS_UNAVAILABLE', `font ${url} answered HTTP ${res.status}`)
        const face = new FontFace(f.family, await res.arrayBuffer())
        await face.load()
        set.add(face)
      }))
    })()
    fonts.catch(() => { fonts = null })
    return fonts
  },
  createSurface(width, height) {
    if (typeof OffscreenCanvas === 'undefined') throw new SubnetError('CANVAS_UNAVAILABLE', 'OffscreenCanvas is missing in this browser')
    const canvas = new OffscreenCanvas(width, height)
    const ctx = canvas.getContext('2d') as unknown as Ctx2D
    return {
      ctx,
      encodeJpeg: async (quality) => new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality })).arrayBuffer()),
    }
  },
  async decodeImage(bytes, limits = { maxWidth: MAX_IMAGE_SIDE, maxHeight: MAX_IMAGE_SIDE }): Promise<Pixels> {
    // A small file may declare a huge frame: refuse it from its header, before decoding.
    assertJpegWithin(bytes, limits.maxWidth, limits.maxHeight)
    let bmp: ImageBitmap
    try {
      bmp = await createImageBitmap(new Blob([bytes as BlobPart]))
    } catch (err) {
      throw new SubnetError('BAD_IMAGE', `not a decodable image: ${(err as Error).message}`, { cause: err })
    }
    const canvas = new OffscreenCanvas(bmp.width, bmp.height)
    const ctx = canvas.getContext('2d')
    if (ctx === null) throw new SubnetError('CANVAS_UNAVAILABLE', 'no 2D context on OffscreenCanvas')
    ctx.drawImage(bmp, 0, 0)
    bmp.close()
    const d = ctx.getImageData(0, 0, canvas.width, canvas.height)
    return { width: d.width, height: d.height, data: d.data }
  },
}
