/**
 * Any runtime: the client takes the transaction extensions from the metadata. Extensions that
 * carry no data are accepted whatever their name; extensions that carry data the client cannot
 * fill are refused before anything is signed, by name. The runtimes under test are spec 424's
 * metadata with one extension added: served to the client from a real devnet through a proxy
 * that swaps the metadata answers (the devnet itself keeps verifying against its own metadata, so
 * a transaction that lands proves the client signed exactly what the chain checks).
 */
import { readFileSync } from 'node:fs'
import { Metadata, TypeRegistry } from '@polkadot/types'
import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util'
import { WebSocket, WebSocketServer } from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import {
  WalletError, createChainClient, createKeyringSigner, createMemoryMetadataCache, createOfflineCallEncoder, type ChainClient, type KeySigner,
} from './index.ts'

const FIXTURE = readFileSync(new URL('./fixtures/finney-metadata-v16-spec424.scale', import.meta.url))

/** Spec 424's metadata with one more transaction extension (explicit type `type`, implicit `()`), last in version 0. */
function withExtension(identifier: string, type: 'unit' | 'u32'): Uint8Array {
  const registry = new TypeRegistry()
  const json = new Metadata(registry, FIXTURE).toJSON() as { metadata: { v16: { extrinsic: { transactionExtensions: Array<{ identifier: string; type: number; implicit: number }>; transactionExtensionsByVersion: Record<string, number[]> } } } }
  const ext = json.metadata.v16.extrinsic
  const unit = ext.transactionExtensions.find((e) => e.identifier === 'CheckWeight')!.implicit // ()
  const u32 = ext.transactionExtensions.find((e) => e.identifier === 'CheckSpecVersion')!.implicit // u32
  ext.transactionExtensions.push({ identifier, type: type === 'unit' ? unit : u32, implicit: unit })
  ext.transactionExtensionsByVersion['0']!.push(ext.transactionExtensions.length - 1)
  return new Metadata(new TypeRegistry(), json as never).toU8a()
}

/** Spec 424's metadata without one runtime API method (a runtime that predates it). */
function withoutRuntimeApi(api: string, method: string): Uint8Array {
  const json = new Metadata(new TypeRegistry(), FIXTURE).toJSON() as { metadata: { v16: { apis: Array<{ name: string; methods: Array<{ name: string }> }> } } }
  const entry = json.metadata.v16.apis.find((a) => a.name === api)!
  const before = entry.methods.length
  entry.methods = entry.methods.filter((m) => m.name !== method)
  expect(entry.methods.length).toBe(before - 1)
  return new Metadata(new TypeRegistry(), json as never).toU8a()
}

