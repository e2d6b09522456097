/**
 * Decompression bombs in the browser (issue 14, finding 5): the OffscreenCanvas decoder reads the
 * JPEG's frame header before createImageBitmap sees the bytes. Real headless Chromium.
 */
import { describe, expect, it } from 'vitest'
import { platform } from './canvas.browser.ts'

/** A tiny baseline JPEG whose frame header claims `width` x `height` (as in jpeg.test.ts). */
function bombJpeg(width: number, height: number): Uint8Array {
  const seg = (marker: number, body: number[]): number[] => [0xff, marker, ((body.length + 2) >> 8) & 0xff, (body.length + 2) & 0xff, ...body]
  return Uint8Array.from([0xff, 0xd8, ...seg(0xdb, [0x00, ...new Array<number>(64).fill(1)]), ...seg(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...seg(0xc4, [0x00, 1, ...new Array<number>(15).fill(0), 0, 0x10, 1, ...new Array<number>(15).fill(0), 0]), ...seg(0xda, [1, 1, 0x00, 0, 63, 0]), 0x00, 0x00, 0xff, 0xd9])
}

describe('JPEG frame header in the browser', () => {
  it('refuses a gigapixel bomb and a frame above the given limit; decodes one within it', async () => {
    await expect(platform.decodeImage(bombJpeg(65_000, 65_000))).rejects.toMatchObject({ code: 'BAD_IMAGE', message: expect.stringContaining('65000x65000') })
    const s = platform.createSurface(1600, 1200)
    s.ctx.fillStyle = '#fff'
    s.ctx.fillRect(0, 0, 1600, 1200)
    const big = await s.encodeJpeg(0.8)
    await expect(platform.decodeImage(big, { maxWidth: 320, maxHeight: 160 })).rejects.toMatchObject({ code: 'BAD_IMAGE', message: expect.stringContaining('1600x1200') })
    await expect(platform.decodeImage(big)).resolves.toMatchObject({ width: 1600, height: 1200 })
  })
})
