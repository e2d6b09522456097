/**
 * Timelock encryption to drand quicknet, byte-compatible with the `tle` crate that subtensor
 * decrypts with (ideal-lab5/timelock rev 5416406cfd32799e31e1795393d4916894de4468).
 *
 * Layers (see docs in ./index.ts and the project's TIMELOCK reference):
 * - identity: `Q_id = hash_to_curve_G1(SHA256(BE64(round)))`, DST of drand quicknet;
 * - IBE: Boneh–Franklin FullIdent with G1 identities / G2 master key ("TinyBLS381"),
 *   hashes H2 = SHA256(arkworks Fp12 bytes), H3 = SHA256(σ‖m) BE mod r, H4 = SHA256(σ);
 * - symmetric: AES-256-GCM(esk, 12-byte nonce, no AAD);
 * - serialization: arkworks `serialize_compressed` of `TLECiphertext`.
 *
 * Only audited primitives are used (@noble/curves, @noble/hashes, @noble/ciphers).
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { gcm } from '@noble/ciphers/aes.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { TimelockError } from './errors.ts'

type G1Point = ReturnType<typeof bls12_381.G1.Point.fromBytes>
type G2Point = ReturnType<typeof bls12_381.G2.Point.fromBytes>
type Fp12 = ReturnType<typeof bls12_381.pairing>

/** RFC 9380 suite drand quicknet signs with (`bls-unchained-g1-rfc9380`). */
export const QUICKNET_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_'

/** The `cipher_suite` field the crate writes (the decoder ignores it but we emit it). */
const CIPHER_SUITE = new TextEncoder().encode('AES_GCM_')

const G1_LEN = 48
const G2_LEN = 96
const FP_LEN = 48
const NONCE_LEN = 12
const TAG_LEN = 16
/** Header (U ‖ len‖V ‖ len‖W) + body length prefix + ct length prefix + nonce prefix + nonce + suite. */
export const CIPHERTEXT_OVERHEAD = G2_LEN + 8 + 32 + 8 + 32 + 8 + 8 + TAG_LEN + 8 + NONCE_LEN + 8 + 8

const R = bls12_381.fields.Fr.ORDER

/** Round as a u64 bigint, validated. */
export function toRound(round: bigint | number): bigint {
  let r: bigint
  if (typeof round === 'number') {
    if (!Number.isSafeInteger(round)) throw new TimelockError('BAD_ROUND', `round must be an integer, got ${round}`)
    r = BigInt(round)
  } else r = round
  if (r < 0n || r >= 1n << 64n) throw new TimelockError('BAD_ROUND', `round must be a u64, got ${r}`)
  return r
}

/** `SHA256(BE64(round))`: the message drand quicknet signs for a round. */
export function roundMessage(round: bigint | number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, toRound(round), false)
  return sha256(b)
}

/** The IBE identity point (and the quicknet signing point) of a round. */
export function identityPoint(round: bigint | number): G1Point {
  return bls12_381.G1.hashToCurve(roundMessage(round), { DST: QUICKNET_DST }) as unknown as G1Point
}

/** Canonical integer → 48 bytes little-endian (arkworks Fp serialization). */
function fpLE(x: bigint, out: Uint8Array, off: number): void {
  let v = x
  for (let i = 0; i < FP_LEN; i++) {
    out[off + i] = Number(v & 0xffn)
    v >>= 8n
  }
}

/** arkworks serialization of an Fp12 element: c0 before c1 at every tower level, Fp little-endian. */
export function fp12ToArkworksBytes(g: Fp12): Uint8Array {
  const out = new Uint8Array(12 * FP_LEN)
  let off = 0
  for (const f6 of [g.c0, g.c1]) {
    for (const f2 of [f6.c0, f6.c1, f6.c2]) {
      for (const f of [f2.c0, f2.c1]) {
        fpLE(f, out, off)
        off += FP_LEN
      }
    }
  }
  return out
}

/** H2: GT → 32 bytes. */
function h2(g: Fp12): Uint8Array {
  return sha256(fp12ToArkworksBytes(g))
}

/** H3: (σ, m) → scalar, SHA256 read big-endian, reduced mod r (arkworks `from_be_bytes_mod_order`). */
function h3(sigma: Uint8Array, m: Uint8Array): bigint {
  const d = sha256(concat(sigma, m))
  let v = 0n
  for (const byte of d) v = (v << 8n) | BigInt(byte)
  return v % R
}

