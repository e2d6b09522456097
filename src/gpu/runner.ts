/** What the subnet tasks need from an inference backend, whatever runs it (worker client, Node). */
import type { ExecutionProvider, TensorMap } from './protocol.ts'

/** A named-session runner: {@link InferenceClient} in browsers, `createNodeRunner()` in Node. */
export interface SessionRunner {
  /** Creates (or reuses) the named session from model bytes (the caller keeps the bytes). */
  createSession(name: string, model: ArrayBuffer, options?: { probe?: TensorMap; ep?: ExecutionProvider; signal?: AbortSignal }): Promise<{ ep: ExecutionProvider | 'native'; inputNames: string[]; outputNames: string[] }>
  /** Runs the named session. */
  run(name: string, feeds: TensorMap, options?: { signal?: AbortSignal }): Promise<TensorMap>
}
