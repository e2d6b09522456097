/**
 * The miner role: a registered hotkey, a mesh node bound to it (peer id published as a
 * commitment, presence gossiped), and a challenge handler that runs its task's solver one
 * challenge at a time, with pause/resume and a duty-cycle cap. Any task plug-in of src/subnet
 * (OCR by default): the task's codec reads challenges and writes answers. The same code runs in a
 * tab (the solver is the inference worker) and in Node (the solver runs onnxruntime-node).
 */
import { createMeshNode, serveChallenges, DEFAULT_LIMITS, MeshError, type ChallengeServer, type MeshLimits, type MeshNode } from '../p2p/index.ts'
import { getTask, type AnyTask, type TaskAnswer, type TaskChallenge } from '../subnet/index.ts'
import type { ChainClient, KeySigner, RegistrationQuote, TxSigner } from '../wallet/index.ts'
import { createSubnetView, type SubnetView } from './chain-view.ts'
import { RolesError, throwIfAborted } from './errors.ts'
import { Store, type Observable } from './observable.ts'
import { ensureRegistered } from './register.ts'

/** Where a miner is. */
export type MinerPhase = 'idle' | 'registering' | 'loading-model' | 'joining' | 'mining' | 'paused' | 'error'

/** Running counts of a miner. */
export interface MinerCounts {
  /** Challenges answered (an answer was computed and sent). */
  answered: number
  /** Challenges whose solve failed (error or deadline). */
  failed: number
  /** Challenges refused (paused, duty-cycle wait past the deadline, unknown task). */
  refused: number
  /**
   * Answers a validator reported as accepted (score at least {@link ACCEPT_SCORE}), learned from
   * the verdict the validator's next challenge carries (the task codec's receipt, src/subnet/wire.ts).
   */
  accepted: number
  /** Verdicts received (accepted or not). */
  judged: number
}

/** One handled challenge. */
export interface MinerTaskRecord {
  /** ms since the epoch, when it finished. */
  at: number
  /** Solve time, ms. */
  latencyMs: number
  ok: boolean
  /** Validator hotkey. */
  validator: string
}

/** The observable state of a miner (what the dashboard renders). */
export interface MinerState {
  phase: MinerPhase
  uid: number | null
  hotkey: string
  peerId: string | null
  counts: MinerCounts
  /** Solve times of the last answered challenges, ms, oldest first (at most `historySize`). */
  lastLatencies: readonly number[]
  /** Last handled challenges, oldest first (at most `historySize`). */
  history: readonly MinerTaskRecord[]
  /** Fraction of wall time the miner may compute, in (0, 1]. */
  dutyCycle: number
  /** The registration price when this miner registered (rao), else null. */
  burn: bigint | null
  /** A challenge is being solved now. */
  busy: boolean
  error: { code: string; message: string } | null
  /** Problems that do not stop mining (e.g. the peer-id commitment could not be published). */
  warnings: readonly string[]
}

/** The work a miner does for its task (the gpu inference worker in a tab, onnxruntime-node in Node). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface TaskSolver<Challenge extends TaskChallenge = any, Answer extends TaskAnswer = any> {
  /** Loads the model (download, sessions); progress is the solver's business. Optional. */
  load?(options: { signal?: AbortSignal }): Promise<void>
  /** Answers one challenge. */
  solve(challenge: Challenge, options: { signal: AbortSignal }): Promise<Answer>
}

