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
}

/** The defaults. */
export const DEFAULT_LIMITS: Readonly<MeshLimits> = Object.freeze({
  maxChallengeBytes: 256 * 1024,
  maxAnswerBytes: 64 * 1024,
  maxConcurrentPerPeer: 8,
  ratePerSecond: 50,
  rateBurst: 100,
  requestTimeoutMs: 10_000,
  maxDeadlineMs: 120_000,
  deadlineGraceMs: 2_000,
  offenceLimit: 10,
  offenceWindowMs: 60_000,
  banMs: 10 * 60_000,
  answerCacheMs: 5 * 60_000,
})

/** Room for the fields around a payload (ids, binding, signature, protobuf tags). */
export const ENVELOPE_BYTES = 4 * 1024

/** A token bucket per key: `take(key)` is false when the key is over its rate. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>()
  readonly #rate: number
  readonly #burst: number
  readonly #now: () => number

  constructor(ratePerSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.#rate = ratePerSecond
    this.#burst = burst
    this.#now = now
  }

  /** Takes one token for `key`; false when none is left. */
  take(key: string): boolean {
    const t = this.#now()
    const b = this.#buckets.get(key) ?? { tokens: this.#burst, at: t }
    b.tokens = Math.min(this.#burst, b.tokens + ((t - b.at) / 1000) * this.#rate)
    b.at = t
    const ok = b.tokens >= 1
    if (ok) b.tokens -= 1
    this.#buckets.set(key, b)
    if (this.#buckets.size > 10_000) this.#prune(t)
    return ok
  }

  #prune(t: number): void {
    for (const [k, b] of this.#buckets) if (b.tokens + ((t - b.at) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(k)
  }
}
