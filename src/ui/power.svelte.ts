/**
 * Power and courtesy rules for the miner: pause when the tab is hidden, pause on battery, resume
 * after a snooze. Automatic pauses resume automatically; a pause the user chose is never undone
 * by these rules. Preferences persist in localStorage.
 */
import type { MiningSession } from './mining.svelte.ts'

const KEY = 'webtensor.power.v1'

interface BatteryLike extends EventTarget { charging: boolean }

export class PowerPolicy {
  pauseWhenHidden = $state(true)
  pauseOnBattery = $state(true)
  onBattery = $state(false)
  hidden = $state(typeof document !== 'undefined' && document.visibilityState === 'hidden')
  /** Why the policy paused the miner, or null when it did not. */
  autoPausedBy = $state<'hidden' | 'battery' | null>(null)
  #session: MiningSession | null = null
  #cleanup: Array<() => void> = []

  constructor() {
    try {
      const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as { pauseWhenHidden?: unknown; pauseOnBattery?: unknown }
      if (typeof saved.pauseWhenHidden === 'boolean') this.pauseWhenHidden = saved.pauseWhenHidden
      if (typeof saved.pauseOnBattery === 'boolean') this.pauseOnBattery = saved.pauseOnBattery
    } catch { /* unreadable preferences: keep the defaults */ }
  }

  /** Starts watching visibility, battery and the snooze clock for `session`; idempotent. */
  attach(session: MiningSession): void {
    if (this.#session !== null) return
    this.#session = session
    const onVisibility = () => { this.hidden = document.visibilityState === 'hidden'; this.apply() }
    document.addEventListener('visibilitychange', onVisibility)
    this.#cleanup.push(() => document.removeEventListener('visibilitychange', onVisibility))
    const timer = setInterval(() => {
      const until = session.snoozedUntil
      if (until !== null && Date.now() >= until && session.phase === 'paused') session.resume()
    }, 5_000)
    this.#cleanup.push(() => clearInterval(timer))
    const nav = navigator as Navigator & { getBattery?: () => Promise<BatteryLike> }
    void nav.getBattery?.().then((battery) => {
      if (this.#session === null) return
      const onChange = () => { this.onBattery = !battery.charging; this.apply() }
      battery.addEventListener('chargingchange', onChange)
      this.#cleanup.push(() => battery.removeEventListener('chargingchange', onChange))
      onChange()
    }, () => {})
  }

  detach(): void {
    for (const f of this.#cleanup.splice(0)) f()
    this.#session = null
  }

  /** Saves preferences and re-applies the rules. */
  setPreferences(p: { pauseWhenHidden?: boolean; pauseOnBattery?: boolean }): void {
    if (p.pauseWhenHidden !== undefined) this.pauseWhenHidden = p.pauseWhenHidden
    if (p.pauseOnBattery !== undefined) this.pauseOnBattery = p.pauseOnBattery
    try { localStorage.setItem(KEY, JSON.stringify({ pauseWhenHidden: this.pauseWhenHidden, pauseOnBattery: this.pauseOnBattery })) } catch { /* private mode */ }
    this.apply()
  }

  /** Pauses or resumes the session according to the rules. */
  apply(): void {
    const s = this.#session
    if (s === null) return
    const reason = this.pauseWhenHidden && this.hidden ? 'hidden' : this.pauseOnBattery && this.onBattery ? 'battery' : null
    if (reason !== null && s.phase === 'mining') {
      s.pause()
      this.autoPausedBy = reason
    } else if (reason === null && this.autoPausedBy !== null && s.phase === 'paused' && s.snoozedUntil === null) {
      this.autoPausedBy = null
      s.resume()
    }
  }
}
