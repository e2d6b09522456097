/**
 * The devnet against a stock @polkadot/api client (no project types or code between them):
 * connect, register, read back, pallet errors, refused transactions, epochs, bad input.
 */
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import { WebSocket } from 'ws'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { runEpoch, type EpochInput } from '../consensus/index.ts'
import { useDevnetWithApi, type Loose } from './testing.ts'
import { State } from './state.ts'

const net = useDevnetWithApi({ maxRequestBytes: 256 * 1024 })
const { tx, query, call, events, submit, outcome, blocks, rpc, keyring } = net
let alice: KeyringPair
let bob: KeyringPair
let charlie: KeyringPair
beforeAll(() => {
  ;[alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((seed) => keyring.addFromUri(seed)) as [KeyringPair, KeyringPair, KeyringPair]
})

describe('stock @polkadot/api client', () => {
  it('connects and reads runtime version, metadata, chain identity and blocks', async () => {
    expect(net.api.runtimeVersion.specName.toString()).toBe('node-subtensor')
    expect(net.api.runtimeVersion.specVersion.toNumber()).toBe(424)
    expect(net.api.runtimeMetadata.version).toBe(16)
    expect(net.api.genesisHash.toHex()).toBe(net.devnet.genesisHash)
    expect((await net.api.rpc.system.name()).toString()).toMatch(/emulator/)
    expect(tx().subtensorModule.commitTimelockedWeights).toBeTypeOf('function')
    const methods = (await net.api.rpc.rpc.methods()).methods.map((m) => m.toString())
    expect(methods).toEqual(expect.arrayContaining(['state_call', 'author_submitAndWatchExtrinsic', 'chain_subscribeFinalizedHeads']))
    const b = net.devnet.produceBlock()
    const header = await net.api.rpc.chain.getHeader(b.hash)
    expect(header.number.toNumber()).toBe(b.number)
    expect(header.hash.toHex()).toBe(b.hash)
    expect((await net.api.rpc.chain.getBlockHash(b.number)).toHex()).toBe(b.hash)
    const block = await net.api.rpc.chain.getBlock(b.hash)
    expect(block.block.extrinsics[0]!.method.section).toBe('timestamp')
    const fin = await net.api.rpc.chain.getFinalizedHead()
    expect((await net.api.rpc.chain.getHeader(fin)).number.toNumber()).toBe(b.number - 1)
  })

  it('streams new heads and storage changes', async () => {
    const heads: number[] = []
    const balances: bigint[] = []
    const unsubHeads = await net.api.rpc.chain.subscribeNewHeads((h) => {
      heads.push(h.number.toNumber())
    })
    const unsubAcc = await query().system.account(charlie.address, (a: Loose) => {
      balances.push(a.data.free.toBigInt())
    })
    const start = net.devnet.bestNumber()
    net.devnet.faucet(charlie.address, 12_345n)
    blocks(2)
    await vi.waitFor(() => expect(heads).toContain(start + 2))
    await vi.waitFor(() => expect(balances.length).toBeGreaterThanOrEqual(2))
    expect(balances.at(-1)! - balances[0]!).toBe(12_345n)
    unsubHeads()
    unsubAcc()
  })

  it('registers with burned_register; the uid is in storage and in get_neurons_lite; a second registration fails', async () => {
    const hot = keyring.addFromUri('//Bob//miner')
    const burn = (await query().subtensorModule.burn(1)).toBigInt()
    const before = (await query().system.account(bob.address)).data.free.toBigInt()
    const r = await submit(tx().subtensorModule.burnedRegister(1, hot.address), bob)
    expect(outcome(r)).toBe('ok')
    const ev = r.events.find((e) => events().subtensorModule.NeuronRegistered.is(e.event))
    expect(ev).toBeDefined()
    const uid = (await query().subtensorModule.uids(1, hot.address)).unwrap().toNumber()
    expect(ev!.event.data[1]!.toString()).toBe(String(uid))
    expect((await query().subtensorModule.keys(1, uid)).toString()).toBe(hot.address)
    const after = (await query().system.account(bob.address)).data.free.toBigInt()
    const fee = r.events.find((e) => events().transactionPayment.TransactionFeePaid.is(e.event))!.event.data[1]!.toString()
    expect(before - after).toBe(burn + BigInt(fee))
    const lite = await call().neuronInfoRuntimeApi.getNeuronsLite(1)
    const mine = (lite as unknown as { hotkey: { toString(): string }; uid: { toNumber(): number }; coldkey: { toString(): string } }[]).find((n) => n.hotkey.toString() === hot.address)
    expect(mine?.uid.toNumber()).toBe(uid)
    expect(mine?.coldkey.toString()).toBe(bob.address)
    // Each per-subnet vector is decoded once per call, not once per neuron (that was O(N^2): at
    // 256 neurons, minutes of the devnet's thread while 256 miners read the metagraph).
    expect(lite.length).toBeGreaterThanOrEqual(2)
    const vec = vi.spyOn(State.prototype, 'vec')
    try {
      await call().neuronInfoRuntimeApi.getNeuronsLite(1)
      expect(vec.mock.calls.filter((c) => c[1] === 'Incentive').length).toBe(1)
    } finally {
      vec.mockRestore()
    }
    const one = (await call().neuronInfoRuntimeApi.getNeuronLite(1, uid)) as unknown as { unwrap(): { hotkey: { toString(): string } } }
    expect(one.unwrap().hotkey.toString()).toBe(hot.address)
    const again = await submit(tx().subtensorModule.burnedRegister(1, hot.address), bob)
    expect(outcome(again)).toBe('subtensorModule.HotKeyAlreadyRegisteredInSubNet')
  })

  it('refuses registration without the burn (pallet error), after paying the fee', async () => {
    const poor = keyring.addFromUri('//Poor')
    net.devnet.faucet(poor.address, 50_000_000n) // enough for fees, less than the 0.1 TAO burn
    const r = await submit(tx().subtensorModule.burnedRegister(1, keyring.addFromUri('//Poor//hot').address), poor)
    expect(outcome(r)).toBe('subtensorModule.NotEnoughBalanceToStake')
    expect((await query().subtensorModule.uids(1, keyring.addFromUri('//Poor//hot').address)).isNone).toBe(true)
  })

  it('set_weights: CommitRevealEnabled, wrong version key, rate limit', async () => {
    const hot = keyring.addFromUri('//Charlie//v')
    expect(outcome(await submit(tx().subtensorModule.burnedRegister(1, hot.address), charlie))).toBe('ok')
    net.devnet.faucet(hot.address, 1_000_000_000n)
    const uid = (await query().subtensorModule.uids(1, hot.address)).unwrap().toNumber()
    // Commit-reveal is on at genesis, as on finney.
    expect(outcome(await submit(tx().subtensorModule.setWeights(1, [uid], [65535], 0), hot))).toBe('subtensorModule.CommitRevealEnabled')
    net.devnet.setHyperparams(1, { CommitRevealWeightsEnabled: false, WeightsVersionKey: 7, WeightsSetRateLimit: 3 })
    blocks(3)
    expect(outcome(await submit(tx().subtensorModule.setWeights(1, [uid], [65535], 6), hot))).toBe('subtensorModule.IncorrectWeightVersionKey')
    const ok = await submit(tx().subtensorModule.setWeights(1, [uid], [65535], 7), hot)
    expect(outcome(ok)).toBe('ok')
    expect((await query().subtensorModule.weights(1, uid)).toJSON()).toEqual([[uid, 65535]])
    expect(outcome(await submit(tx().subtensorModule.setWeights(1, [uid], [65535], 7), hot))).toBe('subtensorModule.SettingWeightsTooFast')
    net.devnet.setHyperparams(1, { CommitRevealWeightsEnabled: true, WeightsVersionKey: 0, WeightsSetRateLimit: 2 })
  })

  it('transfers and quotes fees through payment_queryInfo and TransactionPaymentApi', async () => {
    const dave = keyring.addFromUri('//Dave')
    const dest = keyring.addFromUri('//Dave//dest')
    const t = tx().balances.transferKeepAlive(dest.address, 1_000_000n)
    const info = await t.paymentInfo(dave)
    expect(info.partialFee.toBigInt()).toBeGreaterThan(0n)
    // The same quote through the payment_* RPCs.
    const signed = tx().balances.transferKeepAlive(dest.address, 1_000_000n)
    await signed.signAsync(dave)
    const viaRpc = await rpc('payment_queryInfo', [signed.toHex()])
    expect(BigInt((viaRpc.result as { partialFee: string }).partialFee)).toBe(info.partialFee.toBigInt())
    const details = (await rpc('payment_queryFeeDetails', [signed.toHex()])).result as { inclusionFee: { baseFee: number; lenFee: number } }
    expect(BigInt(details.inclusionFee.baseFee) + BigInt(details.inclusionFee.lenFee)).toBe(info.partialFee.toBigInt())
    const r = await submit(t, dave)
    expect(outcome(r)).toBe('ok')
    expect((await query().system.account(dest.address)).data.free.toBigInt()).toBe(1_000_000n)
    const paid = r.events.find((e) => events().transactionPayment.TransactionFeePaid.is(e.event))!.event.data[1]!.toString()
    expect(BigInt(paid)).toBe(info.partialFee.toBigInt())
    const tooMuch = await submit(tx().balances.transferKeepAlive(dave.address, 10_000_000n), dest)
    expect(outcome(tooMuch)).toBe('Token')
  })
})

describe('author_submitAndWatchExtrinsic', () => {
  it('reports ready, inBlock and finalized in order on the raw protocol', async () => {
    const t = tx().balances.transferKeepAlive(bob.address, 5_000n)
    await t.signAsync(charlie)
    const ws = new WebSocket(net.devnet.url)
    const msgs: { id?: number; result?: unknown; method?: string; params?: { subscription: string; result: unknown } }[] = []
    ws.on('message', (d: Buffer) => msgs.push(JSON.parse(d.toString())))
    await new Promise((r) => ws.once('open', r))
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'author_submitAndWatchExtrinsic', params: [t.toHex()] }))
    await vi.waitFor(() => expect(msgs.some((m) => m.method === 'author_extrinsicUpdate')).toBe(true))
    const b1 = net.devnet.produceBlock()
    const b2 = net.devnet.produceBlock()
    await vi.waitFor(() => expect(msgs.filter((m) => m.method === 'author_extrinsicUpdate').length).toBe(3))
    const sub = msgs.find((m) => m.id === 1)!.result
    const updates = msgs.filter((m) => m.method === 'author_extrinsicUpdate')
    expect(updates.every((u) => u.params!.subscription === sub)).toBe(true)
    expect(updates.map((u) => u.params!.result)).toEqual(['ready', { inBlock: b1.hash }, { finalized: b1.hash }])
    expect(b2.number).toBe(b1.number + 1)
    ws.close()
  })
})

