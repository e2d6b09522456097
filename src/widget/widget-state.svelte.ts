/**
 * The widget's state and rules: the consent gate in front of the page's MiningSession, and the
 * status reports to the host. Mining starts only from `startFromClick`, which refuses any event
 * that is not a trusted user click inside this frame (the host page can neither click in a
 * cross-origin iframe nor send a message that starts anything).
 */
import { untrack } from 'svelte'
import type { MiningSession } from '../ui/index.ts'
import { ConsentStore, memoryStorage, requestStorageAccess, restoreStorageAccess, type ConsentRecord, type ConsentStorage, type FrameStorageEnv, type StorageMode } from './consent.ts'
import type { WidgetParams } from './host.ts'
import { parseHostMessage, statusMessage, type WidgetStatus } from './protocol.ts'

/** Options of {@link WidgetController}. */
export interface WidgetControllerInit {
  session: MiningSession
  consent: ConsentStore
  /** The embedding page's origin (see `hostOrigin`), or null. */
  host: string | null
  /** The origin consent is remembered for: the host, or this app's origin when opened top-level; null = cannot remember. */
  consentOrigin: string | null
  /** Where `consent` keeps its records: this frame's storage, or memory when the browser blocks it (default 'persistent'). */
  storageMode?: StorageMode
  /** The Storage Access API of this frame; without it a blocked storage stays blocked. */
  storageAccess?: FrameStorageEnv
  params: WidgetParams
  /** Delivers a status message to the host (the widget passes `parent.postMessage(msg, host)`). */
  post: (msg: WidgetStatus) => void
  /** True while another rule (hidden tab, battery) wants the miner paused, so coming into view does not resume it. */
  otherPause?: () => boolean
}

/** Compute Pressure states (W3C Compute Pressure Level 1). */
export type PressureLevel = 'nominal' | 'fair' | 'serious' | 'critical'
/** Why the widget paused mining by itself. */
export type HoldReason = 'out-of-view' | 'pressure'
/** Duty-cycle cap while pressure is "serious". */
export const SERIOUS_DUTY_CYCLE = 0.1

interface PressureObserverCtor {
  new (cb: (records: Array<{ state: PressureLevel }>) => void): { observe(source: 'cpu', opts?: { sampleInterval?: number }): Promise<void>; disconnect(): void }
}

/**
 * The smallest area, in CSS pixels, of the widget that must be on screen for it to count as seen
 * (docs/widget.md): a host that shrinks the frame below it (a 1x1 px iframe) pauses mining and a
 * click is refused, as when the frame is covered.
 */
export const MIN_VISIBLE_WIDTH = 200
export const MIN_VISIBLE_HEIGHT = 100

/** What the widget knows about how much of it is on screen. */
export interface Visibility {
  /** IntersectionObserver: some of the widget is in the viewport. */
  isIntersecting: boolean
  /** IntersectionObserver v2: not covered, faded or transformed (true where the browser lacks v2). */
  isVisible: boolean
  /** The part of the widget on screen (IntersectionObserver's intersectionRect). */
  shown: { width: number; height: number }
  /** The frame's own viewport (window.innerWidth/innerHeight). */
  frame: { width: number; height: number }
}

/** True when the widget counts as seen: in view, not obscured, and at least the minimum size shown. */
export function seenEnough(v: Visibility): boolean {
  const width = Math.min(v.shown.width, v.frame.width)
  const height = Math.min(v.shown.height, v.frame.height)
  return v.isIntersecting && v.isVisible && width >= MIN_VISIBLE_WIDTH && height >= MIN_VISIBLE_HEIGHT
}

/** Why a click was refused, in words the widget shows. */
export type RefusalReason = 'untrusted' | 'no-activation' | 'obscured'

/** Reactive widget state; components stay thin. */
export class WidgetController {
  readonly session: MiningSession
  readonly host: string | null
  readonly consentOrigin: string | null
  readonly params: WidgetParams
  /** Remembered consent for `consentOrigin`, or null. */
  remembered = $state<ConsentRecord | null>(null)
  /** The "remember my choice for this site" box (unticked by default). */
  rememberChoice = $state(false)
  /** 'memory' while the browser blocks this frame's storage: consent then lasts until the page is left. */
  storageMode = $state<StorageMode>('persistent')
  /** True once a request for storage access was refused or gave no usable storage (the widget says so). */
  storageDenied = $state(false)
  /** The last refused start, shown to the user. */
  refused = $state<RefusalReason | null>(null)
  /** False while the widget cannot be seen: out of view, hidden, shown smaller than the minimum size, or (IntersectionObserver v2) covered, faded or transformed by the host. */
  visible = $state(true)
  /** The subnet this app mines on, from its /config.json (never from the host), or null until known. */
  netuid = $state<number | null>(null)
  /** CPU pressure (Compute Pressure API), or null where the browser has none or the host did not allow it. */
  pressure = $state<PressureLevel | null>(null)
  /** Why this controller paused mining (widget out of view, or critical pressure), or null. */
  heldBy = $state<HoldReason | null>(null)