/** Options of {@link createMiner}. */
export interface MinerInit {
  /** A connected chain client. */
  client: ChainClient
  netuid: number
  /** The miner's hotkey (session hotkey in a tab). */
  hotkey: KeySigner
  /** Relay multiaddrs (each ending in /p2p/<id>). */
  relays: string[]
  /** The task this miner runs (default OCR: `getTask()`); its solver below must solve it. */
  task?: AnyTask
  solver: TaskSolver
  /** Pays registration when the hotkey is not registered (extension account, or //Alice on the devnet). */
  coldkey?: TxSigner
  /** Price limit for registration (rao). */
  maxBurn?: bigint
  /** Sees the burn price before signing; return false to decline. */
  onQuote?: (quote: RegistrationQuote) => boolean | void | Promise<boolean | void>
  /** libp2p identity (protobuf bytes from `newPrivateKey`); keep it to keep the peer id (and commitment). */
  privateKey?: Uint8Array
  /** Publish the peer id as the hotkey's commitment when it differs (default true). */
  publishPeerId?: boolean
  /** Presence gossip period, ms (default 20 000). */
  presenceIntervalMs?: number
  /** Model name announced in presence (default: the task's, 'ocr/pp-ocrv4' for OCR). */
  model?: string
  /** Initial duty cycle (default 1). */
  dutyCycle?: number
  /** How many latencies and records to keep (default 200). */
  historySize?: number
  meshLimits?: Partial<MeshLimits>
  /** Counts and history saved from an earlier session (a reload restores them). */
  restore?: { counts?: MinerCounts; history?: readonly MinerTaskRecord[] }
}

/** A miner. */
export interface Miner extends Observable<MinerState> {
  /** Registers (if needed), loads the model, joins the mesh, serves challenges. Idempotent; retry after an error. */
  start(options?: { signal?: AbortSignal }): Promise<void>
  /** Leaves the mesh. Idempotent, safe before start. The solver is the caller's to release. */
  stop(): Promise<void>
  /** Finishes the challenge in hand and refuses new ones until {@link resume}. */
  pause(): void
  resume(): void
  /** Caps compute to `fraction` of wall time (0.01..1): after a solve of t ms it rests t·(1−f)/f. */
  setDutyCycle(fraction: number): void
  /** The mesh node while joined (diagnostics, peers). */
  readonly mesh: MeshNode | null
  /** The subnet view the miner uses. */
  readonly subnet: SubnetView
}

const ZERO: MinerCounts = { answered: 0, failed: 0, refused: 0, accepted: 0, judged: 0 }

/** A verdict at or above this score counts the answer as accepted. */
export const ACCEPT_SCORE = 0.5

