/**
 * `webtensor yuma --chain URL --netuid N [--block B] [--json]`: replays a chain's epoch. Reads,
 * from any subtensor endpoint, the inputs exactly as the subnet's last epoch at or before block B
 * (default: the best block) saw them (the parent block's state plus the epoch block's
 * initialization, never its extrinsics: `readEpochSeen`, the validator's check reads the same),
 * recomputes the epoch with src/consensus and prints, per uid, the chain's stored incentive,
 * dividends, emission and bonds beside ours, differences marked.
 */
import { parseArgs } from 'node:util'
import { runEpochWithMechanisms, subnetOutputToJson, type SparseRowU16, type SubnetEpochInput, type SubnetEpochOutput } from '../../consensus/index.ts'
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
adds its share before the epoch drains it). Ours is computed for the smallest total that
reproduces the sum of the chain's stored Emission; the per-uid values are what is compared.
Incentive, dividends and bonds do not depend on it.

exit codes: 0 replayed and equal; 1 replayed with differences, or an error; 2 bad arguments;
4 the node does not serve the state of that block (pruned, or not produced yet).`

/** One uid of a replay: the chain's stored values and ours (incentive and bonds per mechanism). */
export interface ReplayRow {
  uid: number
  hotkey: string
  chain: ReplayValues
  ours: ReplayValues
  /** Fields that differ: `dividends`, `emission`, `incentive[k]`, `bonds[k]` (k = mechanism). */
  differs: string[]
}

/** What is compared for one uid. */
export interface ReplayValues {
  /** `Incentive[netuid + k·4096][uid]` per mechanism k. */
  incentive: number[]
  /** `Dividends[netuid][uid]` (over all mechanisms). */
  dividends: number
  /** `Emission[netuid][uid]` (over all mechanisms). */
  emission: bigint
  /** `Bonds[netuid + k·4096][uid]` per mechanism k. */
  bonds: SparseRowU16[]
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
  /** Mechanisms replayed (all of the subnet's: `MechanismCountCurrent`, 1 where the runtime has none). */
  mechanisms: number[]
  /** `MechanismEmissionSplit` as the epoch saw it (null: even split, or a runtime without mechanisms). */
  emissionSplit: number[] | null
  /** The total alpha ours was computed for (recovered from the chain's stored Emission, see {@link emissionFor}). */
  raoEmission: bigint
  /** uids whose weights the epoch block's initialization revealed (read at the block), any mechanism. */
  revealedUids: number[]
  /** uids whose weights the epoch block's extrinsics changed (the epoch did not see them), any mechanism. */
  ignoredWeightUids: number[]
  rows: ReplayRow[]
  /** Number of (uid, field) differences. */
  differences: number
  output: SubnetEpochOutput
}

const rowKey = (r: SparseRowU16): string => JSON.stringify([...r].sort((a, b) => a[0] - b[0]))

/** Compares what the chain stored after an epoch (per mechanism) with our recomputation of what it saw. */
export function compareReplay(stored: StoredOutputs[], hotkeys: string[], out: SubnetEpochOutput): { rows: ReplayRow[]; differences: number } {
  const rows: ReplayRow[] = []
  let differences = 0
  for (let uid = 0; uid < hotkeys.length; uid++) {
    const chain: ReplayValues = {
      incentive: stored.map((s) => s.incentive[uid] ?? 0), dividends: stored[0]!.dividends[uid] ?? 0, emission: stored[0]!.emission[uid] ?? 0n, bonds: stored.map((s) => s.bonds[uid] ?? []),
    }
    const ours: ReplayValues = {
      incentive: out.mechanisms.map((m) => m.output.incentive_u16[uid]!), dividends: out.dividends_u16[uid]!, emission: out.emission[uid]!, bonds: out.mechanisms.map((m) => m.output.bonds_u16[uid] ?? []),
    }
    const differs: string[] = []
    chain.incentive.forEach((x, k) => { if (x !== ours.incentive[k]) differs.push(`incentive[${k}]`) })
    if (chain.dividends !== ours.dividends) differs.push('dividends')
    if (chain.emission !== ours.emission) differs.push('emission')
    chain.bonds.forEach((x, k) => { if (rowKey(x) !== rowKey(ours.bonds[k] ?? [])) differs.push(`bonds[${k}]`) })
    differences += differs.length
    rows.push({ uid, hotkey: hotkeys[uid]!, chain, ours, differs })
  }
  return { rows, differences }
}

/**
 * Replays the last epoch of `netuid` at or before block `atOrBefore` (default best), every
 * mechanism of the subnet (spec 424 `epoch_with_mechanisms`). Throws `RolesError`
 * `STATE_UNAVAILABLE` when the node does not serve the state it needs.
 */
export async function replayEpoch(client: ChainClient, netuid: number, atOrBefore?: number): Promise<Replay> {
  const target = atOrBefore ?? Number(await client.bestBlock())
  const targetHash = await client.blockHash(target)
  if (targetHash === undefined) throw new RolesError('STATE_UNAVAILABLE', `block ${target} is unknown to this node (not produced yet, or not kept)`)
  const block = await stateUnavailableAs(target, async () => Number((await client.readStorage('SubtensorModule', 'LastMechansimStepBlock', [netuid], { at: targetHash })).toString()))
  if (block < 1) throw new RolesError('BAD_OPTIONS', `subnet ${netuid} ran no epoch at or before block ${target}`)
  const seen = await readEpochSeen(client, netuid, block)
  const n = seen.input.n
  // The mechanisms as the epoch saw them (the parent's state).
  const { count, split } = await stateUnavailableAs(block, async () => ({
    count: client.hasStorage('SubtensorModule', 'MechanismCountCurrent')
      ? Math.max(1, Number((await client.readStorage('SubtensorModule', 'MechanismCountCurrent', [netuid], { at: seen.parentHash })).toString()))
      : 1,
    split: client.hasStorage('SubtensorModule', 'MechanismEmissionSplit')
      ? ((await client.readStorage('SubtensorModule', 'MechanismEmissionSplit', [netuid], { at: seen.parentHash })).toJSON() as number[] | null)
      : null,
  }))
  const seens = [seen, ...(await Promise.all(Array.from({ length: count - 1 }, (_, k) => readEpochSeen(client, netuid, block, { mecid: k + 1 }))))]
  const [stored, hotkeys] = await stateUnavailableAs(block, () => Promise.all([
    Promise.all(seens.map((_, k) => readStoredOutputs(client, netuid, seen.hash, n, { mecid: k }))),
    Promise.all(Array.from({ length: n }, async (_, u) => (await client.readStorage('SubtensorModule', 'Keys', [netuid, u], { at: seen.parentHash })).toString())),
  ]))
  const { last_update: _l, weights: _w, bonds: _b, commit_blocks: _c, ...common } = seen.input
  const input: SubnetEpochInput = {
    ...common,
    mechanisms: seens.map((x) => ({ last_update: x.input.last_update, weights: x.input.weights, bonds: x.input.bonds, ...(x.input.commit_blocks !== undefined ? { commit_blocks: x.input.commit_blocks } : {}) })),
    mechanism_emission_split: split === null || split.length === 0 ? null : split,
  }
  const { raoEmission, output } = emissionFor(input, stored[0]!.emission.reduce((a, b) => a + b, 0n))
  const { rows, differences } = compareReplay(stored, hotkeys, output)
  const union = (f: (x: EpochSeen) => number[]): number[] => [...new Set(seens.flatMap(f))].sort((a, b) => a - b)
  return {
    netuid, atOrBefore: target, block, hash: seen.hash, parentHash: seen.parentHash,
    mechanisms: seens.map((_, k) => k), emissionSplit: input.mechanism_emission_split ?? null, raoEmission,
    revealedUids: union((x) => x.revealedUids), ignoredWeightUids: union((x) => x.ignoredWeightUids), rows, differences, output,
  }
}

/**
 * The epoch's total emission is not in storage; its per-uid result (`Emission`: each mechanism's
 * emission weighted by its share, floored) is. Its sum grows with the total, so the total is the
 * smallest one whose stored sum it reproduces (doubling, then a binary search: some 40 epochs);
 * the per-uid values are then compared. With one mechanism the total is the sum plus rounding.
 */
export function emissionFor(input: SubnetEpochInput, sum: bigint): { raoEmission: bigint; output: SubnetEpochOutput } {
  const total = (r: bigint): { out: SubnetEpochOutput; sum: bigint } => {
    const out = runEpochWithMechanisms({ ...input, rao_emission: r })
    return { out, sum: out.emission.reduce((a, b) => a + b, 0n) }
  }
  let lo = sum
  let hi = sum > 0n ? sum : 1n
  while (total(hi).sum < sum && hi < 1n << 64n) {
    lo = hi + 1n
    hi *= 2n
  }
  while (lo < hi) {
    const mid = (lo + hi) / 2n
    if (total(mid).sum >= sum) hi = mid
    else lo = mid + 1n
  }
  return { raoEmission: lo, output: total(lo).out }
}

const bondsText = (r: SparseRowU16): string => (r.length === 0 ? '-' : r.map(([j, v]) => `${j}:${v}`).join(' '))

/** The replay as a table (what the command prints without --json): incentive and bonds per mechanism. */
export function formatReplay(r: Replay): string {
  const lines: string[] = []
  const k = r.mechanisms.length
  lines.push(`subnet ${r.netuid}: replayed the epoch of block ${r.block} (${r.hash}), the last at or before block ${r.atOrBefore}`)
  lines.push(`inputs: the state of block ${r.block - 1} (${r.parentHash}) plus block ${r.block}'s initialization`)
  lines.push(`mechanisms: ${k === 1 ? '1 (mechanism 0)' : `${k} (${r.mechanisms.join(', ')}), emission split ${r.emissionSplit === null ? 'even' : r.emissionSplit.join('/')}`}`)
  if (r.revealedUids.length > 0) lines.push(`timelocked weights revealed in that initialization: uids ${r.revealedUids.join(', ')}`)
  if (r.ignoredWeightUids.length > 0) lines.push(`weights set by extrinsics of block ${r.block} (after the epoch; counted at the next): uids ${r.ignoredWeightUids.join(', ')}`)
  lines.push(`emission: ours for a total of ${r.raoEmission} rao (the smallest that reproduces the sum of the chain's stored Emission)`)
  lines.push('')
  const tag = (m: number): string => (k === 1 ? '' : `[${m}]`)
  const head = ['uid', 'hotkey', ...r.mechanisms.flatMap((m) => [`incentive${tag(m)} chain`, 'ours']), 'dividends chain', 'ours', 'emission chain', 'ours', 'bonds chain | ours']
  const body = r.rows.map((x) => {
    const mark = (f: string, s: string): string => (x.differs.includes(f) ? `${s}*` : s)
    const bonds = r.mechanisms.map((m) => (x.differs.includes(`bonds[${m}]`) ? `${tag(m)}${bondsText(x.chain.bonds[m]!)} | ${bondsText(x.ours.bonds[m]!)}*` : `${tag(m)}${bondsText(x.chain.bonds[m]!)}`))
    return [
      String(x.uid), x.hotkey.length > 12 ? `${x.hotkey.slice(0, 6)}…${x.hotkey.slice(-4)}` : x.hotkey,
      ...r.mechanisms.flatMap((m) => [String(x.chain.incentive[m]), mark(`incentive[${m}]`, String(x.ours.incentive[m]))]),
      String(x.chain.dividends), mark('dividends', String(x.ours.dividends)),
      String(x.chain.emission), mark('emission', String(x.ours.emission)),
      bonds.join('  '),
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

/** The replay as JSON for scripts (u64 values as decimal strings; incentive and bonds per mechanism). */
export function replayJson(r: Replay): unknown {
  const values = (v: ReplayValues): unknown => ({ incentive: v.incentive, dividends: v.dividends, emission: String(v.emission), bonds: v.bonds })
  return {
    netuid: r.netuid, at_or_before: r.atOrBefore, block: r.block, hash: r.hash, parent_hash: r.parentHash,
    mechanisms: r.mechanisms, emission_split: r.emissionSplit, rao_emission: String(r.raoEmission),
    revealed_uids: r.revealedUids, ignored_weight_uids: r.ignoredWeightUids, differences: r.differences,
    uids: r.rows.map((x) => ({ uid: x.uid, hotkey: x.hotkey, differs: x.differs, chain: values(x.chain), ours: values(x.ours) })),
    output: subnetOutputToJson(r.output),
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
