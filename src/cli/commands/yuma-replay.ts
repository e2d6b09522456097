/**
 * `webtensor yuma --chain URL --netuid N [--block B] [--json]`: replays a chain's epoch. Reads,
 * from any subtensor endpoint, the inputs exactly as the subnet's last epoch at or before block B
 * (default: the best block) saw them (the parent block's state plus the epoch block's
 * initialization, never its extrinsics: `readEpochSeen`, the validator's check reads the same),
 * recomputes the epoch with src/consensus and prints, per uid, the chain's stored incentive,
 * dividends, emission and bonds beside ours, differences marked.
 */
import { parseArgs } from 'node:util'
import { epochOutputToJson, runEpoch, type EpochInput, type EpochOutput, type SparseRowU16 } from '../../consensus/index.ts'
import { readEpochSeen, readStoredOutputs, RolesError, stateUnavailableAs, type EpochSeen, type StoredOutputs } from '../../roles/index.ts'
import { createChainClient, type ChainClient } from '../../wallet/index.ts'

export const REPLAY_USAGE = `usage: webtensor yuma --chain URL --netuid N [--block B] [--json]

Replays the subnet's last epoch at or before block B (default: the best block) from the chain
itself: reads the inputs as that epoch saw them (the state of the block before it plus what the
epoch block's initialization changed, i.e. timelocked reveals; never the epoch block's
extrinsics), recomputes it with webtensor's exact Yuma Consensus, and prints per uid the chain's
stored incentive, dividends, emission and bonds beside ours. Differences are marked with '*'.

options:
  --chain URL   a subtensor endpoint (ws:// or wss://; finney, test, local and archive nodes)
  --netuid N    the subnet
  --block B     replay the last epoch at or before this block (needs a node that still serves
                the state of that epoch's block and its parent: an archive node for old blocks)
  --json        print one JSON object for scripts instead of the table
  -h, --help    this text

Emission: the alpha an epoch distributes is not in storage (the epoch block's initialization
adds its share before the epoch drains it). Ours is computed for the smallest total whose split
sums to what the chain stored (its Emission sums to the total less a few rao per uid of
rounding); the per-uid split is what is compared. Incentive, dividends and bonds do not depend
on it.

exit codes: 0 replayed and equal; 1 replayed with differences, or an error; 2 bad arguments;
4 the node does not serve the state of that block (pruned, or not produced yet).`

/** One uid of a replay: the chain's stored value and ours. */
export interface ReplayRow {
  uid: number
  hotkey: string
  chain: { incentive: number; dividends: number; emission: bigint; bonds: SparseRowU16 }
  ours: { incentive: number; dividends: number; emission: bigint; bonds: SparseRowU16 }
  /** Fields that differ. */
  differs: Array<'incentive' | 'dividends' | 'emission' | 'bonds'>
}

/** A replayed epoch. */
export interface Replay {
  netuid: number
  /** The block asked about (best when not given). */
  atOrBefore: number
  /** The block the epoch ran in, and its hash; the state read is its parent's plus its initialization. */
  block: number
  hash: string
  parentHash: string
  /** Mechanisms replayed (storage indices' mecid), and how many the subnet has. */
  mechanisms: number[]
  mechanismCount: number
  /** The total alpha ours was computed for (recovered from the chain's stored Emission, see {@link emissionFor}). */
  raoEmission: bigint
  /** uids whose weights the epoch block's initialization revealed (read at the block). */
  revealedUids: number[]
  /** uids whose weights the epoch block's extrinsics changed (the epoch did not see them). */
  ignoredWeightUids: number[]
  rows: ReplayRow[]
  /** Number of (uid, field) differences. */
  differences: number
  output: EpochOutput
}

const rowKey = (r: SparseRowU16): string => JSON.stringify([...r].sort((a, b) => a[0] - b[0]))

/** Compares what the chain stored after an epoch with our recomputation of what it saw. */
export function compareReplay(seen: EpochSeen, stored: StoredOutputs, hotkeys: string[], out: EpochOutput): { rows: ReplayRow[]; differences: number } {
  const rows: ReplayRow[] = []
  let differences = 0
  for (let uid = 0; uid < seen.input.n; uid++) {
    const chain = { incentive: stored.incentive[uid] ?? 0, dividends: stored.dividends[uid] ?? 0, emission: stored.emission[uid] ?? 0n, bonds: stored.bonds[uid] ?? [] }
    const ours = { incentive: out.incentive_u16[uid]!, dividends: out.dividends_u16[uid]!, emission: out.emission[uid]!, bonds: out.bonds_u16[uid] ?? [] }
    const differs: ReplayRow['differs'] = []
    if (chain.incentive !== ours.incentive) differs.push('incentive')
    if (chain.dividends !== ours.dividends) differs.push('dividends')
    if (chain.emission !== ours.emission) differs.push('emission')
    if (rowKey(chain.bonds) !== rowKey(ours.bonds)) differs.push('bonds')
    differences += differs.length
    rows.push({ uid, hotkey: hotkeys[uid] ?? '', chain, ours, differs })
  }
  return { rows, differences }
}