  #consent: ConsentStore
  readonly #access: FrameStorageEnv | undefined
  readonly #post: (msg: WidgetStatus) => void
  readonly #otherPause: () => boolean
  #cleanup: Array<() => void> = []

  constructor(init: WidgetControllerInit) {
    this.session = init.session
    this.#consent = init.consent
    this.host = init.host
    this.consentOrigin = init.consentOrigin
    this.params = init.params
    this.#post = init.post
    this.#otherPause = init.otherPause ?? (() => false)
    this.storageMode = init.storageMode ?? 'persistent'
    this.#access = init.storageAccess
    this.remembered = init.consentOrigin === null ? null : init.consent.get(init.consentOrigin)
    this.session.setDutyCycle(this.remembered?.dutyCycle ?? init.params.dutyCycle)
  }

  /** The status message for the host now. */
  status(): WidgetStatus | null {
    if (this.params.nonce === null) return null
    const s = this.session
    return statusMessage({
      nonce: this.params.nonce, phase: s.phase, answered: s.answered, accepted: s.accepted,
      dutyCycle: s.dutyCycle, consent: this.remembered !== null, error: s.error,
    })
  }

  /** Listens for host messages and reports status on every change; idempotent. Returns `detach`. */
  attach(win: Window): () => void {
    if (this.#cleanup.length > 0) return () => this.detach()
    const onMessage = (e: MessageEvent) => {
      // Only the parent, from the host origin, with the loader's nonce, and only hello/ping.
      if (this.host === null || this.params.nonce === null) return
      if (e.source !== win.parent || e.origin !== this.host) return
      if (parseHostMessage(e.data, this.params.nonce) === null) return
      this.#report()
    }
    win.addEventListener('message', onMessage)
    this.#cleanup.push(() => win.removeEventListener('message', onMessage))
    this.#cleanup.push($effect.root(() => {
      $effect(() => this.#report())
      // Mining runs only while the widget and its status chip can be seen, and not under critical pressure.
      $effect(() => {
        const reason: HoldReason | null = !this.visible ? 'out-of-view' : this.pressure === 'critical' ? 'pressure' : null
        const phase = this.session.phase
        untrack(() => this.#applyHold(reason, phase))
      })
    }))
    return () => this.detach()
  }