/** H4: σ → SHA256(σ) truncated to |σ| (always 32 here). */
function h4(sigma: Uint8Array): Uint8Array {
  return sha256(sigma).subarray(0, sigma.length)
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function le64(n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true)
  return b
}

/** Decodes a compressed G2 point, with on-curve and subgroup checks (as arkworks validation). */
export function decodeG2(bytes: Uint8Array, what = 'G2 point'): G2Point {
  if (bytes.length !== G2_LEN) throw new TimelockError('MALFORMED', `${what} must be ${G2_LEN} bytes, got ${bytes.length}`)
  try {
    const p = bls12_381.G2.Point.fromBytes(bytes)
    p.assertValidity()
    if (p.is0()) throw new Error('point at infinity')
    return p
  } catch (e) {
    throw new TimelockError('MALFORMED', `${what} is not a valid compressed G2 point: ${(e as Error).message}`)
  }
}

/** Decodes a compressed G1 point (a beacon signature), with on-curve and subgroup checks. */
export function decodeG1(bytes: Uint8Array, what = 'signature'): G1Point {
  if (bytes.length !== G1_LEN) throw new TimelockError('MALFORMED', `${what} must be ${G1_LEN} bytes, got ${bytes.length}`)
  try {
    const p = bls12_381.G1.Point.fromBytes(bytes)
    p.assertValidity()
    if (p.is0()) throw new Error('point at infinity')
    return p
  } catch (e) {
    throw new TimelockError('MALFORMED', `${what} is not a valid compressed G1 point: ${(e as Error).message}`)
  }
}

/** Randomness an encryption consumes; injectable only so tests can be deterministic. */
export interface EncryptRandomness {
  /** The 32-byte AES key, which is also the IBE message. Must be fresh per commit. */
  esk?: Uint8Array
  /** The 32-byte IBE σ. */
  sigma?: Uint8Array
  /** The 12-byte AES-GCM nonce. */
  nonce?: Uint8Array
}

/** The parsed fields of a serialized `TLECiphertext`. */
export interface ParsedCiphertext {
  /** U: compressed G2 point (96 bytes). */
  u: Uint8Array
  /** V = σ ⊕ H2(e(Q_id, ρ·P_pub)) (32 bytes). */
  v: Uint8Array
  /** W = esk ⊕ H4(σ) (32 bytes). */
  w: Uint8Array
  /** AES-GCM ciphertext ‖ tag. */
  aesCiphertext: Uint8Array
  /** AES-GCM nonce (12 bytes). */
  nonce: Uint8Array
  /** The `cipher_suite` bytes (ignored by the chain). */
  cipherSuite: Uint8Array
  /** Total bytes consumed by the struct (trailing bytes are ignored, like the crate). */
  length: number
}

/** Reads the arkworks compressed `TLECiphertext` layout; throws `MALFORMED` on any inconsistency. */
export function parseCiphertext(bytes: Uint8Array): ParsedCiphertext {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let off = 0
  const need = (n: number, what: string): void => {
    if (off + n > bytes.length) throw new TimelockError('MALFORMED', `ciphertext truncated while reading ${what} (need ${off + n} bytes, have ${bytes.length})`)
  }
  const readLen = (what: string, max: number): number => {
    need(8, `${what} length`)
    const n = view.getBigUint64(off, true)
    off += 8
    if (n > BigInt(max)) throw new TimelockError('MALFORMED', `${what} length ${n} exceeds the ${max} bytes available`)
    return Number(n)
  }
  const readVec = (what: string): Uint8Array => {
    const n = readLen(what, bytes.length - off - 8)
    need(n, what)
    const out = bytes.subarray(off, off + n)
    off += n
    return out
  }
  need(G2_LEN, 'U')
  const u = bytes.subarray(0, G2_LEN)
  off = G2_LEN
  const v = readVec('V')
  const w = readVec('W')
  const body = readVec('body')
  const suite = readVec('cipher_suite')
  if (v.length !== 32 || w.length !== 32) throw new TimelockError('MALFORMED', `V and W must be 32 bytes, got ${v.length} and ${w.length}`)
  // body = arkworks AESOutput { ciphertext: Vec<u8>, nonce: Vec<u8> }
  const bview = new DataView(body.buffer, body.byteOffset, body.byteLength)
  if (body.length < 16) throw new TimelockError('MALFORMED', 'body too short for AESOutput')
  const ctLen = bview.getBigUint64(0, true)
  if (ctLen > BigInt(body.length - 16)) throw new TimelockError('MALFORMED', `AES ciphertext length ${ctLen} exceeds body`)
  const aesCiphertext = body.subarray(8, 8 + Number(ctLen))
  const nOff = 8 + Number(ctLen)
  const nonceLen = bview.getBigUint64(nOff, true)
  if (nonceLen !== BigInt(body.length - nOff - 8)) throw new TimelockError('MALFORMED', `AESOutput nonce length ${nonceLen} does not fill the body`)
  const nonce = body.subarray(nOff + 8)
  return { u, v, w, aesCiphertext, nonce, cipherSuite: suite, length: off }
}

