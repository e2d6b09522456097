/** IndexedDB implementation of the pending-commit store (browsers, workers). */
import { WeightsError } from './errors.ts'
import { matchesFilter, type PendingCommit, type PendingCommitStore } from './store.ts'

const STORE = 'commits'

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(new WeightsError('STORE', `IndexedDB request failed: ${r.error?.message ?? 'unknown error'}`))
  })
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onabort = tx.onerror = () => reject(new WeightsError('STORE', `IndexedDB transaction failed: ${tx.error?.message ?? 'aborted'}`))
  })
}

/** Options of {@link createIdbCommitStore}. */
export interface IdbCommitStoreInit {
  /** Database name; default `webtensor-weights`. */
  dbName?: string
  /** The IndexedDB factory; default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory
}

/** A store in IndexedDB: pending commits survive page reloads. */
export function createIdbCommitStore(init: IdbCommitStoreInit = {}): PendingCommitStore {
  const factory = init.indexedDB ?? globalThis.indexedDB
  if (factory === undefined) throw new WeightsError('STORE', 'IndexedDB is not available here; use createFileCommitStore or createMemoryCommitStore')
  let dbp: Promise<IDBDatabase> | undefined
  const db = (): Promise<IDBDatabase> => {
    dbp ??= new Promise((resolve, reject) => {
      const open = factory.open(init.dbName ?? 'webtensor-weights', 1)
      open.onupgradeneeded = () => {
        if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE, { keyPath: 'id' })
      }
      open.onsuccess = () => resolve(open.result)
      open.onerror = () => reject(new WeightsError('STORE', `cannot open IndexedDB: ${open.error?.message ?? 'unknown error'}`))
      open.onblocked = () => reject(new WeightsError('STORE', 'IndexedDB open is blocked by another tab holding an older version'))
    })
    return dbp
  }
  return {
    async put(c: PendingCommit) {
      const tx = (await db()).transaction(STORE, 'readwrite')
      tx.objectStore(STORE).put(structuredClone(c))
      await done(tx)
    },
    async get(id) {
      const tx = (await db()).transaction(STORE, 'readonly')
      return (await req(tx.objectStore(STORE).get(id))) as PendingCommit | undefined
    },
    async list(f) {
      const tx = (await db()).transaction(STORE, 'readonly')
      const all = (await req(tx.objectStore(STORE).getAll())) as PendingCommit[]
      return all.filter((c) => matchesFilter(c, f)).sort((a, b) => a.commitBlock - b.commitBlock || a.createdAt - b.createdAt)
    },
    async delete(id) {
      const tx = (await db()).transaction(STORE, 'readwrite')
      tx.objectStore(STORE).delete(id)
      await done(tx)
    },
    async close() {
      if (dbp === undefined) return
      const p = dbp
      dbp = undefined
      try {
        ;(await p).close()
      } catch {
        // never opened: nothing to close
      }
    },
  }
}