  /** Stops listening. */
  detach(): void {
    for (const f of this.#cleanup.splice(0)) f()
  }

  /** True when the browser has the Storage Access API (a blocked storage may then be unblocked by the user). */
  get canRequestStorage(): boolean {
    return this.#access?.requestStorageAccess !== undefined
  }

  /** Starts mining from a click on Start, if the click is the user's own; returns whether it started. */
  async startFromClick(event: Event): Promise<boolean> {
    const reason = refusal(event, this.visible)
    this.refused = reason
    if (reason !== null) return false
    if (this.rememberChoice && this.consentOrigin !== null && this.remembered === null) {
      // The user asked to be remembered and storage is blocked: this trusted click is the only
      // place the widget asks the browser for storage access (a prompt may appear).
      if (this.storageMode === 'memory' && this.#access !== undefined) {
        const granted = await requestStorageAccess(this.#access)
        if (granted !== null) this.#useStorage(granted)
        else this.storageDenied = true
      }
      this.remembered = this.#write((c, o) => c.grant(o, this.session.dutyCycle))
    }
    await this.session.start()
    return true
  }

  /**
   * At load, where storage is blocked but the user granted this frame storage access before (the
   * permission reads "granted", or `hasStorageAccess()` is true): regains it without a prompt and
   * reads the remembered consent. Asks nothing otherwise. Returns whether storage was regained.
   */
  async restoreStorage(): Promise<boolean> {
    if (this.storageMode !== 'memory' || this.#access === undefined) return false
    const s = await restoreStorageAccess(this.#access)
    if (s === null || this.storageMode !== 'memory') return false
    const pending = this.remembered // a choice made in memory meanwhile is carried over
    this.#useStorage(s)
    if (this.consentOrigin === null) return true
    if (pending !== null) this.remembered = this.#write((c, o) => c.grant(o, pending.dutyCycle))
    else {
      this.remembered = this.#consent.get(this.consentOrigin)
      if (this.remembered !== null && this.session.phase === 'idle') this.session.setDutyCycle(this.remembered.dutyCycle)
    }
    return true
  }

  /** Sets the duty cycle from the widget's own slider (a user action inside the iframe). */
  setDutyCycle(fraction: number): void {
    this.session.setDutyCycle(fraction)
    if (this.remembered !== null && this.consentOrigin !== null) this.remembered = this.#write((c, o) => c.grant(o, this.session.dutyCycle))
  }

  /** "Forget this site": drops remembered consent and stops mining, in every storage mode. */
  async forget(): Promise<void> {
    if (this.consentOrigin !== null) {
      try {
        this.#consent.revoke(this.consentOrigin)
      } catch {
        this.#toMemory() // the browser took storage away meanwhile: nothing of it can be read back either
      }
    }
    this.remembered = null
    this.rememberChoice = false
    if (this.session.phase !== 'idle') await this.session.stop()
  }

  #useStorage(storage: ConsentStorage): void {
    this.#consent = new ConsentStore(storage)
    this.storageMode = 'persistent'
    this.storageDenied = false
  }

  #toMemory(): void {
    this.#consent = new ConsentStore(memoryStorage())
    this.storageMode = 'memory'
  }

  /** Writes through the current store; when the browser refuses the write, keeps the choice in memory for this visit instead. */
  #write(op: (c: ConsentStore, origin: string) => ConsentRecord): ConsentRecord | null {
    if (this.consentOrigin === null) return null
    try {
      return op(this.#consent, this.consentOrigin)
    } catch {
      this.#toMemory()
      this.storageDenied = true
      return op(this.#consent, this.consentOrigin)
    }
  }

  /**
   * Watches CPU pressure where the browser has PressureObserver and the host allowed it
   * (`allow="compute-pressure"`): pause at "critical", cap the duty cycle at 10% at "serious"
   * (W3C Compute Pressure; the states' meaning is the spec's). Returns a stop function.
   */
  async observePressure(): Promise<() => void> {
    const PO = (globalThis as { PressureObserver?: PressureObserverCtor }).PressureObserver
    if (PO === undefined) return () => {}
    const observer = new PO((records) => {
      const last = records.at(-1)
      if (last !== undefined) this.#setPressure(last.state)
    })
    try {
      await observer.observe('cpu', { sampleInterval: 1000 })
    } catch {
      return () => {} // not allowed in this frame, or no CPU source
    }
    return () => observer.disconnect()
  }

  #dutyBeforeSerious: number | null = null

  #setPressure(state: PressureLevel): void {
    this.pressure = state
    if (state === 'serious' || state === 'critical') {
      if (this.#dutyBeforeSerious === null && this.session.dutyCycle > SERIOUS_DUTY_CYCLE) {
        this.#dutyBeforeSerious = this.session.dutyCycle
        this.session.setDutyCycle(SERIOUS_DUTY_CYCLE)
      }
    } else if (this.#dutyBeforeSerious !== null) {
      this.session.setDutyCycle(this.#dutyBeforeSerious)
      this.#dutyBeforeSerious = null
    }
  }

  #applyHold(reason: HoldReason | null, phase: string): void {
    if (reason !== null && phase === 'mining') {
      this.session.pause()
      if (this.session.phase === 'paused') this.heldBy = reason
    } else if (reason === null && this.heldBy !== null) {
      this.heldBy = null
      if (phase === 'paused' && this.session.snoozedUntil === null && !this.#otherPause()) this.session.resume()
    } else if (reason !== null && this.heldBy !== null && this.heldBy !== reason) {
      this.heldBy = reason
    } else if (phase !== 'paused' && this.heldBy !== null) {
      this.heldBy = null
    }
  }

  #report(): void {
    const msg = this.status()
    if (msg !== null && this.host !== null) this.#post(msg)
  }
}

/** Why `event` may not start mining, or null when it may. */
export function refusal(event: Event, visible: boolean): RefusalReason | null {
  if (!event.isTrusted) return 'untrusted'
  // A trusted click inside this frame gives the frame transient activation; a missing API (old
  // browsers) is not held against the user.
  const ua = (globalThis.navigator as Navigator & { userActivation?: { isActive: boolean } } | undefined)?.userActivation
  if (ua !== undefined && !ua.isActive) return 'no-activation'
  if (!visible) return 'obscured'
  return null
}
