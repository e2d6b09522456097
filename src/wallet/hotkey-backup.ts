/**
 * Backing up the session hotkey: the key lives only in this origin's IndexedDB, which clearing
 * site data, browser eviction or a widget's per-site storage can take, and with it the uid and its
 * burn. This module holds the rules around the backup file (a polkadot{.js} JSON keystore,
 * `pair.toJson(password)`, which `webtensor validate --keystore` opens): which address was backed
 * up, the warning before an action that destroys an unbacked key with value, the file's checks on
 * import, and asking the browser to keep this origin's storage once a key holds value.
 */
import type { KeyringPair$Json } from '@polkadot/keyring/types'
import { assertAddress } from './address.ts'
import { WalletError } from './errors.ts'

/** Where backed-up addresses are remembered (localStorage, public data only). */
export const BACKUP_LEDGER_KEY = 'webtensor.hotkey-backups.v1'
/** A keystore file is a few hundred bytes; anything above this is not one. */
export const MAX_KEYSTORE_BYTES = 16 * 1024

/** The part of Web Storage the ledger uses. */
export type LedgerStorage = Pick<Storage, 'getItem' | 'setItem'>

/** Which session hotkeys the user has saved a backup file of. */
export interface BackupLedger {
  isBackedUp(address: string): boolean
  markBackedUp(address: string): void
}

/** The ledger in `storage` (default localStorage; without storage it remembers nothing, so every destroy warns). */
export function backupLedger(storage: LedgerStorage | undefined = typeof localStorage === 'undefined' ? undefined : localStorage): BackupLedger {
  const read = (): Record<string, number> => {
    try {
      const v = JSON.parse(storage?.getItem(BACKUP_LEDGER_KEY) ?? '{}') as unknown
      return typeof v === 'object' && v !== null ? v as Record<string, number> : {}
    } catch { return {} }
  }
  return {
    isBackedUp: (address) => typeof read()[address] === 'number',
    markBackedUp: (address) => {
      try { storage?.setItem(BACKUP_LEDGER_KEY, JSON.stringify({ ...read(), [address]: Date.now() })) } catch { /* full or blocked: the next destroy warns again */ }
    },
  }
}

/** The file name offered for a backup of `address`. */
export function keystoreFileName(address: string): string {
  return `webtensor-hotkey-${address.slice(0, 8)}.json`
}

/**
 * Checks a backup file's text before the keyring sees it: size, JSON, the polkadot{.js} fields
 * (`encoded`, `encoding.content` = pkcs8 + sr25519, `encoding.type` with scrypt, `address`).
 * Throws `BAD_INPUT` naming what is wrong.
 */
export function parseKeystoreFile(text: string): KeyringPair$Json {
  if (text.length > MAX_KEYSTORE_BYTES) throw new WalletError('BAD_INPUT', `the key file is ${text.length} bytes; a keystore is under ${MAX_KEYSTORE_BYTES}`)
  let v: unknown
  try { v = JSON.parse(text) } catch { throw new WalletError('BAD_INPUT', 'the key file is not JSON (expected a polkadot{.js} keystore)') }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new WalletError('BAD_INPUT', 'the key file is not a JSON object')
  const j = v as Record<string, unknown>
  if (typeof j['encoded'] !== 'string' || j['encoded'].length === 0) throw new WalletError('BAD_INPUT', 'the key file has no "encoded" field (expected a polkadot{.js} keystore)')
  const enc = j['encoding'] as Record<string, unknown> | undefined
  const content = enc?.['content']
  if (!Array.isArray(content) || content[0] !== 'pkcs8') throw new WalletError('BAD_INPUT', 'the key file\'s "encoding.content" is not pkcs8')
  if (content[1] !== 'sr25519') throw new WalletError('BAD_INPUT', `the key file holds a ${String(content[1])} key; session hotkeys are sr25519`)
  const type = enc?.['type']
  if (!Array.isArray(type) || !type.includes('scrypt')) throw new WalletError('BAD_INPUT', 'the key file is not password-encrypted ("encoding.type" lacks scrypt)')
  if (typeof j['address'] !== 'string') throw new WalletError('BAD_INPUT', 'the key file has no "address" field')
  assertAddress(j['address'], 'address')
  return v as KeyringPair$Json
}

/** What is about to destroy the stored key. */
export type DestroyAction = 'forget' | 'replace'

/** What the key holds that would be lost. */
export interface KeyValue {
  address: string
  /** Its uid on the app's subnet, or null. */
  uid: number | null
  netuid?: number | null
  /** Stake held by the key (rao), or null when unknown or none. */
  stakeRao?: bigint | null
  /** The key may hold stake of unknown amount (the validator's hotkey, which users stake to). */
  mayHoldStake?: boolean
}

/** The warning to show before `action` destroys an unbacked key with a uid or stake, or null when nothing would be lost. */
export function destroyWarning(action: DestroyAction, key: KeyValue, ledger: BackupLedger): string | null {
  const holds: string[] = []
  if (key.uid !== null) holds.push(`uid ${key.uid}${key.netuid !== undefined && key.netuid !== null ? ` on subnet ${key.netuid}` : ''} (and the burn paid for it)`)
  if (key.stakeRao !== undefined && key.stakeRao !== null && key.stakeRao > 0n) holds.push(`${key.stakeRao} rao of stake`)
  else if (key.mayHoldStake === true && key.uid !== null) holds.push('the stake on it')
  if (holds.length === 0 || ledger.isBackedUp(key.address)) return null
  const what = action === 'forget' ? 'Forgetting this hotkey' : 'Replacing this hotkey with the one from the file'
  return `${what} deletes it from this browser, and it has no backup. It holds ${holds.join(' and ')}, which will be lost for good. Cancel and choose "Back up hotkey" first, or OK to destroy it anyway.`
}

/**
 * Asks the browser to keep this origin's storage (`navigator.storage.persist()`), so eviction
 * under storage pressure cannot take a key that holds value. Resolves to the browser's answer, or
 * null where the API is missing or refuses to answer.
 */
export async function requestPersistentStorage(): Promise<boolean | null> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage
  if (storage?.persist === undefined) return null
  try {
    return await storage.persist()
  } catch {
    return null
  }
}
