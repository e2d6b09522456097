// The chain client's browser side in real Chromium: the @polkadot/api bundle loads and runs over
// the browser's own WebSocket (retrying with backoff until aborted), and runtime metadata is
// cached in IndexedDB. End-to-end chain flows against the devnet run in Node (chain.test.ts): the
// devnet is a Node process this tier cannot start.
import { afterAll, describe, expect, it } from 'vitest'
import { WalletError, createChainClient, createIdbMetadataCache, defaultMetadataCache } from './index.ts'
import type { ConnectionState } from './index.ts'

const DB = `webtensor-wallet-meta-${Math.random().toString(36).slice(2)}`

afterAll(async () => {
  await new Promise<void>((resolve) => {
    const r = indexedDB.deleteDatabase(DB)
    r.onsuccess = r.onerror = r.onblocked = () => resolve()
  })
})

describe('chain client in real Chromium', () => {
  it('retries a dead endpoint with backoff over the browser WebSocket, then stops on abort', async () => {
    const states: ConnectionState[] = []
    const err = await createChainClient({
      endpoint: 'ws://127.0.0.1:9',
      signal: AbortSignal.timeout(1500),
      backoff: { initialMs: 50, maxMs: 200 },
      metadataCache: createIdbMetadataCache(DB),
      onConnectionChange: (s) => states.push(s),
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WalletError)
    expect((err as WalletError).code).toBe('ABORTED')
    expect(states.filter((s) => s.kind === 'disconnected').length).toBeGreaterThanOrEqual(2)
    expect(states.at(-1)?.kind).toBe('stopped')
  })

  it('rejects endpoints that are not ws:// or wss:// before connecting', async () => {
    await expect(createChainClient({ endpoint: 'https://example.org' })).rejects.toMatchObject({ code: 'BAD_ENDPOINT' })
    await expect(createChainClient({ endpoint: 'not a url' })).rejects.toMatchObject({ code: 'BAD_ENDPOINT' })
  })

  it('caches metadata in IndexedDB across instances, keeping the newest few', async () => {
    const a = createIdbMetadataCache(DB)
    await a.save('0xgenesis-423', '0x0102')
    await a.save('0xgenesis-424', '0x0304')
    expect(await createIdbMetadataCache(DB).load()).toEqual({ '0xgenesis-423': '0x0102', '0xgenesis-424': '0x0304' })
    for (let v = 425; v < 430; v++) await a.save(`0xgenesis-${v}`, '0x05')
    const kept = Object.keys(await createIdbMetadataCache(DB).load()).sort()
    expect(kept).toHaveLength(4)
    expect(kept).not.toContain('0xgenesis-423')
    expect(kept).toContain('0xgenesis-429')
    // In a browser the default cache is IndexedDB-backed (a fresh load works without a DB name).
    await expect(defaultMetadataCache().load()).resolves.toBeTypeOf('object')
  })
})
