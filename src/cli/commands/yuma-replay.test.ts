/**
 * `webtensor yuma --chain`: replays of the devnet's epochs equal what the devnet stored
 * (incentive, dividends, emission, bonds), including an epoch whose block carried set_weights
 * (the real command, as a process); a block the node does not have and a block whose state it
 * discarded are said plainly.
 */
import { spawn } from 'node:child_process'
import type { KeyringPair } from '@polkadot/keyring/types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnetWithApi, type DevnetWithApi } from '../../devnet/testing.ts'
import { replayEpoch, RolesError } from '../../roles/index.ts'
import { createChainClient, readEpochSchedule, type ChainClient } from '../../wallet/index.ts'
import { formatReplay } from './yuma-replay.ts'
import { devnetEpochSteps } from '../../roles/testing.ts'

const NETUID = 1
const TAO = 1_000_000_000n
let net: DevnetWithApi
let client: ChainClient

beforeAll(async () => {
  net = await startDevnetWithApi({ commitReveal: false })
  client = await createChainClient({ endpoint: net.devnet.url })
}, 60_000)

afterAll(async () => {
  await client?.stop()
  await net?.stop()
})

/** `webtensor yuma …` as a process (asynchronously: the devnet answers from this process). */
function yuma(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['bin/webtensor.js', 'yuma', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    p.on('error', reject)
    p.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

const { ok, uidOf, runToEpochEve } = devnetEpochSteps(() => net, () => client, NETUID)

describe('webtensor yuma --chain (replay) on the devnet', () => {
  let alice: KeyringPair, validator: KeyringPair
  let m: number[]

  beforeAll(async () => {
    const [a, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((s) => net.keyring.addFromUri(s)) as [KeyringPair, KeyringPair, KeyringPair]
    alice = a
    validator = net.keyring.addFromUri('//Charlie//validator')
    const miners = ['//Bob//m1', '//Bob//m2', '//Bob//m3'].map((s) => net.keyring.addFromUri(s))
    net.devnet.setHyperparams(NETUID, { WeightsSetRateLimit: 0 })
    await ok(net.tx().subtensorModule.burnedRegister(NETUID, validator.address), charlie)
    for (const x of miners) await ok(net.tx().subtensorModule.burnedRegister(NETUID, x.address), bob)
    await ok(net.tx().subtensorModule.addStake(validator.address, NETUID, 500n * TAO), charlie)
    m = await Promise.all(miners.map(uidOf))
    // The stake gives the validator its permit at the next epoch.
    await runToEpochEve()
    net.devnet.produceBlock()
  }, 120_000)

  it('replays each epoch equal to what the devnet stored (incentive, dividends, emission, bonds), one whose block carried set_weights by the real command', async () => {
    const aliceUid = await uidOf(alice)
    const replays = []
    for (let e = 0; e < 4; e++) {
      await ok(net.tx().subtensorModule.setWeights(NETUID, m, [65535, 30000 + e * 5000, 1000], 0), alice)
      await ok(net.tx().subtensorModule.setWeights(NETUID, m, [20000, 65535, e * 9000], 0), validator)
      const epochBlock = await runToEpochEve()
      net.devnet.produceBlock()
      const r = await replayEpoch(client, NETUID)
      expect(r.block).toBe(epochBlock)
      expect(r.rows.filter((x) => x.differs.length > 0)).toEqual([])
      expect(r.differences).toBe(0)
      replays.push(r)
    }
    // The last ones had dividends, incentive and bonds to compare.
    const last = replays.at(-1)!
    const table = formatReplay(last)
    expect(table).toContain(`replayed the epoch of block ${last.block}`)
    expect(table).toContain('mechanisms: 1 (mechanism 0)')
    expect(table).toContain('equal: every uid')
    expect(table.split('\n').filter((l) => /^\s+\d+\s/u.test(l))).toHaveLength(last.rows.length)
    expect(last.rows.some((x) => x.chain.incentive[0]! > 0)).toBe(true)
    expect(last.rows.some((x) => x.chain.dividends > 0)).toBe(true)
    expect(last.rows.some((x) => x.chain.bonds[0]!.length > 0)).toBe(true)
    expect(last.raoEmission).toBeGreaterThan(0n)

    // An epoch block that carries Alice's set_weights: the replay reads what the epoch saw.
    const epochBlock = await runToEpochEve()
    const sent = net.send(net.tx().subtensorModule.setWeights(NETUID, [m[2]!], [65535], 0), alice)
    await sent.ready
    expect(net.devnet.produceBlock().number).toBe(epochBlock)
    expect(net.outcome(await sent.inBlock)).toBe('ok')
    net.blocks(2)
    const res = await yuma(['--chain', net.devnet.url, '--netuid', String(NETUID), '--block', String(epochBlock + 1), '--json'])
    expect(res.status, res.stderr).toBe(0)
    const j = JSON.parse(res.stdout) as { block: number; at_or_before: number; mechanisms: number[]; differences: number; ignored_weight_uids: number[]; uids: Array<{ uid: number; differs: string[]; chain: unknown; ours: unknown }> }
    expect([j.block, j.at_or_before, j.mechanisms, j.differences]).toEqual([epochBlock, epochBlock + 1, [0], 0])
    expect(j.ignored_weight_uids).toEqual([aliceUid])
    for (const u of j.uids) expect(u.ours, `uid ${u.uid}`).toEqual(u.chain)
    const stored = (await net.query().subtensorModule.incentive.at(await client.blockHash(epochBlock), NETUID)).toJSON() as number[]
    expect(j.uids.map((u) => (u.chain as { incentive: number[] }).incentive)).toEqual(stored.slice(0, j.uids.length).map((x) => [x]))
  }, 240_000)

  it('replays a subnet with two mechanisms and an emission split (per-mechanism incentive and bonds, combined dividends and emission)', async () => {
    // Alice owns subnet 1: the count and the split, outside the admin freeze window before an epoch.
    const window = (await net.query().subtensorModule.adminFreezeWindow()).toNumber()
    const open = async (): Promise<void> => {
      for (;;) {
        const s = await readEpochSchedule(client, NETUID)
        const left = s.dynamic!.lastEpochBlock + s.tempo - (net.devnet.bestNumber() + 1)
        if (left <= 0 || left >= window) return
        net.devnet.produceBlock()
      }
    }
    await open()
    await ok(net.tx().adminUtils.sudoSetMechanismCount(NETUID, 2), alice)
    await open()
    await ok(net.tx().adminUtils.sudoSetMechanismEmissionSplit(NETUID, [20000, 45535]), alice)
    net.devnet.faucet(validator.address, 10n * TAO)
    for (let e = 0; e < 2; e++) {
      await ok(net.tx().subtensorModule.setMechanismWeights(NETUID, 1, m, [1000, 65535, 40000], 0), alice)
      await ok(net.tx().subtensorModule.setMechanismWeights(NETUID, 1, m, [65535, 0, 30000 + e], 0), validator)
      const epochBlock = await runToEpochEve()
      net.devnet.produceBlock()
      const r = await replayEpoch(client, NETUID)
      expect([r.block, r.mechanisms, r.emissionSplit]).toEqual([epochBlock, [0, 1], [20000, 45535]])
      expect(r.rows.filter((x) => x.differs.length > 0)).toEqual([])
      expect(r.differences).toBe(0)
      // Mechanism 1's incentive follows its own weights (uid m[1] gets none there, most in mechanism 0).
      expect(r.rows[m[0]!]!.chain.incentive[1]).toBeGreaterThan(0)
      expect(r.rows.map((x) => x.chain.incentive[1])).not.toEqual(r.rows.map((x) => x.chain.incentive[0]))
    }
  }, 240_000)

  it('says plainly when the node does not have the block, or no longer serves its state', async () => {
    const res = await yuma(['--chain', net.devnet.url, '--netuid', String(NETUID), '--block', '99999999'])
    expect(res.status).toBe(4)
    expect(res.stderr).toContain('block 99999999 is unknown to this node')
    expect(res.stdout).toBe('')
    net.blocks(3) // a block no read has touched (the client keeps what it read at a block hash)
    const old = net.devnet.bestNumber()
    net.blocks(300) // past the devnet's 256 kept states
    const err = await replayEpoch(client, NETUID, old).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RolesError)
    expect((err as RolesError).code).toBe('STATE_UNAVAILABLE')
    expect((err as RolesError).message).toMatch(/no longer serves the state of block \d+ \(pruned/u)
  }, 240_000)
})
