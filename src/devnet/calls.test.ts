/**
 * The rest of the emulated calls and reads with a stock client: staking, serving, commitments,
 * registration limits and uid replacement, ed25519 signers, runtime APIs, keys paging, finality.
 */
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { u8aToHex } from '@polkadot/util'
import { useDevnetWithApi, type Loose } from './testing.ts'

const net = useDevnetWithApi()
const { tx, query, call, events, send, submit, outcome, keyring } = net
let ferdie: KeyringPair
beforeAll(() => {
  ferdie = keyring.addFromUri('//Ferdie')
})

async function register(cold: KeyringPair, seed: string): Promise<{ hot: KeyringPair; uid: number }> {
  const hot = keyring.addFromUri(seed)
  expect(outcome(await submit(tx().subtensorModule.burnedRegister(1, hot.address), cold))).toBe('ok')
  return { hot, uid: (await query().subtensorModule.uids(1, hot.address)).unwrap().toNumber() }
}

describe('staking (1 TAO = 1 alpha, a named simplification)', () => {
  it('add_stake, remove_stake and the _limit variants', async () => {
    const { hot } = await register(ferdie, '//Ferdie//stake')
    const amount = 5_000_000_000n
    const r = await submit(tx().subtensorModule.addStake(hot.address, 1, amount), ferdie)
    expect(outcome(r)).toBe('ok')
    expect(r.events.some((e: Loose) => events().subtensorModule.StakeAdded.is(e.event))).toBe(true)
    expect((await query().subtensorModule.totalHotkeyAlpha(hot.address, 1)).toBigInt()).toBe(amount)
    const infos = (await call().stakeInfoRuntimeApi.getStakeInfoForColdkey(ferdie.address)).toJSON() as { hotkey: string; stake: number }[]
    expect(infos.find((i) => i.hotkey === hot.address)?.stake).toBe(Number(amount))
    expect(outcome(await submit(tx().subtensorModule.addStakeLimit(hot.address, 1, amount, 500_000_000n, false), ferdie))).toBe('subtensorModule.SlippageTooHigh')
    expect(outcome(await submit(tx().subtensorModule.addStake(hot.address, 1, 1_000n), ferdie))).toBe('subtensorModule.AmountTooLow')
    expect(outcome(await submit(tx().subtensorModule.removeStake(hot.address, 1, amount + 1n), ferdie))).toBe('subtensorModule.NotEnoughStakeToWithdraw')
    expect(outcome(await submit(tx().subtensorModule.removeStakeLimit(hot.address, 1, 2_000_000_000n, 1_000_000_000n, false), ferdie))).toBe('ok')
    expect((await query().subtensorModule.totalHotkeyAlpha(hot.address, 1)).toBigInt()).toBe(3_000_000_000n)
    const lite = (await call().neuronInfoRuntimeApi.getNeuronsLite(1)).toJSON() as { hotkey: string; stake: [string, number][] }[]
    expect(lite.find((n) => n.hotkey === hot.address)?.stake).toEqual([[ferdie.address, 3_000_000_000]])
  })
})

