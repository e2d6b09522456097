/**
 * Recomputing a subnet's epoch from chain storage: reads what `epoch_mechanism` reads (through the
 * chain client's reads by name, at any block) and runs src/consensus on it. Used to
 * predict incentive/dividends before committing weights (`whatIf`) and to check, after an epoch,
 * that the chain's stored Incentive/Dividends equal our own exact recomputation.
 */
import { runEpoch, runEpochBatch, whatIf, type EpochInput, type EpochOutput, type SparseRowU16 } from '../consensus/index.ts'
import { commitExpired, legacyEpochIndex, readEpochSchedule, type ChainClient, type ChainValue, type EpochSchedule, type Hex } from '../wallet/index.ts'
import { RolesError } from './errors.ts'

/** The chain client's reads by name (what this file needs of {@link ChainClient}). */
type Reads = Pick<ChainClient, 'hasStorage' | 'readStorage' | 'readEntries' | 'blockHash' | 'bestBlock'>

/** Storage index of mechanism `mecid` of `netuid` (`GLOBAL_MAX_SUBNET_COUNT` = 4096). */
export const mechanismIndex = (netuid: number, mecid: number): number => mecid * 4096 + netuid

const num = (c: ChainValue): number => Number(c.toString())
const big = (c: ChainValue): bigint => BigInt(c.toString())
const rowOf = (c: ChainValue): SparseRowU16 => ((c.toJSON() as SparseRowU16 | null) ?? []).map(([u, v]) => [Number(u), Number(v)] as [number, number])

/** Reads of `SubtensorModule` items at one block hash (default best). */
function sm(client: Reads, at: Hex | undefined): { get(item: string, ...args: unknown[]): Promise<ChainValue>; opt(item: string, ...args: unknown[]): Promise<ChainValue | undefined> } {
  const opts = at !== undefined ? { at } : {}
  return {
    get: (item, ...args) => client.readStorage('SubtensorModule', item, args, opts),
    opt: async (item, ...args) => (client.hasStorage('SubtensorModule', item) ? await client.readStorage('SubtensorModule', item, args, opts) : undefined),
  }
}

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
  /** uids whose weights an extrinsic of the epoch block changed: the epoch did not see those changes, nor does the check. */
  ignoredWeightUids: number[]
}

/**
 * What the epoch block's initialization changed, for {@link readEpochInput}: weights and last
 * updates of `uids` (timelocked reveals, which run before the epoch) are read at `hash`;
 * timelocked commits are those still stored at `hash` (the reveals removed theirs).
 */
export interface EpochBlockOverlay {
  hash: Hex
  uids: ReadonlySet<number>
}

/** Options of {@link readEpochInput}. */
export interface ReadEpochInputOptions {
  /** Block hash whose state is read (default best). */
  at?: Hex
  /** The block the epoch runs in (default best + 1). */
  currentBlock?: number
  /** Mechanism id (default 0): weights, bonds, last updates and commits are read at its storage index. */
  mecid?: number
  /** Changes of the epoch block's initialization to lay over `at` (see {@link readEpochSeen}). */
  overlay?: EpochBlockOverlay
}

/**
 * Reads the epoch input of `netuid` as `epoch_mechanism` reads it: the state at `at` (default
 * best), the epoch running at `currentBlock` (default best + 1), with `overlay` (what the epoch
 * block's initialization changed) where given.
 */
