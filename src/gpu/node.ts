/**
 * Node entry of src/gpu (the CLI, the headless validator, benchmarks): sessions on
 * onnxruntime-node when it is installed (native CPU), else on onnxruntime-web's WASM backend
 * running in Node. Browser code uses `index.ts`, never this file.
 */
import { GpuError } from './errors.ts'
import type { TensorData, TensorMap } from './protocol.ts'
import type { SessionRunner } from './runner.ts'

export type { SessionRunner } from './runner.ts'
export { GpuError } from './errors.ts'
export type { TensorData, TensorMap } from './protocol.ts'

/** Which runtime a Node runner uses. */
export type NodeBackend = 'onnxruntime-node' | 'onnxruntime-web-wasm'

/** A {@link SessionRunner} in Node, saying which runtime it uses. */
export interface NodeRunner extends SessionRunner {
  readonly backend: NodeBackend
  /** Releases every session. */
  stop(): Promise<void>
}

/** Options of {@link createNodeRunner}. */
export interface NodeRunnerInit {
  /** `auto` (default): onnxruntime-node if it loads, else onnxruntime-web WASM. */
  backend?: 'auto' | NodeBackend
  /** Intra-op threads (default: ORT's choice for native, 1 for WASM). */
  threads?: number
}

interface NativeTensor { type: string; data: unknown; dims: readonly number[] }
interface NativeSession {
  inputNames: readonly string[]
  outputNames: readonly string[]
  run(feeds: Record<string, NativeTensor>): Promise<Record<string, NativeTensor>>
  release(): Promise<void>
}
interface NativeOrt {
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => NativeTensor
  InferenceSession: { create(bytes: Uint8Array, opts: object): Promise<NativeSession> }
}

async function loadNative(): Promise<NativeOrt | null> {
  try {
    const mod = (await import('onnxruntime-node')) as unknown as NativeOrt & { default?: NativeOrt }
    return mod.InferenceSession !== undefined ? mod : (mod.default ?? null)
  } catch {
    return null
  }
}

/** Creates a Node runner. */
export async function createNodeRunner(init: NodeRunnerInit = {}): Promise<NodeRunner> {
  const want = init.backend ?? 'auto'
  const native = want === 'onnxruntime-web-wasm' ? null : await loadNative()
  if (want === 'onnxruntime-node' && native === null) throw new GpuError('INFERENCE_FAILED', 'onnxruntime-node is not installed or its native binding does not load here: use --backend wasm')
  if (native !== null) {
    const sessions = new Map<string, NativeSession>()
    return {
      backend: 'onnxruntime-node',
      async createSession(name, model) {
        let s = sessions.get(name)
        if (s === undefined) {
          const opts: Record<string, unknown> = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' }
          if (init.threads !== undefined) opts['intraOpNumThreads'] = init.threads
          s = await native.InferenceSession.create(new Uint8Array(model.slice(0)), opts)
          sessions.set(name, s)
        }
        return { ep: 'native', inputNames: [...s.inputNames], outputNames: [...s.outputNames] }
      },
      async run(name, feeds) {
        const s = sessions.get(name)
        if (s === undefined) throw new GpuError('MODEL_NOT_FOUND', `no session '${name}': create it first`)
        const input: Record<string, NativeTensor> = {}
        for (const [k, v] of Object.entries(feeds)) input[k] = new native.Tensor(v.type, v.data, v.dims)
        const out = await s.run(input)
        const result: TensorMap = {}
        for (const [k, v] of Object.entries(out)) result[k] = { type: v.type as TensorData['type'], data: v.data as TensorData['data'], dims: [...v.dims] }
        return result
      },
      async stop() {
        for (const s of sessions.values()) await s.release().catch(() => {})
        sessions.clear()
      },
    }
  }
  const ortWeb = await import('./ort.ts')
  ortWeb.configureOrt({ wasmPaths: null, numThreads: init.threads ?? 1 })
  const sessions = new Map<string, Awaited<ReturnType<typeof ortWeb.createOrtSession>>>()
  return {
    backend: 'onnxruntime-web-wasm',
    async createSession(name, model) {
      let s = sessions.get(name)
      if (s === undefined) {
        s = await ortWeb.createOrtSession(model.slice(0), 'wasm')
        sessions.set(name, s)
      }
      return { ep: 'wasm', inputNames: s.info.inputNames, outputNames: s.info.outputNames }
    },
    async run(name, feeds) {
      const s = sessions.get(name)
      if (s === undefined) throw new GpuError('MODEL_NOT_FOUND', `no session '${name}': create it first`)
      return s.run(feeds)
    },
    async stop() {
      for (const s of sessions.values()) await s.release().catch(() => {})
      sessions.clear()
    },
  }
}