describe('transaction validity (refused before the pool)', () => {
  async function signedWith(opts: { genesisHash?: string; nonce?: number; era?: { period: number; current: number; hash: string } }): Promise<string> {
    const t = tx().balances.transferKeepAlive(bob.address, 1_000n)
    const nonce = opts.nonce ?? (await net.api.rpc.system.accountNextIndex(alice.address)).toNumber()
    const era = opts.era === undefined ? undefined : net.api.registry.createType('ExtrinsicEra', { current: opts.era.current, period: opts.era.period })
    t.sign(alice, {
      blockHash: opts.era?.hash ?? net.api.genesisHash,
      genesisHash: opts.genesisHash ?? net.api.genesisHash,
      nonce,
      runtimeVersion: net.api.runtimeVersion,
      signedExtensions: net.api.registry.signedExtensions,
      ...(era === undefined ? {} : { era }),
    })
    return t.toHex()
  }

  it('accepts a correctly signed transfer (control)', async () => {
    const hex = await signedWith({})
    const res = await rpc('author_submitExtrinsic', [hex])
    expect(res.error).toBeUndefined()
    net.devnet.produceBlock()
  })

  it('rejects a tampered signature', async () => {
    const hex = await signedWith({})
    // The signature starts after: length prefix (2-byte compact here), version, MultiAddress (1+32), MultiSignature type (1).
    const bytes = Buffer.from(hex.slice(2), 'hex')
    const sigAt = (bytes[0]! & 3) === 1 ? 2 + 1 + 33 + 1 : 1 + 1 + 33 + 1
    bytes[sigAt + 5] = bytes[sigAt + 5]! ^ 0xff
    const res = await rpc('author_submitExtrinsic', ['0x' + bytes.toString('hex')])
    expect(res.error?.code).toBe(1010)
    expect(res.error?.data).toBe('Transaction has a bad signature')
  })

  it('rejects a transaction signed for another genesis hash', async () => {
    const res = await rpc('author_submitExtrinsic', [await signedWith({ genesisHash: u8aToHex(new Uint8Array(32).fill(7)) })])
    expect(res.error?.code).toBe(1010)
    expect(res.error?.data).toBe('Transaction has a bad signature')
  })

  it('rejects a stale nonce', async () => {
    const used = (await net.api.rpc.system.accountNextIndex(alice.address)).toNumber() - 1
    expect(used).toBeGreaterThanOrEqual(0)
    const res = await rpc('author_submitExtrinsic', [await signedWith({ nonce: used })])
    expect(res.error?.code).toBe(1010)
    expect(res.error?.data).toBe('Transaction is outdated')
  })

  it('rejects a transaction its signer cannot pay for', async () => {
    const broke = keyring.addFromUri('//Broke')
    const t = tx().balances.transferAllowDeath(bob.address, 1_000n)
    t.sign(broke, { blockHash: net.api.genesisHash, genesisHash: net.api.genesisHash, nonce: 0, runtimeVersion: net.api.runtimeVersion, signedExtensions: net.api.registry.signedExtensions })
    const res = await rpc('author_submitExtrinsic', [t.toHex()])
    expect(res.error?.code).toBe(1010)
    expect(res.error?.data).toBe('Inability to pay some fees (e.g. account balance too low)')
  })

  it('rejects an expired mortal era', async () => {
    const current = net.devnet.bestNumber()
    const hex = await signedWith({ era: { period: 4, current, hash: net.devnet.bestHash() } })
    blocks(8)
    const res = await rpc('author_submitExtrinsic', [hex])
    expect(res.error?.code).toBe(1010)
    expect(res.error?.message).toBe('Invalid Transaction')
  })
})

