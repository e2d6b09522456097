import { describe } from 'vitest'
import { createIdbCommitStore } from './index.ts'
import { storeContract } from './store-contract.ts'

describe('IndexedDB commit store (real Chromium)', () => {
  let n = 0
  let name = ''
  storeContract(async (reopen) => {
    if (!reopen) name = `webtensor-weights-test-${Date.now()}-${n++}`
    return createIdbCommitStore({ dbName: name })
  })
})
