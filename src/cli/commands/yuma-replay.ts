/**
 * `webtensor yuma --chain URL --netuid N [--block B] [--json]`: replays a chain's epoch (src/roles
 * `replayEpoch`) and prints it. Reads,
 * from any subtensor endpoint, the inputs exactly as the subnet's last epoch at or before block B
 * (default: the best block) saw them (the parent block's state plus the epoch block's
 * initialization, never its extrinsics: `readEpochSeen`, the validator's check reads the same),
 * recomputes the epoch with src/consensus and prints, per uid, the chain's stored incentive,
 * dividends, emission and bonds beside ours, differences marked.
 */
import { parseArgs } from 'node:util'
import { subnetOutputToJson, type SparseRowU16 } from '../../consensus/index.ts'
import { replayEpoch, RolesError, type Replay, type ReplayValues } from '../../roles/index.ts'
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