describe('bad input never crashes the node', () => {
  it('answers malformed JSON, unknown methods, oversized requests and undecodable extrinsics with JSON-RPC errors', async () => {
    const parse = await fetch(net.devnet.httpUrl, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,' })
    expect(((await parse.json()) as { error: { code: number } }).error.code).toBe(-32700)
    expect((await rpc('nope_nothing')).error?.code).toBe(-32601)
    expect((await rpc('author_submitExtrinsic', ['0x1234'])).error?.code).toBe(1001)
    expect((await rpc('author_submitExtrinsic', ['not hex'])).error?.code).toBe(-32602)
    expect((await rpc('state_call', ['NeuronInfoRuntimeApi_get_neurons_lite', '0x01'])).error?.code).toBe(4003)
    const big = await rpc('state_getStorage', ['0x' + '00'.repeat(300 * 1024)])
    expect(big.error?.code).toBe(-32007)
    const invalid = await fetch(net.devnet.httpUrl, { method: 'POST', body: '[]' })
    expect(((await invalid.json()) as { error: { code: number } }).error.code).toBe(-32600)
    // The same over a raw WebSocket, which stays usable afterwards.
    const ws = new WebSocket(net.devnet.url)
    const replies: { id?: unknown; error?: { code: number }; result?: unknown }[] = []
    ws.on('message', (d: Buffer) => replies.push(JSON.parse(d.toString())))
    await new Promise((r) => ws.once('open', r))
    ws.send('{{{ not json')
    ws.send(Buffer.from([1, 2, 3]), { binary: true })
    ws.send(JSON.stringify({ id: 5, method: 'system_name' }))
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'system_name', params: {} }))
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'system_name', params: [] }))
    await vi.waitFor(() => expect(replies.length).toBe(5))
    expect(replies.slice(0, 4).map((r) => r.error?.code)).toEqual([-32700, -32700, -32600, -32602])
    expect(replies[4]!.result).toMatch(/emulator/)
    ws.close()
    // Still alive, over both transports.
    expect((await rpc('system_name')).result).toMatch(/emulator/)
    expect((await net.api.rpc.system.chain()).toString()).toMatch(/emulator/)
  })
})

