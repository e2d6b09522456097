/**
 * Recomputing a subnet's epoch from chain storage: reads what `epoch_mechanism` reads (through the
 * chain client's reads by name, at any block) and runs src/consensus on it. Used to
 * predict incentive/dividends before committing weights (`whatIf`) and to check, after an epoch,
 * that the chain's stored Incentive/Dividends equal our own exact recomputation.
 */
import { runEpoch, runEpochBatch, whatIf, type EpochInput, type SparseRowU16 } from '../consensus/index.ts'
import type { ChainClient } from '../wallet/index.ts'

type Codec = { toJSON(): unknown; toString(): string; toHex?(): string }
type Query = ((...args: unknown[]) => Promise<Codec>) & { entries?: (...args: unknown[]) => Promise<Array<[{ args: Codec[] }, Codec]>> }
type QueryRoot = Record<string, Record<string, Query | undefined> | undefined>
interface ApiLike {
  query: QueryRoot
  at(hash: string): Promise<{ query: QueryRoot }>
  rpc: { chain: { getBlockHash(n?: number): Promise<Codec>; getHeader(): Promise<{ number: { toNumber(): number } }> } }
}

/** The storage roots below, served by the chain client's reads by name (`SubtensorModule` items, at a block or the best). */
function apiOf(client: ChainClient): ApiLike {
  const rootAt = (at?: string): QueryRoot => {
    const opts = at !== undefined ? { at: at as `0x${string}` } : {}
    const items = new Proxy({} as Record<string, Query | undefined>, {
      get: (_t, item: string) => {
        if (!client.hasStorage('SubtensorModule', item)) return undefined
        const read = (...args: unknown[]): Promise<Codec> => client.readStorage('SubtensorModule', item, args, opts)
        return Object.assign(read, {
          entries: async (...args: unknown[]) => (await client.readEntries('SubtensorModule', item, args, opts)).map((e) => [{ args: e.keys }, e.value] as [{ args: Codec[] }, Codec]),
        })
      },
    })
    return { subtensorModule: items }
  }
  return {
    query: rootAt(),
    at: (hash: string) => Promise.resolve({ query: rootAt(hash) }),
    rpc: {
      chain: {
        getBlockHash: async (n?: number) => {
          const h = n === undefined ? undefined : await client.blockHash(n)
          if (h === undefined) throw new Error(`the node does not know block ${String(n)}`)
          return { toJSON: () => h, toString: () => h }
        },
        getHeader: async () => {
          const best = Number(await client.bestBlock())
          return { number: { toNumber: () => best } }
        },
      },
    },
  }
}

function sm(root: QueryRoot, item: string): Query {
  const q = root['subtensorModule']?.[item]
  if (q === undefined) throw new Error(`the chain has no SubtensorModule.${item}`)
  return q
}
const num = (c: Codec): number => Number(c.toString())
const big = (c: Codec): bigint => BigInt(c.toString())

/** A uid-indexed view of what the chain stored after an epoch. */
export interface StoredEpoch {
  block: number
  incentive: number[]
  dividends: number[]
}

/** One disagreement between the chain's stored epoch output and our recomputation. */
export interface EpochMismatch {
  uid: number
  field: 'incentive' | 'dividends'
  chain: number
  ours: number
}

/** Result of {@link checkLastEpoch}. */
export interface EpochCheck {
  /** Block the epoch ran in. */
  block: number
  chain: StoredEpoch
  ours: { incentive: number[]; dividends: number[] }
  mismatches: EpochMismatch[]
}

/**
 * Reads the epoch input of `netuid` (mechanism 0). `at` is the block hash whose state is read
 * (default best); `weightsAt` the state weights, last updates and commits are read from (default
 * `at`); `currentBlock` the block the epoch runs in (default best + 1).
 */
