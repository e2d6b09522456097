/**
 * The one queue that owns the GPU. ORT runs (through the inference client) and consensus
 * dispatches are serialized through it: ORT-web cannot run two sessions at once, and two
 * heavy users of one GPU only slow each other down.
 */
import { GpuError, throwIfAborted } from './errors.ts'

/** Options of one queued job. */
export interface GpuJobOptions {
  signal?: AbortSignal
  /** Shown in `pending` for diagnostics. */
  label?: string
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
}

interface Entry {
  start: () => void
  label: string
}

class GpuQueueImpl implements GpuQueue {
  private readonly entries: Entry[] = []
  private running = false
  private idleWaiters: (() => void)[] = []

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
          Promise.resolve()
            .then(() => job(signal))
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
