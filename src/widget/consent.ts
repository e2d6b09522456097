/**
 * Consent to mine, remembered per host origin inside the widget's own storage (the iframe's
 * localStorage, which browsers also partition by top-level site). Only the widget writes it, and
 * only from a trusted click; "Forget this site" removes it.
 */

/** The part of `Storage` the store uses. */
export type ConsentStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/** One remembered consent. */
export interface ConsentRecord {
  /** When the user agreed (ms since epoch). */
  grantedAt: number
  /** The duty cycle the user chose then. */
  dutyCycle: number
}

/** localStorage key of the consent map. */
export const CONSENT_KEY = 'webtensor.widget.consent.v1'

/** Reads and writes remembered consent, keyed by exact origin (`https://partner.example`). */
export class ConsentStore {
  readonly #storage: ConsentStorage

  constructor(storage: ConsentStorage) {
    this.#storage = storage
  }

  /** The record for `origin`, or null. */
  get(origin: string): ConsentRecord | null {
    return this.#read()[origin] ?? null
  }

  /** Remembers consent for `origin`. */
  grant(origin: string, dutyCycle: number): ConsentRecord {
    const all = this.#read()
    const rec: ConsentRecord = { grantedAt: Date.now(), dutyCycle }
    all[origin] = rec
    this.#storage.setItem(CONSENT_KEY, JSON.stringify(all))
    return rec
  }

  /** Forgets `origin`; a no-op when nothing was stored. */
  revoke(origin: string): void {
    const all = this.#read()
    if (!(origin in all)) return
    delete all[origin]
    if (Object.keys(all).length === 0) this.#storage.removeItem(CONSENT_KEY)
    else this.#storage.setItem(CONSENT_KEY, JSON.stringify(all))
  }

  /** Every origin with remembered consent. */
  origins(): string[] {
    return Object.keys(this.#read())
  }

  #read(): Record<string, ConsentRecord> {
    let raw: unknown
    try {
      raw = JSON.parse(this.#storage.getItem(CONSENT_KEY) ?? '{}')
    } catch {
      return {}
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {}
    const out: Record<string, ConsentRecord> = Object.create(null) as Record<string, ConsentRecord>
    for (const [origin, v] of Object.entries(raw as Record<string, unknown>)) {
      const r = v as Partial<ConsentRecord> | null
      if (typeof r?.grantedAt === 'number' && typeof r.dutyCycle === 'number') out[origin] = { grantedAt: r.grantedAt, dutyCycle: r.dutyCycle }
    }
    return out
  }
}

/**
 * Where consent can live when the browser blocks storage in third-party frames (Chrome with
 * third-party cookies blocked, Safari, Firefox strict, Brave): `window.localStorage` throws or is
 * denied there. The Storage Access API can lift that, but only from a user gesture or when the
 * user already granted it, so the widget asks only from its consent click, or at load when the
 * `storage-access` permission already reads "granted" (then the browser resolves without a prompt).
 */

/** `StorageAccessHandle` (Storage Access API beyond cookies, Chrome 125+): the parts we use. */
export interface StorageAccessHandleLike { readonly localStorage?: Storage; readonly indexedDB?: IDBFactory }

/** What the widget asks storage access for: localStorage, and IndexedDB where the handle's localStorage is refused. */
export const STORAGE_ACCESS_TYPES = { localStorage: true, indexedDB: true } as const
export type StorageAccessTypes = { localStorage?: boolean; indexedDB?: boolean }

/** The parts of `document` and `navigator.permissions` the Storage Access flow uses (a seam for tests). */
export interface FrameStorageEnv {
  /** Reads `window.localStorage` (may throw SecurityError where third-party storage is blocked). */
  localStorage: () => ConsentStorage
  /** `document.hasStorageAccess`, where the browser has it. */
  hasStorageAccess?: (() => Promise<boolean>) | undefined
  /** `document.requestStorageAccess`, where the browser has it; Chrome 125+ takes `{ localStorage: true, indexedDB: true }` and resolves a handle, others ignore the argument and resolve undefined. */
  requestStorageAccess?: ((types?: StorageAccessTypes) => Promise<StorageAccessHandleLike | undefined>) | undefined
  /** The `storage-access` permission's state, where `navigator.permissions` knows it. */
  permissionState?: (() => Promise<PermissionState>) | undefined
}

/** This frame's real environment. */
export function browserFrameEnv(win: Window = window): FrameStorageEnv {
  const doc = win.document as Document & {
    hasStorageAccess?: () => Promise<boolean>
    requestStorageAccess?: (types?: StorageAccessTypes) => Promise<StorageAccessHandleLike | undefined>
  }
  const perms = win.navigator.permissions as Permissions | undefined
  return {
    localStorage: () => win.localStorage,
    hasStorageAccess: typeof doc.hasStorageAccess === 'function' ? () => doc.hasStorageAccess!() : undefined,
    requestStorageAccess: typeof doc.requestStorageAccess === 'function' ? (types) => doc.requestStorageAccess!(types) : undefined,
    permissionState: perms !== undefined && typeof perms.query === 'function'
      ? async () => (await perms.query({ name: 'storage-access' as PermissionName })).state
      : undefined,
  }
}

/** A storage that lives as long as this page (consent for one visit). */
export function memoryStorage(): ConsentStorage {
  const m = new Map<string, string>()
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => { m.set(k, v) }, removeItem: (k) => { m.delete(k) } }
}

/** `get()` if reading it (and one key) does not throw, else null. */
export function usableStorage(get: () => ConsentStorage | null | undefined): ConsentStorage | null {
  try {
    const s = get()
    if (s === null || s === undefined) return null
    s.getItem(CONSENT_KEY)
    return s
  } catch {
    return null
  }
}

/**
 * Asks for storage access and returns a storage that works, or null (denied, unsupported, or
 * granted but storage still refused). Call it only from the user's consent click, or via
 * {@link restoreStorageAccess} when the permission is already granted: never unprompted.
 */
export async function requestStorageAccess(env: FrameStorageEnv): Promise<ConsentStorage | null> {
  if (env.requestStorageAccess === undefined) return null
  let handle: StorageAccessHandleLike | undefined
  try {
    handle = await env.requestStorageAccess({ ...STORAGE_ACCESS_TYPES })
  } catch {
    return null // denied (NotAllowedError), or not allowed in this frame (permissions policy, sandbox)
  }
  // Chrome 125+: the handle's localStorage is the unpartitioned one; where Chrome still refuses it
  // (seen in Chromium 156 with third-party cookies blocked) the handle's IndexedDB works. Elsewhere
  // (Safari, Firefox, older Chrome) the argument is ignored and access, once granted, shows in
  // window.localStorage.
  return usableStorage(() => handle?.localStorage)
    ?? (handle?.indexedDB !== undefined ? await idbConsentStorage(handle.indexedDB) : null)
    ?? usableStorage(env.localStorage)
}

const IDB_NAME = 'webtensor-widget'
const IDB_STORE = 'kv'

function idbRequest<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed')) })
}

