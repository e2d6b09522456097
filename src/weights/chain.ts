/**
 * Weight submission flows against a subtensor node through the wallet's {@link ChainClient}
 * (calls and storage by name from the node's metadata, one submit with decoded errors): read the
 * subnet's weight state, `set_weights` honouring `WeightsSetRateLimit`, hash commit-reveal (v2)
 * with a pending-commit store, timelocked commit-reveal (v4), and status reports.
 */
import { blake2b } from '@noble/hashes/blake2.js'
import { DispatchError, WalletError, calls, epochIndexAt, epochStartBlock, readEpochSchedule, type ChainClient, type ChainValue, type CallSpec, type EpochSchedule, type TxSigner } from '../wallet/index.ts'
import { QUICKNET, type BeaconInfo } from '../timelock/index.ts'
import { WeightsError } from './errors.ts'
import { checkWeights, prepareWeights, type WeightLimits } from './prepare.ts'
import { commitHash, encryptWeights, makeSalt, revealRound, storageIndex } from './commit.ts'
import type { PendingCommit, PendingCommitStore } from './store.ts'

/** The hotkey that signs weight extrinsics: the wallet's one signer interface. */
export type WeightsAccount = TxSigner

/** Everything the weight flows read from chain state for one subnet and one hotkey. */
export interface SubnetWeightState extends WeightLimits {
  netuid: number
  mecid: number
  netuidIndex: number
  /** Best block number when read. */
  block: number
  genesisHash: string
  tempo: number
  weightsSetRateLimit: number
  commitRevealEnabled: boolean
  revealPeriodEpochs: number
  /** `CommitRevealWeightsVersion` (default 4). */
  commitRevealVersion: number
  /** `SubnetEpochIndex[netuid]`, when the runtime has the stateful counter. */
  epochIndex?: number
  lastEpochBlock?: number
  pendingEpochAt?: number
  /** `BlocksSinceLastStep[netuid]` (the `MAX_TEMPO` safety net), when the runtime has it. */
  blocksSinceLastStep?: number
  /** The hotkey's uid, when registered. */
  uid?: number
  /** `LastUpdate[netuidIndex][uid]` (0 = never). */
  lastUpdate: number
  /** The drand beacon the chain decrypts with (`Drand.BeaconConfig`), quicknet when unreadable. */
  beacon: BeaconInfo
}

/** Common options of the flows. */
export interface FlowOptions {
  /** Mechanism id (sub-subnet); default 0. */
  mecid?: number
  signal?: AbortSignal
}

type Query = (...args: unknown[]) => Promise<ChainValue>

/** A storage item of `pallet` by name, or undefined when this runtime has none. */
function query(client: ChainClient, pallet: string, item: string): Query | undefined {
  if (!client.hasStorage(pallet, item)) return undefined
  return (...args: unknown[]) => client.readStorage(pallet, item, args)
}

async function num(client: ChainClient, item: string, ...args: unknown[]): Promise<number | undefined> {
  const q = query(client, 'SubtensorModule', item)
  if (q === undefined) return undefined
  return Number((await q(...args)).toString())
}

function toHex(b: Uint8Array): string {
  return `0x${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`
}

function fromHex(h: string): Uint8Array {
  const s = h.startsWith('0x') ? h.slice(2) : h
  return Uint8Array.from({ length: s.length / 2 }, (_, i) => parseInt(s.slice(2 * i, 2 * i + 2), 16))
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new WeightsError('ABORTED', 'aborted by the caller')
}

async function readBeacon(client: ChainClient): Promise<BeaconInfo> {
  const q = query(client, 'Drand', 'BeaconConfig')
  if (q === undefined) return QUICKNET
  try {
    const cfg = (await q()).toJSON() as { publicKey?: string; genesisTime?: number; period?: number; hash?: string }
    const pk = typeof cfg.publicKey === 'string' ? fromHex(cfg.publicKey) : undefined
    if (pk === undefined || pk.length !== 96 || !cfg.genesisTime || !cfg.period) return QUICKNET
    return { publicKey: pk, genesisTime: cfg.genesisTime, period: cfg.period, chainHash: (cfg.hash ?? '').replace(/^0x/, '') }
  } catch {
    return QUICKNET
  }
}

