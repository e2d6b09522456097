/**
 * The roles end to end in Node with real parts: the devnet (chain emulator), a Node relay, a good
 * miner running the real OCR model (onnxruntime-node), a bad miner answering random words, and the
 * headless validator: registration, peer-id commitments, challenges over the relay, scoring,
 * timelocked weight commits revealed by the chain, the epoch recomputed and compared, pause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import { startRelay, verifyAnswerEvidence, type Relay } from '../p2p/node-entry.ts'
import { createRandomSolver } from './random-solver.ts'
import { createChainClient, createKeyringSigner, type ChainClient } from '../wallet/index.ts'
import { readWeightsRow } from '../weights/index.ts'
import { getTask } from '../subnet/index.ts'
import { createMiner, createNodeSolver, recomputeNextEpoch, startHeadlessValidator, type HeadlessValidator, type Miner, type NodeSolver, type TaskSolver, type ValidatorState } from './node.ts'
import { until } from './testing.ts'

const NETUID = 1
let devnet: Devnet
let relay: Relay
let client: ChainClient
let good: Miner
let bad: Miner
let slow: Miner
let solver: NodeSolver
let validator: HeadlessValidator

/** Takes at least 400 ms per challenge, then answers nothing. */
const slowSolver: TaskSolver = {
  async solve(c) {
    await new Promise((r) => setTimeout(r, 400))
    return { id: c.id, words: [] }
  },
}

/** Answers a challenge with random words (a miner that does not do the work). */
const randomSolver: TaskSolver = createRandomSolver()

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 400 })
  relay = await startRelay({ port: 0, netuids: [NETUID] })
  client = await createChainClient({ endpoint: devnet.url })
  const bob = await createKeyringSigner('//Bob')
  solver = createNodeSolver(getTask('ocr'), { threads: 1 })
  good = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//good-miner'), relays: relay.multiaddrs, solver, coldkey: bob })
  bad = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//bad-miner'), relays: relay.multiaddrs, solver: randomSolver, coldkey: bob })
  await good.start() // one after the other: both registrations are paid by //Bob (one nonce at a time)
  await bad.start()
  slow = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//slow-miner'), relays: relay.multiaddrs, solver: slowSolver, coldkey: bob })
  await slow.start()
  validator = await startHeadlessValidator({
    chainUrl: devnet.url, relayAddrs: relay.multiaddrs, netuid: NETUID, coldkeySuri: '//Alice', roundMs: 1500,
    challenge: { words: 3, width: 256, height: 96, deadlineMs: 20_000 },
  })
}, 180_000)

afterAll(async () => {
  await validator?.stop()
  await good?.stop()
  await bad?.stop()
  await slow?.stop()
  await solver?.stop()
  await client?.stop()
  await relay?.stop()
  await devnet?.stop()
})

