/**
 * Keys held in the page or process (never the coldkey): keyring-backed {@link KeySigner}s and the
 * conversion of any KeySigner into the signer interface @polkadot/api and wallets use.
 */
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { hexToU8a, u8aConcat, u8aToHex, u8aWrapBytes } from '@polkadot/util'
import { blake2AsU8a, cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto'
import { SS58_FORMAT } from './address.ts'
import type { ApiSigner, Hex, KeySigner } from './types.ts'

/** Wrap a keyring pair as a {@link KeySigner}. The pair stays private to the closure. */
export function keySignerFromPair(pair: KeyringPair): KeySigner {
  const type = pair.type === 'ed25519' ? 'ed25519' : 'sr25519'
  return Object.freeze({
    address: pair.address,
    publicKey: pair.publicKey,
    type,
    sign: (message: Uint8Array) => Promise.resolve(pair.sign(message)),
  })
}

/**
 * A signer from a secret URI (`//Alice`, a mnemonic, `0x` seed, with derivation paths): for Node
 * tools, the devnet and tests. Browsers use the session hotkey or the extension instead.
 */
export async function createKeyringSigner(suri: string, type: 'sr25519' | 'ed25519' = 'sr25519'): Promise<KeySigner> {
  await cryptoWaitReady()
  const pair = new Keyring({ type, ss58Format: SS58_FORMAT }).addFromUri(suri)
  return keySignerFromPair(pair)
}

/** Payloads longer than this are signed by their blake2-256 hash (Substrate's rule). */
const MAX_PLAIN_PAYLOAD = 256

/**
 * The @polkadot/api `Signer` of a {@link KeySigner}, through `signRaw` only (no registry needed):
 * `payload` requests sign the extrinsic payload (hashed when over 256 bytes) and return a
 * MultiSignature (type byte + signature); `bytes` requests sign `<Bytes>…</Bytes>`-wrapped data,
 * as wallets do for messages.
 */
export function toApiSigner(key: KeySigner): ApiSigner {
  let id = 0
  return {
    signRaw: async ({ address, data, type }) => {
      if (address !== key.address) throw new Error(`this signer holds ${key.address}, not ${address}`)
      const bytes = hexToU8a(data)
      if (type === 'payload') {
        const msg = bytes.length > MAX_PLAIN_PAYLOAD ? blake2AsU8a(bytes, 256) : bytes
        const sig = await key.sign(msg)
        const typeByte = key.type === 'ed25519' ? 0 : 1
        return { id: ++id, signature: u8aToHex(u8aConcat(new Uint8Array([typeByte]), sig)) as Hex }
      }
      return { id: ++id, signature: u8aToHex(await key.sign(u8aWrapBytes(bytes))) as Hex }
    },
  }
}

/** Sign a message the way wallets' `signRaw({ type: 'bytes' })` does (`<Bytes>` wrapping). */
export async function signMessage(key: KeySigner, message: Uint8Array | string): Promise<Hex> {
  const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message
  return u8aToHex(await key.sign(u8aWrapBytes(bytes))) as Hex
}

/** Verify a signature by `address` over `message`, accepting both wrapped and unwrapped forms. */
export function verifyMessage(message: Uint8Array | string, signature: Hex | Uint8Array, address: string): boolean {
  const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message
  try {
    return signatureVerify(bytes, signature, address).isValid
  } catch {
    return false
  }
}
