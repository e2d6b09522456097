/**
 * The JSON-RPC details other clients rely on, over the wire: hex parameters as a node parses them,
 * `:code`, `state_getReadProof`, `rpc_methods`, `TaggedTransactionQueue_validate_transaction`'s
 * `TransactionValidity`, and the `chainHead_v1` follow events and operations.
 */
import { Keyring } from '@polkadot/keyring'
import { Metadata, TypeRegistry } from '@polkadot/types'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { sharedCodec } from './codec.ts'
import type { Loose } from './testing.ts'
import { startDevnet, type Devnet } from './index.ts'

let devnet: Devnet
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })

beforeAll(async () => {
  await cryptoWaitReady()
  devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
  devnet.produceBlock()
})
afterAll(async () => {
  await devnet?.stop()
})

async function rpc(method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } }
}

/** A WebSocket JSON-RPC session that records notifications. */
async function wsSession() {
  const ws = new WebSocket(devnet.url)
  await new Promise((r, j) => ws.once('open', r).once('error', j))
  let next = 1
  const pending = new Map<number, (m: { result?: unknown; error?: unknown }) => void>()
  const events: { subscription: string; result: Record<string, unknown> }[] = []
  const waiters: (() => void)[] = []
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as { id?: number; params?: { subscription: string; result: Record<string, unknown> } }
    if (m.id !== undefined) pending.get(m.id)?.(m as { result?: unknown; error?: unknown })
    else if (m.params !== undefined) {
      events.push(m.params)
      for (const w of waiters.splice(0)) w()
    }
  })
  const call = (method: string, params: unknown[] = []) =>
    new Promise<{ result?: unknown; error?: { code: number } }>((resolve) => {
      const id = next++
      pending.set(id, resolve as never)
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
    })
  const waitFor = async (pred: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    for (;;) {
      const hit = events.find((e) => pred(e.result))
      if (hit !== undefined) return hit.result
      await new Promise<void>((r) => waiters.push(r))
    }
  }
  return { call, waitFor, events, close: () => ws.close() }
}