/** Reads the subnet's weight hyperparameters and the hotkey's registration in one pass. */
export async function readSubnetWeightState(client: ChainClient, netuid: number, hotkey: string, opts: FlowOptions = {}): Promise<SubnetWeightState> {
  throwIfAborted(opts.signal)
  const mecid = opts.mecid ?? 0
  const netuidIndex = storageIndex(netuid, mecid)
  const best = Number(await client.bestBlock(opts.signal !== undefined ? { signal: opts.signal } : {}))
  const [
    tempo, n, minAllowedWeights, maxWeightsLimit, rateLimit, revealPeriod, crVersion, schedule,
  ] = await Promise.all([
    num(client, 'tempo', netuid), num(client, 'subnetworkN', netuid), num(client, 'minAllowedWeights', netuid),
    num(client, 'maxWeightsLimit', netuid), num(client, 'weightsSetRateLimit', netuid), num(client, 'revealPeriodEpochs', netuid),
    num(client, 'commitRevealWeightsVersion'),
    // The wallet's one epoch schedule: the dynamic counters where the metadata has them.
    client.hasStorage('SubtensorModule', 'Tempo') ? readEpochSchedule(client, netuid) : undefined,
  ])
  const sm = (item: string): Query => {
    const q = query(client, 'SubtensorModule', item)
    if (q === undefined) throw new WeightsError('BAD_INPUT', `the chain has no SubtensorModule.${item}: not a subtensor node?`)
    return q
  }
  const [versionKey, crEnabled, uidOpt, lastUpdates, permits, ownerHotkey, beacon] = await Promise.all([
    sm('weightsVersionKey')(netuid),
    sm('commitRevealWeightsEnabled')(netuid),
    sm('uids')(netuid, hotkey),
    sm('lastUpdate')(netuidIndex),
    sm('validatorPermit')(netuid),
    query(client, 'SubtensorModule', 'subnetOwnerHotkey')?.(netuid),
    readBeacon(client),
  ])
  if (tempo === undefined || n === undefined) throw new WeightsError('BAD_INPUT', 'the chain has no SubtensorModule.Tempo/SubnetworkN: not a subtensor node?')
  const uidJson = uidOpt.toJSON()
  const uid = uidJson === null || uidJson === undefined ? undefined : Number(uidJson)
  const last = (lastUpdates.toJSON() as (number | string)[] | null) ?? []
  const permitList = (permits.toJSON() as boolean[] | null) ?? []
  const isOwner = ownerHotkey !== undefined && ownerHotkey.toString() === hotkey
  const state: SubnetWeightState = {
    netuid,
    mecid,
    netuidIndex,
    block: best,
    genesisHash: client.genesisHash,
    tempo,
    n,
    minAllowedWeights: minAllowedWeights ?? 0,
    maxWeightsLimit: maxWeightsLimit ?? 65535,
    weightsVersionKey: BigInt(versionKey.toString()),
    weightsSetRateLimit: rateLimit ?? 0,
    commitRevealEnabled: crEnabled.toJSON() === true,
    revealPeriodEpochs: revealPeriod ?? 1,
    commitRevealVersion: crVersion ?? 4,
    lastUpdate: uid === undefined ? 0 : Number(last[uid] ?? 0),
    beacon,
  }
  const dynamic = schedule?.dynamic
  if (dynamic !== undefined) {
    state.epochIndex = dynamic.epochIndex
    state.lastEpochBlock = dynamic.lastEpochBlock
    state.pendingEpochAt = dynamic.pendingEpochAt
    if (dynamic.blocksSinceLastStep !== undefined) state.blocksSinceLastStep = dynamic.blocksSinceLastStep
  }
  if (uid !== undefined) {
    state.uid = uid
    state.ownUid = uid
    state.validatorPermit = isOwner || permitList[uid] === true
  }
  return state
}

/**
 * How many mechanisms (sub-subnets) `netuid` has: `MechanismCountCurrent[netuid]` where the
 * runtime's metadata has it (at least 1), else 1 (runtimes before mechanisms).
 */
export async function readMechanismCount(client: ChainClient, netuid: number, opts: { signal?: AbortSignal } = {}): Promise<number> {
  throwIfAborted(opts.signal)
  const count = await num(client, 'MechanismCountCurrent', netuid)
  return count === undefined ? 1 : Math.max(1, count)
}

/** The wallet's {@link EpochSchedule} of the subnet this state was read for. */
function scheduleOf(s: SubnetWeightState): EpochSchedule {
  if (s.epochIndex === undefined || s.lastEpochBlock === undefined) return { netuid: s.netuid, tempo: s.tempo }
  return {
    netuid: s.netuid,
    tempo: s.tempo,
    dynamic: {
      epochIndex: s.epochIndex,
      lastEpochBlock: s.lastEpochBlock,
      pendingEpochAt: s.pendingEpochAt ?? 0,
      ...(s.blocksSinceLastStep !== undefined ? { blocksSinceLastStep: s.blocksSinceLastStep } : {}),
    },
  }
}

