/**
 * The bytes around a signature, shared by every {@link TxSigner}: the signing payload of a call
 * and its transaction extensions, the signed (v4) extrinsic a signer returns, and reading the
 * signature back out of one. Plain SCALE, no library types (the shape polkadot-api's signers use).
 */
import { blake2b } from '@noble/hashes/blake2.js'
import { WalletError } from './errors.ts'
import type { TxExtensionBytes } from './types.ts'

/** Payloads longer than this are signed by their blake2-256 hash (Substrate's rule). */
export const MAX_PLAIN_PAYLOAD = 256

/** `Extrinsic` v4, signed. */
const SIGNED_V4 = 0x84

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/** SCALE `Compact<u32>` (lengths, nonces). */
export function compactBytes(n: number): Uint8Array {
  if (n < 0x40) return Uint8Array.of(n << 2)
  if (n < 0x4000) return Uint8Array.of(((n << 2) | 1) & 0xff, n >> 6)
  if (n < 0x40000000) return Uint8Array.of(((n << 2) | 2) & 0xff, (n >> 6) & 0xff, (n >> 14) & 0xff, (n >> 22) & 0xff)
  return Uint8Array.of(3, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff)
}

/** Decodes a SCALE compact integer at `at`: its value and its length in bytes. */
export function readCompact(bytes: Uint8Array, at = 0): { value: bigint; length: number } {
  const b0 = bytes[at]
  if (b0 === undefined) throw new WalletError('BAD_INPUT', 'a compact integer was expected, the bytes ended')
  const mode = b0 & 3
  if (mode === 0) return { value: BigInt(b0 >> 2), length: 1 }
  if (mode === 1) return { value: BigInt(((bytes[at + 1] ?? 0) << 6) | (b0 >> 2)), length: 2 }
  if (mode === 2) return { value: BigInt((((bytes[at + 3] ?? 0) << 22) | ((bytes[at + 2] ?? 0) << 14) | ((bytes[at + 1] ?? 0) << 6)) >>> 0) + BigInt(b0 >> 2), length: 4 }
  const n = (b0 >> 2) + 4
  let v = 0n
  for (let i = n; i >= 1; i--) v = (v << 8n) | BigInt(bytes[at + i] ?? 0)
  return { value: v, length: n + 1 }
}

/** What a signer signs: call, then every extension's explicit data, then every extension's implicit data (metadata order). */
export function signingPayload(callData: Uint8Array, extensions: Readonly<Record<string, TxExtensionBytes>>): Uint8Array {
  const list = Object.values(extensions)
  return concat(callData, ...list.map((e) => e.value), ...list.map((e) => e.additionalSigned))
}

/** The payload as signed: itself, or its blake2-256 hash when over 256 bytes (or `hasher`'s, when given). */
export function payloadToSign(payload: Uint8Array, hasher?: (data: Uint8Array) => Uint8Array): Uint8Array {
  if (payload.length <= MAX_PLAIN_PAYLOAD) return payload
  return hasher !== undefined ? hasher(payload) : blake2b(payload, { dkLen: 32 })
}

/** A signed v4 extrinsic (length-prefixed): signer `MultiAddress::Id`, MultiSignature, extensions' explicit data, call. */
export function signedExtrinsic(publicKey: Uint8Array, multiSignature: Uint8Array, callData: Uint8Array, extensions: Readonly<Record<string, TxExtensionBytes>>): Uint8Array {
  const body = concat(Uint8Array.of(SIGNED_V4, 0), publicKey, multiSignature, ...Object.values(extensions).map((e) => e.value), callData)
  return concat(compactBytes(body.length), body)
}

/**
 * The MultiSignature (type byte + signature) of a signed v4 extrinsic a signer returned, after
 * checking that it signs `callData` with `extensions` as `publicKey`: a signer that changed the
 * transaction is refused (`SIGNING_FAILED`).
 */
export function signatureOf(signed: Uint8Array, publicKey: Uint8Array, callData: Uint8Array, extensions: Readonly<Record<string, TxExtensionBytes>>): Uint8Array {
  const refuse = (why: string): never => { throw new WalletError('SIGNING_FAILED', `the signer returned a transaction this client cannot submit: ${why}`) }
  const len = readCompact(signed)
  let at = len.length
  if (Number(len.value) !== signed.length - at) refuse('its length prefix does not match')
  if (signed[at] !== SIGNED_V4) refuse(`it is not a signed v4 extrinsic (version byte ${String(signed[at])})`)
  at += 1
  if (signed[at] !== 0) refuse('its signer is not an account id (MultiAddress::Id)')
  at += 1
  const who = signed.subarray(at, at + 32)
  if (who.length !== 32 || who.some((b, i) => b !== publicKey[i])) refuse('it is signed by another account')
  at += 32
  const type = signed[at]
  const sigLength = type === 2 ? 65 : type === 0 || type === 1 ? 64 : refuse(`unknown signature type ${String(type)}`)
  const multiSignature = signed.slice(at, at + 1 + sigLength)
  at += 1 + sigLength
  const rest = signed.subarray(at)
  const expected = concat(...Object.values(extensions).map((e) => e.value), callData)
  if (rest.length !== expected.length || rest.some((b, i) => b !== expected[i])) refuse('its call or extensions differ from what was asked')
  return multiSignature
}
