/**
 * The miner's OCR solver in a tab: model files from the model store (download with progress,
 * sha256-checked, cached), inference in the gpu worker (WebGPU or WASM, measured), the OCR task's
 * solve on top.
 */
import { createInferenceClient, createModelStore, type InferenceClient, type ModelProgress, type ModelStore } from '../gpu/index.ts'
import { ocrTask } from '../subnet/index.ts'
import type { OcrSolver } from './miner.ts'

/** Options of {@link createBrowserOcrSolver}. */
export interface BrowserOcrSolverInit {
  /** Default: a new model store on this origin. */
  store?: ModelStore
  /** Default: a new inference client (worker). */
  inference?: InferenceClient
  /** Model download progress (for the progress bar). */
  onProgress?: (p: ModelProgress) => void
}

/** A solver with its inference client exposed (the dashboard shows the execution path). */
export interface BrowserOcrSolver extends OcrSolver {
  readonly inference: InferenceClient
  /** Downloads (or reads from the cache) and verifies the model, and starts the worker. Idempotent. */
  load(options: { signal?: AbortSignal }): Promise<void>
  /** Terminates the worker. */
  stop(): void
}

/** Creates the in-tab OCR solver; `load()` downloads the model and starts the worker. */
export function createBrowserOcrSolver(init: BrowserOcrSolverInit = {}): BrowserOcrSolver {
  const inference = init.inference ?? createInferenceClient()
  let files: ReadonlyMap<string, ArrayBuffer> | null = null
  let loading: Promise<void> | null = null
  const load = async (options: { signal?: AbortSignal } = {}): Promise<void> => {
    if (files !== null) return
    loading ??= (async () => {
      const store = init.store ?? createModelStore()
      const loaded = await store.load(ocrTask.manifest, { ...(options.signal !== undefined ? { signal: options.signal } : {}), ...(init.onProgress !== undefined ? { onProgress: init.onProgress } : {}) })
      await inference.start(options.signal !== undefined ? { signal: options.signal } : {})
      files = loaded.files
    })().finally(() => { loading = null })
    await loading
  }
  return {
    inference,
    load,
    async solve(challenge, options) {
      await load(options)
      const answer = await ocrTask.solve(challenge, { runner: inference, files: files!, signal: options.signal })
      return { ...answer, ...(inference.path !== null ? { ep: inference.path.ep } : {}) }
    },
    stop() { inference.stop() },
  }
}
