/**
 * Tasks are plug-ins: the same miner and validator loops run the second task, text detection,
 * chosen by name, end to end on the devnet stack: a miner running PP-OCRv4's detection model
 * (onnxruntime-node) answers it, a miner answering random boxes does too, the headless validator
 * scores both, sets weights, and the epoch's incentive follows them. A miner of another task
 * (OCR) refuses the text-detection challenges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import { startRelay, type Relay } from '../p2p/node-entry.ts'
import { getTask } from '../subnet/index.ts'
import { createChainClient, createKeyringSigner, type ChainClient } from '../wallet/index.ts'
import { readWeightsRow } from '../weights/index.ts'
import { createMiner, createNodeSolver, createRandomSolver, startHeadlessValidator, type HeadlessValidator, type Miner, type NodeSolver, type ValidatorState } from './node.ts'
import { until } from './testing.ts'

const NETUID = 1
const task = getTask('textdet')
let devnet: Devnet
let relay: Relay
let client: ChainClient
let good: Miner
let bad: Miner
let other: Miner
let solver: NodeSolver
let validator: HeadlessValidator

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 400 })
  devnet.setHyperparams(NETUID, { CommitRevealWeightsEnabled: false })
  relay = await startRelay({ port: 0, netuids: [NETUID] })
  client = await createChainClient({ endpoint: devnet.url })
  const bob = await createKeyringSigner('//Bob')
  solver = createNodeSolver(task, { threads: 1 })
  good = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//det-good'), relays: relay.multiaddrs, task, solver, coldkey: bob, presenceIntervalMs: 1000 })
  bad = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//det-random'), relays: relay.multiaddrs, task, solver: createRandomSolver(task), coldkey: bob })
  other = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//ocr-miner'), relays: relay.multiaddrs, solver: createRandomSolver(getTask('ocr')), coldkey: bob })
  await good.start() // one after the other: //Bob pays each registration (one nonce at a time)
  await bad.start()
  await other.start()
  validator = await startHeadlessValidator({ chainUrl: devnet.url, relayAddrs: relay.multiaddrs, netuid: NETUID, coldkeySuri: '//Alice', roundMs: 1500, task })
}, 180_000)

afterAll(async () => {
  await validator?.stop()
  for (const m of [good, bad, other]) await m?.stop()
  await solver?.stop()
  await client?.stop()
  await relay?.stop()
  await devnet?.stop()
})

describe('a second task plug-in (text detection) on the devnet', () => {
  it('the miners announce their task\'s model; the validator scores the detector above random boxes, and the OCR miner refuses', async () => {
    const scored = await until('both text-detection miners scored', () => {
      const g = validator.state.miners.find((m) => m.uid === good.state.uid)
      const b = validator.state.miners.find((m) => m.uid === bad.state.uid)
      return g !== undefined && b !== undefined && g.answered > 0 && b.answered > 0 ? { g, b } : undefined
    })
    // One answer each: the detector misses a word now and then (F1 0.4-0.57 in about one challenge
    // in seven), so the claim is the ranking, not a level.
    expect(scored.g.lastScore!).toBeGreaterThan(scored.b.lastScore ?? 0)
    expect(good.state.counts.answered).toBeGreaterThan(0)
    // Verdicts come back with the next challenge (the task's codec carries the receipt).
    await until('a verdict on the detector\'s answer', () => good.state.counts.accepted > 0)
    const o = await until('the OCR miner refused a text-detection challenge', () => {
      const r = validator.state.miners.find((m) => m.uid === other.state.uid)
      return r !== undefined && r.failed > 0 ? r : undefined
    })
    expect(o.lastError).toMatch(/unknown task 'textdet\/1' \(this miner runs ocr\/1\)/u)
    expect(other.state.counts.answered).toBe(0)
    const seen = await until('the detector\'s presence', () => validator.validator.mesh?.presence().find((p) => p.hotkey === good.state.hotkey))
    expect(seen.model).toBe(task.model)
  }, 120_000)

  it('weights follow the scores and the epoch pays the detector more than the random miner', async () => {
    const w = await until('weights set', () => (validator.state.weights?.uids.includes(good.state.uid!) === true ? validator.state.weights : undefined), 120_000)
    expect(w.kind).toBe('set')
    const row = await readWeightsRow(client, NETUID, validator.uid)
    const gv = row.find(([u]) => u === good.state.uid)?.[1] ?? 0
    const bv = row.find(([u]) => u === bad.state.uid)?.[1] ?? 0
    expect(gv).toBeGreaterThan(bv)
    const setAt = Number(await client.bestBlock())
    const check = await until('an epoch checked after the weights', () => {
      const c: ValidatorState['lastEpoch'] = validator.state.lastEpoch
      return c !== null && c.block > setAt ? c : undefined
    }, 120_000)
    expect(check.mismatches).toEqual([])
    expect(check.chain.incentive[good.state.uid!]).toBeGreaterThan(check.chain.incentive[bad.state.uid!] ?? 0)
  }, 240_000)
})
