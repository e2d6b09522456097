import { afterAll, describe } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFileCommitStore, createMemoryCommitStore, type PendingCommitStore } from './index.ts'
import { storeContract } from './store-contract.ts'

describe('memory commit store', () => {
  let mem: PendingCommitStore | undefined
  storeContract(async (reopen) => {
    if (!reopen || mem === undefined) mem = createMemoryCommitStore()
    return mem
  })
})

describe('file commit store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webtensor-commits-'))
  let n = 0
  let path = ''
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  storeContract(async (reopen) => {
    if (!reopen) path = join(dir, `sub/commits-${n++}.json`)
    return createFileCommitStore(path)
  })
})
