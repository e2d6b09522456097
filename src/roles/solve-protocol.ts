/**
 * Messages between the page's solver (browser-solver.ts) and its solve worker (solve.worker.ts),
 * for any task plug-in. The worker runs the task's solve (for OCR: decodes the image and runs
 * PaddleOCR's pre- and post-processing). Its session runs go straight to the inference worker over
 * the port given at init (two message hops a run, none through the page; the inference worker's
 * queue is held by the page's GPU queue for its own jobs, so consensus and inference stay
 * serialized). Session creation (the EP choice, remembered in the page's storage) and, without a
 * port, the runs too are asked of the page (`call`, four hops a run).
 */
import type { ExecutionProvider, TensorMap } from '../gpu/index.ts'
import type { TaskAnswer, TaskChallenge } from '../subnet/index.ts'

/** An error as it crosses the boundary (rebuilt as GpuError or SubnetError by its code). */
export interface WireError { name: string; code: string; message: string }

/** Page → solve worker. */
export type ToSolver =
  /** The task's id (src/subnet's registry) and its verified model files. */
  | { type: 'init'; task: string; files: Array<[string, ArrayBuffer]>; inference?: MessagePort }
  | { type: 'solve'; id: number; challenge: TaskChallenge }
  /** Create the task's sessions now (`Task.prepare`), so the first challenge does not pay for it. */
  | { type: 'warm'; id: number }
  | { type: 'abort'; id: number }
  /** The inference worker failed: runs waiting on the direct channel fail now, later ones go through the page. */
  | { type: 'inference-failed'; code: string; message: string }
  | { type: 'reply'; rid: number; ok: true; value: unknown }
  | { type: 'reply'; rid: number; ok: false; error: WireError }

/** A tensor call the solve worker asks the page to run on the inference client. */
export type SolverCall =
  | { type: 'call'; solveId: number; method: 'createSession'; name: string; model: ArrayBuffer; options: { probe?: TensorMap; ep?: ExecutionProvider } }
  | { type: 'call'; solveId: number; method: 'run'; name: string; feeds: TensorMap }

/** Solve worker → page. */
export type FromSolver =
  | (SolverCall & { rid: number })
  | { type: 'solved'; id: number; answer: TaskAnswer }
  | { type: 'warmed'; id: number }
  | { type: 'failed'; id: number; error: WireError }

/** Serializes a thrown value. */
export function toWireError(err: unknown): WireError {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code
    return { name: err.name, code: code === undefined ? (err.name === 'AbortError' ? 'ABORTED' : 'INFERENCE_FAILED') : String(code), message: err.message }
  }
  return { name: 'Error', code: 'INFERENCE_FAILED', message: String(err) }
}

/** The ArrayBuffers of a tensor map (to transfer them). */
export function tensorBuffers(map: TensorMap): ArrayBuffer[] {
  const out: ArrayBuffer[] = []
  for (const t of Object.values(map)) {
    const b = (t.data as { buffer?: unknown }).buffer
    if (b instanceof ArrayBuffer && !out.includes(b)) out.push(b)
  }
  return out
}