/**
 * The epoch a commit or reveal included at `block` belongs to (`current_epoch_with_lookahead`),
 * by the wallet's one epoch schedule: `SubnetEpochIndex` plus one when an epoch is due at that
 * block; the legacy modulo epoch `(block + netuid + 1) / (tempo + 1)` on runtimes without the
 * counter (decided by the metadata).
 */
export function epochAt(s: SubnetWeightState, block: number): number {
  return epochIndexAt(scheduleOf(s), block)
}

/** Seconds per block, measured from `Timestamp.Now` over recent blocks; falls back to 2·MinimumPeriod. */
export async function measureBlockTime(client: ChainClient, span = 10): Promise<number> {
  try {
    const h = Number(await client.bestBlock())
    const k = Math.min(span, h - 1)
    if (k >= 2) {
      const [a, b] = await Promise.all([client.blockHash(h - k), client.blockHash(h)])
      if (a !== undefined && b !== undefined) {
        const [ta, tb] = await Promise.all([client.readStorage('Timestamp', 'Now', [], { at: a }), client.readStorage('Timestamp', 'Now', [], { at: b })])
        const dt = (Number(tb.toString()) - Number(ta.toString())) / 1000 / k
        if (dt > 0) return dt
      }
    }
  } catch {
    // fall through to the constant
  }
  const minPeriod = client.readConstant('Timestamp', 'MinimumPeriod')
  return minPeriod ? (2 * Number(minPeriod.toString())) / 1000 : 12
}

/** What an included extrinsic produced. */
export interface Inclusion {
  blockHash: string
  blockNumber: number
}

const CHAIN_ERROR_CODES: Record<string, 'REVEAL_TOO_EARLY' | 'COMMIT_EXPIRED' | 'COMMIT_NOT_FOUND' | 'RATE_LIMITED' | 'NOT_REGISTERED' | 'VERSION_KEY_TOO_LOW' | 'COMMIT_REVEAL_ENABLED' | 'COMMIT_REVEAL_DISABLED'> = {
  'subtensorModule.RevealTooEarly': 'REVEAL_TOO_EARLY',
  'subtensorModule.ExpiredWeightCommit': 'COMMIT_EXPIRED',
  'subtensorModule.NoWeightsCommitFound': 'COMMIT_NOT_FOUND',
  'subtensorModule.InvalidRevealCommitHashNotMatch': 'COMMIT_NOT_FOUND',
  'subtensorModule.SettingWeightsTooFast': 'RATE_LIMITED',
  'subtensorModule.CommittingWeightsTooFast': 'RATE_LIMITED',
  'subtensorModule.HotKeyNotRegisteredInSubNet': 'NOT_REGISTERED',
  'subtensorModule.IncorrectWeightVersionKey': 'VERSION_KEY_TOO_LOW',
  'subtensorModule.CommitRevealEnabled': 'COMMIT_REVEAL_ENABLED',
  'subtensorModule.CommitRevealDisabled': 'COMMIT_REVEAL_DISABLED',
}

/** A chain rejection as a `WeightsError`: a specific code where callers act differently, else `CHAIN_REJECTED`. */
export function chainRejection(name: string, what: string): WeightsError {
  const key = name.charAt(0).toLowerCase() + name.slice(1)
  const code = CHAIN_ERROR_CODES[key] ?? 'CHAIN_REJECTED'
  return new WeightsError(code, `${what} was rejected by the chain: ${name}`, name)
}

/**
 * Signs and submits `call` with `account` through the chain client's one submit, resolving once it
 * is in a block with `ExtrinsicSuccess`; rejects with a `WeightsError` carrying the chain error
 * (`Pallet.Error`, decoded by the wallet) otherwise.
 */
export async function submit(client: ChainClient, call: CallSpec, account: WeightsAccount, what: string, opts: { signal?: AbortSignal } = {}): Promise<Inclusion> {
  throwIfAborted(opts.signal)
  try {
    const r = await client.submit(call, account, { waitFor: 'inBlock', ...(opts.signal !== undefined ? { signal: opts.signal } : {}) })
    return { blockHash: r.blockHash, blockNumber: r.blockNumber }
  } catch (e) {
    if (e instanceof DispatchError) throw chainRejection(`${e.dispatch.pallet}.${e.dispatch.name}`, what)
    if (e instanceof WalletError) {
      if (e.code === 'ABORTED') throw new WeightsError('ABORTED', `${what}: aborted by the caller (it may still be included)`)
      if (e.code === 'UNSUPPORTED' || e.code === 'BAD_INPUT') throw new WeightsError('BAD_INPUT', `${what}: ${e.message}`)
      throw new WeightsError('CHAIN_REJECTED', `${what} was not included: ${e.message}`, e.code)
    }
    throw e
  }
}

