/**
 * The validator role, the same code in a tab and in Node: discovers miners (metagraph +
 * commitments + presence gossip), sends each a fresh challenge of its task (any plug-in of
 * src/subnet, OCR by default) every round, scores the answers, keeps a moving average per uid, and once per epoch turns the averages into weights,
 * predicts the resulting incentive/dividends with src/consensus, and commits them the way the
 * subnet requires (timelocked v4 or hash v2 commit-reveal, or set_weights), within the rate
 * limit. After each epoch it recomputes the epoch and reports where the chain's stored
 * incentive/dividends differ.
 */
import { createMeshNode, newChallengeId, sendChallenge, MeshError, type AnswerEvidence, type MeshLimits, type MeshNode } from '../p2p/index.ts'
import { getTask, SubnetError, type AnyTask, type TaskReceipt } from '../subnet/index.ts'
import type { ChainClient, KeySigner } from '../wallet/index.ts'
import {
  commitTimelockedWeights, commitWeights, createMemoryCommitStore, epochAt, prepareWeights, readMechanismCount, readSubnetWeightState, revealWeights, setWeights,
  type PendingCommit, type PendingCommitStore, type WeightsAccount,
} from '../weights/index.ts'
import { createSubnetView, type SubnetView } from './chain-view.ts'
import { checkLastEpoch, predictEpoch, type EpochCheck } from './epoch-input.ts'
import { RolesError, sleep } from './errors.ts'
import { Store, type Observable } from './observable.ts'

/** Where a validator is. */
export type ValidatorPhase = 'idle' | 'joining' | 'waiting-permit' | 'validating' | 'error'

/** One miner as the validator sees it. */
export interface MinerScore {
  uid: number
  hotkey: string
  /** Where it was reached (commitment or presence), or null when it published none. */
  peerId: string | null
  /** Moving average of its scores, in [0, 1]. */
  score: number
  /** Its last score, or null before the first. */
  lastScore: number | null
  /** Round trip of its last answer, ms. */
  lastLatencyMs: number | null
  answered: number
  failed: number
  lastError: string | null
}

/** The weights this validator last committed or set. */
export interface CommittedWeights {
  kind: 'v4' | 'v2' | 'set'
  /** The mechanism (sub-subnet) they went to; 0 on subnets with one. */
  mecid: number
  uids: number[]
  values: number[]
  block: number
  epoch: number
  /**
   * Predicted incentive (u16 per uid) and this validator's dividends (u16) if these weights apply
   * (mechanism 0 only; null for the others).
   */
  predicted: { incentive: number[]; dividends: number; path: string } | null
}

/** The observable state of a validator (the validator tab renders it). */
export interface ValidatorState {
  phase: ValidatorPhase
  /** The task's id (src/subnet's registry). */
  task: string
  hotkey: string
  uid: number | null
  peerId: string | null
  /** Rounds completed. */
  round: number
  /** Miners by uid, ascending. */
  miners: readonly MinerScore[]
  /** Last weights committed (or set), with their prediction: the lowest mechanism of the last commit. */
  weights: CommittedWeights | null
  /** The last weights committed (or set) to each mechanism, by mecid (one entry on subnets with one). */
  mechanismWeights: readonly (CommittedWeights | null)[]
  /** The last epoch checked: chain's stored values vs our recomputation, with mismatches. */
  lastEpoch: EpochCheck | null
  /** This validator's weight commits (store records), newest last. */
  commits: readonly PendingCommit[]
  error: { code: string; message: string } | null
}