/**
 * Timelock-encrypts `plaintext` to `round` under the beacon key `publicKey` (compressed G2).
 * Returns the serialized `TLECiphertext`, exactly the `commit` bytes the chain decrypts.
 */
export function encryptWith(
  plaintext: Uint8Array,
  round: bigint | number,
  publicKey: Uint8Array,
  rnd: EncryptRandomness = {},
): Uint8Array {
  const pPub = decodeG2(publicKey, 'public key')
  const esk = rnd.esk ?? randomBytes(32)
  const sigma = rnd.sigma ?? randomBytes(32)
  const nonce = rnd.nonce ?? randomBytes(NONCE_LEN)
  if (esk.length !== 32 || sigma.length !== 32 || nonce.length !== NONCE_LEN) {
    throw new TimelockError('BAD_INPUT', 'esk and sigma must be 32 bytes and nonce 12 bytes')
  }
  const qId = identityPoint(round)
  const rho = h3(sigma, esk)
  if (rho === 0n) throw new TimelockError('BAD_INPUT', 'degenerate randomness (rho = 0); retry')
  const u = bls12_381.G2.Point.BASE.multiply(rho)
  // e(ρ·Q_id, P_pub) = e(Q_id, ρ·P_pub); multiplying in G1 is cheaper.
  const g = bls12_381.pairing(qId.multiply(rho), pPub)
  const v = xor(sigma, h2(g))
  const w = xor(esk, h4(sigma))
  const ct = gcm(esk, nonce).encrypt(plaintext)
  const aesOutput = concat(le64(ct.length), ct, le64(NONCE_LEN), nonce)
  return concat(
    u.toBytes(true),
    le64(32), v,
    le64(32), w,
    le64(aesOutput.length), aesOutput,
    le64(CIPHER_SUITE.length), CIPHER_SUITE,
  )
}

/** Recovers the AES key from the IBE header with the round signature, as the chain's `tld` does. */
function ibeDecrypt(p: ParsedCiphertext, signature: Uint8Array): Uint8Array {
  const d = decodeG1(signature)
  const u = decodeG2(p.u, 'ciphertext U')
  const sigma = xor(p.v, h2(bls12_381.pairing(d, u)))
  const m = xor(p.w, h4(sigma))
  const rho = h3(sigma, m)
  if (rho === 0n || !bls12_381.G2.Point.BASE.multiply(rho).equals(u)) {
    throw new TimelockError('INVALID_SIGNATURE', 'the signature does not open this ciphertext (wrong round or wrong beacon)')
  }
  return m
}

/** Decrypts a serialized `TLECiphertext` with the beacon signature of its round. */
export function decryptWith(ciphertext: Uint8Array, signature: Uint8Array): Uint8Array {
  const p = parseCiphertext(ciphertext)
  if (p.nonce.length !== NONCE_LEN) throw new TimelockError('MALFORMED', `AES-GCM nonce must be 12 bytes, got ${p.nonce.length}`)
  const esk = ibeDecrypt(p, signature)
  try {
    return gcm(esk, p.nonce).decrypt(p.aesCiphertext)
  } catch {
    throw new TimelockError('DECRYPTION_FAILED', 'AES-GCM authentication failed: the ciphertext body was altered')
  }
}