/** A `SubtensorModule` call by metadata name (snake_case). */
function tx(method: string, ...args: unknown[]): CallSpec {
  return calls.namedCall('SubtensorModule', method, args)
}

/** Weights to send: float scores (converted like the SDK) or ready u16 values. */
export interface WeightsInput {
  netuid: number
  uids: readonly number[]
  /** Float scores (any scale); converted to u16 max-upscaled. */
  scores?: readonly number[]
  /** Ready u16 values (used as given, after the checks). */
  values?: readonly number[]
  /** Version key; default the subnet's `WeightsVersionKey`. */
  versionKey?: bigint
  /** Keep zero weights (default false). */
  keepZeros?: boolean
}

function resolveWeights(input: WeightsInput, s: SubnetWeightState): { uids: number[]; values: number[]; versionKey: bigint } {
  if (s.uid === undefined) throw new WeightsError('NOT_REGISTERED', `the hotkey is not registered on subnet ${s.netuid}; register it first`)
  if (input.scores !== undefined) return prepareWeights(input.uids, input.scores, s, { ...(input.versionKey !== undefined ? { versionKey: input.versionKey } : {}), keepZeros: input.keepZeros ?? false })
  if (input.values === undefined) throw new WeightsError('BAD_INPUT', 'give either scores or values')
  const uids = [...input.uids]
  const values = [...input.values]
  const versionKey = checkWeights(uids, values, s, input.versionKey)
  return { uids, values, versionKey }
}

/** Result of {@link setWeights}. */
export interface SetWeightsResult extends Inclusion {
  uids: number[]
  values: number[]
  versionKey: bigint
}

/**
 * `set_weights` (or `set_mechanism_weights`) for subnets with commit-reveal off. Honours
 * `WeightsSetRateLimit`: waits for the allowed block when `waitForRateLimit`, else throws
 * `RATE_LIMITED` naming the block it opens at.
 */
export async function setWeights(client: ChainClient, account: WeightsAccount, input: WeightsInput, opts: FlowOptions & { waitForRateLimit?: boolean } = {}): Promise<SetWeightsResult> {
  const s = await readSubnetWeightState(client, input.netuid, account.address, opts)
  if (s.commitRevealEnabled) throw new WeightsError('COMMIT_REVEAL_ENABLED', `commit-reveal is on for subnet ${s.netuid}: use commitWeights (v2) or commitTimelockedWeights (v4)`)
  const w = resolveWeights(input, s)
  const opensAt = s.lastUpdate === 0 ? 0 : s.lastUpdate + s.weightsSetRateLimit
  if (s.block + 1 < opensAt) {
    if (!opts.waitForRateLimit) throw new WeightsError('RATE_LIMITED', `weights were set at block ${s.lastUpdate}; WeightsSetRateLimit ${s.weightsSetRateLimit} allows the next set from block ${opensAt} (now ${s.block})`)
    await waitForBlock(client, opensAt - 1, opts.signal)
  }
  const call = s.mecid === 0
    ? tx('set_weights', s.netuid, w.uids, w.values, w.versionKey)
    : tx('set_mechanism_weights', s.netuid, s.mecid, w.uids, w.values, w.versionKey)
  const inc = await submit(client, call, account, 'set_weights', opts)
  return { ...inc, ...w }
}

/** Resolves once the best block number reaches `target`. */
export async function waitForBlock(client: ChainClient, target: number, signal?: AbortSignal): Promise<number> {
  throwIfAborted(signal)
  return await new Promise<number>((resolve, reject) => {
    let unsub: (() => void) | undefined
    let done = false
    const finish = (fn: () => void): void => {
      if (done) return
      done = true
      signal?.removeEventListener('abort', onAbort)
      unsub?.()
      fn()
    }
    const onAbort = (): void => finish(() => reject(new WeightsError('ABORTED', 'aborted while waiting for a block')))
    signal?.addEventListener('abort', onAbort, { once: true })
    client.subscribeBlocks((b) => {
      const n = Number(b)
      if (n >= target) finish(() => resolve(n))
    }).then(
      (u) => {
        if (done) u()
        else unsub = u
      },
      (e: Error) => finish(() => reject(new WeightsError('CHAIN_REJECTED', `cannot follow new blocks: ${e.message}`))),
    )
  })
}