/** Options of {@link createValidator}. */
export interface ValidatorInit {
  client: ChainClient
  netuid: number
  /** The validator's hotkey: registered, with (or about to get) a validator permit. */
  hotkey: KeySigner
  relays: string[]
  /** Time between rounds' starts, ms (default 15 000). */
  roundMs?: number
  /**
   * A miner that announces itself (presence gossip) before it was ever answered, or a known one
   * announcing itself while this validator holds no connection to it (it came back), starts the next
   * round early, this long after the last round started at the soonest (default 2 000 ms), so a
   * newcomer's first challenge does not wait a whole round. 0 turns this off.
   */
  newcomerGapMs?: number
  /** The task this validator runs (default OCR: `getTask()`). */
  task?: AnyTask
  /** The task's challenge options over its round defaults (OCR: 4 words, 320x160, 20 s deadline). */
  challenge?: object
  /**
   * The scores each mechanism (sub-subnet, `MechanismCountCurrent` > 1) gets, from the miners'
   * moving averages (uid, score > 0). Default: every mechanism gets the same scores (one task).
   */
  mechanismScores?: (mecid: number, scored: ReadonlyArray<{ uid: number; score: number }>) => ReadonlyArray<{ uid: number; score: number }>
  /**
   * Miners challenged at a time in a round (default 16): a round's wall time is mostly waiting on
   * round trips (the validator's own CPU is a few ms per miner), so more in flight shortens it.
   */
  roundConcurrency?: number
  /** Weight of the newest score in the moving average (default 0.3). */
  alpha?: number
  /** Where commits are kept for reveals (default: in memory; IndexedDB in tabs, a file in Node). */
  commitStore?: PendingCommitStore
  /** Recompute each epoch and compare with the chain (default true). */
  checkEpochs?: boolean
  /** libp2p identity (protobuf bytes). */
  privateKey?: Uint8Array
  meshLimits?: Partial<MeshLimits>
  /** A line per notable event (default: none). */
  log?: (line: string) => void
}

/** A validator. */
export interface Validator extends Observable<ValidatorState> {
  /** Joins the mesh, waits for the permit, starts the rounds. Idempotent. Resolves once rounds run. */
  start(options?: { signal?: AbortSignal }): Promise<void>
  /** Stops the rounds and leaves the mesh. Idempotent. */
  stop(): Promise<void>
  /** Runs one round now (tests, a "challenge now" button); resolves with the scored miners. */
  runRound(options?: { signal?: AbortSignal }): Promise<readonly MinerScore[]>
  /** Commits (or sets) weights now if the epoch and rate limit allow; null when nothing was due. */
  commitNow(options?: { signal?: AbortSignal }): Promise<CommittedWeights | null>
  /**
   * The evidence of a uid's last answer this validator scored: the miner's hotkey-signed binding
   * and its peer key's signature over the answer (anyone can check it offline with the mesh's
   * `verifyAnswerEvidence`), so a score can be shown to be about what that hotkey answered.
   */
  evidenceOf(uid: number): AnswerEvidence | undefined
  readonly mesh: MeshNode | null
  readonly subnet: SubnetView
}

