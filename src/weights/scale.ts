/** The few SCALE encodings the weight commits need (compact lengths, u16 vectors, u64). */

/** SCALE compact encoding of a non-negative integer below 2^30 (all this module needs). */
export function compact(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`compact: not a non-negative integer: ${n}`)
  if (n < 1 << 6) return Uint8Array.of(n << 2)
  if (n < 1 << 14) {
    const v = (n << 2) | 1
    return Uint8Array.of(v & 0xff, v >> 8)
  }
  if (n < 1 << 30) {
    const v = ((n << 2) | 2) >>> 0
    return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24)
  }
  throw new RangeError(`compact: ${n} is too large for this encoder`)
}

/** `Vec<u8>`: compact length then the bytes. */
export function vecU8(b: Uint8Array): Uint8Array {
  return concat(compact(b.length), b)
}

/** `Vec<u16>`: compact length then each value little-endian. */
export function vecU16(values: readonly number[]): Uint8Array {
  const body = new Uint8Array(values.length * 2)
  values.forEach((v, i) => {
    body[2 * i] = v & 0xff
    body[2 * i + 1] = v >> 8
  })
  return concat(compact(values.length), body)
}

/** `u16` little-endian. */
export function u16(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, v >> 8)
}

/** `u64` little-endian. */
export function u64(v: bigint): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, v, true)
  return b
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