export async function readEpochInput(client: Reads, netuid: number, options: ReadEpochInputOptions = {}): Promise<EpochInput> {
  const q = sm(client, options.at)
  const qb = options.overlay !== undefined ? sm(client, options.overlay.hash) : q
  const idx = mechanismIndex(netuid, options.mecid ?? 0)
  const current = options.currentBlock ?? Number(await client.bestBlock()) + 1
  const n = num(await q.get('SubnetworkN', netuid))
  const tempo = num(await q.get('Tempo', netuid))
  const uids = Array.from({ length: n }, (_, i) => i)
  const hotkeys = (await Promise.all(uids.map((u) => q.get('Keys', netuid, u)))).map((c) => c.toString())
  const [ownerHot, alphaValues, lastStep, lastUpdate, permits, maxVal, kappa, bp, bma, y3, la, steep, cutoffMilli, threshold, taoWeight] = await Promise.all([
    q.opt('SubnetOwnerHotkey', netuid), q.opt('AlphaValues', netuid), q.get('LastMechansimStepBlock', netuid), q.get('LastUpdate', idx),
    q.get('ValidatorPermit', netuid), q.get('MaxAllowedValidators', netuid), q.get('Kappa', netuid), q.get('BondsPenalty', netuid),
    q.get('BondsMovingAverage', netuid), q.opt('Yuma3On', netuid), q.opt('LiquidAlphaOn', netuid), q.opt('AlphaSigmoidSteepness', netuid),
    q.opt('ActivityCutoffFactorMilli', netuid), q.get('StakeThreshold'), q.opt('TaoWeight'),
  ])
  const overlaid = options.overlay?.uids ?? new Set<number>()
  const [regs, alpha, root0, weights, bonds, lastUpdateB] = await Promise.all([
    Promise.all(uids.map((u) => q.get('BlockAtRegistration', netuid, u))),
    Promise.all(hotkeys.map((h) => q.get('TotalHotkeyAlpha', h, netuid))),
    Promise.all(hotkeys.map((h) => q.get('TotalHotkeyAlpha', h, 0))),
    Promise.all(uids.map((u) => (overlaid.has(u) ? qb : q).get('Weights', idx, u))),
    Promise.all(uids.map((u) => q.get('Bonds', idx, u))),
    overlaid.size > 0 ? qb.get('LastUpdate', idx) : Promise.resolve(undefined),
  ])
  const pad = <T>(v: T[], fill: T): T[] => Array.from({ length: n }, (_, i) => (i < v.length ? v[i]! : fill))
  const lu = pad(((lastUpdate.toJSON() as (number | string)[] | null) ?? []).map(Number), 0)
  if (lastUpdateB !== undefined) {
    const b = ((lastUpdateB.toJSON() as (number | string)[] | null) ?? []).map(Number)
    for (const u of overlaid) if (u < n) lu[u] = b[u] ?? 0
  }
  const owner = ownerHot?.toString()
  const ownerUid = owner === undefined ? -1 : hotkeys.indexOf(owner)
  const cutoff = cutoffMilli === undefined ? num(await q.get('ActivityCutoff', netuid)) : Math.max(1, Math.floor((num(cutoffMilli) * tempo) / 1000))
  const av = (alphaValues?.toJSON() as [number, number] | undefined) ?? [45875, 58982]
  const input: EpochInput = {
    n,
    current_block: current,
    tempo,
    activity_cutoff_blocks: cutoff,
    last_mechanism_step_block: num(lastStep),
    last_update: lu,
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
    weights: weights.map(rowOf),
    bonds: bonds.map(rowOf),
    rao_emission: BigInt(Math.max(1, tempo + 1)) * 1_000_000_000n,
  }
  if ((await q.get('CommitRevealWeightsEnabled', netuid)).toJSON() === true) {
    // The expiry of commits is judged by the schedule as the epoch sees it: counters after the
    // epoch block's initialization (the overlay's block), or now for a prediction.
    const schedule = await readEpochSchedule(client, netuid, options.overlay !== undefined ? { at: options.overlay.hash } : options.at !== undefined ? { at: options.at } : {})
    const commitBlocks = await readCommitBlocks(client, idx, hotkeys, current, schedule, num(await q.get('RevealPeriodEpochs', netuid)), options.at, options.overlay?.hash)
    if (commitBlocks.some((b) => b !== null)) input.commit_blocks = commitBlocks
  }
  return input
}

/**
 * Per uid, the block of its earliest unexpired weight commit (v2 or v4): the epoch's commit mask.
 * v2 commits are read at `at`; timelocked ones at `at` too, less those gone at `after` (revealed by
 * the epoch block's initialization; extrinsics only add them).
 */
async function readCommitBlocks(client: Reads, idx: number, hotkeys: string[], block: number, s: EpochSchedule, period: number, at: Hex | undefined, after: Hex | undefined): Promise<Array<number | null>> {
  const out: Array<number | null> = hotkeys.map(() => null)
  const note = (who: string, commitEpoch: number, commitBlock: number): void => {
    const uid = hotkeys.indexOf(who)
    if (uid < 0 || commitExpired(s, commitEpoch, period, block)) return
    const cur = out[uid]
    if (cur === null || cur === undefined || commitBlock < cur) out[uid] = commitBlock
  }
  const opts = at !== undefined ? { at } : {}
  const dynamic = s.dynamic !== undefined
  if (client.hasStorage('SubtensorModule', 'WeightCommits')) {
    for (const { keys, value } of await client.readEntries('SubtensorModule', 'WeightCommits', [idx], opts)) {
      const who = keys[1]?.toString()
      if (who === undefined) continue
      // (hash, commit_epoch, commit_block, _) with dynamic epochs; (hash, commit_block, first, last) before.
      for (const c of (value.toJSON() as [string, number, number, number][] | null) ?? []) {
        if (dynamic) note(who, Number(c[1]), Number(c[2]))
        else note(who, legacyEpochIndex(Number(c[1]), s.netuid, s.tempo), Number(c[1]))
      }
    }
  }
  if (client.hasStorage('SubtensorModule', 'TimelockedWeightCommits')) {
    const read = async (h: Hex | undefined): Promise<Array<[number, string, number]>> =>
      (await client.readEntries('SubtensorModule', 'TimelockedWeightCommits', [idx], h !== undefined ? { at: h } : {})).flatMap(({ keys, value }) =>
        ((value.toJSON() as [string, number, string, number][] | null) ?? []).map((c) => [Number(keys[1]?.toString()), String(c[0]), Number(c[1])] as [number, string, number]))
    const before = await read(at)
    const kept = after !== undefined ? new Set((await read(after)).map((c) => c.join('/'))) : undefined
    for (const c of before) if (kept === undefined || kept.has(c.join('/'))) note(c[1], c[0], c[2])
  }
  return out
}

