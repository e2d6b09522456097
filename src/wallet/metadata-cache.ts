/**
 * Runtime metadata cache keyed like @polkadot/api's `metadata` option:
 * `${genesisHash}-${specVersion}`. A runtime upgrade changes the spec version, hence the key, so
 * stale metadata is never used. IndexedDB in the browser, memory in Node.
 */
import { hasIndexedDb, idbStore } from './idb.ts'
import type { Hex } from './types.ts'

/** Where metadata blobs are kept between connections. */
export interface MetadataCache {
  /** Every cached blob, keyed `${genesisHash}-${specVersion}` (0x-hex SCALE metadata). */
  load(): Promise<Record<string, Hex>>
  /** Store one blob. */
  save(key: string, metadata: Hex): Promise<void>
}

/** Cache held in this process only (Node default). Pass one instance to several clients to share it. */
export function createMemoryMetadataCache(): MetadataCache & { readonly size: number } {
  const map = new Map<string, Hex>()
  return {
    get size() { return map.size },
    load: () => Promise.resolve(Object.fromEntries(map)),
    save: (key, metadata) => { map.set(key, metadata); return Promise.resolve() },
  }
}

/** Most blobs kept in IndexedDB (old spec versions are dropped first). */
const MAX_IDB_ENTRIES = 4

/** Cache in the wallet's IndexedDB database (browser default). */
export function createIdbMetadataCache(dbName?: string): MetadataCache {
  const store = idbStore('metadata', dbName)
  let lastSaved = 0 // strictly increasing, so pruning order is well defined within a session
  return {
    async load() {
      const entries = await store.entries<{ metadata: Hex; savedAt: number }>()
      return Object.fromEntries(entries.map(([k, v]) => [k, v.metadata]))
    },
    async save(key, metadata) {
      lastSaved = Math.max(Date.now(), lastSaved + 1)
      await store.put(key, { metadata, savedAt: lastSaved })
      const entries = await store.entries<{ savedAt: number }>()
      if (entries.length > MAX_IDB_ENTRIES) {
        entries.sort((a, b) => a[1].savedAt - b[1].savedAt)
        for (const [k] of entries.slice(0, entries.length - MAX_IDB_ENTRIES)) await store.delete(k)
      }
    },
  }
}

let processCache: MetadataCache | undefined

/** IndexedDB where it exists; otherwise one memory cache shared by every client of this process. */
export function defaultMetadataCache(): MetadataCache {
  if (hasIndexedDb()) return createIdbMetadataCache()
  processCache ??= createMemoryMetadataCache()
  return processCache
}
