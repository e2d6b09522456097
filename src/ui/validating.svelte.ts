/**
 * The page's validator: light validation in this tab. It composes the validator role (src/roles)
 * with a second session hotkey (never the miner's), the wallet, the mesh and an IndexedDB store
 * of weight commits, so that pending commits survive a reload. Validation starts only from
 * `start()`, which the UI calls from a click handler.
 */
import type { CommittedWeights, EpochCheck, MinerScore, ValidatorPhase } from '../roles/index.ts'
import type { PendingCommit } from '../weights/index.ts'

/** The IndexedDB database of the validator's session hotkey (the miner's is the default one). */
export const VALIDATOR_HOTKEY_DB = 'webtensor-validator-wallet'

/** Where the tab's validator is: the role's phases plus the registration step before them. */
export type ValidatingPhase = ValidatorPhase | 'registering'

const SAVED_KEY = 'webtensor.validating.v1'
const LOG_LINES = 50

interface Saved {
  v: 1
  hotkey: string | null
  uid: number | null
}

/** Reactive state of the tab's validator. */
export class ValidatingSession {
  phase = $state<ValidatingPhase>('idle')
  error = $state<string | null>(null)
  /** What to do about `error`, in words. */
  errorHelp = $state<string | null>(null)
  hotkey = $state<string | null>(null)
  uid = $state<number | null>(null)
  peerId = $state<string | null>(null)
  round = $state(0)
  miners = $state<readonly MinerScore[]>([])
  weights = $state<CommittedWeights | null>(null)
  lastEpoch = $state<EpochCheck | null>(null)
  /** This validator's weight commits, newest last (restored from IndexedDB after a reload). */
  commits = $state<readonly PendingCommit[]>([])
  /** The role's last lines, newest last. */
  log = $state<string[]>([])

  readonly #impl: ValidatingImpl

  /** `impl`: what runs the validator (the page passes `lazyValidatingImpl()`; tests pass stand-ins). */
  constructor(impl: ValidatingImpl) {
    this.#impl = impl
    this.#restore()
  }

  /** Saves the public identity (hotkey address and uid; never keys) for the next visit. */
  persist(): void {
    try {
      const saved: Saved = { v: 1, hotkey: this.hotkey, uid: this.uid }
      localStorage.setItem(SAVED_KEY, JSON.stringify(saved))
    } catch { /* private mode: nothing to show after a reload */ }
  }

  #restore(): void {
    try {
      const raw = typeof localStorage === 'undefined' ? null : localStorage.getItem(SAVED_KEY)
      if (raw === null) return
      const s = JSON.parse(raw) as Partial<Saved>
      if (s.v !== 1) return
      if (typeof s.hotkey === 'string') this.hotkey = s.hotkey
      if (Number.isInteger(s.uid)) this.uid = s.uid!
    } catch { /* a corrupt record is ignored */ }
  }

  /** Shows the commits kept from an earlier visit (before any click; reads IndexedDB only). */
  async loadSaved(): Promise<void> {
    if (this.hotkey === null || this.phase !== 'idle') return
    try {
      this.commits = await this.#impl.savedCommits(this.hotkey)
    } catch { /* no store: nothing to show */ }
  }

  /** Appends a line to the visible log. */
  note(line: string): void {
    this.log = [...this.log, `${new Date().toLocaleTimeString()} ${line}`].slice(-LOG_LINES)
  }

  /** Starts validating; call only from a user gesture (click). Idempotent while running. */
  async start(): Promise<void> {
    if (this.phase !== 'idle' && this.phase !== 'error') return
    this.error = null
    this.errorHelp = null
    this.phase = 'registering'
    try {
      await this.#impl.start(this)
    } catch (err) {
      this.phase = 'error'
      this.error = err instanceof Error ? err.message : String(err)
    }
  }

  /** Stops the rounds and leaves the mesh; pending commits stay in the store. */
  async stop(): Promise<void> {
    await this.#impl.stop()
    this.phase = 'idle'
  }
}

/** What runs behind a {@link ValidatingSession}: the validator role wired to the page. */
export interface ValidatingImpl {
  start(session: ValidatingSession): Promise<void>
  stop(): Promise<void>
  /** The commits kept for `hotkey` (IndexedDB). */
  savedCommits(hotkey: string): Promise<readonly PendingCommit[]>
}
