/** Tests and tools: a plain image of given texts (black on white, a challenge font), as JPEG bytes. */
import { platform } from './canvas.node.ts'

/** Draws each text at its position (middle baseline) and encodes the surface as JPEG. */
export async function textImage(width: number, height: number, font: string, texts: ReadonlyArray<{ text: string; x: number; y: number }>): Promise<Uint8Array> {
  await platform.loadFonts()
  const s = platform.createSurface(width, height)
  s.ctx.fillStyle = '#ffffff'
  s.ctx.fillRect(0, 0, width, height)
  s.ctx.fillStyle = '#000000'
  s.ctx.font = font
  s.ctx.textBaseline = 'middle'
  for (const t of texts) s.ctx.fillText(t.text, t.x, t.y)
  return s.encodeJpeg(0.92)
}
