/**
 * Registration never burns more than the quote (issue 16.4): on a runtime whose metadata has
 * `register_limit` (the devnet, spec 424), ensureRegistered sends it with the quoted price as
 * `limit_price`. The burn price rises after the extrinsic is in the pool and before its block:
 * the chain refuses it (RegistrationPriceLimitExceeded), no uid, only the fee is paid.
 */
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import { DispatchError, calls, createChainClient, createMemoryMetadataCache, keySignerFromPair, type ChainClient } from '../wallet/index.ts'
import { ensureRegistered } from './register.ts'

let devnet: Devnet
let client: ChainClient

beforeAll(async () => {
  await cryptoWaitReady()
  // No block timer: the test decides what happens between sending and inclusion.
  devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
  client = await createChainClient({ endpoint: devnet.url, metadataCache: createMemoryMetadataCache() })
}, 60_000)

afterAll(async () => {
  await client?.stop()
  await devnet?.stop()
})

/** Runs ensureRegistered; once its extrinsic waits in the pool, applies `between`, then produces the block. */
async function registerWith(hotkey: string, between: () => void): Promise<unknown> {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
  const coldkey = keySignerFromPair(keyring.addFromUri('//Bob'))
  const run = ensureRegistered({ client, netuid: 1, hotkey, coldkey, devnetFaucet: false }).then((r) => r, (e: unknown) => e)
  await expect.poll(async () => ((await client.rpc('author_pendingExtrinsics')) as unknown[]).length, { timeout: 60_000, interval: 100 }).toBeGreaterThan(0)
  between()
  devnet.produceBlock()
  return await run
}

it('a price rise between quote and inclusion: the chain refuses the burn, no uid, only the fee is paid', async () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
  const hot = keyring.addFromUri('//Bob//limit').address
  const bob = keyring.addFromUri('//Bob').address
  const quoted = await client.getBurn(1)
  const before = (await client.getBalance(bob)).transferable
  const out = await registerWith(hot, () => devnet.setHyperparams(1, { Burn: quoted * 3n }))
  expect(out).toMatchObject({ code: 'TOO_EXPENSIVE' })
  expect((out as Error).message).toContain('burned nothing')
  expect(await client.getUid(1, hot)).toBeUndefined()
  const paid = before - (await client.getBalance(bob)).transferable
  expect(paid).toBeGreaterThan(0n) // the fee
  expect(paid).toBeLessThan(quoted) // no burn, neither the quoted nor the risen one
})

it('an unchanged price registers at the quote', async () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
  const hot = keyring.addFromUri('//Bob//same').address
  const out = await registerWith(hot, () => {})
  expect(out).toMatchObject({ registered: true })
  expect((out as { quote: { burn: bigint } }).quote.burn).toBe(await client.getBurn(1))
  expect(await client.getUid(1, hot)).toBeTypeOf('number')
})

it('the devnet checks the limit first, as spec 424 does: an already registered hotkey under a low limit gets RegistrationPriceLimitExceeded', async () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
  const coldkey = keySignerFromPair(keyring.addFromUri('//Bob'))
  const hot = keyring.addFromUri('//Bob//same').address // registered by the previous test
  expect(await client.getUid(1, hot)).toBeTypeOf('number')
  const sent = client.submit(calls.registerLimit(1, hot, 0n), coldkey, { waitFor: 'inBlock' }).then((r) => r, (e: unknown) => e)
  await expect.poll(async () => ((await client.rpc('author_pendingExtrinsics')) as unknown[]).length, { timeout: 60_000, interval: 100 }).toBeGreaterThan(0)
  devnet.produceBlock()
  const out = await sent
  expect(out).toBeInstanceOf(DispatchError)
  expect((out as DispatchError).dispatch.name).toBe('RegistrationPriceLimitExceeded')
})
