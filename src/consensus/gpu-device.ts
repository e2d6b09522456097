/**
 * The consensus kernels' WebGPU device, taken from src/gpu: the entry from `openGpuApi()`
 * (`navigator.gpu`, or Dawn in Node) and the device from `createGpuDevice()`, which watches it
 * for loss. After a loss the next batch acquires a fresh device; the batch that saw the loss
 * falls back to the CPU and says why (gpu-epoch.ts).
 */
import { createGpuDevice, dawnAdapterHint, openGpuApi, GpuError, type GpuDeviceHandle } from '../gpu/index.ts'

/** A device, or why there is none. */
export type DeviceAttempt = { ok: true; device: GPUDevice } | { ok: false; reason: string }

type HandleAttempt = { ok: true; handle: GpuDeviceHandle; dawn: boolean } | { ok: false; reason: string }

let shared: Promise<HandleAttempt> | undefined

function handle(): Promise<HandleAttempt> {
  // Consensus buffers can be large: ask for the adapter's maximum buffer sizes. No automatic
  // recovery: the next acquireDevice() starts a new device only when consensus needs one.
  shared ??= openGpuApi().then((api) => (api.ok
    ? { ok: true, handle: createGpuDevice({ gpu: api.gpu, maxBufferLimits: true, recover: false }), dawn: api.dawn }
    : api))
  return shared
}

/** The shared consensus device (opened on first use, and again after a loss). */
export async function acquireDevice(): Promise<DeviceAttempt> {
  const h = await handle()
  if (!h.ok) return h
  try {
    return { ok: true, device: await h.handle.start() }
  } catch (err) {
    if (err instanceof GpuError && err.code === 'GPU_UNAVAILABLE') {
      return { ok: false, reason: h.dawn ? `no WebGPU adapter (${dawnAdapterHint()})` : 'no WebGPU adapter (GPU blocklisted or disabled)' }
    }
    return { ok: false, reason: `device creation failed: ${(err as Error).message}` }
  }
}

/** Destroys the shared device (tests and CLI exit); idempotent. */
export async function releaseDevice(): Promise<void> {
  const s = shared
  if (s === undefined) return
  const h = await s
  if (h.ok) h.handle.stop()
}