describe('JSON-RPC details', () => {
  it('accepts "" and unprefixed hex as a node does, and names a bad field', async () => {
    const a = await rpc('state_call', ['Core_version', ''])
    const b = await rpc('state_call', ['Core_version', '0x'])
    expect(a.error).toBeUndefined()
    expect(a.result).toBe(b.result)
    const key = sharedCodec().storageKey('SubtensorModule', 'Tempo', [1])
    expect((await rpc('state_getStorage', [key.slice(2)])).result).toBe((await rpc('state_getStorage', [key])).result)
    const bad = await rpc('state_getStorage', ['0xabc'])
    expect(bad.error?.code).toBe(-32602)
    expect(bad.error?.message).toMatch(/key/)
  })

  it('serves :code, whose hash identifies the runtime', async () => {
    const code = (await rpc('state_getStorage', ['0x3a636f6465'])).result as string
    expect(code.startsWith('0x0061736d')).toBe(true) // a wasm module
    expect((await rpc('state_getStorageHash', ['0x3a636f6465'])).result).toBe(blake2AsHex(hexToU8a(code), 256))
    expect((await rpc('state_getStorageSize', ['0x3a636f6465'])).result).toBe(hexToU8a(code).length)
    expect((await rpc('state_getKeysPaged', ['0x3a', 10, null])).result).toContain('0x3a636f6465')
  })

  it('answers state_getReadProof and lists every method in rpc_methods', async () => {
    const key = sharedCodec().storageKey('SubtensorModule', 'Tempo', [1])
    const r = (await rpc('state_getReadProof', [[key]])).result as { at: string; proof: string[] }
    expect(r.at).toBe(devnet.bestHash())
    expect(r.proof).toHaveLength(1)
    const methods = ((await rpc('rpc_methods')).result as { methods: string[] }).methods
    for (const m of ['chainHead_v1_follow', 'chainHead_v1_storage', 'chainSpec_v1_genesisHash', 'transaction_v1_broadcast', 'transactionWatch_v1_submitAndWatch', 'state_getReadProof']) expect(methods).toContain(m)
  })

  it('validate_transaction answers TransactionValidity: Ok with CheckNonce tags, Err(Invalid(...)) otherwise', async () => {
    const { ApiPromise, WsProvider } = await import('@polkadot/api')
    const api = await ApiPromise.create({ provider: new WsProvider(devnet.url), noInitWarn: true })
    const tx = api.tx as Loose
    expect(api.runtimeMetadata.version).toBe(16) // @polkadot/api 16 picks V16 through metadata_at_version
    try {
      const alice = keyring.addFromUri('//Alice')
      const codec = sharedCodec()
      const out = codec.runtimeApi('TaggedTransactionQueue_validate_transaction')!.output
      const validate = async (xt: { toHex(): string }) => {
        // (source External, the extrinsic as encoded with its length, the block hash)
        const data = u8aToHex(new Uint8Array([2, ...hexToU8a(xt.toHex()), ...hexToU8a(devnet.bestHash())]))
        const r = await rpc('state_call', ['TaggedTransactionQueue_validate_transaction', data])
        expect(r.error).toBeUndefined()
        return codec.registry.createType(out, hexToU8a(r.result as string)).toJSON() as Record<string, Record<string, unknown>>
      }
      const transfer = (nonce: number) => tx.balances.transferKeepAlive(keyring.addFromUri('//Bob').address, 1_000_000_000n).signAsync(alice, { nonce, era: 0 })
      const now = await validate(await transfer(0))
      expect(now.ok!.requires).toEqual([])
      expect(now.ok!.provides).toEqual([u8aToHex(new Uint8Array([...alice.publicKey, 0, 0, 0, 0]))])
      const ahead = await validate(await transfer(3))
      expect(ahead.ok!.requires).toEqual([u8aToHex(new Uint8Array([...alice.publicKey, 2, 0, 0, 0]))])
      const pauper = keyring.addFromUri('//spec-pauper')
      const poor = await validate(await tx.balances.transferKeepAlive(alice.address, 1n).signAsync(pauper, { nonce: 0, era: 0 }))
      expect(poor).toEqual({ err: { invalid: { payment: null } } })
      const signed = await transfer(0)
      const bytes = hexToU8a(signed.toHex())
      bytes[bytes.length - 40]! ^= 1 // inside the signed call
      const forged = await validate({ toHex: () => u8aToHex(bytes) })
      expect(forged).toEqual({ err: { invalid: { badProof: null } } })
    } finally {
      await api.disconnect()
    }
  })

  it('chainHead_v1: initialized, newBlock, bestBlockChanged, finalized, and body/call/storage/header operations', async () => {
    const s = await wsSession()
    try {
      const sub = (await s.call('chainHead_v1_follow', [true])).result as string
      const init = await s.waitFor((e) => e.event === 'initialized')
      const fin = (init.finalizedBlockHashes as string[])[0]!
      expect(((init.finalizedBlockRuntime as { spec: { specVersion: number } }).spec).specVersion).toBe(424)
      devnet.produceBlock()
      const nb = await s.waitFor((e) => e.event === 'newBlock' && e.blockHash === devnet.bestHash())
      expect(nb.newRuntime).toBeNull()
      await s.waitFor((e) => e.event === 'bestBlockChanged' && e.bestBlockHash === devnet.bestHash())
      const f = await s.waitFor((e) => e.event === 'finalized' && (e.finalizedBlockHashes as string[]).includes(nb.parentBlockHash as string))
      expect(f.prunedBlockHashes).toEqual([])
      const header = (await s.call('chainHead_v1_header', [sub, devnet.bestHash()])).result as string
      expect(blake2AsHex(hexToU8a(header), 256)).toBe(devnet.bestHash())
      const body = (await s.call('chainHead_v1_body', [sub, devnet.bestHash()])).result as { operationId: string }
      const bodyDone = await s.waitFor((e) => e.event === 'operationBodyDone' && e.operationId === body.operationId)
      expect((bodyDone.value as string[]).length).toBe(1) // the timestamp inherent
      const call = (await s.call('chainHead_v1_call', [sub, fin, 'Core_version', ''])).result as { operationId: string }
      const callDone = await s.waitFor((e) => e.operationId === call.operationId)
      expect(callDone.event).toBe('operationCallDone')
      const prefix = sharedCodec().storagePrefix('SubtensorModule', 'Tempo')
      const st = (await s.call('chainHead_v1_storage', [sub, devnet.bestHash(), [{ key: '0x3a636f6465', type: 'hash' }, { key: prefix, type: 'descendantsValues' }], null])).result as { operationId: string }
      await s.waitFor((e) => e.event === 'operationStorageDone' && e.operationId === st.operationId)
      const items = s.events.filter((e) => e.result.event === 'operationStorageItems' && e.result.operationId === st.operationId).flatMap((e) => e.result.items as { key: string }[])
      expect(items.some((i) => i.key === '0x3a636f6465' && 'hash' in i)).toBe(true)
      expect(items.some((i) => i.key === sharedCodec().storageKey('SubtensorModule', 'Tempo', [1]))).toBe(true)
      expect((await s.call('chainHead_v1_unpin', [sub, fin])).result).toBeNull()
      expect((await s.call('chainHead_v1_header', [sub, fin])).error?.code).toBe(-32801) // no longer pinned
      expect((await s.call('chainHead_v1_unfollow', [sub])).result).toBeNull()
      expect((await s.call('chainHead_v1_body', [sub, devnet.bestHash()])).result).toEqual({ result: 'limitReached' })
    } finally {
      s.close()
    }
  })

  it('serves metadata V14 (state_getMetadata, Metadata_metadata), V15 and V16 (metadata_at_version), all the same runtime', async () => {
    const codec = sharedCodec()
    const call = async (m: string, arg = '') => hexToU8a((await rpc('state_call', [m, arg])).result as string)
    expect(codec.registry.createType('Vec<u32>', await call('Metadata_metadata_versions')).toJSON()).toEqual([14, 15, 16])
    const v16 = codec.metadata.asLatest
    const decode = (bytes: Uint8Array) => {
      const reg = new TypeRegistry()
      const m = new Metadata(reg, bytes)
      reg.setMetadata(m)
      return { reg, m }
    }
    const viaState = decode(hexToU8a((await rpc('state_getMetadata')).result as string))
    expect(viaState.m.version).toBe(14)
    const some = (b: Uint8Array) => codec.registry.createType('Option<Bytes>', b).unwrap().toU8a(true)
    for (const v of [14, 15, 16]) {
      const { reg, m } = decode(some(await call('Metadata_metadata_at_version', u8aToHex(codec.encode('u32', v)))))
      expect(m.version).toBe(v)
      const latest = m.asLatest
      expect(latest.pallets.map((p) => [p.name.toString(), p.index.toNumber()])).toEqual(v16.pallets.map((p) => [p.name.toString(), p.index.toNumber()]))
      const addStake = reg.findMetaCall(new Uint8Array([codec.palletIndex('SubtensorModule'), 2]))
      expect(`${addStake.section}.${addStake.method}`).toBe('subtensorModule.addStake')
      expect(latest.extrinsic.transactionExtensions.map((e) => e.identifier.toString())).toEqual(v16.extrinsic.transactionExtensions.map((e) => e.identifier.toString()))
      expect(reg.createType('SpRuntimeMultiSignature').toRawType()).toBe(codec.registry.createType('SpRuntimeMultiSignature').toRawType())
    }
    expect(await call('Metadata_metadata_at_version', u8aToHex(codec.encode('u32', 13)))).toEqual(new Uint8Array([0])) // None
  })

  it('transactionWatch_v1_submitAndWatch reports validated, broadcasted, bestChainBlockIncluded and finalized; an invalid one reports invalid', async () => {
    const { ApiPromise, WsProvider } = await import('@polkadot/api')
    const api = await ApiPromise.create({ provider: new WsProvider(devnet.url), noInitWarn: true })
    const s = await wsSession()
    try {
      const tx = api.tx as Loose
      const dave = keyring.addFromUri('//Dave')
      const xt = (await tx.balances.transferKeepAlive(keyring.addFromUri('//watch-dest').address, 1_000_000_000n).signAsync(dave, { era: 0 })).toHex() as string
      const sub = (await s.call('transactionWatch_v1_submitAndWatch', [xt])).result as string
      await s.waitFor((e) => e.event === 'broadcasted')
      devnet.produceBlock()
      const included = await s.waitFor((e) => e.event === 'bestChainBlockIncluded')
      expect(included.block).toEqual({ hash: devnet.bestHash(), index: 1 })
      devnet.produceBlock()
      const fin = await s.waitFor((e) => e.event === 'finalized')
      expect(fin.block).toEqual(included.block)
      expect(s.events.filter((e) => e.subscription === sub).map((e) => e.result.event)).toEqual(['validated', 'broadcasted', 'bestChainBlockIncluded', 'finalized'])
      const bad = (await s.call('transactionWatch_v1_submitAndWatch', [xt])).result as string // nonce now stale
      const inv = await s.waitFor((e) => e.event === 'invalid')
      expect(s.events.find((e) => e.result === inv)?.subscription).toBe(bad)
      expect(inv.error).toMatch(/outdated/)
    } finally {
      s.close()
      await api.disconnect()
    }
  })

  it('chainSpec_v1 answers', async () => {
    expect((await rpc('chainSpec_v1_genesisHash')).result).toBe(devnet.genesisHash)
    expect((await rpc('chainSpec_v1_properties')).result).toMatchObject({ ss58Format: 42, tokenSymbol: 'TAO' })
  })
})
