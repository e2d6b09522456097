/** SS58 addresses: Bittensor uses the generic Substrate prefix 42 everywhere. */
import { u8aToHex } from '@polkadot/util'
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto'
import { WalletError } from './errors.ts'

/** The SS58 prefix of finney, testnet and the devnet. */
export const SS58_FORMAT = 42

/** Addresses (and hex keys) already re-encoded, at most SS58_MEMO_MAX, cleared when full. */
const ss58Memo = new Map<string, string>()
const SS58_MEMO_MAX = 8192

/**
 * Re-encode any SS58 address or 32-byte public key as SS58 prefix 42. Throws `BAD_INPUT` if invalid.
 * Answers are remembered, by the string or by the key's bytes (as `u8aToHex` writes them, so a hex string of the same key shares the entry): every metagraph and
 * commitment read re-encodes every hotkey (a base58 decode and encode with a blake2 checksum
 * each), 0.35 ms per miner of a 256-miner validator's round. Chain reads pass the key's bytes, not
 * the codec's own `toString()`, which encoded each key again before this memo was asked.
 */
export function toSs58(addressOrPublicKey: string | Uint8Array): string {
  const memoKey = typeof addressOrPublicKey === 'string' ? addressOrPublicKey : u8aToHex(addressOrPublicKey)
  const hit = ss58Memo.get(memoKey)
  if (hit !== undefined) return hit
  try {
    const out = encodeAddress(decodeAddress(addressOrPublicKey), SS58_FORMAT)
    if (ss58Memo.size >= SS58_MEMO_MAX) ss58Memo.clear()
    ss58Memo.set(memoKey, out)
    return out
  } catch (e) {
    throw new WalletError('BAD_INPUT', `not a valid account address: ${typeof addressOrPublicKey === 'string' ? addressOrPublicKey : '<bytes>'}`, { cause: e })
  }
}

/** The 32-byte public key of an SS58 address. Throws `BAD_INPUT` if invalid. */
export function publicKeyOf(address: string): Uint8Array {
  try {
    return decodeAddress(address)
  } catch (e) {
    throw new WalletError('BAD_INPUT', `not a valid account address: ${address}`, { cause: e })
  }
}

/** Throw `BAD_INPUT` naming `what` unless `address` is a valid SS58 account address (32-byte key). */
export function assertAddress(address: string, what = 'address'): void {
  let ok = false
  try {
    ok = typeof address === 'string' && decodeAddress(address).length === 32
  } catch {
    ok = false
  }
  if (!ok) throw new WalletError('BAD_INPUT', `${what} is not a valid SS58 account address: ${String(address)}`)
}
