/**
 * polkadot-api 2.x, unchanged, against the devnet: its own WebSocket provider (`polkadot-api/ws`,
 * which prefers the new JSON-RPC spec groups `chainHead_v1_*`, `chainSpec_v1_*`,
 * `transaction_v1_*`), its untyped API (no codegen, the metadata is read from the chain), storage
 * reads, a runtime API call, and a Balances transfer and a SubtensorModule `burned_register`
 * submitted and watched to finalization.
 */
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { createClient, Enum, type PolkadotClient } from 'polkadot-api'
import { getPolkadotSigner } from 'polkadot-api/signer'
import { getWsProvider, getWsRawProvider } from 'polkadot-api/ws'
import { firstValueFrom, filter, type Observable } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { startDevnet, type Devnet } from './index.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any

interface TxEvent {
  type: string
  ok?: boolean
  block?: { hash: string; number: number; index: number }
  events?: { type: string; value: { type: string; value: Loose } }[]
  dispatchError?: unknown
}

let devnet: Devnet
let client: PolkadotClient
let api: Loose
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })

beforeAll(async () => {
  await cryptoWaitReady()
  devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
  devnet.produceBlock()
  client = createClient(getWsProvider(devnet.url, { websocketClass: WebSocket as unknown as typeof globalThis.WebSocket }))
  api = client.getUnsafeApi()
})

afterAll(async () => {
  client?.destroy()
  await devnet?.stop()
})

/** Produces blocks whenever the pool holds something, until `done` settles. */
async function pump<T>(done: Promise<T>): Promise<T> {
  let settled = false
  void done.finally(() => {
    settled = true
  })
  while (!settled) {
    const res = await fetch(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'author_pendingExtrinsics', params: [] }) })
    const pending = ((await res.json()) as { result: string[] }).result
    if (pending.length > 0) devnet.produceBlock()
    else if (!settled) {
      // Finality lags one block: a block on top finalizes the one that carried the transaction.
      await new Promise((r) => setTimeout(r, 50))
      if (!settled) devnet.produceBlock()
    }
  }
  return done
}

function finalized(o: Observable<TxEvent>): Promise<TxEvent> {
  return firstValueFrom(o.pipe(filter((e) => e.type === 'finalized')))
}

function signer(uri: string) {
  const pair = keyring.addFromUri(uri)
  return { pair, signer: getPolkadotSigner(pair.publicKey, 'Sr25519', (m) => pair.sign(m)) }
}

describe('polkadot-api 2.x against the devnet', () => {
  it('follows the chain through chainHead_v1 and reads the chain spec', async () => {
    const block = await client.getFinalizedBlock()
    expect(block.number).toBeGreaterThanOrEqual(0)
    const spec = await client.getChainSpecData()
    expect(spec.genesisHash).toBe(devnet.genesisHash)
    expect(spec.name).toMatch(/devnet/)
  })

  it('reads System.Account and SubtensorModule storage and calls a runtime API', async () => {
    const alice = keyring.addFromUri('//Alice')
    const acct = await api.query.System.Account.getValue(alice.address)
    expect(acct.data.free).toBe(1_000_000n * 10n ** 9n)
    expect(await api.query.SubtensorModule.Tempo.getValue(1)).toBe(10)
    expect(await api.query.SubtensorModule.SubnetOwner.getValue(1)).toBe(alice.address)
    const nonce = await api.apis.AccountNonceApi.account_nonce(alice.address)
    expect(nonce).toBe(0)
    const entries = await api.query.SubtensorModule.Keys.getEntries(1)
    expect(entries.map((e: Loose) => e.value)).toContain(alice.address)
  })

  it('submits and watches a Balances transfer to finalization', async () => {
    const { pair, signer: s } = signer('//Bob')
    const dest = keyring.addFromUri('//papi-dest').address
    const value = 12_345_678_900n
    const tx = api.tx.Balances.transfer_keep_alive({ dest: Enum('Id', dest), value })
    const before = (await api.query.System.Account.getValue(pair.address)).data.free as bigint
    const fin = await pump(finalized(tx.signSubmitAndWatch(s)))
        expect(fin.dispatchError).toBeUndefined()
    expect(fin.ok).toBe(true)
    const ev = fin.events!.find((e) => e.type === 'Balances' && e.value.type === 'Transfer')
    expect(ev?.value.value).toMatchObject({ from: pair.address, to: dest, amount: value })
    const at = fin.block!.hash
    expect((await api.query.System.Account.getValue(dest, { at })).data.free).toBe(value)
    const after = (await api.query.System.Account.getValue(pair.address, { at })).data.free as bigint
    expect(before - after).toBeGreaterThan(value) // value plus the fee
  })

  it('submits and watches SubtensorModule.burned_register to finalization', async () => {
    const { pair, signer: s } = signer('//Charlie')
    const hotkey = keyring.addFromUri('//papi-hotkey')
    const n = (await api.query.SubtensorModule.SubnetworkN.getValue(1)) as number
    const tx = api.tx.SubtensorModule.burned_register({ netuid: 1, hotkey: hotkey.address })
    const fin = await pump(finalized(tx.signSubmitAndWatch(s)))
    expect(fin.dispatchError).toBeUndefined()
    expect(fin.ok).toBe(true)
    expect(fin.events!.some((e) => e.type === 'SubtensorModule' && e.value.type === 'NeuronRegistered')).toBe(true)
    const at = fin.block!.hash
    expect(await api.query.SubtensorModule.Uids.getValue(1, hotkey.address, { at })).toBe(n)
    expect(await api.query.SubtensorModule.Owner.getValue(hotkey.address, { at })).toBe(pair.address)
    expect(u8aToHex(hotkey.publicKey)).toMatch(/^0x/)
  })

  it('works through the raw provider too (no compatibility middleware between PAPI and the devnet)', async () => {
    const raw = createClient(getWsRawProvider(devnet.url, { websocketClass: WebSocket as unknown as typeof globalThis.WebSocket }))
    try {
      const u: Loose = raw.getUnsafeApi()
      expect(await u.query.SubtensorModule.MaxAllowedUids.getValue(1)).toBe(64)
      expect((await u.apis.Core.version()).spec_version).toBe(424)
      expect((await raw.getFinalizedBlock()).number).toBe(devnet.bestNumber() - 1) // finality one block behind
    } finally {
      raw.destroy()
    }
  })

  it('reports an invalid transaction (fee payer without balance) before broadcast', async () => {
    const { signer: s } = signer('//papi-pauper')
    const tx = api.tx.Balances.transfer_keep_alive({ dest: Enum('Id', keyring.addFromUri('//Alice').address), value: 1_000_000_000n })
    await expect(tx.signAndSubmit(s)).rejects.toMatchObject({ name: 'InvalidTxError', error: { type: 'Invalid', value: { type: 'Payment' } } })
  })
})
