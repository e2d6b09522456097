/** SS58 addresses: Bittensor uses the generic Substrate prefix 42 everywhere. */
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto'
import { WalletError } from './errors.ts'

/** The SS58 prefix of finney, testnet and the devnet. */
export const SS58_FORMAT = 42

/** Re-encode any SS58 address or 32-byte public key as SS58 prefix 42. Throws `BAD_INPUT` if invalid. */
export function toSs58(addressOrPublicKey: string | Uint8Array): string {
  try {
    return encodeAddress(decodeAddress(addressOrPublicKey), SS58_FORMAT)
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
