/**
 * The epoch input is built twice: by the devnet from its own state (`buildEpochInput`, what its
 * epoch runs on) and by the roles from chain storage over RPC (`readEpochInput`, what validators
 * predict and check with). Here both are taken at the same epoch blocks of a devnet with several
 * registered hotkeys, subnet and root stake, a second validator with a permit, weights, bonds,
 * liquid alpha / Yuma3 settings and a pending v2 commit, and must agree field by field, and so
 * must the consensus outputs computed from them.
 */
import type { KeyringPair } from '@polkadot/keyring/types'
import { blake2AsHex } from '@polkadot/util-crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runEpoch, type EpochInput } from '../consensus/index.ts'
import { startDevnetWithApi, type DevnetWithApi } from '../devnet/testing.ts'
import { createChainClient, type ChainClient } from '../wallet/index.ts'
import { checkLastEpoch, readEpochInput, readEpochSeen } from './epoch-input.ts'
import { devnetEpochSteps } from './testing.ts'

const NETUID = 1
const TAO = 1_000_000_000n

/** The inputs the devnet's epoch ran on, by epoch block (only subnet 1 runs epochs here). */
const devnetInputs = new Map<number, EpochInput>()
let net: DevnetWithApi
let client: ChainClient

beforeAll(async () => {
  net = await startDevnetWithApi({
    commitReveal: false,
    epoch: {
      name: 'src/consensus CPU reference, recording its inputs',
      run: (input) => {
        devnetInputs.set(input.current_block, structuredClone(input))
        return runEpoch(input)
      },
    },
  })
  client = await createChainClient({ endpoint: net.devnet.url })
}, 60_000)

afterAll(async () => {
  await client?.stop()
  await net?.stop()
})

const { ok, uidOf, runToEpochEve } = devnetEpochSteps(() => net, () => client, NETUID)

/**
 * Produces the epoch block and compares, field by field, what the devnet's epoch read with what
 * `readEpochInput` reads before the block (best state, current block = best + 1) and after it
 * (`readEpochSeen`, `checkLastEpoch`'s way: the parent's state plus the block's initialization).
 */
async function compareAtNextEpoch(): Promise<{ devnet: EpochInput; before: EpochInput; after: EpochInput }> {
  const epochBlock = await runToEpochEve()
  const parent = net.devnet.bestHash()
  const before = await readEpochInput(client, NETUID)
  expect(before.current_block).toBe(epochBlock)
  const b = net.devnet.produceBlock()
  expect(b.number).toBe(epochBlock)
  const ours = devnetInputs.get(epochBlock)
  expect(ours, `the devnet ran no epoch at ${epochBlock}`).toBeDefined()
  const seen = await readEpochSeen(client, NETUID, epochBlock)
  expect([seen.hash, seen.parentHash]).toEqual([b.hash, parent])
  const after = seen.input
  // rao_emission is not in storage (the block's initialization adds its share to the pending
  // emission before the epoch drains it): readEpochInput's is a placeholder, so it is laid over.
  for (const [name, r] of [['before', before], ['after', after]] as const) {
    const read = { ...r, rao_emission: ours!.rao_emission }
    const keys = [...new Set([...Object.keys(ours!), ...Object.keys(read)])].sort()
    for (const k of keys) expect.soft((read as unknown as Record<string, unknown>)[k], `${name}: ${k}`).toEqual((ours as unknown as Record<string, unknown>)[k])
    expect(read).toStrictEqual(ours)
    expect(runEpoch(read)).toStrictEqual(runEpoch(ours!))
  }
  const check = await checkLastEpoch(client, NETUID)
  expect(check?.block).toBe(epochBlock)
  expect(check?.mismatches).toEqual([])
  return { devnet: ours!, before, after }
}

