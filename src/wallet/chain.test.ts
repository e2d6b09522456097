// The chain client end to end against the devnet (src/devnet, a subtensor emulator speaking the
// same JSON-RPC with the finney metadata): connect with metadata caching, typed reads, register,
// stake, commitment, metagraph read-back, decoded pallet errors, extension-signed (signPayload)
// extrinsics, user rejection, reconnect with backoff.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { u8aToHex } from '@polkadot/util'
import { startDevnet } from '../devnet/index.ts'
import type { Devnet } from '../devnet/index.ts'
import {
  DispatchError, UserRejectedError, WalletError, calls, createChainClient, createOfflineCallEncoder, createKeyringSigner, createMemoryHotkeyStorage,
  createMemoryMetadataCache, openSessionHotkeys,
  injectedTxSigner,
} from './index.ts'
import type { ChainClient, ConnectionState, KeySigner, SessionHotkey, TxStatus } from './index.ts'
import { createTestExtension } from './testing/test-extension.ts'

const TAO = 1_000_000_000n
const FIXTURE = readFileSync(new URL('./fixtures/finney-metadata-v16-spec424.scale', import.meta.url))

let devnet: Devnet
let client: ChainClient
const cache = createMemoryMetadataCache()
let alice: KeySigner
let bob: KeySigner
let hotkey: SessionHotkey

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 150 })
  client = await createChainClient({ endpoint: devnet.url, metadataCache: cache, signal: AbortSignal.timeout(60_000) })
  alice = await createKeyringSigner('//Alice')
  bob = await createKeyringSigner('//Bob')
  hotkey = await openSessionHotkeys({ storage: createMemoryHotkeyStorage() }).getOrCreate()
})

afterAll(async () => {
  await client?.stop()
  await devnet?.stop()
})

