import { describe, expect, it } from 'vitest'
import { createValidator } from './validator.ts'
import { createKeyringSigner, type ChainClient } from '../wallet/index.ts'

describe('validator roundConcurrency', () => {
  it('refuses a concurrency that is not an integer of at least 1, naming the field', async () => {
    const hotkey = await createKeyringSigner('//Alice//validator')
    // Refused before the client is touched: no chain is needed (an empty object stands for it).
    const client = {} as ChainClient
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => createValidator({ client, netuid: 1, hotkey, relays: [], roundConcurrency: bad })).toThrow(/roundConcurrency/u)
    }
  })
})
