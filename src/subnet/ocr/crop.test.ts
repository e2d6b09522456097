import { Image } from 'paddleocr'
import { describe, expect, it } from 'vitest'
import { platform } from './canvas.node.ts'
import { makeOcrChallenge } from './challenge.ts'
import { cropRotatedRgb } from './crop.ts'

describe('cropRotatedRgb', () => {
  it('gives paddleocr cropRotated\'s RGB byte for byte: skewed, rotated, tall and edge-touching quads', async () => {
    const { challenge } = await makeOcrChallenge()
    const px = await platform.decodeImage(challenge.image)
    const image = new Image(px.width, px.height, 4, new Uint8Array(px.data.buffer, px.data.byteOffset, px.data.byteLength))
    type Quad = [{ x: number; y: number }, { x: number; y: number }, { x: number; y: number }, { x: number; y: number }]
    const quads: Quad[] = [
      [{ x: 10.5, y: 20.25 }, { x: 200.75, y: 24 }, { x: 199, y: 70.5 }, { x: 9, y: 66 }],
      [{ x: 0, y: 0 }, { x: 639, y: 0 }, { x: 639, y: 30 }, { x: 0, y: 30 }],
      [{ x: 600, y: 400 }, { x: 660, y: 410 }, { x: 650, y: 500 }, { x: 590, y: 490 }], // past the edges
      [{ x: 300, y: 100 }, { x: 330, y: 100 }, { x: 330, y: 260 }, { x: 300, y: 260 }], // tall: turned
    ]
    for (let i = 0; i < 40; i++) {
      const x = Math.random() * 560
      const y = Math.random() * 420
      const w = 8 + Math.random() * 200
      const h = 8 + Math.random() * 60
      const a = (Math.random() - 0.5) * 0.2
      const c = Math.cos(a)
      const s = Math.sin(a)
      quads.push([{ x, y }, { x: x + w * c, y: y + w * s }, { x: x + w * c - h * s, y: y + w * s + h * c }, { x: x - h * s, y: y + h * c }])
    }
    for (const q of quads) {
      const want = image.cropRotated(q)
      const got = cropRotatedRgb(image, q)
      expect([got.width, got.height, got.channels]).toEqual([want.width, want.height, 3])
      const rgb = new Uint8Array(want.width * want.height * 3)
      for (let p = 0; p < want.width * want.height; p++) rgb.set(want.data.subarray(p * 4, p * 4 + 3), p * 3)
      expect(Buffer.from(got.data).equals(Buffer.from(rgb))).toBe(true)
    }
  })
})
