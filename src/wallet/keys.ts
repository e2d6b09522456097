/**
 * Keys held in the page or process (never the coldkey): keyring-backed {@link KeySigner}s, which
 * are the chain client's one signer interface ({@link TxSigner}) too.
 */
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aConcat, u8aToHex, u8aWrapBytes } from '@polkadot/util'
import { cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto'
import { SS58_FORMAT } from './address.ts'
import { WalletError } from './errors.ts'
import { payloadToSign, signedExtrinsic, signingPayload } from './signed-extrinsic.ts'
import type { Hex, KeySigner, TxExtensionBytes } from './types.ts'

/**
 * Wrap a keyring pair as a {@link KeySigner} (a {@link TxSigner} too). The pair stays private to
 * the closure. `signTx` signs the extrinsic payload (hashed when over 256 bytes) and returns the
 * signed extrinsic; `signBytes` signs `<Bytes>…</Bytes>`-wrapped data, as wallets do for messages;
 * `sign` signs the bytes as given.
 */
export function keySignerFromPair(pair: KeyringPair): KeySigner {
  const type = pair.type === 'ed25519' ? 'ed25519' : 'sr25519'
  const typeByte = type === 'ed25519' ? 0 : 1
  return Object.freeze({
    address: pair.address,
    publicKey: pair.publicKey,
    type,
    sign: (message: Uint8Array) => Promise.resolve(pair.sign(message)),
    signTx: (callData: Uint8Array, extensions: Record<string, TxExtensionBytes>, _metadata: Uint8Array, _atBlockNumber: number, hasher?: (data: Uint8Array) => Uint8Array) => {
      const sig = pair.sign(payloadToSign(signingPayload(callData, extensions), hasher))
      return Promise.resolve(signedExtrinsic(pair.publicKey, u8aConcat(new Uint8Array([typeByte]), sig), callData, extensions))
    },
    signBytes: (data: Uint8Array) => Promise.resolve(pair.sign(u8aWrapBytes(data))),
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

/**
 * A signer from a key file, for Node tools: a polkadot{.js} JSON export (`encoded`, decrypted with
 * `password`) or a bittensor key file (unencrypted JSON with `secretPhrase` or `secretSeed`).
 * Throws `BAD_INPUT` for anything else (or a missing password), `BAD_PASSWORD` for a wrong one.
 */
export async function keySignerFromKeyFile(json: unknown, password?: string): Promise<KeySigner> {
  await cryptoWaitReady()
  const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_FORMAT })
  const j = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
  const phrase = j['secretPhrase'] ?? j['secretSeed']
  if (typeof phrase === 'string') return keySignerFromPair(keyring.addFromUri(phrase))
  if (typeof j['encoded'] === 'string') {
    if (password === undefined) throw new WalletError('BAD_INPUT', 'the key file is encrypted: a password is needed')
    const pair = keyring.addFromJson(j as never)
    try {
      pair.decodePkcs8(password)
    } catch {
      throw new WalletError('BAD_PASSWORD', 'wrong key file password')
    }
    return keySignerFromPair(pair)
  }
  throw new WalletError('BAD_INPUT', 'the key file is neither a polkadot{.js} JSON export nor a bittensor key file')
}

/** Sign a message the way wallets' `signRaw({ type: 'bytes' })` does (`<Bytes>` wrapping). */
export async function signMessage(key: KeySigner, message: Uint8Array | string): Promise<Hex> {
  const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message
  return u8aToHex(await key.signBytes(bytes)) as Hex
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