/**
 * A {@link ConsentStorage} kept in IndexedDB (the storage-access handle's): the values are read
 * once here, served from memory, and every change is written through. Null when the database
 * cannot be opened or read.
 */
export async function idbConsentStorage(factory: IDBFactory): Promise<ConsentStorage | null> {
  try {
    const open = factory.open(IDB_NAME, 1)
    open.onupgradeneeded = () => { if (!open.result.objectStoreNames.contains(IDB_STORE)) open.result.createObjectStore(IDB_STORE) }
    const db = await idbRequest(open)
    const value = await idbRequest(db.transaction(IDB_STORE, 'readonly').objectStore(IDB_STORE).get(CONSENT_KEY) as IDBRequest<unknown>)
    const mem = new Map<string, string>()
    if (typeof value === 'string') mem.set(CONSENT_KEY, value)
    const write = (fn: (store: IDBObjectStore) => IDBRequest): void => {
      try { void idbRequest(fn(db.transaction(IDB_STORE, 'readwrite').objectStore(IDB_STORE))).catch(() => {}) } catch { /* closed: this visit keeps the memory copy */ }
    }
    return {
      getItem: (k) => mem.get(k) ?? null,
      setItem: (k, v) => { mem.set(k, v); write((s) => s.put(v, k)) },
      removeItem: (k) => { mem.delete(k); write((s) => s.delete(k)) },
    }
  } catch {
    return null
  }
}

/** At load: regains storage when the user granted access before (the browser then resolves without a gesture); null otherwise. Never prompts. */
export async function restoreStorageAccess(env: FrameStorageEnv): Promise<ConsentStorage | null> {
  if (env.requestStorageAccess === undefined) return null
  let granted = false
  try { granted = (await env.permissionState?.()) === 'granted' } catch { /* no such permission name here */ }
  if (!granted) {
    try { granted = (await env.hasStorageAccess?.()) === true } catch { /* treat as not granted */ }
  }
  return granted ? requestStorageAccess(env) : null
}

/** Where the widget keeps consent now: `persistent` (this frame's localStorage, or the one storage access gave) or `memory` (this visit only). */
export type StorageMode = 'persistent' | 'memory'

/** The frame's storage at load, without asking the browser for anything. */
export function openFrameStorage(env: FrameStorageEnv): { storage: ConsentStorage; mode: StorageMode } {
  const s = usableStorage(env.localStorage)
  return s !== null ? { storage: s, mode: 'persistent' } : { storage: memoryStorage(), mode: 'memory' }
}