/** Creates a miner (it does nothing until `start()`). */
export function createMiner(init: MinerInit): Miner {
  if (!Number.isInteger(init.netuid) || init.netuid < 0 || init.netuid > 0xffff) throw new RolesError('BAD_OPTIONS', `netuid must be an integer in 0..65535, got ${init.netuid}`)
  const historySize = init.historySize ?? 200
  const task = init.task ?? getTask()
  const subnet = createSubnetView({ client: init.client, netuid: init.netuid })
  const store = new Store<MinerState>({
    phase: 'idle', uid: null, hotkey: init.hotkey.address, peerId: null,
    counts: { ...ZERO, ...init.restore?.counts },
    history: (init.restore?.history ?? []).slice(-historySize),
    lastLatencies: (init.restore?.history ?? []).filter((r) => r.ok).map((r) => r.latencyMs).slice(-historySize),
    dutyCycle: clampDuty(init.dutyCycle ?? 1), burn: null, busy: false, error: null, warnings: [],
  })
  let mesh: MeshNode | null = null
  let server: ChallengeServer | null = null
  let presenceTimer: ReturnType<typeof setInterval> | undefined
  let starting: Promise<void> | null = null
  let running = false
  let paused = false
  // The last solve: when it ended and how long it took; the rest it earns follows the current duty cycle.
  let lastSolve = { end: 0, ms: 0 }
  const nextAllowedAt = (): number => {
    const d = store.state.dutyCycle
    return lastSolve.end + (lastSolve.ms * (1 - d)) / d
  }
  let chain: Promise<void> = Promise.resolve()
  let stopCtl: AbortController | null = null

  const answeredIds = new Map<string, string>() // task challenge id -> validator hotkey, awaiting a verdict
  const count = (k: 'answered' | 'failed' | 'refused' | 'accepted' | 'judged'): void => {
    store.set({ counts: { ...store.state.counts, [k]: store.state.counts[k] + 1 } })
  }
  const record = (r: MinerTaskRecord): void => {
    const history = [...store.state.history, r].slice(-historySize)
    const lastLatencies = r.ok ? [...store.state.lastLatencies, r.latencyMs].slice(-historySize) : store.state.lastLatencies
    store.set({ history, lastLatencies })
  }
  const refuse = (why: string): never => {
    count('refused')
    throw new MeshError('ERR_HANDLER', why)
  }

  // The queue is bounded: the challenge server holds at most maxQueue challenges over all
  // validators (each validator's share by stake); this is the same bound, kept here too.
  const maxQueue = init.meshLimits?.maxQueue ?? DEFAULT_LIMITS.maxQueue
  let waiting = 0
  const handle = async (c: { task: string; payload: Uint8Array; deadline: number; validator: { hotkey: string } }, options: { signal: AbortSignal }): Promise<Uint8Array> => {
    if (c.task !== task.wireName) refuse(`unknown task '${c.task}' (this miner runs ${task.wireName})`)
    if (paused) refuse('the miner is paused: try later')
    if (waiting >= maxQueue) refuse(`the miner's queue holds ${maxQueue} challenges: try later`)
    waiting++
    try { return await handleInTurn(c, options) } finally { waiting-- }
  }
  const handleInTurn = async (c: { task: string; payload: Uint8Array; deadline: number; validator: { hotkey: string } }, options: { signal: AbortSignal }): Promise<Uint8Array> => {
    // One challenge at a time, in arrival order.
    const prev = chain
    let release!: () => void
    chain = new Promise<void>((r) => { release = r })
    try {
      await prev
      if (paused || !running) refuse('the miner is paused: try later')
      const wait = nextAllowedAt() - Date.now()
      if (wait > 0) {
        if (Date.now() + wait >= c.deadline - 500) refuse('duty-cycle cap: resting past this deadline')
        await new Promise((r) => setTimeout(r, wait))
        if (paused || !running) refuse('the miner is paused: try later')
      }
      let challenge: TaskChallenge
      try {
        const decoded = task.wire.decodeChallenge(c.payload)
        challenge = decoded.challenge
        // A verdict counts once, and only for an answer this miner gave to that validator.
        const r = decoded.receipt
        if (r !== null && answeredIds.get(r.id) === c.validator.hotkey) {
          answeredIds.delete(r.id)
          count('judged')
          if (r.score >= ACCEPT_SCORE) count('accepted')
        }
      } catch (err) { count('failed'); throw new MeshError('ERR_HANDLER', (err as Error).message) }
      store.set({ busy: true })
      const t0 = performance.now()
      try {
        const answer = await init.solver.solve(challenge, { signal: options.signal })
        const latencyMs = performance.now() - t0
        lastSolve = { end: Date.now(), ms: latencyMs }
        count('answered')
        answeredIds.set(challenge.id, c.validator.hotkey)
        if (answeredIds.size > 1_000) answeredIds.delete(answeredIds.keys().next().value!)
        record({ at: Date.now(), latencyMs, ok: true, validator: c.validator.hotkey })
        return task.wire.encodeAnswer({ ...answer, id: challenge.id, latencyMs })
      } catch (err) {
        count('failed')
        record({ at: Date.now(), latencyMs: performance.now() - t0, ok: false, validator: c.validator.hotkey })
        throw err
      } finally {
        store.set({ busy: false })
      }
    } finally {
      release()
    }
  }

  const announce = async (): Promise<void> => {
    // Gossipsub refuses to publish before it has peers on the topic: the next tick retries.
    await mesh?.publishPresence({ model: init.model ?? task.model, capacity: paused ? 0 : 1 }).catch(() => {})
  }

  const doStart = async (signal: AbortSignal): Promise<void> => {
    const opts = { signal }
    store.set({ phase: 'registering', error: null })
    const reg = await ensureRegistered({
      client: init.client, netuid: init.netuid, hotkey: init.hotkey.address, signal,
      ...(init.coldkey !== undefined ? { coldkey: init.coldkey } : {}),
      ...(init.maxBurn !== undefined ? { maxBurn: init.maxBurn } : {}),
      ...(init.onQuote !== undefined ? { onQuote: init.onQuote } : {}),
    })
    store.set({ uid: reg.uid, ...(reg.quote !== undefined ? { burn: reg.quote.burn } : {}) })
    store.set({ phase: 'loading-model' })
    await init.solver.load?.(opts)
    throwIfAborted(signal)
    store.set({ phase: 'joining' })
    mesh = await createMeshNode({
      signer: init.hotkey, netuid: init.netuid, chain: subnet, relays: init.relays,
      // A miner announces itself; other miners' presence is the validators' business.
      watchPresence: false,
      ...(init.privateKey !== undefined ? { privateKey: init.privateKey } : {}),
      ...(init.meshLimits !== undefined ? { limits: init.meshLimits } : {}),
    })
    store.set({ peerId: mesh.peerId })
    await mesh.waitForReservation({ signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]) })
    running = true
    server = await serveChallenges(mesh, handle)
    if (init.publishPeerId !== false) {
      const published = (await subnet.peerIds({ fresh: true, signal })).get(init.hotkey.address)
      try {
        if (published !== mesh.peerId) await init.client.publishPeerId(init.netuid, mesh.peerId, init.hotkey, { waitFor: 'inBlock', signal })
      } catch (err) {
        throwIfAborted(signal)
        // Validators still find this miner through presence gossip; the hotkey may lack the fee.
        store.set({ warnings: [...store.state.warnings, `could not publish the peer id as a commitment (validators find this miner through presence gossip only): ${(err as Error).message}`] })
      }
    }
    await announce()
    presenceTimer = setInterval(() => { void announce() }, init.presenceIntervalMs ?? 20_000)
    ;(presenceTimer as { unref?: () => void }).unref?.()
    store.set({ phase: paused ? 'paused' : 'mining' })
  }

  const teardown = async (): Promise<void> => {
    running = false
    clearInterval(presenceTimer)
    presenceTimer = undefined
    const s = server
    const m = mesh
    server = null
    mesh = null
    await s?.stop().catch(() => {})
    await m?.stop().catch(() => {})
  }

  const miner: Miner = {
    get state() { return store.state },
    subscribe: (cb) => store.subscribe(cb),
    get mesh() { return mesh },
    subnet,
    async start(options = {}) {
      if (running) return
      if (starting !== null) return await starting
      stopCtl = new AbortController()
      const signal = options.signal === undefined ? stopCtl.signal : AbortSignal.any([options.signal, stopCtl.signal])
      starting = doStart(signal).catch(async (err: unknown) => {
        await teardown()
        const e = err as { code?: string; message?: string }
        if (stopCtl?.signal.aborted === true) { store.set({ phase: 'idle' }); return }
        store.set({ phase: 'error', error: { code: e.code ?? 'ERROR', message: e.message ?? String(err) } })
        throw err
      }).finally(() => { starting = null })
      return await starting
    },
    async stop() {
      stopCtl?.abort()
      await starting?.catch(() => {})
      await teardown()
      store.set({ phase: 'idle', busy: false })
    },
    pause() {
      paused = true
      if (store.state.phase === 'mining') store.set({ phase: 'paused' })
      void announce()
    },
    resume() {
      paused = false
      if (store.state.phase === 'paused') store.set({ phase: 'mining' })
      void announce()
    },
    setDutyCycle(fraction) {
      store.set({ dutyCycle: clampDuty(fraction) })
    },
  }
  return miner
}

function clampDuty(f: number): number {
  if (!Number.isFinite(f)) return 1
  return Math.min(1, Math.max(0.01, f))
}
