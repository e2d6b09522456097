/**
 * src/gpu: the WebGPU device (probe, device loss), the one GPU queue, the model store
 * (download, progress, integrity, Cache API) and ONNX Runtime inference in a Web Worker.
 * This file is the subsystem's only door.
 */
export {  type GpuCapabilities, type GpuAdapterReport, type ProbeInit } from './probe.ts'
export { createGpuDevice, type GpuDeviceHandle, type GpuDeviceInit, type DeviceLostDetail } from './device.ts'
export { openGpuApi, dawnEnv, dawnAdapterHint, type GpuApiAttempt } from './gpu-api.ts'
export {  sharedGpuQueue, type GpuQueue, type GpuJobOptions, type GpuGate } from './queue.ts'
export {
  createModelStore,
  type ModelStore,
  type ModelStoreInit,
  type ModelManifest,
  type ModelFileEntry,
  type ModelPlan,
  type ModelProgress,
  type LoadedModel,
  type LoadOptions,
  type CachedModel,
} from './model-store.ts'
export {
  createInferenceClient,
  type InferenceClient,
  type InferenceClientInit,
  type InferencePath,
  type CreateSessionOptions,
  type SessionInfo,
  type EpMemory,
} from './client.ts'
export {  type OrtRuntimeBytes } from './ort-runtime.ts'
export type { SessionRunner } from './runner.ts'
export type { ExecutionProvider, TensorData, TensorMap, TensorType, InitResult, WorkerRequest, WorkerResponse, PortRequest, WorkerStats } from './protocol.ts'
export { GpuError, errorFromData, type GpuErrorCode, type ErrorData } from './errors.ts'
export { optimizeOnnx, type OnnxRewriteReport } from './onnx-optimize.ts'
