/**
 * Length-prefixed frames: an unsigned LEB128 varint length, then that many bytes (the framing of
 * `it-length-prefixed` and every libp2p protocol). The decoder is pure and bounded: it never
 * buffers more than one frame of at most `maxLength` bytes, and every bad input is a typed error.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { MeshProtocolError } from './errors.ts'

/** A varint of a length up to 2^35 needs at most 5 bytes; we accept no longer prefix. */
const MAX_VARINT_BYTES = 5

/** Encodes one frame: varint(length) || body. */
export function encodeFrame(body: Uint8Array): Uint8Array {
  let n = body.byteLength
  const prefix: number[] = []
  do {
    let b = n & 0x7f
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    prefix.push(b)
  } while (n > 0)
  const out = new Uint8Array(prefix.length + body.byteLength)
  out.set(prefix, 0)
  out.set(body, prefix.length)
  return out
}

/** Incremental decoder: feed chunks, take whole frames. */
export class FrameDecoder {
  readonly #buf = new Uint8ArrayList()
  readonly #maxLength: number

  constructor(maxLength: number) {
    this.#maxLength = maxLength
  }

  /** Appends received bytes and returns the complete frames now available. */
  push(chunk: Uint8Array | Uint8ArrayList): Uint8Array[] {
    this.#buf.append(chunk)
    const frames: Uint8Array[] = []
    for (;;) {
      const head = this.#readLength()
      if (head === undefined) break
      const [length, prefixBytes] = head
      if (this.#buf.byteLength < prefixBytes + length) break
      frames.push(this.#buf.subarray(prefixBytes, prefixBytes + length))
      this.#buf.consume(prefixBytes + length)
    }
    return frames
  }

  /** Bytes held that do not yet form a frame. */
  get pending(): number {
    return this.#buf.byteLength
  }

  /** Throws if the input ended inside a frame. */
  end(): void {
    if (this.#buf.byteLength > 0) throw new MeshProtocolError('ERR_TRUNCATED', `stream ended inside a frame (${this.#buf.byteLength} bytes left over)`)
  }

  #readLength(): [number, number] | undefined {
    let value = 0
    let scale = 1
    const available = Math.min(this.#buf.byteLength, MAX_VARINT_BYTES)
    for (let i = 0; i < available; i++) {
      const b = this.#buf.get(i)
      value += (b & 0x7f) * scale
      scale *= 128
      if ((b & 0x80) === 0) {
        if (i > 0 && b === 0) throw new MeshProtocolError('ERR_BAD_VARINT', 'length prefix is not minimally encoded')
        if (value > this.#maxLength) throw new MeshProtocolError('ERR_FRAME_TOO_LARGE', `frame of ${value} bytes is above the limit of ${this.#maxLength}`)
        return [value, i + 1]
      }
      // Fail early on a prefix that already announces too much.
      if (value > this.#maxLength) throw new MeshProtocolError('ERR_FRAME_TOO_LARGE', `frame of at least ${value} bytes is above the limit of ${this.#maxLength}`)
    }
    if (this.#buf.byteLength >= MAX_VARINT_BYTES) throw new MeshProtocolError('ERR_BAD_VARINT', `length prefix longer than ${MAX_VARINT_BYTES} bytes`)
    return undefined
  }
}
