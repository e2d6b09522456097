/**
 * Minimal WebGPU device acquisition for the consensus kernels: `navigator.gpu` in browsers and
 * workers; in Node the `webgpu` package (Dawn), which here needs Chromium's SwiftShader Vulkan
 * driver (VK_ICD_FILENAMES and LD_LIBRARY_PATH set before the process starts; see
 * {@link dawnEnv}). One device is shared and recreated after a loss.
 */

/** Environment that lets Dawn in Node find a Vulkan driver on a machine without a GPU. */
export function dawnEnv(): Record<string, string> {
  return { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json', LD_LIBRARY_PATH: '/usr/lib/chromium' }
}

/** A device, or why there is none. */
export type DeviceAttempt = { ok: true; device: GPUDevice } | { ok: false; reason: string }

let shared: Promise<DeviceAttempt> | undefined
// Dawn's GPU instance (and adapter) must outlive the device: if they are garbage-collected, Dawn
// tears down its threads under the live device and the process aborts.
const keepAlive: unknown[] = []

async function open(): Promise<DeviceAttempt> {
  let gpu: GPU | undefined = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu
  if (gpu === undefined) {
    const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string'
    if (!isNode) return { ok: false, reason: 'navigator.gpu is missing (WebGPU not supported or disabled)' }
    try {
      const spec = 'webgpu'
      const mod = (await import(/* @vite-ignore */ spec)) as { create: (flags: string[]) => GPU; globals: Record<string, unknown> }
      for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v
      gpu = mod.create([])
      keepAlive.push(gpu)
    } catch (err) {
      return { ok: false, reason: `the 'webgpu' (Dawn) package could not load: ${(err as Error).message}` }
    }
  }
  let adapter: GPUAdapter | null = null
  try {
    adapter = await gpu.requestAdapter()
  } catch (err) {
    return { ok: false, reason: `requestAdapter failed: ${(err as Error).message}` }
  }
  if (adapter === null) {
    const hint = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu === undefined
      ? ` (Dawn found no Vulkan driver; without a GPU set ${Object.entries(dawnEnv()).map(([k, v]) => `${k}=${v}`).join(' ')})`
      : ''
    return { ok: false, reason: `no WebGPU adapter${hint}` }
  }
  keepAlive.push(adapter)
  const need = { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize }
  const device = await adapter.requestDevice({ requiredLimits: need })
  void device.lost.then(() => { shared = undefined })
  return { ok: true, device }
}

/** The shared consensus device (opened on first use). */
export function acquireDevice(): Promise<DeviceAttempt> {
  shared ??= open().catch((err: unknown) => ({ ok: false as const, reason: `device creation failed: ${(err as Error).message}` }))
  return shared
}

/** Destroys the shared device (tests and CLI exit); idempotent. */
export async function releaseDevice(): Promise<void> {
  const s = shared
  shared = undefined
  if (s === undefined) return
  const r = await s
  if (r.ok) r.device.destroy()
}
