/**
 * The page's sessions run real implementations loaded only when first needed (wallet, GPU worker,
 * mesh, consensus). The sessions take them from here (App.svelte, the widget) rather than
 * importing them, so that a session module and its implementation never import each other.
 */
import type { MiningImpl } from './mining.svelte.ts'
import type { ValidatingImpl } from './validating.svelte.ts'

/** Loads the real implementation (wallet, GPU worker, mesh) only when mining starts. */
export function lazyMiningImpl(): MiningImpl {
  let impl: MiningImpl | undefined
  return {
    async start(session) {
      const loaded = impl ?? (await import('./mining-impl.ts')).createMiningImpl()
      impl = loaded
      await loaded.start(session)
    },
    pause: () => impl?.pause(),
    resume: () => impl?.resume(),
    setDutyCycle: (f) => impl?.setDutyCycle(f),
    stop: async () => { await impl?.stop() },
  }
}

/** Loads the real implementation (wallet, mesh, consensus) only when it is needed. */
export function lazyValidatingImpl(): ValidatingImpl {
  let impl: ValidatingImpl | undefined
  const load = async (): Promise<ValidatingImpl> => (impl ??= (await import('./validating-impl.ts')).createValidatingImpl())
  return {
    start: async (session) => { await (await load()).start(session) },
    stop: async () => { await impl?.stop() },
    // Reading the saved commits needs only the store, not the role.
    savedCommits: async (hotkey) => await (await import('../weights/index.ts')).createIdbCommitStore().list({ hotkey }),
  }
}