/**
 * Where the chain put our v2 commit. Subtensor main stores `(hash, commit_epoch, commit_block, 0)`;
 * older runtimes (and the devnet) store `(hash, commit_block, first_reveal_block, last_reveal_block)`.
 * The inclusion block (or, without it, the last field) tells the two apart.
 */
async function findV2Commit(client: ChainClient, netuidIndex: number, hotkey: string, hashHex: string, block?: number): Promise<{ epoch?: number; fromBlock?: number; untilBlock?: number; block: number } | undefined> {
  const q = query(client, 'SubtensorModule', 'WeightCommits')
  if (q === undefined) return undefined
  const commits = ((await q(netuidIndex, hotkey)).toJSON() ?? []) as [string, number | string, number | string, number | string][]
  const found = commits.find((c) => c[0] === hashHex)
  if (found === undefined) return undefined
  const [a, b, c] = [Number(found[1]), Number(found[2]), Number(found[3])]
  // Without the inclusion block (a commit settled after a restart) the layout still tells: main's last field is 0.
  if (c === 0 && (block === undefined || b === block)) return { epoch: a, block: b }
  if (c !== 0 && (block === undefined || a === block) && b > a && c >= b) return { fromBlock: b, untilBlock: c, block: a }
  return undefined
}

/** Result of {@link commitWeights} and {@link commitTimelockedWeights}. */
export interface CommitResult extends Inclusion {
  /** The stored record (also put in the store when one was given). */
  commit: PendingCommit
}

/**
 * Hash commit-reveal (v2): prepares and checks the weights, draws a salt, submits
 * `commit_weights(netuid, BlakeTwo256(SCALE(hotkey, netuid_index, uids, values, salt, version_key)))`,
 * and records the salt in `store` so `revealWeights` can reveal it in its epoch.
 */
export async function commitWeights(client: ChainClient, account: WeightsAccount, input: WeightsInput, store: PendingCommitStore | undefined, opts: FlowOptions & { salt?: number[] } = {}): Promise<CommitResult> {
  const s = await readSubnetWeightState(client, input.netuid, account.address, opts)
  if (!s.commitRevealEnabled) throw new WeightsError('COMMIT_REVEAL_DISABLED', `commit-reveal is off for subnet ${s.netuid}: use setWeights`)
  const w = resolveWeights(input, s)
  const salt = opts.salt ?? makeSalt()
  const hash = commitHash({ hotkey: account.publicKey, netuidIndex: s.netuidIndex, uids: w.uids, values: w.values, salt, versionKey: w.versionKey })
  const hashHex = toHex(hash)
  const call = s.mecid === 0 ? tx('commit_weights', s.netuid, hashHex) : tx('commit_mechanism_weights', s.netuid, s.mecid, hashHex)
  // The salt is stored before the commit is sent: a process stopped between submission and
  // inclusion would otherwise leave a commit on chain that nothing can reveal (revealWeights settles it).
  const sentEpoch = epochAt(s, s.block + 1)
  const sent = Date.now()
  await store?.put({
    id: hashHex, kind: 'v2', genesisHash: s.genesisHash, hotkey: account.address, netuid: s.netuid, mecid: s.mecid, uids: w.uids, values: w.values, salt,
    versionKey: w.versionKey.toString(), commitBlock: s.block + 1, commitEpoch: sentEpoch, revealEpoch: sentEpoch + s.revealPeriodEpochs, status: 'submitted', createdAt: sent, updatedAt: sent,
  })
  const inc = await submit(client, call, account, 'commit_weights', opts)
  const onChain = await findV2Commit(client, s.netuidIndex, account.address, hashHex, inc.blockNumber)
  const commitEpoch = onChain?.epoch ?? epochAt(s, inc.blockNumber)
  const now = Date.now()
  const commit: PendingCommit = {
    id: hashHex,
    kind: 'v2',
    genesisHash: s.genesisHash,
    hotkey: account.address,
    netuid: s.netuid,
    mecid: s.mecid,
    uids: w.uids,
    values: w.values,
    salt,
    versionKey: w.versionKey.toString(),
    commitBlock: inc.blockNumber,
    commitEpoch,
    revealEpoch: commitEpoch + s.revealPeriodEpochs,
    ...(onChain?.fromBlock !== undefined ? { revealFromBlock: onChain.fromBlock, revealUntilBlock: onChain.untilBlock } : {}),
    status: 'pending',
    createdAt: now,
    updatedAt: now,
  }
  await store?.put(commit)
  return { ...inc, commit }
}