describe('serving and commitments', () => {
  it('serve_axon stores AxonInfo, with the serving rate limit', async () => {
    const { hot } = await register(ferdie, '//Ferdie//axon')
    net.devnet.faucet(hot.address, 1_000_000_000n)
    const ip = (127 << 24) + 1
    expect(outcome(await submit(tx().subtensorModule.serveAxon(1, 1, 0, 8091, 4, 0, 0, 0), hot))).toBe('subtensorModule.InvalidIpAddress')
    expect(outcome(await submit(tx().subtensorModule.serveAxon(1, 1, ip, 8091, 5, 0, 0, 0), hot))).toBe('subtensorModule.InvalidIpType')
    expect(outcome(await submit(tx().subtensorModule.serveAxon(1, 1, ip, 8091, 4, 0, 0, 0), hot))).toBe('ok')
    const axon = (await query().subtensorModule.axons(1, hot.address)).toJSON() as { ip: number; port: number }
    expect(axon.port).toBe(8091)
    expect(BigInt(axon.ip)).toBe(BigInt(ip))
    expect(outcome(await submit(tx().subtensorModule.serveAxon(1, 1, ip, 8092, 4, 0, 0, 0), hot))).toBe('subtensorModule.ServingRateLimitExceeded')
    const unregistered = keyring.addFromUri('//Ferdie//nobody')
    net.devnet.faucet(unregistered.address, 1_000_000_000n)
    expect(outcome(await submit(tx().subtensorModule.serveAxon(1, 1, ip, 8091, 4, 0, 0, 0), unregistered))).toBe('subtensorModule.HotKeyNotRegisteredInNetwork')
  })

  it('set_commitment stores CommitmentOf for registered hotkeys only, within MaxSpace', async () => {
    const { hot } = await register(ferdie, '//Ferdie//commit')
    net.devnet.faucet(hot.address, 1_000_000_000n)
    const url = 'wss://relay.example/p2p'
    const r = await submit(tx().commitments.setCommitment(1, { fields: [{ [`Raw${url.length}`]: url }] }), hot)
    expect(outcome(r)).toBe('ok')
    expect(r.events.some((e: Loose) => events().commitments.Commitment.is(e.event))).toBe(true)
    const stored = await query().commitments.commitmentOf(1, hot.address)
    const field = stored.unwrap().info.fields[0]
    expect(new TextDecoder().decode(field.value.toU8a(true))).toBe(url)
    const stranger = keyring.addFromUri('//Ferdie//stranger')
    net.devnet.faucet(stranger.address, 1_000_000_000n)
    expect(outcome(await submit(tx().commitments.setCommitment(1, { fields: [{ Raw1: 'x' }] }), stranger))).toBe('commitments.AccountNotAllowedCommit')
    // MaxSpace (3100 bytes) caps the space used per window (the subnet's epoch, SubnetEpochIndex:
    // 10 blocks at tempo 10): from an epoch block, the 9th commitment of 3 x 129 encoded bytes exceeds it.
    expect((await query().commitments.maxSpace()).toNumber()).toBe(3100)
    await net.runToEpochBlock(1)
    net.devnet.produceBlock()
    const big = { fields: [{ Raw128: 'a'.repeat(128) }, { Raw128: 'b'.repeat(128) }, { Raw128: 'c'.repeat(128) }] }
    const results: string[] = []
    for (let i = 0; i < 9; i++) results.push(outcome(await submit(tx().commitments.setCommitment(1, big), hot)))
    expect(results).toEqual([...Array(8).fill('ok'), 'commitments.SpaceLimitExceeded'])
  })
})

describe('registration limits', () => {
  it('MaxRegistrationsPerBlock, then replacement of the lowest-emission non-immune uid when full', async () => {
    net.devnet.setHyperparams(1, { MaxRegistrationsPerBlock: 1 })
    const a = send(tx().subtensorModule.burnedRegister(1, keyring.addFromUri('//Dave//r1').address), keyring.addFromUri('//Dave'))
    const b = send(tx().subtensorModule.burnedRegister(1, keyring.addFromUri('//Eve//r2').address), keyring.addFromUri('//Eve'))
    await Promise.all([a.ready, b.ready])
    net.devnet.produceBlock()
    const outcomes = [outcome(await a.inBlock), outcome(await b.inBlock)].sort()
    expect(outcomes).toEqual(['ok', 'subtensorModule.TooManyRegistrationsThisBlock'])

    net.devnet.setHyperparams(1, { MaxRegistrationsPerBlock: 4 })
    const n = (await query().subtensorModule.subnetworkN(1)).toNumber()
    net.devnet.setHyperparams(1, { MaxAllowedUids: n, ImmunityPeriod: 0 })
    net.devnet.produceBlock()
    // get_neuron_to_prune: lowest emission, then oldest registration, then lowest uid; never the owner (uid 0).
    const emission = (await query().subtensorModule.emission(1)).map((x: Loose) => x.toBigInt()) as bigint[]
    const regs = await Promise.all(Array.from({ length: n }, async (_, u) => (await query().subtensorModule.blockAtRegistration(1, u)).toBigInt() as bigint))
    let expected = 1
    for (let u = 2; u < n; u++) {
      const [e, r, eb, rb] = [emission[u]!, regs[u]!, emission[expected]!, regs[expected]!]
      if (e < eb || (e === eb && r < rb)) expected = u
    }
    const pruned = (await query().subtensorModule.keys(1, expected)).toString()
    const { hot, uid } = await register(ferdie, '//Ferdie//replacer')
    expect(uid).toBe(expected)
    expect((await query().subtensorModule.subnetworkN(1)).toNumber()).toBe(n)
    expect((await query().subtensorModule.keys(1, expected)).toString()).toBe(hot.address)
    expect((await query().subtensorModule.uids(1, pruned)).isNone).toBe(true)
    net.devnet.setHyperparams(1, { MaxAllowedUids: 64, ImmunityPeriod: 20 })
  })
})

