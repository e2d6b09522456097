/**
 * The session hotkey: an sr25519 key generated in the page that signs frequent, low-value
 * operations (p2p identity binding, commitments, weights) without an extension prompt.
 *
 * Its secret (a BIP-39 mnemonic, so the user can restore it with btcli or any Substrate wallet) is
 * stored only encrypted: AES-GCM-256 under a non-extractable WebCrypto key that itself lives in
 * IndexedDB (structured-cloned, never exportable by script). It is never sent anywhere; the user can
 * export it as a standard password-protected polkadot JSON keystore, rotate it, or forget it.
 */
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair, KeyringPair$Json } from '@polkadot/keyring/types'
import { cryptoWaitReady, mnemonicGenerate, mnemonicValidate } from '@polkadot/util-crypto'
import { SS58_FORMAT } from './address.ts'
import { WalletError } from './errors.ts'
import { hasIndexedDb, idbStore } from './idb.ts'
import { keySignerFromPair } from './keys.ts'
import type { KeySigner } from './types.ts'

/** Key-value storage for the wrapped key and the encryption key (IndexedDB store, or memory in Node). */
export interface HotkeyStorage {
  get<T>(key: string): Promise<T | undefined>
  put(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<void>
}

/** Storage in this process only (Node, tests): the hotkey is lost on exit. */
export function createMemoryHotkeyStorage(): HotkeyStorage {
  const map = new Map<string, unknown>()
  return {
    get: <T>(k: string) => Promise.resolve(map.get(k) as T | undefined),
    put: (k, v) => { map.set(k, v); return Promise.resolve() },
    delete: (k) => { map.delete(k); return Promise.resolve() },
  }
}

/** Options of {@link openSessionHotkeys}. */
export interface SessionHotkeysInit {
  /** Default: the wallet's IndexedDB (browser), memory (Node). */
  readonly storage?: HotkeyStorage
  /** IndexedDB database name: a second, separate hotkey (the validator tab uses one; tests); ignored with `storage`. */
  readonly dbName?: string
}

/** An unlocked session hotkey. */
export interface SessionHotkey {
  /** SS58 (prefix 42). */
  readonly address: string
  readonly publicKey: Uint8Array
  /** When it was generated (ms since epoch). */
  readonly createdAt: number
  /** Signs extrinsics (the chain client's {@link TxSigner}) and raw bytes (p2p binding and other protocol messages). */
  readonly signer: KeySigner
}

/** Manages the one session hotkey of this origin. */
export interface SessionHotkeys {
  /** The stored hotkey, decrypted, or `undefined` if none was generated yet. */
  current(): Promise<SessionHotkey | undefined>
  /** The stored hotkey, or a new one generated and stored now. */
  getOrCreate(): Promise<SessionHotkey>
  /** Replace the hotkey with a new one. Returns the old address (to deregister/unbind) and the new key. */
  rotate(): Promise<{ previous: string | undefined; current: SessionHotkey }>
  /** The hotkey as a polkadot JSON keystore encrypted with `password` (scrypt + xsalsa20-poly1305). */
  exportJson(password: string): Promise<KeyringPair$Json>
  /** The recovery phrase, for users who restore with btcli (`regen_hotkey`). Show only on request. */
  exportMnemonic(): Promise<string>
  /** Replace the hotkey with one from a polkadot JSON keystore (sr25519). Throws `BAD_PASSWORD`. */
  importJson(json: KeyringPair$Json, password: string): Promise<SessionHotkey>
  /** Delete the hotkey and its encryption key. */
  forget(): Promise<void>
}

const RECORD_KEY = 'session-hotkey'
const WRAP_KEY = 'wrap-key'
const RECORD_VERSION = 1

/** What is stored: public data in clear, the secret only as AES-GCM ciphertext. */
interface StoredHotkey {
  readonly v: number
  readonly address: string
  readonly publicKey: Uint8Array
  readonly createdAt: number
  /** What the ciphertext holds. */
  readonly kind: 'mnemonic' | 'pkcs8'
  readonly iv: Uint8Array
  readonly ciphertext: Uint8Array
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) throw new WalletError('UNSUPPORTED', 'WebCrypto is not available (the page must be served over https or localhost)')
  return s
}

/** WebCrypto's typings want ArrayBuffer-backed views; ours always are. */
function buf(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u as Uint8Array<ArrayBuffer>
}