/** Options of {@link commitTimelockedWeights}. */
export interface TimelockedCommitOptions extends FlowOptions {
  /** Seconds per block for the reveal-round formula; default measured from the chain. */
  blockTimeSec?: number
  /** Beacon public key to encrypt to; default the chain's `Drand.BeaconConfig` (quicknet on finney). */
  beaconPublicKey?: Uint8Array
  /** Override the reveal round (tests of rejection paths); default the reference formula. */
  revealRound?: bigint
  /** Wall clock for the reveal-round formula (ms); default `Date.now()`. */
  nowMs?: number
}

/**
 * Timelocked commit-reveal (v4): encrypts SCALE `WeightsTlockPayload { hotkey, uids, values,
 * version_key }` to the drand round the reference client picks and submits
 * `commit_timelocked_weights(netuid, commit, reveal_round, CommitRevealWeightsVersion)`.
 * The chain reveals it itself at the reveal epoch.
 */
export async function commitTimelockedWeights(client: ChainClient, account: WeightsAccount, input: WeightsInput, store: PendingCommitStore | undefined, opts: TimelockedCommitOptions = {}): Promise<CommitResult & { revealRound: bigint; commitBytes: Uint8Array }> {
  const s = await readSubnetWeightState(client, input.netuid, account.address, opts)
  if (!s.commitRevealEnabled) throw new WeightsError('COMMIT_REVEAL_DISABLED', `commit-reveal is off for subnet ${s.netuid}: use setWeights`)
  const w = resolveWeights(input, s)
  const blockTimeSec = opts.blockTimeSec ?? (await measureBlockTime(client))
  const schedule = scheduleOf(s)
  const firstRevealBlock = schedule.dynamic !== undefined ? epochStartBlock(schedule, epochIndexAt(schedule, s.block) + s.revealPeriodEpochs) : undefined
  const round = opts.revealRound ?? revealRound({
    tempo: s.tempo,
    currentBlock: s.block,
    netuidIndex: s.netuidIndex,
    revealPeriodEpochs: s.revealPeriodEpochs,
    blockTimeSec,
    info: s.beacon,
    ...(firstRevealBlock !== undefined ? { firstRevealBlock } : {}),
    ...(opts.nowMs !== undefined ? { nowMs: opts.nowMs } : {}),
  })
  const commitBytes = encryptWeights({ hotkey: account.publicKey, uids: w.uids, values: w.values, versionKey: w.versionKey }, round, opts.beaconPublicKey ?? s.beacon.publicKey)
  const call = s.mecid === 0
    ? tx('commit_timelocked_weights', s.netuid, toHex(commitBytes), round, s.commitRevealVersion)
    : tx('commit_timelocked_mechanism_weights', s.netuid, s.mecid, toHex(commitBytes), round, s.commitRevealVersion)
  const inc = await submit(client, call, account, 'commit_timelocked_weights', opts)
  const commitEpoch = epochAt(s, inc.blockNumber)
  const now = Date.now()
  const commit: PendingCommit = {
    id: toHex(blake2b(commitBytes, { dkLen: 32 })),
    kind: 'v4',
    genesisHash: s.genesisHash,
    hotkey: account.address,
    netuid: s.netuid,
    mecid: s.mecid,
    uids: w.uids,
    values: w.values,
    versionKey: w.versionKey.toString(),
    commitBlock: inc.blockNumber,
    commitEpoch,
    revealEpoch: commitEpoch + s.revealPeriodEpochs,
    revealRound: round.toString(),
    status: 'pending',
    createdAt: now,
    updatedAt: now,
  }
  await store?.put(commit)
  return { ...inc, commit, revealRound: round, commitBytes }
}

/** What happened to one stored commit during {@link revealWeights}. */
export interface RevealOutcome {
  commit: PendingCommit
  /** `revealed` (now or by the chain), `waiting` (its epoch has not come), `expired`, `failed`. */
  outcome: 'revealed' | 'waiting' | 'expired' | 'failed'
  /** Blocks until the reveal epoch, for `waiting` (estimate). */
  detail?: string
  inclusion?: Inclusion
}

/** Whether the next block is before, inside or after a v2 commit's reveal window. */
function revealPhase(c: PendingCommit, s: SubnetWeightState): 'early' | 'due' | 'late' {
  const next = s.block + 1
  if (c.revealFromBlock !== undefined && c.revealUntilBlock !== undefined) {
    return next < c.revealFromBlock ? 'early' : next > c.revealUntilBlock ? 'late' : 'due'
  }
  const epoch = epochAt(s, next)
  return epoch < c.revealEpoch ? 'early' : epoch > c.revealEpoch ? 'late' : 'due'
}