describe('signers and reads', () => {
  it('accepts ed25519 signatures', async () => {
    const ed = new Keyring({ type: 'ed25519', ss58Format: 42 }).addFromUri('//EdUser')
    net.devnet.faucet(ed.address, 1_000_000_000n)
    const dest = keyring.addFromUri('//EdUser//dest').address
    expect(outcome(await submit(tx().balances.transferAllowDeath(dest, 100_000n), ed))).toBe('ok')
    expect((await query().system.account(dest)).data.free.toBigInt()).toBe(100_000n)
    expect((await call().accountNonceApi.accountNonce(ed.address)).toNumber()).toBe(1)
  })

  it('serves the metagraph, subnet info and hyperparameters through the metadata types', async () => {
    const mg = (await call().subnetInfoRuntimeApi.getMetagraph(1)).unwrap()
    const n = (await query().subtensorModule.subnetworkN(1)).toNumber()
    expect(mg.hotkeys.length).toBe(n)
    expect(mg.tempo.toNumber()).toBe(10)
    expect(mg.hotkeys[0].toString()).toBe(keyring.addFromUri('//Alice').address)
    const infos = (await call().subnetInfoRuntimeApi.getSubnetsInfo()).toJSON() as ({ netuid: number } | null)[]
    expect(infos.map((i) => i?.netuid)).toEqual([0, 1])
    const hp = (await call().subnetInfoRuntimeApi.getSubnetHyperparamsV3(1)).unwrap().toHuman() as { name: string; value: Record<string, unknown> }[]
    expect(hp.find((e) => e.name === 'commit_reveal_weights_enabled')?.value).toEqual({ Bool: true })
    expect((await call().subnetInfoRuntimeApi.getSubnetHyperparamsV2(1)).unwrap().tempo.toNumber()).toBe(10)
    expect((await call().subnetInfoRuntimeApi.getMetagraph(99)).isNone).toBe(true)
    const dyn = (await call().subnetInfoRuntimeApi.getDynamicInfo(1)).unwrap()
    expect(dyn.tempo.toNumber()).toBe(10)
    expect(new TextDecoder().decode(new Uint8Array(dyn.subnetName.map((c: Loose) => c.toNumber())))).toBe('webtensor devnet')
    expect(((await call().subnetInfoRuntimeApi.getAllDynamicInfo()).toJSON() as unknown[]).length).toBe(2)
  })

  it('pages keys with a prefix and reports finality one block behind the head', async () => {
    const prefix = query().system.account.keyPrefix()
    const page1 = await net.api.rpc.state.getKeysPaged(prefix, 3)
    expect(page1.length).toBe(3)
    const page2 = await net.api.rpc.state.getKeysPaged(prefix, 3, page1[2]!)
    expect(page2[0]!.toHex() > page1[2]!.toHex()).toBe(true)
    const entries = await query().system.account.entries()
    expect(entries.length).toBeGreaterThanOrEqual(6)
    const finalized: number[] = []
    const unsub = await net.api.rpc.chain.subscribeFinalizedHeads((h) => {
      finalized.push(h.number.toNumber())
    })
    const b = net.devnet.produceBlock()
    await vi.waitFor(() => expect(finalized).toContain(b.number - 1))
    unsub()
  })

  it('streams every storage change when subscribed without keys', async () => {
    const numberKey = query().system.number.key()
    const ws = new WebSocket(net.devnet.url)
    const msgs: { method?: string; params?: { result: { block: string; changes: [string, string | null][] } } }[] = []
    ws.on('message', (d: Buffer) => msgs.push(JSON.parse(d.toString())))
    await new Promise((r) => ws.once('open', r))
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'state_subscribeStorage', params: [] }))
    await vi.waitFor(() => expect(msgs.length).toBe(1))
    const b = net.devnet.produceBlock()
    await vi.waitFor(() => expect(msgs.some((m) => m.method === 'state_storage')).toBe(true))
    const note = msgs.find((m) => m.method === 'state_storage')!.params!.result
    expect(note.block).toBe(b.hash)
    const n = note.changes.find(([k]) => k === numberKey)
    expect(n?.[1]).toBe(u8aToHex(net.api.registry.createType('u32', b.number).toU8a()))
    ws.close()
  })
})