/**
 * Replays the last epoch of `netuid` at or before block `atOrBefore` (default best). Throws
 * `RolesError` `STATE_UNAVAILABLE` when the node does not serve the state it needs.
 */
export async function replayEpoch(client: ChainClient, netuid: number, atOrBefore?: number): Promise<Replay> {
  const target = atOrBefore ?? Number(await client.bestBlock())
  const targetHash = await client.blockHash(target)
  if (targetHash === undefined) throw new RolesError('STATE_UNAVAILABLE', `block ${target} is unknown to this node (not produced yet, or not kept)`)
  const { block, mechanismCount } = await stateUnavailableAs(target, async () => ({
    block: Number((await client.readStorage('SubtensorModule', 'LastMechansimStepBlock', [netuid], { at: targetHash })).toString()),
    mechanismCount: client.hasStorage('SubtensorModule', 'MechanismCountCurrent')
      ? Math.max(1, Number((await client.readStorage('SubtensorModule', 'MechanismCountCurrent', [netuid], { at: targetHash })).toString()))
      : 1,
  }))
  if (block < 1) throw new RolesError('BAD_OPTIONS', `subnet ${netuid} ran no epoch at or before block ${target}`)
  const seen = await readEpochSeen(client, netuid, block)
  const [stored, hotkeys] = await stateUnavailableAs(block, () => Promise.all([
    readStoredOutputs(client, netuid, seen.hash, seen.input.n),
    Promise.all(Array.from({ length: seen.input.n }, async (_, u) => (await client.readStorage('SubtensorModule', 'Keys', [netuid, u], { at: seen.parentHash })).toString())),
  ]))
  const { raoEmission, output } = emissionFor(seen.input, stored.emission.reduce((a, b) => a + b, 0n))
  const { rows, differences } = compareReplay(seen, stored, hotkeys, output)
  return {
    netuid, atOrBefore: target, block, hash: seen.hash, parentHash: seen.parentHash,
    // Per-mechanism consensus (epoch_with_mechanisms) is not in src/consensus yet: mechanism 0 only.
    mechanisms: [0], mechanismCount, raoEmission,
    revealedUids: seen.revealedUids, ignoredWeightUids: seen.ignoredWeightUids, rows, differences, output,
  }
}

/**
 * The epoch's total emission is not in storage; its per-uid split (`Emission`) is, and sums to the
 * total less its rounding (a few rao per uid at most). So the total is the smallest one in
 * `[sum, sum + 4n + 4]` whose split sums to `sum` (a binary search: the sum grows with the total);
 * the per-uid values are then compared.
 */
export function emissionFor(input: EpochInput, sum: bigint): { raoEmission: bigint; output: EpochOutput } {
  const total = (r: bigint): { out: EpochOutput; sum: bigint } => {
    const out = runEpoch({ ...input, rao_emission: r })
    return { out, sum: out.emission.reduce((a, b) => a + b, 0n) }
  }
  let lo = sum
  let hi = sum + 4n * BigInt(input.n) + 4n
  while (lo < hi) {
    const mid = (lo + hi) / 2n
    if (total(mid).sum >= sum) hi = mid
    else lo = mid + 1n
  }
  return { raoEmission: lo, output: total(lo).out }
}

const bondsText = (r: SparseRowU16): string => (r.length === 0 ? '-' : r.map(([j, v]) => `${j}:${v}`).join(' '))

