/**
 * The WebGPU entry point of this realm: `navigator.gpu` in browsers and workers; in Node the
 * `webgpu` package (Dawn), which on a machine without a GPU needs Chromium's SwiftShader Vulkan
 * driver (VK_ICD_FILENAMES and LD_LIBRARY_PATH set before the process starts; see
 * {@link dawnEnv}). Pass the result to `createGpuDevice({ gpu })`.
 */
import { gpuApi } from './probe.ts'

/** Environment that lets Dawn in Node find a Vulkan driver on a machine without a GPU. */
export function dawnEnv(): Record<string, string> {
  return { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json', LD_LIBRARY_PATH: '/usr/lib/chromium' }
}

/** The WebGPU entry, or why there is none. `dawn`: it is Node's Dawn, not the browser's. */
export type GpuApiAttempt = { ok: true; gpu: GPU; dawn: boolean } | { ok: false; reason: string }

// Dawn's GPU instance must outlive every device made from it: if it is garbage-collected, Dawn
// tears down its threads under a live device and the process aborts. Loaded once per process.
let dawn: Promise<GpuApiAttempt> | undefined

async function loadDawn(): Promise<GpuApiAttempt> {
  try {
    const spec = 'webgpu' // a variable, so bundlers leave this Node-only import alone
    const mod = (await import(/* @vite-ignore */ spec)) as { create: (flags: string[]) => GPU; globals: Record<string, unknown> }
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v
    return { ok: true, gpu: mod.create([]), dawn: true }
  } catch (err) {
    return { ok: false, reason: `the 'webgpu' (Dawn) package could not load: ${(err as Error).message}` }
  }
}

/**
 * `navigator.gpu` when it exists; in Node, Dawn (the `webgpu` package, loaded once); else why
 * there is no WebGPU. Never throws.
 */
export function openGpuApi(): Promise<GpuApiAttempt> {
  const gpu = gpuApi()
  if (gpu !== undefined) return Promise.resolve({ ok: true, gpu, dawn: false })
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string'
  if (!isNode) return Promise.resolve({ ok: false, reason: 'navigator.gpu is missing (WebGPU not supported or disabled)' })
  dawn ??= loadDawn()
  return dawn
}

/** What to tell a Node user whose Dawn found no adapter. */
export function dawnAdapterHint(): string {
  return `Dawn found no Vulkan driver; without a GPU set ${Object.entries(dawnEnv()).map(([k, v]) => `${k}=${v}`).join(' ')}`
}