/** What an epoch saw, read back after it ran ({@link readEpochSeen}). */
export interface EpochSeen {
  /** The block the epoch ran in, its hash and its parent's. */
  block: number
  hash: Hex
  parentHash: Hex
  input: EpochInput
  /** uids whose weights the block's initialization set (timelocked reveals): read at the block. */
  revealedUids: number[]
  /** uids whose weights an extrinsic of the block changed: read at the parent, as the epoch saw them. */
  ignoredWeightUids: number[]
}

/**
 * The inputs exactly as the epoch that ran in `block` saw them. The chain runs epochs in the
 * block's initialization, before its extrinsics: so the state is the parent's, plus what the
 * initialization changed before the epoch (timelocked reveals: the weights and last updates of
 * the hotkeys whose commits it consumed), never the block's extrinsics (a `set_weights` in the
 * epoch block counts at the next epoch). Throws `RolesError` `STATE_UNAVAILABLE` when the node
 * does not know the block or no longer serves its state.
 */
export async function readEpochSeen(client: Reads, netuid: number, block: number, options: { mecid?: number } = {}): Promise<EpochSeen> {
  const [hash, parentHash] = await Promise.all([client.blockHash(block), client.blockHash(block - 1)])
  if (hash === undefined || parentHash === undefined) throw new RolesError('STATE_UNAVAILABLE', `block ${hash === undefined ? block : block - 1} is unknown to this node (not produced yet, or not kept)`)
  return await stateUnavailableAs(block, async () => {
    const idx = mechanismIndex(netuid, options.mecid ?? 0)
    const q = sm(client, parentHash)
    const qb = sm(client, hash)
    // Hotkeys whose timelocked commits the initialization consumed (stored at the parent, gone at the block).
    const revealedHotkeys = new Set<string>()
    if (client.hasStorage('SubtensorModule', 'TimelockedWeightCommits')) {
      const who = async (h: Hex): Promise<Set<string>> => new Set((await client.readEntries('SubtensorModule', 'TimelockedWeightCommits', [idx], { at: h }))
        .flatMap(({ keys, value }) => ((value.toJSON() as [string, number][] | null) ?? []).map((c) => `${keys[1]?.toString()}/${String(c[0])}/${c[1]}`)))
      const [before, after] = await Promise.all([who(parentHash), who(hash)])
      for (const k of before) if (!after.has(k)) revealedHotkeys.add(k.split('/')[1]!)
    }
    const n = num(await q.get('SubnetworkN', netuid))
    const hotkeys = (await Promise.all(Array.from({ length: n }, (_, u) => q.get('Keys', netuid, u)))).map((c) => c.toString())
    const revealed = new Set(hotkeys.flatMap((h, u) => (revealedHotkeys.has(h) ? [u] : [])))
    const input = await readEpochInput(client, netuid, { at: parentHash, currentBlock: block, mecid: options.mecid ?? 0, overlay: { hash, uids: revealed } })
    // Weights an extrinsic of this block changed (the epoch did not see them): for the record.
    const after = await Promise.all(Array.from({ length: n }, (_, u) => (revealed.has(u) ? Promise.resolve(undefined) : qb.get('Weights', idx, u))))
    const ignored = after.flatMap((c, u) => (c !== undefined && JSON.stringify(rowOf(c)) !== JSON.stringify(input.weights[u]) ? [u] : []))
    return { block, hash, parentHash, input, revealedUids: [...revealed].sort((a, b) => a - b), ignoredWeightUids: ignored }
  })
}

const UNAVAILABLE = /discarded|unknown block|header not found|state not available|not found for block|pruned/iu

/**
 * Runs `fn`, turning a node's "state already discarded" / "unknown block" errors (a pruned node,
 * or a block not produced) into `RolesError` `STATE_UNAVAILABLE` naming `block`.
 */