describe('readEpochInput (over RPC) and the devnet\'s buildEpochInput', () => {
  let alice: KeyringPair, bob: KeyringPair, charlie: KeyringPair, dave: KeyringPair
  let validator: KeyringPair
  let miners: KeyringPair[]

  beforeAll(async () => {
    ;[alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((s) => net.keyring.addFromUri(s)) as [KeyringPair, KeyringPair, KeyringPair, KeyringPair]
    validator = net.keyring.addFromUri('//Charlie//validator')
    miners = ['//Bob//m1', '//Bob//m2', '//Dave//m3'].map((s) => net.keyring.addFromUri(s))
    net.devnet.setHyperparams(NETUID, { WeightsSetRateLimit: 0 })
    await ok(net.tx().subtensorModule.burnedRegister(NETUID, validator.address), charlie)
    for (const [i, m] of miners.entries()) await ok(net.tx().subtensorModule.burnedRegister(NETUID, m.address), i < 2 ? bob : dave)
    // Subnet stake makes the second validator's permit at the next epoch; root stake is its TAO stake.
    await ok(net.tx().subtensorModule.addStake(validator.address, NETUID, 500n * TAO), charlie)
    await ok(net.tx().subtensorModule.addStake(validator.address, 0, 200n * TAO), charlie)
    await ok(net.tx().subtensorModule.addStake(miners[2]!.address, NETUID, 3n * TAO), dave)
    for (const m of [miners[0]!, miners[2]!]) net.devnet.faucet(m.address, 10n * TAO)
  }, 120_000)

  it('agree on a fresh subnet (no weights yet besides a self-weight), and the second validator gets a permit', async () => {
    await ok(net.tx().subtensorModule.setWeights(NETUID, [await uidOf(miners[0]!)], [65535], 0), miners[0]!)
    const { devnet } = await compareAtNextEpoch()
    expect(devnet.n).toBe(5)
    const vuid = await uidOf(validator)
    expect(devnet.alpha_stake[vuid]).toBe(500n * TAO)
    // Its root stake counts (at TaoWeight): without it the stake weights differ.
    expect(devnet.tao_stake?.[vuid]).toBe(200n * TAO)
    expect(devnet.tao_weight_u64).toBeGreaterThan(0n)
    expect(runEpoch({ ...devnet, tao_stake: devnet.tao_stake!.map(() => 0n) }).stake_weight_u16).not.toEqual(runEpoch(devnet).stake_weight_u16)
    const permits = (await net.query().subtensorModule.validatorPermit(NETUID)).toJSON() as boolean[]
    expect(permits[vuid]).toBe(true)
  })

  it('agree with two validators\' weights and the bonds of the last epoch', async () => {
    const [m1, m2, m3] = await Promise.all(miners.map(uidOf))
    await ok(net.tx().subtensorModule.setWeights(NETUID, [m1, m2, m3], [65535, 30000, 1000], 0), alice)
    await ok(net.tx().subtensorModule.setWeights(NETUID, [m1, m2, m3], [20000, 65535, 0], 0), validator)
    await ok(net.tx().subtensorModule.setWeights(NETUID, [m3!], [65535], 0), miners[2]!)
    const { devnet } = await compareAtNextEpoch()
    expect(devnet.weights.filter((r) => r.length > 0).length).toBeGreaterThanOrEqual(3)
    // The next epoch has bonds to carry.
    const bonds = (await net.query().subtensorModule.bonds(NETUID, 0)).toJSON() as unknown[]
    expect(bonds.length).toBeGreaterThan(0)
    const second = await compareAtNextEpoch()
    expect(second.devnet.bonds.some((r) => r.length > 0)).toBe(true)
  })

  it('agree with Yuma3, liquid alpha and non-default alpha values, kappa and bonds moving average', async () => {
    net.devnet.setHyperparams(NETUID, { Yuma3On: true, LiquidAlphaOn: true, AlphaValues: [40000, 60000], AlphaSigmoidSteepness: 700, Kappa: 30000, BondsMovingAverage: 800_000 })
    const [m1, m2] = await Promise.all(miners.map(uidOf))
    await ok(net.tx().subtensorModule.setWeights(NETUID, [m1, m2], [65535, 65535], 0), validator)
    const { devnet } = await compareAtNextEpoch()
    expect(devnet.yuma3).toBe(true)
    expect(devnet.liquid_alpha).toBe(true)
    expect([devnet.alpha_low, devnet.alpha_high, devnet.alpha_sigmoid_steepness]).toEqual([40000, 60000, 700])
    net.devnet.setHyperparams(NETUID, { Yuma3On: false, LiquidAlphaOn: false })
  })

  it('an epoch block that carries set_weights: the check reads what the epoch saw (parent state), not the block\'s extrinsics', async () => {
    const [m1, m2, m3] = await Promise.all(miners.map(uidOf))
    const aliceUid = await uidOf(alice)
    await ok(net.tx().subtensorModule.setWeights(NETUID, [m1!, m2!], [65535, 20000], 0), alice)
    const epochBlock = await runToEpochEve()
    // Alice turns her weights around in the epoch block itself: the epoch (run in the block's
    // initialization) does not see it; the next epoch does.
    const sent = net.send(net.tx().subtensorModule.setWeights(NETUID, [m3!], [65535], 0), alice)
    await sent.ready
    const b = net.devnet.produceBlock()
    expect(net.outcome(await sent.inBlock)).toBe('ok')
    expect(b.number).toBe(epochBlock)
    const ours = devnetInputs.get(epochBlock)!
    const seen = await readEpochSeen(client, NETUID, epochBlock)
    expect({ ...seen.input, rao_emission: ours.rao_emission }).toStrictEqual(ours)
    expect(seen.ignoredWeightUids).toEqual([aliceUid])
    expect(seen.revealedUids).toEqual([])
    // Read at the epoch block, Alice's row and last update are the extrinsic's, and the epoch
    // would come out different from what the chain stored: the race the check must not run.
    const rowAtBlock = (await net.query().subtensorModule.weights(NETUID, aliceUid)).toJSON() as [number, number][]
    const lastAtBlock = ((await net.query().subtensorModule.lastUpdate(NETUID)).toJSON() as number[]).map(Number)
    const raced = { ...ours, weights: ours.weights.map((r, u) => (u === aliceUid ? rowAtBlock : r)), last_update: ours.last_update.map((x, u) => (u === aliceUid ? lastAtBlock[u]! : x)) }
    const stored = (await net.query().subtensorModule.incentive(NETUID)).toJSON() as number[]
    expect(runEpoch(ours).incentive_u16).toEqual(stored.slice(0, ours.n))
    expect(runEpoch(raced).incentive_u16).not.toEqual(stored.slice(0, ours.n))
    const check = await checkLastEpoch(client, NETUID)
    expect(check?.block).toBe(epochBlock)
    expect(check?.mismatches).toEqual([])
    expect(check?.ignoredWeightUids).toEqual([aliceUid])
    // The next epoch sees the new row.
    const next = await compareAtNextEpoch()
    expect(next.devnet.weights[aliceUid]).toEqual(rowAtBlock)
  })

  it('agree with a pending v2 commit (the commit mask), commit-reveal on', async () => {
    net.devnet.setHyperparams(NETUID, { CommitRevealWeightsEnabled: true })
    const [m1, m2] = await Promise.all(miners.map(uidOf))
    const vuid = await uidOf(validator)
    const hash = blake2AsHex(net.api.registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [validator.address, NETUID, [m1, m2], [1, 65535], [4, 2], 0]).toU8a(), 256)
    await ok(net.tx().subtensorModule.commitWeights(NETUID, hash), validator)
    const { devnet } = await compareAtNextEpoch()
    expect(devnet.commit_blocks?.[vuid]).toBeTypeOf('number')
    net.devnet.setHyperparams(NETUID, { CommitRevealWeightsEnabled: false })
  })
})
