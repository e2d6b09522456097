/** The miner's solver in Node for any task: model files from the npm package, onnxruntime-node (or WASM). */
import { createNodeRunner, type NodeRunner } from '../gpu/node.ts'
import { loadModelFiles, type AnyTask } from '../subnet/node.ts'
import type { TaskSolver } from './miner.ts'

/** A Node solver; `stop()` releases its sessions. */
export interface NodeSolver extends TaskSolver {
  stop(): Promise<void>
}

/** Creates the Node solver of `task` (the model loads on `load()` or the first solve). */
export function createNodeSolver(task: AnyTask, init: { threads?: number } = {}): NodeSolver {
  let ready: Promise<{ runner: NodeRunner; files: Map<string, ArrayBuffer> }> | null = null
  const get = (): Promise<{ runner: NodeRunner; files: Map<string, ArrayBuffer> }> => {
    ready ??= (async () => ({ files: loadModelFiles(task.manifest), runner: await createNodeRunner({ ...(init.threads !== undefined ? { threads: init.threads } : {}) }) }))()
    ready.catch(() => { ready = null })
    return ready
  }
  return {
    async load(options) {
      const { runner, files } = await get()
      // Create the sessions now, so the first challenge does not pay for it.
      await task.prepare?.({ runner, files, ...(options.signal !== undefined ? { signal: options.signal } : {}) })
    },
    async solve(challenge, options) {
      const { runner, files } = await get()
      return { ...(await task.solve(challenge, { runner, files, signal: options.signal })), ep: runner.backend }
    },
    async stop() {
      const r = await ready?.catch(() => null)
      ready = null
      await r?.runner.stop()
    },
  }
}