describe('chain client against the devnet', () => {
  it('connects and caches metadata under genesisHash-specVersion', async () => {
    expect(client.genesisHash).toBe(devnet.genesisHash)
    expect(client.specVersion).toBe(424)
    expect(client.connection.kind).toBe('connected')
    const key = `${devnet.genesisHash}-424`
    const stored = await cache.load()
    expect(Object.keys(stored)).toEqual([key])
    expect(stored[key]).toBe(u8aToHex(FIXTURE)) // the devnet serves finney's metadata

    // A second client starts from the cached metadata and works the same.
    const second = await createChainClient({ endpoint: devnet.url, metadataCache: cache })
    try {
      expect(await second.getBurn(1)).toBe(await client.getBurn(1))
      expect(cache.size).toBe(1)
    } finally {
      await second.stop()
      await second.stop() // idempotent
    }
    expect(second.connection.kind).toBe('stopped')
  })

  it('lists subnets and reads hyperparameters, burn and next epoch', async () => {
    const subnets = await client.listSubnets()
    expect(subnets.map((s) => s.netuid)).toEqual([0, 1])
    const s1 = subnets[1]!
    expect(s1).toMatchObject({ netuid: 1, tempo: 10, maxNeurons: 64, burn: 100_000_000n, registrationAllowed: true })
    expect(s1.neurons).toBeGreaterThanOrEqual(1)

    const hp = await client.getHyperparams(1)
    expect(hp).toMatchObject({ netuid: 1, tempo: 10, minAllowedWeights: 1, maxWeightsLimit: 65535, immunityPeriod: 20, commitRevealWeightsEnabled: true, registrationAllowed: true, minBurn: 500_000n })
    expect(hp.all.weights_rate_limit).toBe(2n)
    await expect(client.getHyperparams(77)).rejects.toMatchObject({ code: 'BAD_INPUT' })

    const best = await client.bestBlock()
    const next = await client.getNextEpochBlock(1)
    expect(next).toBeGreaterThan(best - 1n)
    expect(next).toBeLessThanOrEqual(best + 11n)
  })

  let registeredUid: number
  it('registers a hotkey with burned_register, price shown first, status reported in order', async () => {
    const quote = await client.quoteRegistration(1, bob.address, hotkey.address)
    expect(quote.burn).toBe(100_000_000n)
    expect(quote.fee).toBeGreaterThan(0n)
    expect(quote.affordable).toBe(true)
    const before = await client.getBalance(bob.address)

    const statuses: TxStatus['kind'][] = []
    const res = await client.burnedRegister(1, hotkey.address, bob, { maxBurn: quote.burn, onStatus: (s) => statuses.push(s.kind) })
    expect(res.burn).toBe(quote.burn)
    expect(res.finalized).toBe(true)
    expect(res.events.map((e) => `${e.pallet}.${e.name}`)).toContain('subtensorModule.NeuronRegistered')
    // signing → signed → (ready) → inBlock → finalized, in that order
    const order = ['signing', 'signed', 'ready', 'inBlock', 'finalized']
    const seen = statuses.filter((s) => order.includes(s))
    expect(seen[0]).toBe('signing')
    expect(seen[1]).toBe('signed')
    expect(seen.at(-1)).toBe('finalized')
    expect(seen).toContain('inBlock')
    expect([...seen].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(seen)

    const uid = await client.getUid(1, hotkey.address)
    expect(uid).toBeTypeOf('number')
    registeredUid = uid!
    const after = await client.getBalance(bob.address)
    expect(before.free - after.free).toBeGreaterThanOrEqual(quote.burn)
  })

  it('decodes the pallet error of a second registration', async () => {
    const err = await client.burnedRegister(1, hotkey.address, bob).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DispatchError)
    const d = err as DispatchError
    expect(d.code).toBe('DISPATCH')
    expect(d.dispatch.pallet).toBe('SubtensorModule')
    expect(d.dispatch.name).toBe('HotKeyAlreadyRegisteredInSubNet')
    expect(d.dispatch.docs.length).toBeGreaterThan(0)
    expect(d.message).toMatch(/already registered/i)
    expect(d.blockHash).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('refuses a registration whose price rose above what the user accepted, before signing', async () => {
    let prompted = false
    const err = await client.burnedRegister(1, alice.address, bob, { maxBurn: 1n, onStatus: () => { prompted = true } }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'BAD_INPUT' })
    expect(prompted).toBe(false)
  })

  it('stakes and unstakes (plain and _limit variants)', async () => {
    await client.addStake(hotkey.address, 1, 10n * TAO, bob)
    const staked = await client.getHotkeyStake(hotkey.address, 1)
    expect(staked).toBe(10n * TAO)
    await client.addStake(hotkey.address, 1, 2n * TAO, bob, { limit: { limitPrice: 2n * TAO, allowPartial: false } })
    expect(await client.getHotkeyStake(hotkey.address, 1)).toBe(12n * TAO)
    await client.removeStake(hotkey.address, 1, 3n * TAO, bob)
    await client.removeStake(hotkey.address, 1, 1n * TAO, bob, { limit: { limitPrice: 1n, allowPartial: true } })
    expect(await client.getHotkeyStake(hotkey.address, 1)).toBe(8n * TAO)
  })

  it('decodes insufficient balance as a pallet error', async () => {
    const err = await client.addStake(hotkey.address, 1, 10_000_000n * TAO, bob).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DispatchError)
    expect((err as DispatchError).dispatch).toMatchObject({ pallet: 'SubtensorModule', name: 'NotEnoughBalanceToStake' })
    expect((err as DispatchError).message).toMatch(/balance is too low/i)
  })

  it('funds the hotkey, publishes its peer id as a commitment signed by the session hotkey, reads it back', async () => {
    await client.transferKeepAlive(hotkey.address, 1n * TAO, bob)
    expect((await client.getBalance(hotkey.address)).free).toBe(1n * TAO)
    const peerId = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
    await client.publishPeerId(1, peerId, hotkey.signer)
    const commitments = await client.getCommitments(1)
    const mine = commitments.find((c) => c.hotkey === hotkey.address)
    expect(mine?.text).toBe(peerId)
    expect(mine?.fields).toHaveLength(1)
    expect(mine!.block).toBeGreaterThan(0n)
  })

  it('reads the metagraph back: uid, hotkey, coldkey, stake, last update', async () => {
    const mg = await client.getMetagraph(1)
    expect(mg.netuid).toBe(1)
    expect(mg.source).toBe('get_metagraph')
    expect(mg.tempo).toBe(10)
    expect(mg.block).toBeGreaterThan(0n)
    const n = mg.neurons.find((x) => x.hotkey === hotkey.address)
    expect(n).toBeDefined()
    expect(n!.uid).toBe(registeredUid)
    expect(n!.coldkey).toBe(bob.address)
    expect(n!.stake).toBeGreaterThan(0n)
    expect(n!.blockAtRegistration).toBeGreaterThan(0n)
    const owner = mg.neurons.find((x) => x.uid === 0)
    expect(owner?.hotkey).toBe(alice.address)
    expect(owner?.validatorPermit).toBe(true)
    expect(mg.neurons.map((x) => x.uid)).toEqual([...mg.neurons.keys()])
  })

  it('reads storage, maps and constants by metadata name, at the best block or an older one', async () => {
    expect(client.hasStorage('SubtensorModule', 'Tempo')).toBe(true)
    expect(client.hasStorage('subtensorModule', 'tempo')).toBe(true) // camelCase works too
    expect(client.hasStorage('SubtensorModule', 'NoSuchItem')).toBe(false)
    await expect(client.readStorage('SubtensorModule', 'NoSuchItem', [1])).rejects.toMatchObject({ code: 'UNSUPPORTED' })
    expect(Number((await client.readStorage('SubtensorModule', 'Tempo', [1])).toString())).toBe(10)
    const keys = await client.readEntries('SubtensorModule', 'Keys', [1])
    expect(keys.find((e) => e.keys[1]!.toString() === '0')?.value.toString()).toBe(alice.address)
    expect(Number(client.readConstant('Timestamp', 'MinimumPeriod')?.toString())).toBeGreaterThan(0)
    expect(client.readConstant('Timestamp', 'NoSuchConstant')).toBeUndefined()

    // A transfer moves Bob's balance; the state at the block before still shows the old one.
    const before = await client.bestBlock()
    const hashBefore = await client.blockHash(before)
    expect(hashBefore).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await client.blockNumberOf(hashBefore!)).toBe(before)
    const old = ((await client.readStorage('System', 'Account', [bob.address], { at: hashBefore! })).toJSON() as { data: { free: number | string } }).data.free
    const res = await client.transferKeepAlive(bob.address, 2n * TAO, alice, { waitFor: 'inBlock' })
    expect(res.blockNumber).toBe(Number(await client.blockNumberOf(res.blockHash)))
    const now = (await client.getBalance(bob.address)).free
    const then = ((await client.readStorage('System', 'Account', [bob.address], { at: hashBefore! })).toJSON() as { data: { free: number | string } }).data.free
    expect(BigInt(then)).toBe(BigInt(old))
    expect(now - BigInt(then)).toBeGreaterThanOrEqual(2n * TAO)
    expect(await client.blockHash(10_000_000)).toBeUndefined()

    // Raw JSON-RPC over the same connection, for node-specific methods.
    expect(await client.rpc('devnet_info')).toMatchObject({ emulator: true })
    await expect(client.rpc('no_such_method', [])).rejects.toMatchObject({ code: 'UNSUPPORTED' })
  })

  it('submits generic calls by name, prepared or not, through the same path', async () => {
    // What the weights helpers do: commit_weights signed by the (registered) session hotkey.
    const prepared = client.prepare(calls.namedCall('SubtensorModule', 'commit_weights', [1, `0x${'42'.repeat(32)}`]))
    expect([...prepared.callIndex]).toEqual([7, 96])
    expect(prepared.callData).toBe(createOfflineCallEncoder(FIXTURE).encode(prepared.spec).callData)
    const res = await client.submit(prepared, hotkey.signer, { waitFor: 'inBlock' })
    expect(res.events.map((e) => `${e.pallet}.${e.name}`)).toContain('subtensorModule.WeightsCommitted')

    const before = (await client.getBalance(alice.address)).free
    const tracked = client.track(calls.namedCall('Balances', 'transfer_keep_alive', [alice.address, 7n]), bob)
    const kinds: string[] = []
    for await (const st of tracked.statuses) kinds.push(st.kind)
    expect((await tracked.result).finalized).toBe(true)
    expect(kinds[0]).toBe('signing')
    expect(kinds.slice(-2)).toEqual(['inBlock', 'finalized'])
    expect((await client.getBalance(alice.address)).free - before).toBe(7n)
    expect(() => client.prepare(calls.namedCall('SubtensorModule', 'no_such_call', []))).toThrow(/no call/)
  })

  it('signs through an extension signer (signPayload), and a rejection there is a non-fatal typed error', async () => {
    const ext = await createTestExtension([{ suri: '//Charlie' }], 42)
    const injected = await ext.enable('webtensor-test')
    const charlie = (await createKeyringSigner('//Charlie')).address
    const signer = injectedTxSigner(charlie, injected.signer as never)
    const before = (await client.getBalance(bob.address)).free
    await client.transferKeepAlive(bob.address, 5n * TAO, signer, { waitFor: 'inBlock' })
    expect((await client.getBalance(bob.address)).free - before).toBe(5n * TAO)

    ext.sign = 'reject'
    const statuses: string[] = []
    const err = await client.transferKeepAlive(bob.address, 1n, signer, { onStatus: (s) => statuses.push(s.kind) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserRejectedError)
    expect(statuses).toEqual(['signing'])
    ext.sign = 'approve'
    await client.transferKeepAlive(bob.address, 1n, signer, { waitFor: 'inBlock' })
  })

  it("takes polkadot-api's own signer as it is (a PolkadotSigner plus the address)", async () => {
    const { getPolkadotSigner } = await import('polkadot-api/signer')
    const { Keyring } = await import('@polkadot/keyring')
    const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//PapiSigner')
    devnet.faucet(pair.address, 10n * TAO)
    const signer = { ...getPolkadotSigner(pair.publicKey, 'Sr25519', (m) => pair.sign(m)), address: pair.address }
    const before = (await client.getBalance(bob.address)).free
    const res = await client.transferKeepAlive(bob.address, 2n * TAO, signer, { waitFor: 'inBlock' })
    expect(res.blockNumber).toBeGreaterThan(0)
    expect((await client.getBalance(bob.address)).free - before).toBe(2n * TAO)
  })

  it('reports a transaction the node refuses (cannot pay fees) as TX_INVALID', async () => {
    const poor = await createKeyringSigner('//NoFunds')
    const err = await client.transferKeepAlive(bob.address, 1n, poor).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WalletError)
    expect((err as WalletError).code).toBe('TX_INVALID')
  })

  it('aborts a connection attempt to a dead endpoint, having retried with backoff', async () => {
    const states: ConnectionState[] = []
    const err = await createChainClient({
      endpoint: 'ws://127.0.0.1:1',
      signal: AbortSignal.timeout(1500),
      backoff: { initialMs: 50, maxMs: 200 },
      onConnectionChange: (s) => states.push(s),
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WalletError)
    expect((err as WalletError).code).toBe('ABORTED')
    const retries = states.filter((s): s is Extract<ConnectionState, { kind: 'disconnected' }> => s.kind === 'disconnected')
    expect(retries.length).toBeGreaterThanOrEqual(2)
    expect(retries.every((s) => s.retryInMs <= 240)).toBe(true)
    expect(states.at(-1)?.kind).toBe('stopped')
  })
})