function storeError(e: unknown): WalletError {
  if (e instanceof WalletError) return e
  return new WalletError('HOTKEY_STORE', `the session hotkey store failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
}

/** Open the session hotkey manager for this origin. */
export function openSessionHotkeys(init: SessionHotkeysInit = {}): SessionHotkeys {
  const storage: HotkeyStorage = init.storage ?? (hasIndexedDb() ? idbStore('hotkey', init.dbName) : createMemoryHotkeyStorage())
  const keyring = (): Keyring => new Keyring({ type: 'sr25519', ss58Format: SS58_FORMAT })
  let cache: { record: StoredHotkey; pair: KeyringPair; hotkey: SessionHotkey } | undefined
  // Serialize operations so that, e.g., a rotate during an export cannot interleave.
  let chain: Promise<unknown> = Promise.resolve()
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn)
    chain = next.catch(() => undefined)
    return next
  }

  async function wrapKey(create: boolean): Promise<CryptoKey | undefined> {
    const existing = await storage.get<CryptoKey>(WRAP_KEY)
    if (existing || !create) return existing
    const key = await subtle().generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
    await storage.put(WRAP_KEY, key)
    return key
  }

  function toHotkey(record: StoredHotkey, pair: KeyringPair): SessionHotkey {
    const signer = keySignerFromPair(pair)
    return Object.freeze({ address: record.address, publicKey: record.publicKey, createdAt: record.createdAt, signer })
  }

  async function pairFrom(kind: StoredHotkey['kind'], secret: Uint8Array): Promise<KeyringPair> {
    await cryptoWaitReady()
    if (kind === 'mnemonic') return keyring().addFromUri(new TextDecoder().decode(secret))
    // pkcs8 imported from a keystore: re-create the pair from the decoded PKCS8 with an empty passphrase.
    const json = JSON.parse(new TextDecoder().decode(secret)) as KeyringPair$Json
    const pair = keyring().addFromJson(json)
    pair.decodePkcs8('')
    return pair
  }

  async function save(kind: StoredHotkey['kind'], secret: Uint8Array, pair: KeyringPair): Promise<SessionHotkey> {
    const key = await wrapKey(true)
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const publicKey = pair.publicKey
    // The address is bound as additional data, so a record cannot be re-labelled.
    const aad = new TextEncoder().encode(pair.address)
    const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key!, buf(secret)))
    const record: StoredHotkey = { v: RECORD_VERSION, address: pair.address, publicKey, createdAt: Date.now(), kind, iv, ciphertext: ct }
    await storage.put(RECORD_KEY, record)
    secret.fill(0)
    const hotkey = toHotkey(record, pair)
    cache = { record, pair, hotkey }
    return hotkey
  }

  async function load(): Promise<SessionHotkey | undefined> {
    if (cache) return cache.hotkey
    const record = await storage.get<StoredHotkey>(RECORD_KEY)
    if (!record) return undefined
    const key = await wrapKey(false)
    if (!key) throw new WalletError('HOTKEY_STORE', 'the session hotkey is stored but its encryption key is gone; forget it and create a new one')
    let secret: Uint8Array
    try {
      secret = new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: buf(record.iv), additionalData: new TextEncoder().encode(record.address) }, key, buf(record.ciphertext)))
    } catch (e) {
      throw new WalletError('HOTKEY_STORE', 'the stored session hotkey cannot be decrypted (storage was altered); forget it and create a new one', { cause: e })
    }
    const pair = await pairFrom(record.kind, secret)
    secret.fill(0)
    if (pair.address !== record.address) throw new WalletError('HOTKEY_STORE', 'the stored session hotkey does not match its address; forget it and create a new one')
    const hotkey = toHotkey(record, pair)
    cache = { record, pair, hotkey }
    return hotkey
  }

  async function generate(): Promise<SessionHotkey> {
    await cryptoWaitReady()
    const mnemonic = mnemonicGenerate(12)
    const pair = keyring().addFromUri(mnemonic)
    return save('mnemonic', new TextEncoder().encode(mnemonic), pair)
  }

  async function requireCurrent(): Promise<{ record: StoredHotkey; pair: KeyringPair }> {
    await load()
    if (!cache) throw new WalletError('HOTKEY_MISSING', 'there is no session hotkey yet; create one first')
    return cache
  }

  async function decryptSecret(record: StoredHotkey): Promise<Uint8Array> {
    const key = await wrapKey(false)
    if (!key) throw new WalletError('HOTKEY_STORE', 'the session hotkey encryption key is gone')
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: buf(record.iv), additionalData: new TextEncoder().encode(record.address) }, key, buf(record.ciphertext)))
  }

  return {
    current: () => serial(load).catch((e: unknown) => { throw storeError(e) }),
    getOrCreate: () => serial(async () => (await load()) ?? generate()).catch((e: unknown) => { throw storeError(e) }),
    rotate: () => serial(async () => {
      const previous = (await load().catch(() => undefined))?.address
      cache = undefined
      return { previous, current: await generate() }
    }).catch((e: unknown) => { throw storeError(e) }),
    exportJson: (password) => serial(async () => {
      if (!password) throw new WalletError('BAD_INPUT', 'choose a password to protect the exported key file')
      const { pair } = await requireCurrent()
      return pair.toJson(password)
    }).catch((e: unknown) => { throw storeError(e) }),
    exportMnemonic: () => serial(async () => {
      const { record } = await requireCurrent()
      if (record.kind !== 'mnemonic') throw new WalletError('UNSUPPORTED', 'this hotkey was imported from a key file and has no recovery phrase; export it as a key file instead')
      return new TextDecoder().decode(await decryptSecret(record))
    }).catch((e: unknown) => { throw storeError(e) }),
    importJson: (json, password) => serial(async () => {
      await cryptoWaitReady()
      const pair = keyring().addFromJson(json)
      try {
        pair.decodePkcs8(password)
      } catch (e) {
        throw new WalletError('BAD_PASSWORD', 'the password does not open this key file', { cause: e })
      }
      if (pair.type !== 'sr25519') throw new WalletError('BAD_INPUT', `session hotkeys are sr25519; this key file is ${pair.type}`)
      // Re-encrypt the PKCS8 with an empty passphrase; confidentiality comes from the AES-GCM layer.
      const inner = new TextEncoder().encode(JSON.stringify(pair.toJson('')))
      cache = undefined
      return save('pkcs8', inner, pair)
    }).catch((e: unknown) => { throw storeError(e) }),
    forget: () => serial(async () => {
      cache = undefined
      await storage.delete(RECORD_KEY)
      await storage.delete(WRAP_KEY)
    }).catch((e: unknown) => { throw storeError(e) }),
  }
}

/** True for a valid 12/24-word BIP-39 phrase (for an import form). */
export function isMnemonic(phrase: string): boolean {
  return mnemonicValidate(phrase.trim())
}
