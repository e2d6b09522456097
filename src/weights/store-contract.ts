/** Contract suite every PendingCommitStore implementation must pass (shared by Node and browser tests). */
import { expect, it } from 'vitest'
import type { PendingCommit, PendingCommitStore } from './store.ts'

/** A commit record for tests. */
export function sampleCommit(over: Partial<PendingCommit> = {}): PendingCommit {
  return {
    id: '0x' + '11'.repeat(32),
    kind: 'v2',
    genesisHash: '0x' + 'aa'.repeat(32),
    hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
    netuid: 1,
    mecid: 0,
    uids: [0, 1],
    values: [65535, 100],
    salt: [1, 2, 3, 4, 5, 6, 7, 8],
    versionKey: '18446744073709551615',
    commitBlock: 10,
    commitEpoch: 3,
    revealEpoch: 4,
    status: 'pending',
    createdAt: 1000,
    updatedAt: 1000,
    ...over,
  }
}

/** Registers the contract tests; `open` returns a fresh store, or the same backing data when `reopen`. */
export function storeContract(open: (reopen: boolean) => Promise<PendingCommitStore>): void {
  it('put / get / delete, values survive intact (u64 version key, salt)', async () => {
    const s = await open(false)
    const c = sampleCommit()
    await s.put(c)
    expect(await s.get(c.id)).toEqual(c)
    await s.delete(c.id)
    expect(await s.get(c.id)).toBeUndefined()
    await s.delete(c.id) // idempotent
    await s.close()
    await s.close()
  })

  it('list filters and sorts oldest first; put replaces by id', async () => {
    const s = await open(false)
    await s.put(sampleCommit({ id: '0x03', commitBlock: 30 }))
    await s.put(sampleCommit({ id: '0x01', commitBlock: 10, netuid: 2 }))
    await s.put(sampleCommit({ id: '0x02', commitBlock: 20, kind: 'v4', status: 'expired' }))
    expect((await s.list()).map((c) => c.id)).toEqual(['0x01', '0x02', '0x03'])
    expect((await s.list({ netuid: 1 })).map((c) => c.id)).toEqual(['0x02', '0x03'])
    expect((await s.list({ status: 'pending', netuid: 1 })).map((c) => c.id)).toEqual(['0x03'])
    expect((await s.list({ kind: 'v4' })).map((c) => c.id)).toEqual(['0x02'])
    expect(await s.list({ genesisHash: '0xother' })).toEqual([])
    await s.put(sampleCommit({ id: '0x03', commitBlock: 30, status: 'revealed' }))
    expect((await s.get('0x03'))?.status).toBe('revealed')
    expect(await s.list()).toHaveLength(3)
    await s.close()
  })

  it('survives closing and reopening (a page reload / process restart)', async () => {
    const s = await open(false)
    const c = sampleCommit({ id: '0xfeed' })
    await s.put(c)
    await s.close()
    const again = await open(true)
    expect(await again.get('0xfeed')).toEqual(c)
    await again.close()
  })

  it('concurrent puts are all kept', async () => {
    const s = await open(false)
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.put(sampleCommit({ id: `0x${i.toString(16).padStart(2, '0')}`, commitBlock: i }))))
    expect(await s.list()).toHaveLength(20)
    await s.close()
  })
}
