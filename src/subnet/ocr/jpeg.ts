/**
 * The frame size of a JPEG, read from its SOF (start of frame) header without decoding, so a
 * small file that claims a huge frame (a decompression bomb) is refused before any decoder
 * allocates pixels for it. Pure; the same code runs in the browser and in Node.
 */
import { SubnetError } from '../errors.ts'

/** Width and height in pixels, as the JPEG's frame header gives them. */
export interface JpegFrameSize {
  width: number
  height: number
}

/** The largest side any OCR image may have (the wire's limit on a challenge's claimed size). */
export const MAX_IMAGE_SIDE = 4096

// SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc
// Markers without a length field: TEM, RST0..7, SOI, EOI.
const standalone = (m: number): boolean => m === 0x01 || (m >= 0xd0 && m <= 0xd9)

/**
 * Reads the frame size from the first SOF header (before the first scan). Throws `BAD_IMAGE`
 * for bytes that are not a JPEG, or whose frame header is missing, truncated or has a zero side.
 */
export function jpegFrameSize(bytes: Uint8Array): JpegFrameSize {
  const bad = (why: string): SubnetError => new SubnetError('BAD_IMAGE', `not a usable JPEG: ${why}`)
  if (bytes.byteLength < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw bad('no SOI marker')
  let i = 2
  for (;;) {
    // Skip to a marker (0xFF, then any fill 0xFF bytes).
    if (i >= bytes.byteLength || bytes[i] !== 0xff) throw bad(`no marker at byte ${i}`)
    while (i < bytes.byteLength && bytes[i] === 0xff) i++
    if (i >= bytes.byteLength) throw bad('ends inside a marker')
    const m = bytes[i++]!
    if (standalone(m)) {
      if (m === 0xd9) throw bad('no frame header before the end of the image')
      continue
    }
    if (i + 2 > bytes.byteLength) throw bad('truncated segment length')
    const len = (bytes[i]! << 8) | bytes[i + 1]!
    if (len < 2 || i + len > bytes.byteLength) throw bad(`segment length ${len} runs past the end`)
    if (isSof(m)) {
      if (len < 8) throw bad('frame header too short')
      const height = (bytes[i + 3]! << 8) | bytes[i + 4]!
      const width = (bytes[i + 5]! << 8) | bytes[i + 6]!
      if (width === 0 || height === 0) throw bad(`frame of ${width}x${height} (a zero side)`)
      return { width, height }
    }
    if (m === 0xda) throw bad('a scan starts before any frame header')
    i += len
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** The size a JPEG's SOF or a PNG's IHDR header declares; throws `BAD_IMAGE` for anything else. */
export function imageFrameSize(bytes: Uint8Array): JpegFrameSize {
  if (bytes.byteLength >= 24 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const width = v.getUint32(16)
    const height = v.getUint32(20)
    if (width === 0 || height === 0) throw new SubnetError('BAD_IMAGE', `not a usable PNG: ${width}x${height} (a zero side)`)
    return { width, height }
  }
  return jpegFrameSize(bytes)
}

/**
 * Refuses (`BAD_IMAGE`) a JPEG (or PNG) whose frame is wider or taller than allowed; returns its
 * size. Call before decoding: the decoders allocate what the frame header says.
 */
export function assertJpegWithin(bytes: Uint8Array, maxWidth: number, maxHeight: number): JpegFrameSize {
  const size = imageFrameSize(bytes)
  if (size.width > maxWidth || size.height > maxHeight) {
    throw new SubnetError('BAD_IMAGE', `the JPEG's frame is ${size.width}x${size.height}, above the ${maxWidth}x${maxHeight} this task allows`)
  }
  return size
}