export async function stateUnavailableAs<T>(block: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e)
    if (!(e instanceof RolesError) && UNAVAILABLE.test(m)) {
      throw new RolesError('STATE_UNAVAILABLE', `this node no longer serves the state of block ${block} (pruned; ask an archive node): ${m}`, { cause: e })
    }
    throw e
  }
}

/**
 * Predicts, for candidate weight rows of `validatorUid`, its dividends and every uid's incentive
 * at the next epoch (src/consensus `whatIf`, GPU batch where available, exact either way).
 */
export async function predictEpoch(client: ChainClient, netuid: number, validatorUid: number, rows: SparseRowU16[], options: { currentBlock?: number; prefer?: 'gpu' | 'cpu' } = {}): Promise<{ path: string; results: { dividends: number; incentive: number[] }[] }> {
  const input = await readEpochInput(client, netuid, options.currentBlock !== undefined ? { currentBlock: options.currentBlock } : {})
  return await whatIf(input, validatorUid, rows, { prefer: options.prefer ?? 'cpu' })
}

/** What the chain stored after the epoch of one mechanism, per uid (read at the epoch block). */
export interface StoredOutputs {
  incentive: number[]
  dividends: number[]
  /** `Emission` (rao per uid). */
  emission: bigint[]
  /** `Bonds` rows. */
  bonds: SparseRowU16[]
}

/** Reads the outputs the chain stored for `netuid` (mechanism `mecid`) at block hash `at`, for `n` uids. */
export async function readStoredOutputs(client: Reads, netuid: number, at: Hex, n: number, options: { mecid?: number } = {}): Promise<StoredOutputs> {
  const q = sm(client, at)
  const idx = mechanismIndex(netuid, options.mecid ?? 0)
  const vec = (c: ChainValue): unknown[] => (c.toJSON() as unknown[] | null) ?? []
  const [incentive, dividends, emission, bonds] = await Promise.all([
    q.get('Incentive', idx), q.get('Dividends', netuid), q.get('Emission', netuid),
    Promise.all(Array.from({ length: n }, (_, u) => q.get('Bonds', idx, u))),
  ])
  const pick = <T>(v: unknown[], f: (x: unknown) => T, fill: T): T[] => Array.from({ length: n }, (_, i) => (i < v.length ? f(v[i]) : fill))
  return {
    incentive: pick(vec(incentive), Number, 0),
    dividends: pick(vec(dividends), Number, 0),
    emission: pick(vec(emission), (x) => BigInt(String(x)), 0n),
    bonds: bonds.map(rowOf),
  }
}

/** Incentive and dividends mismatches between the chain's stored outputs and ours. */
export function epochMismatches(chain: Pick<StoredOutputs, 'incentive' | 'dividends'>, ours: Pick<EpochOutput, 'incentive_u16' | 'dividends_u16'>): EpochMismatch[] {
  const out: EpochMismatch[] = []
  for (let uid = 0; uid < ours.incentive_u16.length; uid++) {
    if ((chain.incentive[uid] ?? 0) !== ours.incentive_u16[uid]) out.push({ uid, field: 'incentive', chain: chain.incentive[uid] ?? 0, ours: ours.incentive_u16[uid]! })
    if ((chain.dividends[uid] ?? 0) !== ours.dividends_u16[uid]) out.push({ uid, field: 'dividends', chain: chain.dividends[uid] ?? 0, ours: ours.dividends_u16[uid]! })
  }
  return out
}

/**
 * Recomputes the last epoch of `netuid` from what it saw ({@link readEpochSeen}: the parent's
 * state plus the block's initialization, never its extrinsics) and compares it with what the
 * chain stored. Returns null when the node no longer serves that block's state, or the epoch ran
 * at `unlessBlock` (already checked).
 */
export async function checkLastEpoch(client: Reads, netuid: number, options: { unlessBlock?: number } = {}): Promise<EpochCheck | null> {
  const block = num(await client.readStorage('SubtensorModule', 'LastMechansimStepBlock', [netuid]))
  if (block < 1 || block === options.unlessBlock) return null
  let seen: EpochSeen
  let stored: StoredOutputs
  try {
    seen = await readEpochSeen(client, netuid, block)
    stored = await stateUnavailableAs(block, () => readStoredOutputs(client, netuid, seen.hash, seen.input.n))
  } catch (e) {
    if (e instanceof RolesError && e.code === 'STATE_UNAVAILABLE') return null
    throw e
  }
  const out = runEpoch(seen.input)
  return {
    block,
    chain: { block, incentive: stored.incentive, dividends: stored.dividends },
    ours: { incentive: out.incentive_u16, dividends: out.dividends_u16 },
    mismatches: epochMismatches(stored, out),
    ignoredWeightUids: seen.ignoredWeightUids,
  }
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