function revealWhen(c: PendingCommit, s: SubnetWeightState): string {
  if (c.revealFromBlock !== undefined) return `blocks ${c.revealFromBlock}..${c.revealUntilBlock}, next block ${s.block + 1}`
  return `epoch ${c.revealEpoch}, next block in epoch ${epochAt(s, s.block + 1)}`
}

/** Options of {@link revealWeights}. */
export interface RevealOptions extends FlowOptions {
  /** Wait (following new blocks) until each commit's reveal epoch instead of reporting `waiting`. */
  wait?: boolean
  /** Only this netuid. */
  netuid?: number
}

/** The weights row stored on chain for `uid` (`Weights[netuidIndex][uid]`), as [uid, value] pairs. */
export async function readWeightsRow(client: ChainClient, netuidIndex: number, uid: number): Promise<[number, number][]> {
  const q = query(client, 'SubtensorModule', 'Weights')
  if (q === undefined) return []
  return ((await q(netuidIndex, uid)).toJSON() ?? []) as [number, number][]
}

/**
 * v2 commits whose salt was stored before sending but whose inclusion was never recorded (the
 * process stopped in between): found on chain, they become pending with the chain's epoch or
 * reveal window; absent after their reveal epoch, failed. Others wait for the next call.
 */
async function settleSubmitted(client: ChainClient, account: WeightsAccount, store: PendingCommitStore, genesisHash: string, opts: RevealOptions): Promise<void> {
  const sent = await store.list({ genesisHash, hotkey: account.address, status: 'submitted', ...(opts.netuid !== undefined ? { netuid: opts.netuid } : {}) })
  for (const c of sent) {
    throwIfAborted(opts.signal)
    const s = await readSubnetWeightState(client, c.netuid, account.address, { mecid: c.mecid, ...(opts.signal ? { signal: opts.signal } : {}) })
    const onChain = await findV2Commit(client, s.netuidIndex, account.address, c.id)
    if (onChain !== undefined) {
      const commitEpoch = onChain.epoch ?? epochAt(s, onChain.block)
      const window = onChain.fromBlock !== undefined ? { revealFromBlock: onChain.fromBlock, revealUntilBlock: onChain.untilBlock } : {}
      await store.put({ ...c, status: 'pending', commitBlock: onChain.block, commitEpoch, revealEpoch: commitEpoch + s.revealPeriodEpochs, ...window, updatedAt: Date.now() })
    } else if (epochAt(s, s.block) > c.revealEpoch) {
      await store.put({ ...c, status: 'failed', note: `not on chain by block ${s.block}: never included (or dropped while this process was stopped)`, updatedAt: Date.now() })
    }
  }
}

/**
 * Reveals this hotkey's pending v2 commits from `store` in their reveal epoch
 * (`reveal_weights(netuid, uids, values, salt, version_key)`), and settles v4 commits by checking
 * whether the chain revealed them. Expired commits are marked `expired` and reported, never dropped.
 */
