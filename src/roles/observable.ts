/** A tiny store: an immutable snapshot replaced on every change, and subscribers called with it. */

/** Something the UI can subscribe to (Svelte's store contract: `subscribe(cb)` returns an unsubscriber). */
export interface Observable<S> {
  /** The current snapshot (a new object after every change; never mutated). */
  readonly state: S
  /** Calls `cb` now and after every change; returns the unsubscriber. */
  subscribe(cb: (state: S) => void): () => void
}

/** The mutable side of an {@link Observable}. */
export class Store<S extends object> implements Observable<S> {
  #state: S
  readonly #subs = new Set<(s: S) => void>()
  constructor(initial: S) { this.#state = Object.freeze({ ...initial }) }
  get state(): S { return this.#state }
  subscribe(cb: (state: S) => void): () => void {
    this.#subs.add(cb)
    cb(this.#state)
    return () => { this.#subs.delete(cb) }
  }
  /** Replaces the fields in `patch` and notifies. */
  set(patch: Partial<S>): void {
    this.#state = Object.freeze({ ...this.#state, ...patch })
    for (const cb of [...this.#subs]) {
      try { cb(this.#state) } catch { /* a subscriber's bug must not stop the role */ }
    }
  }
}