/** A WebSocket proxy to `target` that answers every metadata request with `metadata`. */
async function metadataProxy(target: string, metadata: Uint8Array): Promise<{ url: string; stop(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const raw = u8aToHex(metadata)
  const opaque = u8aToHex(u8aConcat(compactToU8a(metadata.length), metadata))
  const some = u8aToHex(u8aConcat(new Uint8Array([1]), compactToU8a(metadata.length), metadata))
  wss.on('connection', (down) => {
    const up = new WebSocket(target)
    const queue: string[] = []
    const rewrite = new Map<unknown, string>()
    up.on('open', () => { for (const m of queue.splice(0)) up.send(m) })
    up.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: unknown; result?: unknown }
      const swap = rewrite.get(msg.id)
      if (swap !== undefined && typeof msg.result === 'string') { msg.result = swap; rewrite.delete(msg.id) }
      down.send(JSON.stringify(msg))
    })
    down.on('message', (data) => {
      const text = String(data)
      const msg = JSON.parse(text) as { id?: unknown; method?: string; params?: unknown[] }
      if (msg.method === 'state_getMetadata') rewrite.set(msg.id, raw)
      if (msg.method === 'state_call' && msg.params?.[0] === 'Metadata_metadata_at_version') rewrite.set(msg.id, some)
      if (msg.method === 'state_call' && msg.params?.[0] === 'Metadata_metadata') rewrite.set(msg.id, opaque)
      if (up.readyState === WebSocket.OPEN) up.send(text)
      else queue.push(text)
    })
    down.on('close', () => up.close())
    up.on('close', () => down.close())
    up.on('error', () => down.close())
  })
  const { port } = wss.address() as { port: number }
  return {
    url: `ws://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate()
      wss.close(() => resolve())
    }),
  }
}

let devnet: Devnet
let alice: KeySigner
let bob: KeySigner

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 200 })
  alice = await createKeyringSigner('//Alice')
  bob = await createKeyringSigner('//Bob')
}, 60_000)

afterAll(async () => {
  await devnet?.stop()
})

async function through(metadata: Uint8Array, fn: (client: ChainClient) => Promise<void>): Promise<void> {
  const proxy = await metadataProxy(devnet.url, metadata)
  const client = await createChainClient({ endpoint: proxy.url, metadataCache: createMemoryMetadataCache(), signal: AbortSignal.timeout(30_000) })
  try {
    await fn(client)
  } finally {
    await client.stop()
    await proxy.stop()
  }
}

const nonceOf = async (client: ChainClient, who: string): Promise<number> => ((await client.readStorage('System', 'Account', [who])).toJSON() as { nonce: number }).nonce

describe('transaction extensions come from the metadata', () => {
  it("sorts spec 424's extensions: filled, empty (the four subtensor ones among them), none unsupported", () => {
    const ext = createOfflineCallEncoder(FIXTURE).transactionExtensions
    expect(ext.filled).toEqual(['CheckSpecVersion', 'CheckTxVersion', 'CheckGenesis', 'CheckMortality', 'CheckNonce', 'ChargeTransactionPayment', 'CheckMetadataHash'])
    expect(ext.empty).toEqual(['CheckNonZeroSender', 'CheckWeight', 'SudoTransactionExtension', 'CheckShieldedTxValidity', 'SubtensorTransactionExtension', 'DrandPriority'])
    expect(ext.unsupported).toEqual([])
  })

  it('accepts an unknown extension that carries no data: the devnet includes what the client signed', async () => {
    const meta = withExtension('AcmeNoDataCheck', 'unit')
    expect(createOfflineCallEncoder(meta).transactionExtensions.empty).toContain('AcmeNoDataCheck')
    await through(meta, async (client) => {
      expect(client.transactionExtensions.empty).toContain('AcmeNoDataCheck')
      expect(client.transactionExtensions.unsupported).toEqual([])
      const before = (await client.getBalance(bob.address)).free
      const res = await client.transferKeepAlive(bob.address, 3_000_000_000n, alice, { waitFor: 'inBlock' })
      expect(res.blockNumber).toBeGreaterThan(0)
      expect((await client.getBalance(bob.address)).free - before).toBe(3_000_000_000n)
    })
  }, 60_000)

  it('reads the no-data extensions of a runtime that serves V14/V15 metadata (as spec 293 does) and the devnet includes the transfer', async () => {
    // @polkadot/types 16 turns V14/V15 into V16 without `additionalSigned` (every implicit reads type 0).
    const res = await fetch(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'state_getMetadata', params: [] }) })
    const v14 = Buffer.from(((await res.json()) as { result: string }).result.slice(2), 'hex')
    expect(new Metadata(new TypeRegistry(), v14).version).toBe(14)
    await through(v14, async (client) => {
      expect(client.transactionExtensions.unsupported).toEqual([])
      expect(client.transactionExtensions.empty).toEqual(expect.arrayContaining(['CheckNonZeroSender', 'CheckWeight', 'SubtensorTransactionExtension']))
      const before = (await client.getBalance(bob.address)).free
      await client.transferKeepAlive(bob.address, 2_000_000_000n, alice, { waitFor: 'inBlock' })
      expect((await client.getBalance(bob.address)).free - before).toBe(2_000_000_000n)
    })
  }, 60_000)

  it('refuses, by name and before signing, an unknown extension that carries data', async () => {
    const meta = withExtension('AcmeTipCheck', 'u32')
    expect(createOfflineCallEncoder(meta).transactionExtensions.unsupported).toEqual(['AcmeTipCheck'])
    await through(meta, async (client) => {
      expect(client.transactionExtensions.unsupported).toEqual(['AcmeTipCheck'])
      const nonce = await nonceOf(client, alice.address)
      const statuses: string[] = []
      let signed = false
      const spy: KeySigner = { ...alice, signTx: async (...a) => { signed = true; return alice.signTx(...a) } }
      const err = await client.transferKeepAlive(bob.address, 1n, spy, { onStatus: (s) => statuses.push(s.kind) }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(WalletError)
      expect((err as WalletError).code).toBe('UNSUPPORTED')
      expect((err as Error).message).toMatch(/AcmeTipCheck carries data this client cannot fill; nothing was signed/)
      expect(signed).toBe(false)
      expect(statuses).toEqual([])
      await expect(client.estimateFee({ pallet: 'Balances', method: 'transfer_keep_alive', args: [bob.address, 1n] }, alice.address)).rejects.toThrow(/AcmeTipCheck/)
      expect(await nonceOf(client, alice.address)).toBe(nonce)
    })
  }, 60_000)
})

describe('a runtime without get_next_epoch_start_block', () => {
  let quiet: Devnet
  beforeAll(async () => { quiet = await startDevnet({ port: 0, blockTimeMs: 0 }) }, 60_000)
  afterAll(async () => { await quiet?.stop() })

  it('the next epoch comes from the one epoch schedule, equal to the runtime API where there is one', async () => {
    const direct = await createChainClient({ endpoint: quiet.url, metadataCache: createMemoryMetadataCache() })
    const proxy = await metadataProxy(quiet.url, withoutRuntimeApi('SubnetInfoRuntimeApi', 'get_next_epoch_start_block'))
    const old = await createChainClient({ endpoint: proxy.url, metadataCache: createMemoryMetadataCache() })
    try {
      for (let i = 0; i < 14; i++) {
        expect(await old.getNextEpochBlock(1)).toBe(await direct.getNextEpochBlock(1))
        quiet.produceBlock()
      }
    } finally {
      await old.stop()
      await direct.stop()
      await proxy.stop()
    }
  }, 60_000)
})