export async function readEpochInput(client: ChainClient, netuid: number, options: { at?: string; weightsAt?: string; currentBlock?: number } = {}): Promise<EpochInput> {
  const api = apiOf(client)
  const root = options.at !== undefined ? (await api.at(options.at)).query : api.query
  const wroot = options.weightsAt !== undefined ? (await api.at(options.weightsAt)).query : root
  const q = (item: string): Query => sm(root, item)
  const w = (item: string): Query => sm(wroot, item)
  const current = options.currentBlock ?? (await api.rpc.chain.getHeader()).number.toNumber() + 1
  const n = num(await q('subnetworkN')(netuid))
  const tempo = num(await q('tempo')(netuid))
  const uids = Array.from({ length: n }, (_, i) => i)
  const hotkeys = (await Promise.all(uids.map((u) => q('keys')(netuid, u)))).map((c) => c.toString())
  const optional = async (item: string, ...args: unknown[]): Promise<Codec | undefined> => {
    const f = root['subtensorModule']?.[item]
    return f === undefined ? undefined : await f(...args)
  }
  const [ownerHot, alphaValues, lastStep, lastUpdate, permits, maxVal, kappa, bp, bma, y3, la, steep, cutoffMilli, threshold, taoWeight] = await Promise.all([
    optional('subnetOwnerHotkey', netuid), optional('alphaValues', netuid), q('lastMechansimStepBlock')(netuid), w('lastUpdate')(netuid),
    q('validatorPermit')(netuid), q('maxAllowedValidators')(netuid), q('kappa')(netuid), q('bondsPenalty')(netuid),
    q('bondsMovingAverage')(netuid), optional('yuma3On', netuid), optional('liquidAlphaOn', netuid), optional('alphaSigmoidSteepness', netuid),
    optional('activityCutoffFactorMilli', netuid), q('stakeThreshold')(), optional('taoWeight'),
  ])
  const [regs, alpha, root0, weights, bonds] = await Promise.all([
    Promise.all(uids.map((u) => q('blockAtRegistration')(netuid, u))),
    Promise.all(hotkeys.map((h) => q('totalHotkeyAlpha')(h, netuid))),
    Promise.all(hotkeys.map((h) => q('totalHotkeyAlpha')(h, 0))),
    Promise.all(uids.map((u) => w('weights')(netuid, u))),
    Promise.all(uids.map((u) => q('bonds')(netuid, u))),
  ])
  const pad = <T>(v: T[], fill: T): T[] => Array.from({ length: n }, (_, i) => (i < v.length ? v[i]! : fill))
  const owner = ownerHot?.toString()
  const ownerUid = owner === undefined ? -1 : hotkeys.indexOf(owner)
  const cutoff = cutoffMilli === undefined ? num(await q('activityCutoff')(netuid)) : Math.max(1, Math.floor((num(cutoffMilli) * tempo) / 1000))
  const av = (alphaValues?.toJSON() as [number, number] | undefined) ?? [45875, 58982]
  const input: EpochInput = {
    n,
    current_block: current,
    tempo,
    activity_cutoff_blocks: cutoff,
    last_mechanism_step_block: num(lastStep),
    last_update: pad(((lastUpdate.toJSON() as (number | string)[] | null) ?? []).map(Number), 0),
    block_at_registration: regs.map(num),
    alpha_stake: alpha.map(big),
    tao_stake: root0.map(big),
    tao_weight_u64: taoWeight === undefined ? 0n : big(taoWeight),
    stake_threshold: big(threshold),
    owner_uid: ownerUid < 0 ? null : ownerUid,
    validator_permit: pad((permits.toJSON() as boolean[] | null) ?? [], false),
    max_allowed_validators: num(maxVal),
    kappa: num(kappa),
    bonds_penalty: num(bp),
    bonds_moving_average: big(bma),
    yuma3: y3?.toJSON() === true,
    liquid_alpha: la?.toJSON() === true,
    alpha_low: av[0],
    alpha_high: av[1],
    ...(steep !== undefined ? { alpha_sigmoid_steepness: num(steep) } : {}),
    weights: weights.map((c) => (c.toJSON() as SparseRowU16 | null) ?? []),
    bonds: bonds.map((c) => (c.toJSON() as SparseRowU16 | null) ?? []),
    rao_emission: BigInt(Math.max(1, tempo + 1)) * 1_000_000_000n,
  }
  const commitBlocks = await readCommitBlocks(wroot, netuid, hotkeys, current, tempo, num(await q('revealPeriodEpochs')(netuid)))
  if (commitBlocks.some((b) => b !== null)) input.commit_blocks = commitBlocks
  return input
}

