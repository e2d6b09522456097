/**
 * A minimal promise wrapper over IndexedDB: one database for the wallet, a few object stores
 * keyed by string. Values are structured-cloned, so non-extractable CryptoKeys can be stored.
 */
import { WalletError } from './errors.ts'

/** Database name; the object stores below live in it. */
export const WALLET_DB = 'webtensor-wallet'
const DB_VERSION = 1
/** Object stores of {@link WALLET_DB}. */
export type WalletStore = 'metadata' | 'hotkey'
const STORES: readonly WalletStore[] = ['metadata', 'hotkey']

/** Whether IndexedDB exists here (browsers, workers; not Node). */
export function hasIndexedDb(): boolean {
  return typeof indexedDB !== 'undefined'
}

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'))
  })
}

/** Key-value access to one object store. Opens the database per call; cheap and avoids stale handles. */
export interface IdbStore {
  get<T>(key: string): Promise<T | undefined>
  put(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<void>
  entries<T>(): Promise<Array<[string, T]>>
}

function open(name: string): Promise<IDBDatabase> {
  const r = indexedDB.open(name, DB_VERSION)
  r.onupgradeneeded = () => {
    for (const s of STORES) if (!r.result.objectStoreNames.contains(s)) r.result.createObjectStore(s)
  }
  return req(r)
}

/** Open `store` of the wallet database (or of `dbName`, for tests). */
export function idbStore(store: WalletStore, dbName = WALLET_DB): IdbStore {
  if (!hasIndexedDb()) throw new WalletError('UNSUPPORTED', 'IndexedDB is not available in this environment')
  async function run<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await open(dbName)
    try {
      const tx = db.transaction(store, mode)
      const done = new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve()
        tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
      })
      const [result] = await Promise.all([req(fn(tx.objectStore(store))), done])
      return result
    } finally {
      db.close()
    }
  }
  return {
    get: <T>(key: string) => run('readonly', (s) => s.get(key) as IDBRequest<T | undefined>),
    put: async (key, value) => { await run('readwrite', (s) => s.put(value, key)) },
    delete: async (key) => { await run('readwrite', (s) => s.delete(key)) },
    entries: async <T>() => {
      const db = await open(dbName)
      try {
        const out: Array<[string, T]> = []
        const cursorReq = db.transaction(store, 'readonly').objectStore(store).openCursor()
        await new Promise<void>((resolve, reject) => {
          cursorReq.onsuccess = () => {
            const c = cursorReq.result
            if (!c) return resolve()
            out.push([String(c.key), c.value as T])
            c.continue()
          }
          cursorReq.onerror = () => reject(cursorReq.error ?? new Error('IndexedDB cursor failed'))
        })
        return out
      } finally {
        db.close()
      }
    },
  }
}
