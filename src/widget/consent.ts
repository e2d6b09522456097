/**
 * Consent to mine, remembered per host origin inside the widget's own storage (the iframe's
 * localStorage, which browsers also partition by top-level site). Only the widget writes it, and
 * only from a trusted click; "Forget this site" removes it.
 */

/** The part of `Storage` the store uses. */
export type ConsentStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/** One remembered consent. */
export interface ConsentRecord {
  /** When the user agreed (ms since epoch). */
  grantedAt: number
  /** The duty cycle the user chose then. */
  dutyCycle: number
}

/** localStorage key of the consent map. */
export const CONSENT_KEY = 'webtensor.widget.consent.v1'

/** Reads and writes remembered consent, keyed by exact origin (`https://partner.example`). */
export class ConsentStore {
  readonly #storage: ConsentStorage

  constructor(storage: ConsentStorage) {
    this.#storage = storage
  }

  /** The record for `origin`, or null. */
  get(origin: string): ConsentRecord | null {
    return this.#read()[origin] ?? null
  }

  /** Remembers consent for `origin`. */
  grant(origin: string, dutyCycle: number): ConsentRecord {
    const all = this.#read()
    const rec: ConsentRecord = { grantedAt: Date.now(), dutyCycle }
    all[origin] = rec
    this.#storage.setItem(CONSENT_KEY, JSON.stringify(all))
    return rec
  }

  /** Forgets `origin`; a no-op when nothing was stored. */
  revoke(origin: string): void {
    const all = this.#read()
    if (!(origin in all)) return
    delete all[origin]
    if (Object.keys(all).length === 0) this.#storage.removeItem(CONSENT_KEY)
    else this.#storage.setItem(CONSENT_KEY, JSON.stringify(all))
  }

  /** Every origin with remembered consent. */
  origins(): string[] {
    return Object.keys(this.#read())
  }

  #read(): Record<string, ConsentRecord> {
    let raw: unknown
    try {
      raw = JSON.parse(this.#storage.getItem(CONSENT_KEY) ?? '{}')
    } catch {
      return {}
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {}
    const out: Record<string, ConsentRecord> = Object.create(null) as Record<string, ConsentRecord>
    for (const [origin, v] of Object.entries(raw as Record<string, unknown>)) {
      const r = v as Partial<ConsentRecord> | null
      if (typeof r?.grantedAt === 'number' && typeof r.dutyCycle === 'number') out[origin] = { grantedAt: r.grantedAt, dutyCycle: r.dutyCycle }
    }
    return out
  }
}
