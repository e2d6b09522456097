/**
 * Decompression bombs: a JPEG's frame size is read from its SOF header and checked before any
 * decoder sees it (issue 14, finding 5). Real JPEGs from the Node canvas; the bomb is built here.
 */
import { describe, expect, it } from 'vitest'
import { ocrTask } from '../index.ts'
import { platform } from './canvas.node.ts'
import { assertJpegWithin, jpegFrameSize } from './jpeg.ts'
import type { OcrChallenge } from './challenge.ts'
import type { SessionRunner } from '../../gpu/index.ts'

/** A tiny baseline JPEG (under 200 bytes) whose frame header claims `width` x `height`. */
function bombJpeg(width: number, height: number): Uint8Array {
  const seg = (marker: number, body: number[]): number[] => [0xff, marker, ((body.length + 2) >> 8) & 0xff, (body.length + 2) & 0xff, ...body]
  const qt = seg(0xdb, [0x00, ...new Array<number>(64).fill(1)])
  const sof = seg(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0])
  // One DC and one AC Huffman table, each with a single 1-bit code for symbol 0.
  const dht = seg(0xc4, [0x00, 1, ...new Array<number>(15).fill(0), 0, 0x10, 1, ...new Array<number>(15).fill(0), 0])
  const sos = seg(0xda, [1, 1, 0x00, 0, 63, 0])
  return Uint8Array.from([0xff, 0xd8, ...seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]), ...qt, ...sof, ...dht, ...sos, 0x00, 0x00, 0xff, 0xd9])
}

async function realJpeg(width: number, height: number): Promise<Uint8Array> {
  const s = platform.createSurface(width, height)
  s.ctx.fillStyle = '#fff'
  s.ctx.fillRect(0, 0, width, height)
  return await s.encodeJpeg(0.8)
}

describe('JPEG frame header', () => {
  it('reads the size of a real JPEG and of a tiny gigapixel bomb without decoding', async () => {
    expect(jpegFrameSize(await realJpeg(320, 160))).toEqual({ width: 320, height: 160 })
    const bomb = bombJpeg(65_000, 65_000)
    expect(bomb.byteLength).toBeLessThan(300)
    expect(jpegFrameSize(bomb)).toEqual({ width: 65_000, height: 65_000 })
    expect(() => assertJpegWithin(bomb, 4096, 4096)).toThrow(/65000x65000/)
  })

  it('refuses truncated, headerless and non-JPEG bytes with BAD_IMAGE', () => {
    const bomb = bombJpeg(100, 100)
    for (const bytes of [new Uint8Array(0), Uint8Array.from([0xff, 0xd8]), bomb.subarray(0, 30), Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), new TextEncoder().encode('GIF89a......'), bombJpeg(0, 10)]) {
      expect(() => jpegFrameSize(bytes)).toThrow(expect.objectContaining({ code: 'BAD_IMAGE' }))
    }
  })

  it('the Node decoder refuses a frame above the limit it is given, and the bomb at the default limit', async () => {
    const big = await realJpeg(1600, 1200)
    await expect(platform.decodeImage(big, { maxWidth: 320, maxHeight: 160 })).rejects.toMatchObject({ code: 'BAD_IMAGE', message: expect.stringContaining('1600x1200') })
    await expect(platform.decodeImage(bombJpeg(65_000, 65_000))).rejects.toMatchObject({ code: 'BAD_IMAGE', message: expect.stringContaining('65000x65000') })
    await expect(platform.decodeImage(await realJpeg(320, 160), { maxWidth: 320, maxHeight: 160 })).resolves.toMatchObject({ width: 320, height: 160 })
  })

  it('the OCR solve refuses an image larger than its challenge claims before loading any model', async () => {
    const image = await realJpeg(1600, 1200)
    const challenge: OcrChallenge = { task: 'ocr', id: 'ab'.repeat(16), mime: 'image/jpeg', image, width: 320, height: 160, issuedAt: Date.now(), deadline: Date.now() + 20_000 }
    // Stand-in runner (no model here): the solve must refuse before it ever uses one.
    const runner = { backend: 'wasm', createSession: () => { throw new Error('the runner was used') }, run: () => { throw new Error('the runner was used') } } as unknown as SessionRunner
    await expect(ocrTask.solve(challenge, { runner, files: new Map() })).rejects.toMatchObject({ code: 'BAD_IMAGE', message: expect.stringContaining('1600x1200') })
  })
})
