/**
 * The ONNX Runtime adapter: the only file that imports onnxruntime-web. Everything else speaks
 * {@link TensorData} and session handles.
 */
import * as ort from 'onnxruntime-web'
import { GpuError } from './errors.ts'
import type { CreateResult, ExecutionProvider, TensorData, TensorMap } from './protocol.ts'

/** A loaded ORT session. */
export interface OrtSession {
  readonly ep: ExecutionProvider
  readonly info: CreateResult
  run(feeds: TensorMap): Promise<TensorMap>
  release(): Promise<void>
}

/** Options of {@link configureOrt}; applied before the first session is created. */
export interface OrtConfig {
  /** Prefix URL of the ORT wasm files on our origin (null: ORT's default next to its script). */
  wasmPaths: string | null
  numThreads: number
  /** A device for the WebGPU EP (ours, so we see its loss). */
  device?: GPUDevice
  /** The runtime's wasm as bytes (from the model store's cache): ORT then does not fetch it. */
  runtime?: OrtRuntimeBytes
}

import { ORT_GLUE, ORT_WASM, type OrtRuntimeBytes } from './ort-runtime.ts'

export { ORT_GLUE, ORT_WASM } from './ort-runtime.ts'

let configured = false

/** Sets ORT's global environment once per realm (ORT reads it when its backend starts). */
export function configureOrt(config: OrtConfig): void {
  if (configured) return
  configured = true
  // The wasm as bytes (from the model store's cache): ORT then never fetches it.
  if (config.runtime !== undefined) ort.env.wasm.wasmBinary = config.runtime.wasm
  if (config.runtime !== undefined && config.wasmPaths !== null) {
    ort.env.wasm.wasmPaths = { mjs: `${config.wasmPaths}${ORT_GLUE}` }
  } else if (config.wasmPaths !== null) {
    // Both files by URL: ORT imports the glue from our origin, and its pthread workers load that
    // same file (not the bundle that imported ORT, which in a built app is our worker chunk).
    ort.env.wasm.wasmPaths = { mjs: `${config.wasmPaths}${ORT_GLUE}`, wasm: `${config.wasmPaths}${ORT_WASM}` }
  }
  ort.env.wasm.numThreads = config.numThreads
  ort.env.logLevel = 'error'
  if (config.device !== undefined) ort.env.webgpu.device = config.device
}

/** Hands ORT a device for the WebGPU EP (only effective before the WebGPU backend starts). */
export function setOrtDevice(device: GPUDevice): void {
  ort.env.webgpu.device = device
}

function toOrt(t: TensorData): ort.Tensor {
  return new ort.Tensor(t.type, t.data, t.dims)
}

function fromOrt(t: ort.Tensor): TensorData {
  return { type: t.type as TensorData['type'], data: t.data as TensorData['data'], dims: [...t.dims] }
}

/** Creates a session on one EP. */
export async function createOrtSession(model: ArrayBuffer | Uint8Array, ep: ExecutionProvider): Promise<OrtSession> {
  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(model instanceof Uint8Array ? model : new Uint8Array(model), {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
    })
  } catch (err) {
    throw new GpuError('INFERENCE_FAILED', `could not create an ORT session on ${ep}: ${(err as Error).message}`, { cause: err })
  }
  const meta = (session as { inputMetadata?: readonly { shape?: readonly (number | string | null)[] }[] }).inputMetadata
  const info: CreateResult = {
    ep,
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    inputShapes: session.inputNames.map((_, i) => meta?.[i]?.shape ?? null),
    // Read after the backend started: ORT drops it to 1 where threads cannot run (no isolation).
    wasmThreads: ort.env.wasm.numThreads ?? 1,
  }
  return {
    ep,
    info,
    async run(feeds: TensorMap): Promise<TensorMap> {
      const input: Record<string, ort.Tensor> = {}
      for (const [k, v] of Object.entries(feeds)) input[k] = toOrt(v)
      const out = await session.run(input)
      const result: TensorMap = {}
      for (const [k, v] of Object.entries(out)) {
        // Read GPU-resident outputs back; then the tensor can be freed.
        if (v.location !== 'cpu') await v.getData(true)
        result[k] = fromOrt(v)
        v.dispose()
      }
      return result
    },
    release: () => session.release(),
  }
}
