/**
 * Validators on a subnet with two mechanisms (sub-subnets, spec 424): the validator reads
 * `MechanismCountCurrent` and commits its weights to each mechanism with the mechanism's own call
 * (`commit_timelocked_mechanism_weights` with `mecid` 1; the plain call for mechanism 0), the chain
 * reveals each at its storage index (`netuid + mecid·4096`), and the next epoch pays the scored
 * miner in both mechanisms' `Incentive`. Real devnet, relay, headless validator and a
 * random-answer miner; the task's score is a named test double (every answer scores 1) so that
 * the scores, which are not what is tested, are never 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type Relay } from '../p2p/node-entry.ts'
import { getTask, type AnyTask } from '../subnet/index.ts'
import { calls, createChainClient, createKeyringSigner, type ChainClient } from '../wallet/index.ts'
import { readWeightsRow, storageIndex } from '../weights/index.ts'
import { startDevnetWithApi, type DevnetWithApi } from '../devnet/testing.ts'
import { createMiner, createRandomSolver, startHeadlessValidator, type HeadlessValidator, type Miner } from './node.ts'
import { until } from './testing.ts'

const NETUID = 1
const MECH1 = storageIndex(NETUID, 1)
let net: DevnetWithApi
let relay: Relay
let client: ChainClient
let validator: HeadlessValidator
let miner: Miner
const lines: string[] = []

/** Test double of the task's scoring only: OCR challenges and answers, every answer scores 1. */
const ocr = getTask('ocr')
const alwaysOne = { ...ocr, score: () => ({ score: 1, parts: {} }) } as AnyTask

beforeAll(async () => {
  net = await startDevnetWithApi({ blockTimeMs: 400 })
  client = await createChainClient({ endpoint: net.devnet.url })
  // //Alice owns subnet 1: the owner sets the count, outside the admin freeze window (blocks keep
  // coming, so the window may close between the check and the inclusion: a few tries).
  const alice = await createKeyringSigner('//Alice')
  for (let attempt = 0; ; attempt++) {
    await net.untilAdminWindow(NETUID)
    try {
      await client.submit(calls.namedCall('AdminUtils', 'sudo_set_mechanism_count', [NETUID, 2]), alice, { waitFor: 'inBlock' })
      break
    } catch (e) {
      if (attempt >= 3) throw e
    }
  }
  relay = await startRelay({ port: 0, netuids: [NETUID] })
  miner = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//mech-miner'), relays: relay.multiaddrs, solver: createRandomSolver(), coldkey: await createKeyringSigner('//Bob') })
  await miner.start()
  validator = await startHeadlessValidator({
    chainUrl: net.devnet.url, relayAddrs: relay.multiaddrs, netuid: NETUID, coldkeySuri: '//Alice', roundMs: 1500, task: alwaysOne,
    challenge: { words: 3, width: 256, height: 96, deadlineMs: 20_000 }, log: (l) => lines.push(l),
  })
}, 180_000)

afterAll(async () => {
  await validator?.stop()
  await miner?.stop()
  await client?.stop()
  await relay?.stop()
  await net?.stop()
})

const incentive = async (index: number): Promise<number[]> => ((await client.readStorage('SubtensorModule', 'Incentive', [index])).toJSON() ?? []) as number[]

describe('weights per mechanism', () => {
  it('the validator commits to both mechanisms; the chain reveals each at its storage index and both pay the miner', async () => {
    expect(Number((await client.readStorage('SubtensorModule', 'MechanismCountCurrent', [NETUID])).toString())).toBe(2)
    const uid = miner.state.uid!
    const rows = await until('weights revealed in both mechanisms', async () => {
      const [r0, r1] = await Promise.all([readWeightsRow(client, NETUID, validator.uid), readWeightsRow(client, MECH1, validator.uid)])
      return r0.length > 0 && r1.length > 0 ? [r0, r1] : undefined
    }, 120_000)
    // The same scores in both (one task, no mechanismScores): the miner alone, at full weight.
    expect(rows[0]).toEqual([[uid, 65535]])
    expect(rows[1]).toEqual(rows[0])
    const byMech = validator.state.mechanismWeights
    expect(byMech.map((w) => w?.mecid)).toEqual([0, 1])
    expect(byMech.map((w) => w?.kind)).toEqual(['v4', 'v4'])
    expect(lines.some((l) => /committed \(v4\) weights to mechanism 1 /.test(l))).toBe(true)
    // The epochs after the reveal: each mechanism's Incentive pays the miner its weights name.
    const inc = await until('incentive in both mechanisms', async () => {
      const [i0, i1] = await Promise.all([incentive(NETUID), incentive(MECH1)])
      return (i0[uid] ?? 0) > 0 && (i1[uid] ?? 0) > 0 ? [i0, i1] : undefined
    }, 120_000)
    expect(inc[0]![uid]).toBe(65535)
    expect(inc[1]![uid]).toBe(65535)
  }, 300_000)

  it('with commit-reveal off, the validator sets weights in both mechanisms (set_weights, set_mechanism_weights)', async () => {
    const lastUpdate = async (index: number): Promise<number> => Number((((await client.readStorage('SubtensorModule', 'LastUpdate', [index])).toJSON() ?? []) as number[])[validator.uid] ?? 0)
    const before = await Promise.all([lastUpdate(NETUID), lastUpdate(MECH1)])
    net.devnet.setHyperparams(NETUID, { CommitRevealWeightsEnabled: false })
    const set = await until('weights set in both mechanisms', () => {
      const w = validator.state.mechanismWeights
      return w.length === 2 && w.every((x) => x?.kind === 'set') ? w : undefined
    }, 120_000)
    expect(set.map((w) => w!.mecid)).toEqual([0, 1])
    const after = await Promise.all([lastUpdate(NETUID), lastUpdate(MECH1)])
    expect(after[0]).toBeGreaterThan(before[0]!)
    expect(after[1]).toBeGreaterThan(before[1]!)
    expect(after[1]).toBe(set[1]!.block)
    expect(await readWeightsRow(client, MECH1, validator.uid)).toEqual([[miner.state.uid!, 65535]])
  }, 150_000)
})