describe('epoch', () => {
  it('writes exactly the consensus module output for the pre-epoch state', async () => {
    // A validator (Alice, uid 0, permit + stake at genesis) weights a miner.
    net.devnet.setHyperparams(1, { CommitRevealWeightsEnabled: false, WeightsSetRateLimit: 0 })
    const miner = keyring.addFromUri('//Eve//miner')
    const eve = keyring.addFromUri('//Eve')
    expect(outcome(await submit(tx().subtensorModule.burnedRegister(1, miner.address), eve))).toBe('ok')
    const minerUid = (await query().subtensorModule.uids(1, miner.address)).unwrap().toNumber()
    blocks(1)
    expect(outcome(await submit(tx().subtensorModule.setWeights(1, [0, minerUid], [10_000, 65_535], 0), alice))).toBe('ok')
    // Run to just before the next epoch block (spec 424's schedule: LastEpochBlock + tempo).
    const tempo = (await query().subtensorModule.tempo(1)).toNumber()
    await net.runToEpochBlock(1)
    const pre = await net.api.at(net.devnet.bestHash())
    const q = (pre.query as Loose).subtensorModule
    const n = (await q.subnetworkN(1)).toNumber()
    const hotkeys = await Promise.all(Array.from({ length: n }, (_, uid) => q.keys(1, uid)))
    const lastUpdate = (await q.lastUpdate(1)).map((x: Loose) => x.toNumber())
    const factor = (await q.activityCutoffFactorMilli(1)).toNumber()
    const owner = (await q.subnetOwnerHotkey(1)).toString()
    const alphaValues = (await q.alphaValues(1)).toJSON() as [number, number]
    const epochBlock = net.devnet.bestNumber() + 1
    const input: EpochInput = {
      n,
      current_block: epochBlock,
      tempo,
      activity_cutoff_blocks: Math.max(1, Math.floor((factor * tempo) / 1000)),
      last_mechanism_step_block: (await q.lastMechansimStepBlock(1)).toNumber(),
      last_update: Array.from({ length: n }, (_, i) => lastUpdate[i] ?? 0),
      block_at_registration: await Promise.all(Array.from({ length: n }, async (_, uid) => (await q.blockAtRegistration(1, uid)).toNumber())),
      alpha_stake: await Promise.all(hotkeys.map(async (h: Loose) => (await q.totalHotkeyAlpha(h, 1)).toBigInt())),
      stake_threshold: (await q.stakeThreshold()).toBigInt(),
      owner_uid: hotkeys.findIndex((h: Loose) => h.toString() === owner),
      validator_permit: (await q.validatorPermit(1)).map((x: Loose) => x.isTrue),
      max_allowed_validators: (await q.maxAllowedValidators(1)).toNumber(),
      kappa: (await q.kappa(1)).toNumber(),
      bonds_penalty: (await q.bondsPenalty(1)).toNumber(),
      bonds_moving_average: (await q.bondsMovingAverage(1)).toBigInt(),
      yuma3: (await q.yuma3On(1)).isTrue,
      liquid_alpha: (await q.liquidAlphaOn(1)).isTrue,
      alpha_low: alphaValues[0],
      alpha_high: alphaValues[1],
      alpha_sigmoid_steepness: (await q.alphaSigmoidSteepness(1)).toNumber(),
      weights: await Promise.all(Array.from({ length: n }, async (_, uid) => (await q.weights(1, uid)).toJSON() as [number, number][])),
      bonds: await Promise.all(Array.from({ length: n }, async (_, uid) => (await q.bonds(1, uid)).toJSON() as [number, number][])),
      // The devnet emits a constant 1 alpha per block to each subnet (named simplification).
      rao_emission: BigInt(tempo + 1) * 1_000_000_000n,
    }
    const expected = runEpoch(input)
    expect(expected.incentive_u16[minerUid]).toBeGreaterThan(0)
    const b = net.devnet.produceBlock()
    expect(b.number).toBe(epochBlock)
    const post = ((await net.api.at(b.hash)).query as Loose).subtensorModule
    expect((await post.incentive(1)).map((x: Loose) => x.toNumber())).toEqual(expected.incentive_u16)
    expect((await post.dividends(1)).map((x: Loose) => x.toNumber())).toEqual(expected.dividends_u16)
    expect((await post.consensus(1)).map((x: Loose) => x.toNumber())).toEqual(expected.consensus_u16)
    expect((await post.validatorTrust(1)).map((x: Loose) => x.toNumber())).toEqual(expected.validator_trust_u16)
    expect((await post.emission(1)).map((x: Loose) => x.toBigInt())).toEqual(expected.emission)
    expect((await post.validatorPermit(1)).map((x: Loose) => x.isTrue)).toEqual(expected.new_validator_permit)
    expect((await post.active(1)).map((x: Loose) => x.isTrue)).toEqual(expected.active)
    for (let uid = 0; uid < n; uid++) expect((await post.bonds(1, uid)).toJSON()).toEqual(expected.bonds_u16[uid])
    expect((await post.lastMechansimStepBlock(1)).toNumber()).toBe(epochBlock)
    net.devnet.setHyperparams(1, { CommitRevealWeightsEnabled: true, WeightsSetRateLimit: 2 })
  })
})
