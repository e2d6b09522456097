/**
 * ONNX Runtime Web's 28 MB wasm as a manifest the model store loads like a model: downloaded
 * once with its sha256 checked, kept in the Cache API, and handed to the inference worker as
 * bytes (`env.wasm.wasmBinary`), so a returning visit does not fetch it. The 47 KB glue script
 * stays a URL (the app's CSP allows no blob: scripts); the service worker precaches it with its
 * sha256 as integrity (src/ui/sw.ts). Pinned to the installed onnxruntime-web;
 * `ort-runtime.test.ts` checks the bytes.
 */
import type { ModelManifest } from './model-store.ts'

/** The JSEP build's glue (WebGPU and WASM EPs in one binary); the models plugin serves it under `ort/`. */
export const ORT_GLUE = 'ort-wasm-simd-threaded.jsep.mjs'
/** See {@link ORT_GLUE}. */
export const ORT_WASM = 'ort-wasm-simd-threaded.jsep.wasm'

/** The runtime files (urls relative to the app's base). */
export const ORT_RUNTIME_MANIFEST: ModelManifest = Object.freeze({
  task: 'ort-runtime',
  name: 'ONNX Runtime Web (JSEP build: WebGPU and WASM)',
  version: 'onnxruntime-web@1.30.0',
  license: 'MIT',
  source: 'npm onnxruntime-web@1.30.0 dist/',
  files: Object.freeze([
    { name: ORT_WASM, url: `ort/${ORT_WASM}`, size: 28312028, sha256: '3ad23231b5bd6d9dda55a7f84606315e0bf35b6750c28ee993c987c54cacab0f' },
  ]),
}) as ModelManifest

/** The glue script's sha256 (hex), for the service worker's integrity check. */
export const ORT_GLUE_SHA256 = '709853412fd1ffc34247af1e73569227b5b79629c5ca3f59cc39cf7e500e4947'

/** The runtime's bytes as the worker receives them. */
export interface OrtRuntimeBytes {
  wasm: ArrayBuffer
}