export async function revealWeights(client: ChainClient, account: WeightsAccount, store: PendingCommitStore, opts: RevealOptions = {}): Promise<RevealOutcome[]> {
  const genesisHash = client.genesisHash
  await settleSubmitted(client, account, store, genesisHash, opts)
  const pending = await store.list({ genesisHash, hotkey: account.address, status: 'pending', ...(opts.netuid !== undefined ? { netuid: opts.netuid } : {}) })
  const out: RevealOutcome[] = []
  for (const c of pending) {
    throwIfAborted(opts.signal)
    let s = await readSubnetWeightState(client, c.netuid, account.address, { mecid: c.mecid, ...(opts.signal ? { signal: opts.signal } : {}) })
    const mark = async (status: PendingCommit['status'], note?: string): Promise<PendingCommit> => {
      const next: PendingCommit = { ...c, status, updatedAt: Date.now(), ...(note !== undefined ? { note } : {}) }
      await store.put(next)
      return next
    }
    if (c.kind === 'v4') {
      const epoch = epochAt(s, s.block)
      if (epoch < c.revealEpoch || (epoch === c.revealEpoch && s.block <= c.commitBlock)) {
        out.push({ commit: c, outcome: 'waiting', detail: `the chain reveals it in epoch ${c.revealEpoch} (now ${epoch})` })
        continue
      }
      const row = s.uid === undefined ? [] : await readWeightsRow(client, s.netuidIndex, s.uid)
      const matches = row.length === c.uids.length && row.every(([u], i) => u === c.uids[i])
      if (matches && s.lastUpdate >= c.commitBlock) out.push({ commit: await mark('revealed', `revealed by the chain by block ${s.block}`), outcome: 'revealed' })
      else if (epoch > c.revealEpoch) out.push({ commit: await mark('expired', `not revealed by the end of epoch ${c.revealEpoch} (pulse for round ${c.revealRound} missing, or the payload was refused)`), outcome: 'expired' })
      else out.push({ commit: c, outcome: 'waiting', detail: `reveal epoch ${c.revealEpoch} in progress` })
      continue
    }
    const refresh = async (): Promise<void> => {
      s = await readSubnetWeightState(client, c.netuid, account.address, { mecid: c.mecid, ...(opts.signal ? { signal: opts.signal } : {}) })
    }
    let phase = revealPhase(c, s)
    while (phase === 'early' && opts.wait) {
      await waitForBlock(client, s.block + 1, opts.signal)
      await refresh()
      phase = revealPhase(c, s)
    }
    if (phase === 'early') {
      out.push({ commit: c, outcome: 'waiting', detail: revealWhen(c, s) })
      continue
    }
    if (phase === 'late') {
      out.push({ commit: await mark('expired', `its reveal window (${revealWhen(c, s)}) has passed; the chain dropped it`), outcome: 'expired' })
      continue
    }
    const call = (): CallSpec => c.mecid === 0
      ? tx('reveal_weights', c.netuid, c.uids, c.values, c.salt ?? [], BigInt(c.versionKey))
      : tx('reveal_mechanism_weights', c.netuid, c.mecid, c.uids, c.values, c.salt ?? [], BigInt(c.versionKey))
    // A client's epoch prediction can be one block early at an epoch boundary; with `wait`, retry.
    for (let attempt = 0; ; attempt++) {
      try {
        const inclusion = await submit(client, call(), account, 'reveal_weights', opts)
        out.push({ commit: await mark('revealed', `revealed in block ${inclusion.blockNumber}`), outcome: 'revealed', inclusion })
      } catch (e) {
        if (!(e instanceof WeightsError)) throw e
        if (e.code === 'REVEAL_TOO_EARLY' && opts.wait && attempt < 3) {
          await refresh()
          await waitForBlock(client, s.block + 1, opts.signal)
          continue
        }
        if (e.code === 'COMMIT_EXPIRED') out.push({ commit: await mark('expired', e.message), outcome: 'expired' })
        else if (e.code === 'REVEAL_TOO_EARLY') out.push({ commit: c, outcome: 'waiting', detail: e.message })
        else if (e.code === 'ABORTED') throw e
        else out.push({ commit: await mark('failed', e.message), outcome: 'failed' })
      }
      break
    }
  }
  return out
}

/** One line of {@link weightsStatus}. */
export interface CommitStatusLine {
  commit: PendingCommit
  /** `due` = reveal now; `waiting`; `expired`; `submitted` (sent, inclusion not yet seen); or the stored final status. */
  state: 'due' | 'waiting' | 'expired' | 'revealed' | 'failed' | 'submitted'
  /** Epoch the next block belongs to. */
  epochNow: number
}

/** Status of this hotkey's stored commits against chain state; marks newly expired ones. */
export async function weightsStatus(client: ChainClient, hotkey: string, store: PendingCommitStore, opts: FlowOptions & { netuid?: number } = {}): Promise<CommitStatusLine[]> {
  const genesisHash = client.genesisHash
  const list = await store.list({ genesisHash, hotkey, ...(opts.netuid !== undefined ? { netuid: opts.netuid } : {}) })
  const out: CommitStatusLine[] = []
  const states = new Map<string, SubnetWeightState>()
  for (const c of list) {
    const key = `${c.netuid}/${c.mecid}`
    let s = states.get(key)
    if (s === undefined) {
      s = await readSubnetWeightState(client, c.netuid, hotkey, { mecid: c.mecid, ...(opts.signal ? { signal: opts.signal } : {}) })
      states.set(key, s)
    }
    const epochNow = epochAt(s, s.block + 1)
    if (c.status !== 'pending') {
      out.push({ commit: c, state: c.status, epochNow })
      continue
    }
    const phase = c.kind === 'v2' ? revealPhase(c, s) : epochNow > c.revealEpoch ? 'late' : 'early'
    if (phase === 'late' && c.kind === 'v2') {
      const next: PendingCommit = { ...c, status: 'expired', updatedAt: Date.now(), note: `reveal window (${revealWhen(c, s)}) passed without a reveal` }
      await store.put(next)
      out.push({ commit: next, state: 'expired', epochNow })
      continue
    }
    out.push({ commit: c, state: phase === 'due' ? 'due' : 'waiting', epochNow })
  }
  return out
}