describe('reconnect', () => {
  it('reconnects with backoff after the node goes away and comes back', async () => {
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp(`${(process.env.TMPDIR ?? '/tmp')}/wallet-devnet-`))
    const stateFile = `${dir}/state.json`
    let node = await startDevnet({ port: 0, blockTimeMs: 150, stateFile })
    const port = node.port
    const states: ConnectionState['kind'][] = []
    const c = await createChainClient({ endpoint: node.url, backoff: { initialMs: 50, maxMs: 400 }, onConnectionChange: (s) => states.push(s.kind) })
    try {
      const before = await c.bestBlock()
      await node.stop()
      await expect.poll(() => c.connection.kind, { timeout: 10_000 }).toBe('disconnected')
      node = await startDevnet({ port, blockTimeMs: 150, stateFile })
      await expect.poll(() => c.connection.kind, { timeout: 30_000 }).toBe('connected')
      // Reads work again on the restarted node, which resumed from its state file.
      await expect.poll(async () => c.bestBlock().catch(() => -1n), { timeout: 30_000 }).toBeGreaterThanOrEqual(before)
      expect(states).toContain('disconnected')
      expect(states.at(-1)).toBe('connected')
    } finally {
      await c.stop()
      await node.stop()
      await import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true, force: true }))
    }
  })
})