/** The replay as a table (what the command prints without --json). */
export function formatReplay(r: Replay): string {
  const lines: string[] = []
  lines.push(`subnet ${r.netuid}: replayed the epoch of block ${r.block} (${r.hash}), the last at or before block ${r.atOrBefore}`)
  lines.push(`inputs: the state of block ${r.block - 1} (${r.parentHash}) plus block ${r.block}'s initialization; mechanism${r.mechanisms.length > 1 ? 's' : ''} ${r.mechanisms.join(', ')} of ${r.mechanismCount}`)
  if (r.mechanismCount > r.mechanisms.length) lines.push(`note: this subnet has ${r.mechanismCount} mechanisms; only mechanism 0 was replayed (dividends and emission are combined over mechanisms on chain)`)
  if (r.revealedUids.length > 0) lines.push(`timelocked weights revealed in that initialization: uids ${r.revealedUids.join(', ')}`)
  if (r.ignoredWeightUids.length > 0) lines.push(`weights set by extrinsics of block ${r.block} (after the epoch; counted at the next): uids ${r.ignoredWeightUids.join(', ')}`)
  lines.push(`emission: ours for a total of ${r.raoEmission} rao (the smallest whose split sums to the chain's stored Emission)`)
  lines.push('')
  const head = ['uid', 'hotkey', 'incentive chain', 'ours', 'dividends chain', 'ours', 'emission chain', 'ours', 'bonds chain | ours']
  const body = r.rows.map((x) => {
    const mark = (f: ReplayRow['differs'][number], s: string): string => (x.differs.includes(f) ? `${s}*` : s)
    return [
      String(x.uid), x.hotkey.length > 12 ? `${x.hotkey.slice(0, 6)}…${x.hotkey.slice(-4)}` : x.hotkey,
      String(x.chain.incentive), mark('incentive', String(x.ours.incentive)),
      String(x.chain.dividends), mark('dividends', String(x.ours.dividends)),
      String(x.chain.emission), mark('emission', String(x.ours.emission)),
      x.differs.includes('bonds') ? `${bondsText(x.chain.bonds)} | ${bondsText(x.ours.bonds)}*` : bondsText(x.chain.bonds),
    ]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i]!))).join('  ')
  lines.push(fmt(head))
  for (const b of body) lines.push(fmt(b))
  lines.push('')
  lines.push(r.differences === 0 ? `equal: every uid's incentive, dividends, emission and bonds match the chain` : `${r.differences} difference(s), marked *`)
  return lines.join('\n')
}

/** The replay as JSON for scripts (u64 values as decimal strings). */
export function replayJson(r: Replay): unknown {
  return {
    netuid: r.netuid, at_or_before: r.atOrBefore, block: r.block, hash: r.hash, parent_hash: r.parentHash,
    mechanisms: r.mechanisms, mechanism_count: r.mechanismCount, rao_emission: String(r.raoEmission),
    revealed_uids: r.revealedUids, ignored_weight_uids: r.ignoredWeightUids, differences: r.differences,
    uids: r.rows.map((x) => ({
      uid: x.uid, hotkey: x.hotkey, differs: x.differs,
      chain: { incentive: x.chain.incentive, dividends: x.chain.dividends, emission: String(x.chain.emission), bonds: x.chain.bonds },
      ours: { incentive: x.ours.incentive, dividends: x.ours.dividends, emission: String(x.ours.emission), bonds: x.ours.bonds },
    })),
    output: epochOutputToJson(r.output),
  }
}

function fail(message: string, code: number): number {
  console.error(`webtensor yuma: ${message}`)
  return code
}

/** `webtensor yuma --chain …`; resolves to the exit code. */
export async function runReplay(argv: string[]): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: { chain: { type: 'string' }, netuid: { type: 'string' }, block: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${REPLAY_USAGE}`, 2)
  }
  if (values.help === true) {
    console.log(REPLAY_USAGE)
    return 0
  }
  if (values.chain === undefined) return fail(`--chain URL is required\n\n${REPLAY_USAGE}`, 2)
  const int = (name: string, v: string | undefined, max: number): number | undefined => {
    if (v === undefined) return undefined
    if (!/^\d+$/u.test(v) || Number(v) > max) throw new RolesError('BAD_OPTIONS', `--${name} must be an integer from 0 to ${max}, got ${JSON.stringify(v)}`)
    return Number(v)
  }
  let netuid: number | undefined, block: number | undefined
  try {
    netuid = int('netuid', values.netuid, 65535)
    block = int('block', values.block, 2 ** 32 - 1)
  } catch (e) {
    return fail((e as Error).message, 2)
  }
  if (netuid === undefined) return fail(`--netuid N is required\n\n${REPLAY_USAGE}`, 2)
  let client: ChainClient
  try {
    client = await createChainClient({ endpoint: values.chain, signal: AbortSignal.timeout(60_000) })
  } catch (e) {
    return fail(`cannot connect to ${values.chain}: ${(e as Error).message}`, 1)
  }
  try {
    const r = await replayEpoch(client, netuid, block)
    if (values.json === true) process.stdout.write(JSON.stringify(replayJson(r)) + '\n')
    else process.stdout.write(formatReplay(r) + '\n')
    return r.differences === 0 ? 0 : 1
  } catch (e) {
    if (e instanceof RolesError && e.code === 'STATE_UNAVAILABLE') return fail(e.message, 4)
    return fail((e as Error).message, 1)
  } finally {
    await client.stop()
  }
}
