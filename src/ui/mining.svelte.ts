/**
 * The page's mining session: what the dashboard and the widget render and control. It composes
 * the miner role (src/roles) with the page's wallet, GPU and mesh. Mining starts only from
 * `start()`, which the UI calls from a click handler; nothing here starts by itself.
 */

/** Where the session is. */
export type MiningPhase = 'idle' | 'registering' | 'loading-model' | 'joining' | 'mining' | 'paused' | 'error'

/** Model download progress as the UI shows it. */
export interface DownloadProgress {
  loaded: number
  total: number
  etaMs: number | null
}

/** One answered challenge, for counts, latency windows and charts. */
export interface TaskRecord {
  at: number
  latencyMs: number
  ok: boolean
  score: number | null
}

/** A registration price: shown before the wallet signs (real networks), or what the devnet faucet paid. */
export interface RegistrationOffer {
  netuid: number
  burnRao: bigint
  feeRao: bigint
  balanceRao: bigint
  /** Who pays: the wallet account, or the devnet faucet-funded session key. */
  payer: string
  /** True while the page waits for the user's answer. */
  awaiting: boolean
}

const SESSION_KEY = 'webtensor.mining.v1'

interface SavedSession {
  v: 1
  answered: number
  accepted: number
  uid: number | null
  hotkey: string | null
  dutyCycle: number
  history: TaskRecord[]
}

/** Reactive state of the page's miner. */
export class MiningSession {
  phase = $state<MiningPhase>('idle')
  error = $state<string | null>(null)
  /** What to do about `error`, in words. */
  errorHelp = $state<string | null>(null)
  progress = $state<DownloadProgress | null>(null)
  /** Which inference path runs, e.g. "WebGPU" or "WASM (2 threads)". */
  executionProvider = $state<string | null>(null)
  uid = $state<number | null>(null)
  hotkey = $state<string | null>(null)
  peerId = $state<string | null>(null)
  answered = $state(0)
  accepted = $state(0)
  history = $state<TaskRecord[]>([])
  /** Fraction of wall time the miner may compute, 0.1..1. */
  dutyCycle = $state(1)
  /** Paused by the user until this time (ms since epoch), or null. */
  snoozedUntil = $state<number | null>(null)
  /** Chain view: best block, blocks to the subnet's next epoch, this miner's incentive (0..1) and emission (rao). */
  chainHead = $state<number | null>(null)
  blocksToEpoch = $state<number | null>(null)
  incentive = $state<number | null>(null)
  emissionRao = $state<bigint | null>(null)
  /** Mesh view: relay reachable, connected peers (direct vs relayed). */
  relayConnected = $state(false)
  peers = $state<{ direct: number; relayed: number }>({ direct: 0, relayed: 0 })
  /** The registration price, awaiting an answer or as paid. */
  registration = $state<RegistrationOffer | null>(null)

  readonly #impl: MiningImpl
  #answerRegistration: ((ok: boolean) => void) | null = null

  /** `impl`: what runs the miner (the page passes `lazyMiningImpl()`; tests pass stand-ins). */
  constructor(impl: MiningImpl) {
    this.#impl = impl
    this.#restore()
  }

  /** Saves what a reload should show again (counts, history, identity); public data only, no keys. */
  persist(): void {
    try {
      const saved: SavedSession = { v: 1, answered: this.answered, accepted: this.accepted, uid: this.uid, hotkey: this.hotkey, dutyCycle: this.dutyCycle, history: this.history.slice(-500) }
      localStorage.setItem(SESSION_KEY, JSON.stringify(saved))
    } catch { /* storage full or private mode: the next reload starts from zero */ }
  }

  #restore(): void {
    try {
      const raw = typeof localStorage === 'undefined' ? null : localStorage.getItem(SESSION_KEY)
      if (raw === null) return
      const s = JSON.parse(raw) as Partial<SavedSession>
      if (s.v !== 1) return
      if (Number.isInteger(s.answered)) this.answered = s.answered!
      if (Number.isInteger(s.accepted)) this.accepted = s.accepted!
      if (Number.isInteger(s.uid)) this.uid = s.uid!
      if (typeof s.hotkey === 'string') this.hotkey = s.hotkey
      if (typeof s.dutyCycle === 'number' && s.dutyCycle >= 0.1 && s.dutyCycle <= 1) this.dutyCycle = s.dutyCycle
      if (Array.isArray(s.history)) this.history = s.history.filter((r) => typeof r?.at === 'number' && typeof r.latencyMs === 'number')
    } catch { /* a corrupt record is ignored */ }
  }

  /** Starts mining; call only from a user gesture (click). Idempotent while running. */
  async start(): Promise<void> {
    if (this.phase !== 'idle' && this.phase !== 'error') return
    this.error = null
    this.errorHelp = null
    try {
      await this.#impl.start(this)
    } catch (err) {
      this.phase = 'error'
      this.error = err instanceof Error ? err.message : String(err)
    }
  }

  /**
   * Shows the registration price and waits for the user: true to register (the wallet then asks
   * to sign), false to decline. Nothing is signed before the answer.
   */
  askToRegister(offer: Omit<RegistrationOffer, 'awaiting'>): Promise<boolean> {
    this.#answerRegistration?.(false)
    this.registration = { ...offer, awaiting: true }
    return new Promise((resolve) => { this.#answerRegistration = resolve })
  }

  /** The user's answer to {@link askToRegister}. */
  answerRegistration(ok: boolean): void {
    const answer = this.#answerRegistration
    this.#answerRegistration = null
    if (this.registration !== null) this.registration = { ...this.registration, awaiting: false }
    if (!ok) this.errorHelp = 'You declined the registration; nothing was signed or paid. Press Start mining to see the price again.'
    answer?.(ok)
  }

  /** Pauses: the current challenge finishes, no new one starts. */
  pause(): void {
    if (this.phase !== 'mining') return
    this.#impl.pause()
    this.phase = 'paused'
  }

  /** Resumes after a pause or snooze. */
  resume(): void {
    if (this.phase !== 'paused') return
    this.snoozedUntil = null
    this.#impl.resume()
    this.phase = 'mining'
  }

  /** Pauses for `hours`, resuming by itself afterwards. */
  snooze(hours: number): void {
    this.pause()
    if (this.phase !== 'paused') return
    this.snoozedUntil = Date.now() + hours * 3_600_000
  }

  /** Sets the duty-cycle cap (0.1..1). */
  setDutyCycle(fraction: number): void {
    this.dutyCycle = Math.min(1, Math.max(0.1, fraction))
    this.#impl.setDutyCycle(this.dutyCycle)
  }

  /** Stops mining and leaves the mesh. */
  async stop(): Promise<void> {
    if (this.#answerRegistration !== null) this.answerRegistration(false)
    await this.#impl.stop()
    this.phase = 'idle'
  }
}

/** What runs behind a {@link MiningSession}: the miner role wired to the page. */
export interface MiningImpl {
  start(session: MiningSession): Promise<void>
  pause(): void
  resume(): void
  setDutyCycle(fraction: number): void
  stop(): Promise<void>
}
