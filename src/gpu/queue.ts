/**
 * The one queue that owns the GPU. ORT runs (through the inference client) and consensus
 * dispatches are serialized through it: ORT-web cannot run two sessions at once, and two
 * heavy users of one GPU only slow each other down.
 *
 * Work that reaches the GPU without passing through this queue (runs a solve worker sends straight
 * to the inference worker over a MessagePort) is covered by gates: an inference client adds one
 * while its worker lives, and every job here first takes each gate (a hold in that worker's own
 * queue, granted once the runs ahead of it finished, keeping the worker's runs out until the job
 * settles). A client's own jobs skip its gate (its worker serializes them itself).
 */
import { GpuError, throwIfAborted } from './errors.ts'

/** Options of one queued job. */
export interface GpuJobOptions {
  signal?: AbortSignal
  /** Shown in `pending` for diagnostics. */
  label?: string
  /** A gate this job does not take (the inference client's own jobs: its worker orders them). */
  skipGate?: GpuGate
}

/** Another queue the GPU's work also passes through (an inference worker's), taken before each job. */
export interface GpuGate {
  /** Resolves once the other queue is held for us, with the function that lets it go. */
  acquire(label: string, signal: AbortSignal | undefined): Promise<() => void>
}

/** A FIFO of async jobs, one running at a time. */
export interface GpuQueue {
  /**
   * Runs `job` when every job queued before it has settled. A job whose signal fires while it
   * waits is dropped (rejects with `ABORTED`) without running; a running job gets the signal.
   */
  run<T>(job: (signal: AbortSignal | undefined) => Promise<T> | T, options?: GpuJobOptions): Promise<T>
  /** Jobs waiting or running. */
  readonly size: number
  /** Labels of the jobs waiting or running, oldest first. */
  readonly pending: readonly string[]
  /** Resolves when the queue is empty. */
  idle(): Promise<void>
  /** Adds a gate every later job takes before it runs; returns its removal. */
  addGate(gate: GpuGate): () => void
}

interface Entry {
  start: () => void
  label: string
}

class GpuQueueImpl implements GpuQueue {
  private readonly entries: Entry[] = []
  private running = false
  private idleWaiters: (() => void)[] = []
  private readonly gates = new Set<GpuGate>()

  get size(): number { return this.entries.length }
  get pending(): readonly string[] { return this.entries.map((e) => e.label) }

  run<T>(job: (signal: AbortSignal | undefined) => Promise<T> | T, options: GpuJobOptions = {}): Promise<T> {
    const { signal } = options
    try {
      throwIfAborted(signal)
    } catch (err) {
      return Promise.reject(err)
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        label: options.label ?? 'job',
        start: () => {
          signal?.removeEventListener('abort', onAbort)
          const gates = [...this.gates].filter((g) => g !== options.skipGate)
          const held: (() => void)[] = []
          const letGo = (): void => { for (const f of held.splice(0).reverse()) f() }
          Promise.resolve()
            .then(async () => {
              for (const g of gates) held.push(await g.acquire(entry.label, signal))
              return job(signal)
            })
            .finally(letGo)
            .then(resolve, reject)
            .finally(() => this.finish(entry))
        },
      }
      const onAbort = (): void => {
        const i = this.entries.indexOf(entry)
        // Only a waiting job is dropped here; a running one sees the signal itself.
        if (i > 0 || (i === 0 && !this.running)) {
          this.entries.splice(i, 1)
          reject(new GpuError('ABORTED', `GPU job '${entry.label}' aborted while queued`, { cause: signal?.reason }))
          this.notifyIdle()
        }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.entries.push(entry)
      this.pump()
    })
  }

  addGate(gate: GpuGate): () => void {
    this.gates.add(gate)
    return () => { this.gates.delete(gate) }
  }

  idle(): Promise<void> {
    if (this.entries.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private pump(): void {
    if (this.running) return
    const next = this.entries[0]
    if (next === undefined) return
    this.running = true
    next.start()
  }

  private finish(entry: Entry): void {
    const i = this.entries.indexOf(entry)
    if (i >= 0) this.entries.splice(i, 1)
    this.running = false
    this.notifyIdle()
    this.pump()
  }

  private notifyIdle(): void {
    if (this.entries.length > 0) return
    const w = this.idleWaiters
    this.idleWaiters = []
    for (const f of w) f()
  }
}

/** Creates a new queue. Most callers want {@link sharedGpuQueue}. */
export function createGpuQueue(): GpuQueue {
  return new GpuQueueImpl()
}

let shared: GpuQueue | undefined

/** The one queue of this realm (page or worker): every GPU user goes through it. */
export function sharedGpuQueue(): GpuQueue {
  shared ??= createGpuQueue()
  return shared
}