describe('miner and validator roles on the devnet', () => {
  it('the miners registered, bound their peer ids and publish them as commitments', async () => {
    for (const m of [good, bad]) {
      expect(m.state.phase).toBe('mining')
      expect(m.state.uid).toBeGreaterThan(0)
      expect(m.state.peerId).toMatch(/^12D3Koo/)
      expect(await client.getUid(NETUID, m.state.hotkey)).toBe(m.state.uid)
    }
    const published = await good.subnet.peerIds({ fresh: true })
    expect(published.get(good.state.hotkey)).toBe(good.state.peerId)
    expect(published.get(bad.state.hotkey)).toBe(bad.state.peerId)
    // start() is idempotent
    await good.start()
    expect(good.state.phase).toBe('mining')
  })

  it('the headless validator holds a permit and scores the good miner above the bad one', async () => {
    expect(validator.state.phase).toBe('validating')
    const v = await client.getMetagraph(NETUID)
    expect(v.neurons.find((n) => n.uid === validator.uid)?.validatorPermit).toBe(true)
    const scored = await until('both miners scored', () => {
      const g = validator.state.miners.find((m) => m.uid === good.state.uid)
      const b = validator.state.miners.find((m) => m.uid === bad.state.uid)
      return g !== undefined && b !== undefined && g.answered > 0 && b.answered > 0 ? { g, b } : undefined
    })
    expect(good.state.counts.answered).toBeGreaterThan(0)
    expect(bad.state.counts.answered).toBeGreaterThan(0)
    expect(good.state.lastLatencies.length).toBeGreaterThan(0)
    // Scores include a latency factor, so absolute values move with machine load; the ranking does not.
    expect(scored.g.lastScore!).toBeGreaterThan(scored.b.lastScore ?? 0)
    expect(scored.g.score).toBeGreaterThan(scored.b.score)
    // The validator keeps each scored answer's evidence: the miner's hotkey binding and its peer
    // key's signature over the answer, which anyone can check offline; altered, it no longer holds.
    const ev = validator.validator.evidenceOf(good.state.uid!)
    expect(ev).toBeDefined()
    expect(ev!.binding.peerId).toBe(good.mesh!.peerId)
    expect(await verifyAnswerEvidence(ev!)).toBe(true)
    expect(await verifyAnswerEvidence({ ...ev!, answer: new Uint8Array([...ev!.answer, 0]) })).toBe(false)
    expect(await verifyAnswerEvidence({ ...ev!, binding: validator.validator.evidenceOf(bad.state.uid!)!.binding })).toBe(false)
  }, 120_000)

  it('commits weights (timelocked), the chain reveals them, and the epoch recomputation agrees with the chain', async () => {
    const w = await until('a weight commit', () => validator.state.weights ?? undefined)
    expect(w.kind).toBe('v4')
    expect(w.uids).toContain(good.state.uid)
    expect(w.predicted?.incentive.length).toBeGreaterThan(good.state.uid!)
    const row = await until('the chain to reveal the weights', async () => {
      const r = await readWeightsRow(client, NETUID, validator.uid)
      return r.some(([u]) => u === good.state.uid) ? r : undefined
    }, 120_000)
    const gv = row.find(([u]) => u === good.state.uid)![1]
    const bv = row.find(([u]) => u === bad.state.uid)?.[1] ?? 0
    expect(gv).toBeGreaterThan(bv)
    // An epoch after the reveal: the chain's stored incentive equals our recomputation, and the good miner earns.
    const revealedAt = Number((await client.bestBlock()))
    const check = await until('an epoch checked after the reveal', () => {
      const c: ValidatorState['lastEpoch'] = validator.state.lastEpoch
      return c !== null && c.block > revealedAt ? c : undefined
    }, 120_000)
    expect(check.mismatches).toEqual([])
    expect(check.chain.incentive[good.state.uid!]).toBeGreaterThan(check.chain.incentive[bad.state.uid!] ?? 0)
    // The tab's "predicted" column: the next epoch from the current state, one value per uid.
    const next = await recomputeNextEpoch(client, NETUID)
    expect(next.incentiveU16).toHaveLength((await client.getMetagraph(NETUID)).neurons.length)
    expect(next.incentiveU16[good.state.uid!]).toBeGreaterThan(0)
  }, 240_000)

  it('a miner created from a saved session shows its counts and latencies before it starts', async () => {
    const saved = { counts: good.state.counts, history: good.state.history }
    const again = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//good-miner'), relays: relay.multiaddrs, solver, restore: saved })
    expect(again.state.phase).toBe('idle')
    expect(again.state.counts).toEqual(good.state.counts)
    expect(again.state.lastLatencies).toEqual(good.state.lastLatencies)
    await again.stop() // stop before start is safe
    expect(again.state.phase).toBe('idle')
  })

  it('the duty-cycle cap refuses work it could only start after the deadline; raising it lifts the rest', async () => {
    await until('the slow miner answered once', () => slow.state.counts.answered > 0)
    // At 1 % duty, a solve of >= 400 ms earns >= 39.6 s of rest: past every 20 s deadline.
    slow.setDutyCycle(0.01)
    const refused = slow.state.counts.refused
    const answered = slow.state.counts.answered
    await validator.validator.runRound()
    expect(slow.state.counts.refused).toBeGreaterThan(refused)
    expect(validator.state.miners.find((m) => m.uid === slow.state.uid)?.lastError).toMatch(/duty-cycle/)
    slow.setDutyCycle(1)
    await validator.validator.runRound()
    expect(slow.state.counts.answered).toBeGreaterThan(answered)
  }, 120_000)

  it('pause stops work within one challenge; resume restarts it', async () => {
    good.pause()
    expect(good.state.phase).toBe('paused')
    const answered = good.state.counts.answered
    const refusedBefore = good.state.counts.refused
    await validator.validator.runRound()
    await validator.validator.runRound()
    expect(good.state.counts.answered).toBeLessThanOrEqual(answered + 1) // only the one in hand, if any
    expect(good.state.counts.refused).toBeGreaterThan(refusedBefore)
    const row = validator.state.miners.find((m) => m.uid === good.state.uid)
    expect(row?.lastError).toMatch(/paused/)
    good.resume()
    expect(good.state.phase).toBe('mining')
    await validator.validator.runRound()
    expect(good.state.counts.answered).toBeGreaterThan(answered)
  }, 120_000)

  it('with commit-reveal off the validator sets weights directly', async () => {
    devnet.setHyperparams(NETUID, { CommitRevealWeightsEnabled: false })
    const w = await until('weights set with set_weights', () => (validator.state.weights?.kind === 'set' ? validator.state.weights : undefined), 120_000)
    expect(w.uids).toContain(good.state.uid)
    const row = await readWeightsRow(client, NETUID, validator.uid)
    expect(row.map(([u]) => u)).toEqual(w.uids)
  }, 150_000)

  it('stop() during start() leaves the miner idle, and start/stop are idempotent', async () => {
    const m = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//quitter'), relays: relay.multiaddrs, solver: randomSolver, coldkey: await createKeyringSigner('//Bob') })
    const starting = m.start()
    await m.stop()
    await starting
    expect(m.state.phase).toBe('idle')
    expect(m.mesh).toBeNull()
    await m.stop()
    expect(m.state.phase).toBe('idle')
  })
})
