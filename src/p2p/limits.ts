/** Hard limits of the mesh protocols, and the per-peer token bucket that enforces rates. */

/** Every limit of the challenge protocol and of peer discipline. */
export interface MeshLimits {
  /** Largest challenge payload, bytes (a JPEG challenge image and its metadata). */
  maxChallengeBytes: number
  /** Largest answer, bytes. */
  maxAnswerBytes: number
  /** Most challenge streams one peer may have open at once at a miner (over all its connections). */
  maxConcurrentPerPeer: number
  /** Sustained challenges per second one peer may send a miner. */
  ratePerSecond: number
  /** Burst size of the per-peer token bucket. */
  rateBurst: number
  /** A peer must send its whole request within this many ms of opening a stream. */
  requestTimeoutMs: number
  /** A challenge session stream with no request for this long is closed by the miner, ms. */
  sessionIdleMs: number
  /** A challenge deadline may lie at most this far in the future, ms. */
  maxDeadlineMs: number
  /** A validator waits this much past the deadline for the answer to arrive, ms. */
  deadlineGraceMs: number
  /** Protocol offences within `offenceWindowMs` that get a peer banned and disconnected. */
  offenceLimit: number
  offenceWindowMs: number
  /** How long a ban lasts, ms. */
  banMs: number
  /** How long a miner remembers answered challenge ids (to answer retries without recomputing), ms. */
  answerCacheMs: number
  /**
   * Most challenges a miner holds at once, over all validators (its queue). Each validator's
   * share of it, and of `ratePerSecond`, follows its share of the permit holders' stake.
   */
  maxQueue: number
  /** A connection whose peer shows no valid binding within this many ms is closed. */
  bindTimeoutMs: number
  /** Most peers without a verified binding connected at once (the rest are refused at the gate). */
  maxUnboundPeers: number
  /** A presence is forgotten this long after its timestamp, ms. */
  presenceTtlMs: number
  /** Presence messages per second one hotkey may have validated and forwarded (sustained, burst). */
  presenceRatePerSecond: number
  presenceBurst: number
  /** Bound of every per-peer and per-hotkey map (bindings, offences, bans, presences, buckets). */
  maxTrackedPeers: number
}

/** The defaults. */
export const DEFAULT_LIMITS: Readonly<MeshLimits> = Object.freeze({
  maxChallengeBytes: 256 * 1024,
  maxAnswerBytes: 64 * 1024,
  maxConcurrentPerPeer: 8,
  ratePerSecond: 50,
  rateBurst: 100,
  requestTimeoutMs: 10_000,
  sessionIdleMs: 30_000,
  maxDeadlineMs: 120_000,
  deadlineGraceMs: 2_000,
  offenceLimit: 10,
  offenceWindowMs: 60_000,
  banMs: 10 * 60_000,
  answerCacheMs: 5 * 60_000,
  maxQueue: 16,
  bindTimeoutMs: 5_000,
  maxUnboundPeers: 16,
  presenceTtlMs: 90_000,
  presenceRatePerSecond: 0.2,
  presenceBurst: 3,
  maxTrackedPeers: 10_000,
})

/** Room for the fields around a payload (ids, binding, signature, protobuf tags). */
export const ENVELOPE_BYTES = 4 * 1024

/**
 * A token bucket per key: `take(key)` is false when the key is over its rate. At most `maxKeys`
 * buckets are kept: full ones are dropped first (they hold nothing), then the least recently used.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>()
  readonly #rate: number
  readonly #burst: number
  readonly #now: () => number
  readonly #maxKeys: number

  constructor(ratePerSecond: number, burst: number, now: () => number = () => performance.now(), maxKeys = 10_000) {
    this.#rate = ratePerSecond
    this.#burst = burst
    this.#now = now
    this.#maxKeys = maxKeys
  }

  /** Buckets held. */
  get size(): number { return this.#buckets.size }

  /**
   * Takes one token for `key`; false when none is left. `scale` (0..1] shrinks this key's rate
   * and burst (a validator's stake share); the burst never drops below one token.
   */
  take(key: string, scale = 1): boolean {
    const t = this.#now()
    const rate = this.#rate * scale
    const burst = Math.max(1, this.#burst * scale)
    const b = this.#buckets.get(key) ?? { tokens: burst, at: t }
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate)
    b.at = t
    const ok = b.tokens >= 1
    if (ok) b.tokens -= 1
    // Re-insert: the map's order is then least recently used first.
    this.#buckets.delete(key)
    this.#buckets.set(key, b)
    if (this.#buckets.size > this.#maxKeys) this.#prune(t)
    return ok
  }

  #prune(t: number): void {
    for (const [k, b] of this.#buckets) if (b.tokens + ((t - b.at) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(k)
    for (const k of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxKeys) break
      this.#buckets.delete(k)
    }
  }
}

/** A map that keeps at most `max` entries, dropping the oldest inserted first. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly max: number) { super() }
  override set(key: K, value: V): this {
    if (!this.has(key)) while (this.size >= this.max) this.delete(this.keys().next().value as K)
    return super.set(key, value)
  }
}