/** Creates a validator (it does nothing until `start()`). */
export function createValidator(init: ValidatorInit): Validator {
  if (init.roundConcurrency !== undefined && !(Number.isInteger(init.roundConcurrency) && init.roundConcurrency >= 1)) throw new RolesError('BAD_OPTIONS', `roundConcurrency must be an integer of at least 1, got ${init.roundConcurrency}`)
  const log = init.log ?? (() => {})
  const alpha = init.alpha ?? 0.3
  const roundMs = init.roundMs ?? 15_000
  const task = init.task ?? getTask()
  const store = init.commitStore ?? createMemoryCommitStore()
  const subnet = createSubnetView({ client: init.client, netuid: init.netuid })
  const account: WeightsAccount = init.hotkey
  const state = new Store<ValidatorState>({
    phase: 'idle', task: task.id, hotkey: init.hotkey.address, uid: null, peerId: null, round: 0, miners: [], weights: null, mechanismWeights: [], lastEpoch: null, commits: [], error: null,
  })
  const scores = new Map<number, MinerScore>()
  let mesh: MeshNode | null = null
  let ctl: AbortController | null = null
  let loop: Promise<void> | null = null
  let starting: Promise<void> | null = null
  /** The epoch each mechanism last got weights for, by mecid. */
  const committedEpoch = new Map<number, number>()
  let checkedEpochBlock = -1
  let busy: Promise<unknown> = Promise.resolve()
  const newcomerGapMs = init.newcomerGapMs ?? 2_000
  /** Hotkeys whose first presence already woke the loop. */
  const greeted = new Set<string>()
  /** Returning miners that woke the loop, with their answer count then (re-armed once answered again). */
  const returned = new Map<string, number>()
  /** Ends the loop's current wait between rounds (set while it waits). */
  let wake: (() => void) | null = null
  /** A wake-up that came during a round: the wait after it ends at once (else it would be lost). */
  let wakePending = false
  /** The running loop's signal (null while stopped). */
  let loopSignal: AbortSignal | null = null
  /** Uids with a challenge in flight (a round's or an early one): never two at once. */
  const challenging = new Set<number>()
  /**
   * Wakes the wait between rounds; during a round (which lasts until its slowest miner answers
   * or times out, then commits), `hotkey` is challenged at once beside it, so a newcomer or a
   * returning miner does not wait behind a miner that went away.
   */
  const wakeUp = (hotkey?: string): void => {
    if (wake !== null) { wake(); return }
    wakePending = true
    if (hotkey !== undefined && loopSignal !== null) void challengeNow(hotkey, loopSignal)
  }
  const challengeNow = async (hotkey: string, signal: AbortSignal): Promise<void> => {
    try {
      const m = (await discover(signal)).find((x) => x.hotkey === hotkey)
      if (m === undefined || challenging.has(m.uid)) return
      log(`challenging ${hotkey} (uid ${m.uid}) now, beside the round in progress`)
      await challengeOne(m, signal)
      publish()
    } catch (err) {
      if (!signal.aborted) log(`early challenge to ${hotkey} failed: ${(err as Error).message}`)
    }
  }
  const onPresence = (e: Event): void => {
    const { hotkey, peerId } = (e as CustomEvent<{ hotkey: string; peerId: string }>).detail
    if (newcomerGapMs <= 0 || hotkey === init.hotkey.address) return
    const row = [...scores.values()].find((r) => r.hotkey === hotkey)
    if (row !== undefined && row.answered > 0) {
      // A known miner wakes the loop when it comes back: this validator holds no open connection
      // to the announcing peer (its tab closed, or it reconnected), once per return.
      if ((returned.get(hotkey) ?? -1) >= row.answered) return
      if (mesh?.peers().some((c) => c.peerId === peerId && (c.direct || c.relayed)) !== false) return
      returned.set(hotkey, row.answered)
      log(`presence from ${hotkey}, known but not connected (a returning miner): next round early`)
      wakeUp(hotkey)
      return
    }
    if (greeted.has(hotkey)) return
    greeted.add(hotkey)
    log(`presence from ${hotkey}, not yet answered: next round early`)
    wakeUp(hotkey)
  }

  const publish = (): void => {
    state.set({ miners: [...scores.values()].sort((a, b) => a.uid - b.uid) })
  }

  const discover = async (signal: AbortSignal): Promise<Array<{ uid: number; hotkey: string; peerId: string | null }>> => {
    const [mg, committed] = await Promise.all([subnet.metagraph({ fresh: true, signal }), subnet.peerIds({ fresh: true, signal })])
    // A presence outranks the on-chain commitment only while fresh (a miner that restarted with a
    // new peer id and has not published it yet); stale ones have expired from the mesh node.
    const live = new Map<string, { peerId: string; ts: number }>()
    const freshSince = Date.now() - (mesh?.limits.presenceTtlMs ?? 0)
    for (const p of mesh?.presence() ?? []) {
      if (p.ts < freshSince) continue
      const prev = live.get(p.hotkey)
      if (prev === undefined || prev.ts < p.ts) live.set(p.hotkey, { peerId: p.peerId, ts: p.ts })
    }
    // Forget uids that were replaced by another hotkey.
    const hotkeyOfUid = new Map(mg.neurons.map((n) => [n.uid, n.hotkey]))
    for (const [uid, s] of scores) if (hotkeyOfUid.get(uid) !== s.hotkey) { scores.delete(uid); evidence.delete(uid) }
    return mg.neurons
      .filter((n) => n.hotkey !== init.hotkey.address)
      .map((n) => ({ uid: n.uid, hotkey: n.hotkey, peerId: live.get(n.hotkey)?.peerId ?? committed.get(n.hotkey) ?? null }))
  }

  const receipts = new Map<number, TaskReceipt>()
  // The last answer's evidence per uid (one entry a uid, dropped with the uid's score row).
  const evidence = new Map<number, AnswerEvidence>()
  const challengeOne = async (m: { uid: number; hotkey: string; peerId: string | null }, signal: AbortSignal): Promise<void> => {
    if (challenging.has(m.uid)) return
    challenging.add(m.uid)
    try {
      await challengeOneNow(m, signal)
    } finally {
      challenging.delete(m.uid)
    }
  }
  const challengeOneNow = async (m: { uid: number; hotkey: string; peerId: string | null }, signal: AbortSignal): Promise<void> => {
    const prev = scores.get(m.uid)
    const row: MinerScore = prev ?? { uid: m.uid, hotkey: m.hotkey, peerId: m.peerId, score: 0, lastScore: null, lastLatencyMs: null, answered: 0, failed: 0, lastError: null }
    row.peerId = m.peerId
    scores.set(m.uid, row)
    if (m.peerId === null || mesh === null) return // published no peer id: not a webtensor miner (yet)
    const { challenge, truth } = await task.makeChallenge({ ...task.roundDefaults, ...init.challenge, signal })
    let value = 0
    try {
      // The challenge carries the verdict on this miner's previous answer (its "accepted" count).
      const receipt = receipts.get(m.uid)
      const challengeId = newChallengeId()
      const res = await sendChallenge(mesh, m.peerId, { id: challengeId, task: task.wireName, payload: task.wire.encodeChallenge(challenge, receipt), deadline: challenge.deadline }, { signal, retries: 1 })
      if (res.hotkey !== m.hotkey) throw new RolesError('MALFORMED', `peer ${m.peerId} answers for ${res.hotkey}, not uid ${m.uid}'s hotkey`)
      const answer = task.wire.decodeAnswer(res.answer)
      evidence.set(m.uid, { binding: res.binding, validatorPeerId: mesh.peerId, challengeId, answer: res.answer, signature: res.signature })
      value = task.score(truth, answer, { latencyMs: res.rttMs }).score
      receipts.set(m.uid, { id: challenge.id, score: value })
      row.answered++
      row.lastLatencyMs = res.rttMs
      row.lastError = null
    } catch (err) {
      if (signal.aborted) throw err
      row.failed++
      row.lastError = err instanceof MeshError || err instanceof RolesError || err instanceof SubnetError ? `${err.code}: ${err.message}` : (err as Error).message
    }
    // The first score starts the average; later ones move it by alpha.
    row.score = row.lastScore === null ? value : alpha * value + (1 - alpha) * row.score
    row.lastScore = value
  }

  const runRound = async (signal: AbortSignal): Promise<readonly MinerScore[]> => {
    const miners = await discover(signal)
    // Up to roundConcurrency miners at a time.
    let next = 0
    await Promise.all(Array.from({ length: Math.min(init.roundConcurrency ?? 16, miners.length) }, async () => {
      while (next < miners.length) {
        const m = miners[next++]!
        await challengeOne(m, signal)
      }
    }))
    state.set({ round: state.state.round + 1 })
    publish()
    return state.state.miners
  }

  /**
   * Commits (or sets) one mechanism's weights if its epoch and its rate limit (`LastUpdate` at its
   * storage index) allow; null when nothing was due.
   */
  const commitMechanism = async (mecid: number, signal: AbortSignal): Promise<CommittedWeights | null> => {
    const s = await readSubnetWeightState(init.client, init.netuid, init.hotkey.address, { mecid, signal })
    if (s.uid === undefined) throw new RolesError('NOT_REGISTERED', `validator hotkey ${init.hotkey.address} is not registered on subnet ${init.netuid}`)
    const epoch = epochAt(s, s.block + 1)
    if (epoch === committedEpoch.get(mecid)) return null
    if (s.lastUpdate > 0 && s.block + 1 < s.lastUpdate + s.weightsSetRateLimit) return null
    const averages = [...scores.values()].filter((m) => m.score > 0 && m.uid < s.n).map((m) => ({ uid: m.uid, score: m.score }))
    const scored = (init.mechanismScores?.(mecid, averages) ?? averages).filter((m) => m.score > 0 && m.uid < s.n)
    if (scored.length === 0) return null
    const uids = scored.map((m) => m.uid)
    const floats = scored.map((m) => m.score)
    // Predict before committing: what the chain's epoch would give if these weights applied.
    let predicted: CommittedWeights['predicted'] = null
    if (mecid === 0) {
      try {
        const w = prepareWeights(uids, floats, s)
        const row = w.uids.map((u, i) => [u, w.values[i]!] as [number, number])
        const p = await predictEpoch(init.client, init.netuid, s.uid, [row])
        const r = p.results[0]
        if (r !== undefined) predicted = { incentive: r.incentive, dividends: r.dividends, path: p.path }
      } catch (err) {
        log(`prediction failed: ${(err as Error).message}`)
      }
    }
    const input = { netuid: init.netuid, uids, scores: floats }
    let out: CommittedWeights
    if (!s.commitRevealEnabled) {
      const r = await setWeights(init.client, account, input, { mecid, signal })
      out = { kind: 'set', mecid, uids: r.uids, values: r.values, block: r.blockNumber, epoch, predicted }
    } else if (s.commitRevealVersion >= 4) {
      const r = await commitTimelockedWeights(init.client, account, input, store, { mecid, signal })
      out = { kind: 'v4', mecid, uids: r.commit.uids, values: r.commit.values, block: r.blockNumber, epoch, predicted }
    } else {
      const r = await commitWeights(init.client, account, input, store, { mecid, signal })
      out = { kind: 'v2', mecid, uids: r.commit.uids, values: r.commit.values, block: r.blockNumber, epoch, predicted }
    }
    committedEpoch.set(mecid, epoch)
    const where = mecid === 0 ? '' : ` to mechanism ${mecid}`
    log(`${out.kind === 'set' ? 'set' : `committed (${out.kind})`} weights${where} at block ${out.block}, epoch ${epoch}: ${out.uids.map((u, i) => `${u}:${out.values[i]}`).join(' ')}`)
    const byMech = [...state.state.mechanismWeights]
    while (byMech.length < mecid) byMech.push(null)
    byMech[mecid] = out
    state.set({ mechanismWeights: byMech })
    return out
  }

  /**
   * Each mechanism of the subnet (`MechanismCountCurrent`, 1 where the runtime has none) in turn,
   * with its own call (`set_mechanism_weights` & co. with `mecid`; the plain calls for mechanism 0).
   * A failure stops the pass; the mechanisms already done are not repeated within their epoch.
   */
  const commitNow = async (signal: AbortSignal): Promise<CommittedWeights | null> => {
    const count = await readMechanismCount(init.client, init.netuid, { signal })
    if (state.state.mechanismWeights.length > count) state.set({ mechanismWeights: state.state.mechanismWeights.slice(0, count) })
    let first: CommittedWeights | null = null
    for (let mecid = 0; mecid < count; mecid++) {
      const out = await commitMechanism(mecid, signal)
      if (out !== null && first === null) {
        first = out
        state.set({ weights: out })
      }
    }
    return first
  }

  const settle = async (signal: AbortSignal): Promise<void> => {
    // Reveal v2 commits in their window; learn whether the chain revealed v4 ones.
    const outcomes = await revealWeights(init.client, account, store, { netuid: init.netuid, signal })
    for (const o of outcomes) if (o.outcome === 'revealed' || o.outcome === 'expired' || o.outcome === 'failed') log(`commit ${o.commit.id.slice(0, 12)}… ${o.outcome}${o.detail !== undefined ? `: ${o.detail}` : ''}`)
    const commits = await store.list({ hotkey: init.hotkey.address, netuid: init.netuid })
    state.set({ commits: commits.slice(-20) })
  }

  const check = async (): Promise<void> => {
    if (init.checkEpochs === false) return
    const c = await checkLastEpoch(init.client, init.netuid, { unlessBlock: checkedEpochBlock })
    if (c === null) return
    checkedEpochBlock = c.block
    state.set({ lastEpoch: c })
    // Weights an extrinsic of the epoch block set: the chain's epoch ran before them (they count next time).
    const later = c.ignoredWeightUids.length > 0 ? ` (weights set in that block by uid ${c.ignoredWeightUids.join(', ')} count at the next epoch)` : ''
    log(c.mismatches.length === 0
      ? `epoch at block ${c.block}: the chain's incentive and dividends equal our recomputation${later}`
      : `epoch at block ${c.block}: ${c.mismatches.length} mismatches with our recomputation${later}: ${c.mismatches.slice(0, 5).map((m) => `uid ${m.uid} ${m.field} chain ${m.chain} ours ${m.ours}`).join('; ')}`)
  }

  /** Serializes rounds and commits (a manual runRound and the loop never overlap). */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = busy.then(fn, fn)
    busy = p.catch(() => {})
    return p
  }

  const waitForPermit = async (signal: AbortSignal): Promise<number> => {
    for (;;) {
      const n = await subnet.neuron(init.hotkey.address, { fresh: true, signal })
      if (n === undefined) throw new RolesError('NOT_REGISTERED', `validator hotkey ${init.hotkey.address} is not registered on subnet ${init.netuid}: register and stake it first`)
      state.set({ uid: n.uid })
      if (n.validatorPermit) return n.uid
      if (state.state.phase !== 'waiting-permit') {
        state.set({ phase: 'waiting-permit' })
        log(`uid ${n.uid} has no validator permit yet: waiting for the next epoch (stake decides permits)`)
      }
      await sleep(2000, signal)
    }
  }

  const doStart = async (signal: AbortSignal): Promise<void> => {
    state.set({ phase: 'joining', error: null })
    const uid = await waitForPermit(signal)
    mesh = await createMeshNode({
      signer: init.hotkey, netuid: init.netuid, chain: subnet, relays: init.relays,
      ...(init.privateKey !== undefined ? { privateKey: init.privateKey } : {}),
      ...(init.meshLimits !== undefined ? { limits: init.meshLimits } : {}),
    })
    state.set({ peerId: mesh.peerId, uid })
    mesh.addEventListener('presence', onPresence)
    await mesh.waitForReservation({ signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]) }).catch(() => {
      log('no relay reservation (validators need none to dial out): continuing')
    })
    state.set({ phase: 'validating' })
    log(`validating subnet ${init.netuid} as uid ${uid} (hotkey ${init.hotkey.address}, peer ${mesh.peerId})`)
    loopSignal = signal
    signal.addEventListener('abort', () => { loopSignal = null }, { once: true })
    loop = (async () => {
      while (!signal.aborted) {
        const t0 = Date.now()
        try {
          await exclusive(async () => {
            await runRound(signal)
            await commitNow(signal)
            await settle(signal)
            await check()
          })
          if (state.state.error !== null) state.set({ error: null })
        } catch (err) {
          if (signal.aborted) break
          const e = err as { code?: string; message?: string }
          log(`round failed: ${e.message ?? String(err)}`)
          state.set({ error: { code: e.code ?? 'ERROR', message: e.message ?? String(err) } })
        }
        // Until the next round is due, or a newcomer's presence wakes the wait early (but never
        // sooner than newcomerGapMs after this round started).
        await new Promise<void>((resolve) => {
          const done = (): void => { clearTimeout(timer); signal.removeEventListener('abort', done); wake = null; resolve() }
          const timer = setTimeout(done, Math.max(0, roundMs - (Date.now() - t0)))
          signal.addEventListener('abort', done, { once: true })
          wake = done
          if (wakePending) { wakePending = false; done() }
        })
        await sleep(Math.max(0, newcomerGapMs - (Date.now() - t0)), signal).catch(() => {})
      }
    })()
  }

  return {
    get state() { return state.state },
    subscribe: (cb) => state.subscribe(cb),
    get mesh() { return mesh },
    subnet,
    async start(options = {}) {
      if (loop !== null) return
      if (starting !== null) return await starting
      ctl = new AbortController()
      const signal = options.signal === undefined ? ctl.signal : AbortSignal.any([options.signal, ctl.signal])
      starting = doStart(signal).catch(async (err: unknown) => {
        const m = mesh
        mesh = null
        await m?.stop().catch(() => {})
        if (ctl?.signal.aborted === true) { state.set({ phase: 'idle' }); return }
        const e = err as { code?: string; message?: string }
        state.set({ phase: 'error', error: { code: e.code ?? 'ERROR', message: e.message ?? String(err) } })
        throw err
      }).finally(() => { starting = null })
      return await starting
    },
    async stop() {
      ctl?.abort()
      await starting?.catch(() => {})
      await loop?.catch(() => {})
      loop = null
      const m = mesh
      mesh = null
      m?.removeEventListener('presence', onPresence)
      await m?.stop().catch(() => {})
      state.set({ phase: 'idle' })
    },
    runRound: (options = {}) => exclusive(() => runRound(options.signal ?? ctl?.signal ?? new AbortController().signal)),
    commitNow: (options = {}) => exclusive(() => commitNow(options.signal ?? ctl?.signal ?? new AbortController().signal)),
    evidenceOf: (uid) => evidence.get(uid),
  }
}
