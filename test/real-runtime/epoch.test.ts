/**
 * The real-runtime tier (opt-in): the project's chain client, the validator's epoch check and
 * `webtensor yuma --chain` against a real subtensor runtime, named by environment variables:
 *
 *   WEBTENSOR_REAL_RUNTIME=ws://127.0.0.1:29946 WEBTENSOR_REAL_NETUID=2 npm run test:real-runtime
 *
 * (for example subtensor's runtime under chopsticks, see README "Against a real subtensor", or
 * subtensor's own localnet; the subnet must allow registrations and `set_weights` every block, and
 * //Alice must be funded). Without WEBTENSOR_REAL_RUNTIME every test here is skipped and says so.
 *
 * What it does: registers 5 validator and 15 miner hotkeys (//Alice, //Bob, //Charlie pay; a rerun
 * reuses them), stakes the validators, then for several epochs has every validator set weights twice per epoch,
 * once mid-epoch and once timed to land in the epoch block itself (the epoch runs in the block's
 * initialization, before those extrinsics). After each epoch the validator's check
 * (`checkLastEpoch`, what `webtensor validate` runs) must equal the chain's stored incentive and
 * dividends, including the epochs whose block carried set_weights, and the replay
 * (`webtensor yuma --chain`) must equal the chain's stored incentive, dividends, emission and bonds.
 * It prints the numbers: epochs checked, how many epoch blocks carried set_weights, mismatches of
 * the check and of the old reading (weights read at the epoch block), which raced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runEpoch } from '../../src/consensus/index.ts'
import { checkLastEpoch, epochMismatches, readEpochInput, readEpochSeen, readStoredOutputs, replayEpoch, type EpochCheck } from '../../src/roles/index.ts'
import {
  calls, createChainClient, createKeyringSigner, epochDueAt, nextEpochBlock, readEpochSchedule, type ChainClient, type KeySigner,
} from '../../src/wallet/index.ts'

const URL = process.env['WEBTENSOR_REAL_RUNTIME']
const NETUID = Number(process.env['WEBTENSOR_REAL_NETUID'] ?? '1')
const EPOCHS = Number(process.env['WEBTENSOR_REAL_EPOCHS'] ?? '8')
const TAO = 1_000_000_000n

if (URL === undefined || URL === '') {
  console.warn('\nreal-runtime tier SKIPPED: set WEBTENSOR_REAL_RUNTIME=ws://… (and WEBTENSOR_REAL_NETUID=N) to run it against a subtensor runtime\n')
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe.skipIf(URL === undefined || URL === '')(`real runtime at ${URL ?? '(not set)'}, subnet ${NETUID}`, () => {
  let client: ChainClient
  let coldkeys: KeySigner[]
  const validators: KeySigner[] = []
  const miners: KeySigner[] = []

  const best = async (): Promise<number> => Number(await client.bestBlock())
  const waitFor = async (cond: () => Promise<boolean>, what: string, ms = 600_000): Promise<void> => {
    const end = Date.now() + ms
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
      await sleep(200)
    }
  }
  const uidOf = async (hotkey: string): Promise<number> => {
    const u = await client.getUid(NETUID, hotkey)
    if (u === undefined) throw new Error(`${hotkey} is not registered`)
    return u
  }

  beforeAll(async () => {
    client = await createChainClient({ endpoint: URL!, signal: AbortSignal.timeout(60_000) })
    coldkeys = await Promise.all(['//Alice', '//Bob', '//Charlie'].map((s) => createKeyringSigner(s)))
    // Fixed derivations: a rerun on the same chain reuses the hotkeys registered before.
    for (let i = 0; i < 5; i++) validators.push(await createKeyringSigner(`//Alice//webtensor-real-v${i}`))
    for (let i = 0; i < 15; i++) miners.push(await createKeyringSigner(`//Bob//webtensor-real-m${i}`))
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
  })

  it('reads the metagraph and registers hotkeys through the project\'s chain client', async () => {
    const before = await client.getMetagraph(NETUID)
    expect(before.netuid).toBe(NETUID)
    // One coldkey signs one registration at a time (nonces); the three coldkeys run side by side.
    const all = [...validators, ...miners]
    await Promise.all(coldkeys.map(async (ck, k) => {
      for (let i = k; i < all.length; i += coldkeys.length) {
        if ((await client.getUid(NETUID, all[i]!.address)) === undefined) await client.burnedRegister(NETUID, all[i]!.address, ck, { waitFor: 'inBlock' })
      }
    }))
    const after = await client.getMetagraph(NETUID)
    const registered = new Set(after.neurons.map((n) => n.hotkey))
    for (const h of all) expect(registered.has(h.address), h.address).toBe(true)
    // Validators: stake (different amounts) so that the next epoch gives them permits.
    for (const [i, v] of validators.entries()) {
      const want = BigInt(100 + 50 * i) * TAO
      if ((await client.getHotkeyStake(v.address, NETUID)) < want / 2n) await client.addStake(v.address, NETUID, want, coldkeys[0]!, { waitFor: 'inBlock' })
    }
  }, 600_000)

  it('every epoch checked equals the chain, including epochs whose block carried set_weights; replays equal what the chain stored', async () => {
    const versionKey = BigInt((await client.readStorage('SubtensorModule', 'WeightsVersionKey', [NETUID])).toString())
    const commitReveal = (await client.readStorage('SubtensorModule', 'CommitRevealWeightsEnabled', [NETUID])).toJSON() === true
    if (commitReveal) console.warn('commit-reveal is on for this subnet: set_weights is refused, so no epoch block will carry one')
    const vuids = await Promise.all(validators.map((v) => uidOf(v.address)))
    const muids = await Promise.all(miners.map((m) => uidOf(m.address)))
    let round = 0
    const setAll = async (): Promise<number> => {
      round++
      const results = await Promise.allSettled(validators.map((v, i) => {
        // Each validator favours a different, moving slice of the miners.
        const values = muids.map((_, j) => ((j * 7 + i * 13 + round * 5) % 17) * 4000 + 1)
        return client.submit(calls.namedCall('SubtensorModule', 'set_weights', [NETUID, muids, values, versionKey]), v, { waitFor: 'inBlock' })
      }))
      return Math.max(0, ...results.map((r) => (r.status === 'fulfilled' ? r.value.blockNumber : 0)))
    }

    // Wait for the permits of the validators (one epoch after staking).
    const firstCheck = await best()
    await waitFor(async () => Number((await client.readStorage('SubtensorModule', 'LastMechansimStepBlock', [NETUID])).toString()) > firstCheck, 'an epoch after staking')

    const checks: Array<{ check: EpochCheck; carried: boolean; oldMismatches: number; replayDifferences: number }> = []
    let checkedBlock = -1
    while (checks.length < EPOCHS) {
      const s = await readEpochSchedule(client, NETUID)
      const b = await best()
      const next = nextEpochBlock(s, b + 1)!
      // Mid-epoch weights, then weights sent as the block before the epoch block is the best.
      if (next - b > 4) await setAll()
      await waitFor(async () => (await best()) >= next - 1, `block ${next - 1}`)
      if (epochDueAt(await readEpochSchedule(client, NETUID), (await best()) + 1)) await setAll()
      await waitFor(async () => Number((await client.readStorage('SubtensorModule', 'LastMechansimStepBlock', [NETUID])).toString()) > checkedBlock && (await best()) > next, `the epoch at ${next}`)
      const check = await checkLastEpoch(client, NETUID, { unlessBlock: checkedBlock })
      if (check === null) continue
      checkedBlock = check.block
      // The old reading: weights and last updates read at the epoch block (its extrinsics included).
      const seen = await readEpochSeen(client, NETUID, check.block)
      const all = new Set(Array.from({ length: seen.input.n }, (_, u) => u))
      const old = await readEpochInput(client, NETUID, { at: seen.parentHash, currentBlock: check.block, overlay: { hash: seen.hash, uids: all } })
      const stored = await readStoredOutputs(client, NETUID, seen.hash, seen.input.n)
      const oldMismatches = epochMismatches(stored, runEpoch(old)).length
      const replay = await replayEpoch(client, NETUID, check.block)
      expect(replay.block).toBe(check.block)
      const carried = check.ignoredWeightUids.some((u) => vuids.includes(u))
      checks.push({ check, carried, oldMismatches, replayDifferences: replay.differences })
      console.log(`epoch at block ${check.block}: set_weights in the epoch block from uids [${check.ignoredWeightUids.join(', ')}]; check mismatches ${check.mismatches.length}, old reading ${oldMismatches}; replay differences ${replay.differences}${replay.differences > 0 ? ' ' + JSON.stringify(replay.rows.filter((r) => r.differs.length > 0).slice(0, 3), (_, v) => (typeof v === 'bigint' ? String(v) : v)) : ''}`)
    }
    const carried = checks.filter((c) => c.carried)
    console.log(`real runtime: ${checks.length} epochs checked, ${carried.length} epoch blocks carried set_weights; check mismatches ${checks.reduce((a, c) => a + c.check.mismatches.length, 0)} (old reading: ${checks.reduce((a, c) => a + c.oldMismatches, 0)} in ${checks.filter((c) => c.oldMismatches > 0).length} epochs); replay differences ${checks.reduce((a, c) => a + c.replayDifferences, 0)}`)
    expect(checks.some((c) => c.check.ours.incentive.some((x) => x > 0)), 'some epoch gave incentive').toBe(true)
    for (const c of checks) {
      expect(c.check.mismatches, `epoch at ${c.check.block}`).toEqual([])
      expect(c.replayDifferences, `replay of the epoch at ${c.check.block}`).toBe(0)
    }
    if (!commitReveal) expect(carried.length, 'epoch blocks that carried set_weights').toBeGreaterThan(0)
  }, 1_800_000)
})
