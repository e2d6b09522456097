/** The miner's OCR solver in Node: model files from the npm package, onnxruntime-node (or WASM). */
import { createNodeRunner, type NodeRunner } from '../gpu/node.ts'
import { loadOcrModelFiles, ocrTask } from '../subnet/node.ts'
import type { OcrSolver } from './miner.ts'

/** A Node solver; `stop()` releases its sessions. */
export interface NodeOcrSolver extends OcrSolver {
  stop(): Promise<void>
}

/** Creates the Node OCR solver (the model loads on `load()` or the first solve). */
export function createNodeOcrSolver(init: { threads?: number } = {}): NodeOcrSolver {
  let ready: Promise<{ runner: NodeRunner; files: Map<string, ArrayBuffer> }> | null = null
  const get = (): Promise<{ runner: NodeRunner; files: Map<string, ArrayBuffer> }> => {
    ready ??= (async () => ({ files: loadOcrModelFiles(), runner: await createNodeRunner({ ...(init.threads !== undefined ? { threads: init.threads } : {}) }) }))()
    ready.catch(() => { ready = null })
    return ready
  }
  return {
    async load() {
      const { runner, files } = await get()
      // Create both sessions now, so the first challenge does not pay for it.
      const { ocrEngineFor } = await import('../subnet/node.ts')
      await ocrEngineFor(runner, files)
    },
    async solve(challenge, options) {
      const { runner, files } = await get()
      return { ...(await ocrTask.solve(challenge, { runner, files, signal: options.signal })), ep: runner.backend }
    },
    async stop() {
      const r = await ready?.catch(() => null)
      ready = null
      await r?.runner.stop()
    },
  }
}