/** Per uid, the block of its earliest unexpired weight commit (v2 or v4): the epoch's commit mask. */
async function readCommitBlocks(root: QueryRoot, netuid: number, hotkeys: string[], block: number, tempo: number, period: number): Promise<Array<number | null>> {
  const out: Array<number | null> = hotkeys.map(() => null)
  const epochOf = (b: number): number => (tempo === 0 ? 0 : Math.floor((b + netuid + 1) / (tempo + 1)))
  const note = (who: string, b: number): void => {
    const uid = hotkeys.indexOf(who)
    if (uid < 0 || epochOf(block) > epochOf(b) + period) return
    const cur = out[uid]
    if (cur === null || cur === undefined || b < cur) out[uid] = b
  }
  const v2 = root['subtensorModule']?.['weightCommits']
  if (v2?.entries !== undefined) {
    for (const [key, value] of await v2.entries(netuid)) {
      const who = key.args[1]?.toString()
      for (const c of (value.toJSON() as [string, number][] | null) ?? []) if (who !== undefined) note(who, Number(c[1]))
    }
  }
  const v4 = root['subtensorModule']?.['timelockedWeightCommits']
  if (v4?.entries !== undefined) {
    for (const [, value] of await v4.entries(netuid)) {
      for (const c of (value.toJSON() as [string, number][] | null) ?? []) note(String(c[0]), Number(c[1]))
    }
  }
  return out
}

/**
 * Predicts, for candidate weight rows of `validatorUid`, its dividends and every uid's incentive
 * at the next epoch (src/consensus `whatIf`, GPU batch where available, exact either way).
 */
export async function predictEpoch(client: ChainClient, netuid: number, validatorUid: number, rows: SparseRowU16[], options: { currentBlock?: number; prefer?: 'gpu' | 'cpu' } = {}): Promise<{ path: string; results: { dividends: number; incentive: number[] }[] }> {
  const input = await readEpochInput(client, netuid, options.currentBlock !== undefined ? { currentBlock: options.currentBlock } : {})
  return await whatIf(input, validatorUid, rows, { prefer: options.prefer ?? 'cpu' })
}

/**
 * Recomputes the last epoch of `netuid` and compares it with what the chain stored. The state
 * before the epoch block is read at its parent; weights, last updates and commits at the epoch
 * block itself (reveals run before the epoch in the same block). Returns null when the last epoch
 * is too old for the node to serve its state, or ran at `unlessBlock` (already checked).
 */
export async function checkLastEpoch(client: ChainClient, netuid: number, options: { unlessBlock?: number } = {}): Promise<EpochCheck | null> {
  const api = apiOf(client)
  const block = num(await sm(api.query, 'lastMechansimStepBlock')(netuid))
  if (block < 1 || block === options.unlessBlock) return null
  let at: string, parent: string
  try {
    at = (await api.rpc.chain.getBlockHash(block)).toString()
    parent = (await api.rpc.chain.getBlockHash(block - 1)).toString()
  } catch {
    return null
  }
  let input: EpochInput
  let chainRoot: QueryRoot
  try {
    input = await readEpochInput(client, netuid, { at: parent, weightsAt: at, currentBlock: block })
    chainRoot = (await api.at(at)).query
  } catch {
    return null
  }
  const incentive = ((await sm(chainRoot, 'incentive')(netuid)).toJSON() as number[] | null) ?? []
  const dividends = ((await sm(chainRoot, 'dividends')(netuid)).toJSON() as number[] | null) ?? []
  const out = runEpoch(input)
  const mismatches: EpochMismatch[] = []
  for (let uid = 0; uid < input.n; uid++) {
    if ((incentive[uid] ?? 0) !== out.incentive_u16[uid]) mismatches.push({ uid, field: 'incentive', chain: incentive[uid] ?? 0, ours: out.incentive_u16[uid]! })
    if ((dividends[uid] ?? 0) !== out.dividends_u16[uid]) mismatches.push({ uid, field: 'dividends', chain: dividends[uid] ?? 0, ours: out.dividends_u16[uid]! })
  }
  return { block, chain: { block, incentive, dividends }, ours: { incentive: out.incentive_u16, dividends: out.dividends_u16 }, mismatches }
}

/**
 * The next epoch of `netuid` as the current chain state would produce it (incentive and dividends
 * per uid, u16), on WebGPU where available (`path`), exact either way. Fits the validator tab's
 * `Recompute` hook.
 */
export async function recomputeNextEpoch(client: ChainClient, netuid: number, signal?: AbortSignal): Promise<{ incentiveU16: number[]; dividendsU16: number[]; path: string; block: number }> {
  const input = await readEpochInput(client, netuid)
  const r = await runEpochBatch([input], { prefer: 'gpu', ...(signal !== undefined ? { signal } : {}) })
  const out = r.outputs[0]!
  return { incentiveU16: out.incentive_u16, dividendsU16: out.dividends_u16, path: r.path, block: input.current_block }
}
