/**
 * SIGINT/SIGTERM for the long-running commands (`relay`, `validate`, `start`): watch for the
 * first one, then stop what runs and return.
 */

/** The signals that stop a command. */
export type StopSignal = 'SIGINT' | 'SIGTERM'

const SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM']

/** SIGINT/SIGTERM handlers in place (see {@link watchSignals}). */
export interface SignalWatch {
  /** Aborted at the first signal. */
  readonly signal: AbortSignal
  /** Resolves with the first signal's name. */
  readonly received: Promise<StopSignal>
  /** Removes the handlers; idempotent. */
  dispose(): void
}

/** Options of {@link watchSignals}. */
export interface WatchOptions {
  /** Called at each signal handled, with its name (e.g. to print that the command is stopping). */
  onSignal?: (sig: StopSignal) => void
  /**
   * false (default): the handlers go at the first signal, so a second Ctrl-C gets Node's default
   * and ends the process at once. true: they stay until `dispose()`; a later signal only calls
   * `onSignal` again.
   */
  keep?: boolean
}

/**
 * Installs SIGINT and SIGTERM handlers now (before start-up, so a signal during it counts too).
 */
export function watchSignals(options: WatchOptions = {}): SignalWatch {
  const controller = new AbortController()
  let resolve!: (sig: StopSignal) => void
  const received = new Promise<StopSignal>((r) => (resolve = r))
  const handlers = SIGNALS.map((sig) => [sig, (): void => {
    if (options.keep !== true) dispose()
    options.onSignal?.(sig)
    controller.abort()
    resolve(sig)
  }] as const)
  const dispose = (): void => {
    for (const [sig, h] of handlers) process.off(sig, h)
  }
  for (const [sig, h] of handlers) process.on(sig, h)
  return { signal: controller.signal, received, dispose }
}

/**
 * Waits for SIGINT or SIGTERM (the first one `watch` saw, which may have come already; by
 * default handlers installed now), runs `stop`, removes the handlers and returns the signal.
 */
export async function untilSignal(stop: () => Promise<void>, watch: SignalWatch = watchSignals()): Promise<StopSignal> {
  try {
    const sig = await watch.received
    await stop()
    return sig
  } finally {
    watch.dispose()
  }
}
