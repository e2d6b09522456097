/** WebGPU probe: what the adapter offers, as a frozen object the UI and the EP choice read. */
import { GpuError, throwIfAborted } from './errors.ts'

/** Adapter identity as the browser reports it (strings may be empty where the browser hides them). */
export interface GpuAdapterReport {
  vendor: string
  architecture: string
  device: string
  description: string
}

/** Frozen result of {@link probeGpu}. */
export interface GpuCapabilities {
  /** True when an adapter was obtained. */
  readonly available: boolean
  /** Why WebGPU is unavailable (only when `available` is false). */
  readonly reason?: string
  readonly adapter: Readonly<GpuAdapterReport> | null
  /** True for a software adapter (SwiftShader and friends): slow, use WASM unless measured otherwise. */
  readonly isFallbackAdapter: boolean
  readonly features: readonly string[]
  /** Every numeric limit of the adapter, by WebGPU name. */
  readonly limits: Readonly<Record<string, number>>
  /** Stable key identifying this adapter, for remembering per-device choices. */
  readonly key: string
}

/** Options of {@link probeGpu}. */
export interface ProbeInit {
  powerPreference?: GPUPowerPreference
  signal?: AbortSignal
}

const LIMIT_NAMES = [
  'maxTextureDimension1D', 'maxTextureDimension2D', 'maxTextureDimension3D', 'maxTextureArrayLayers',
  'maxBindGroups', 'maxBindingsPerBindGroup', 'maxDynamicUniformBuffersPerPipelineLayout',
  'maxDynamicStorageBuffersPerPipelineLayout', 'maxSampledTexturesPerShaderStage', 'maxSamplersPerShaderStage',
  'maxStorageBuffersPerShaderStage', 'maxStorageTexturesPerShaderStage', 'maxUniformBuffersPerShaderStage',
  'maxUniformBufferBindingSize', 'maxStorageBufferBindingSize', 'minUniformBufferOffsetAlignment',
  'minStorageBufferOffsetAlignment', 'maxVertexBuffers', 'maxBufferSize', 'maxVertexAttributes',
  'maxVertexBufferArrayStride', 'maxInterStageShaderVariables', 'maxColorAttachments',
  'maxColorAttachmentBytesPerSample', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupsPerDimension',
] as const

/** The `navigator.gpu` of this realm (window or worker), or undefined. */
export function gpuApi(): GPU | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator
  return nav?.gpu
}

function unavailable(reason: string): GpuCapabilities {
  return Object.freeze({ available: false, reason, adapter: null, isFallbackAdapter: false, features: Object.freeze([]), limits: Object.freeze({}), key: 'none' })
}

/** Builds the report of an adapter (exported for the device module, which probes the adapter it uses). */
export function describeAdapter(adapter: GPUAdapter): GpuCapabilities {
  const info = (adapter as { info?: GPUAdapterInfo }).info
  const report: GpuAdapterReport = Object.freeze({
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
  })
  // `isFallbackAdapter` moved from GPUAdapter to GPUAdapterInfo; read both.
  const fallback = Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter)
  const limits: Record<string, number> = {}
  for (const name of LIMIT_NAMES) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[name]
    if (typeof v === 'number') limits[name] = v
  }
  const features = [...adapter.features].map(String).sort()
  const swiftshader = /swiftshader/i.test(`${report.vendor} ${report.architecture} ${report.description}`)
  return Object.freeze({
    available: true,
    adapter: report,
    isFallbackAdapter: fallback || swiftshader,
    features: Object.freeze(features),
    limits: Object.freeze(limits),
    key: [report.vendor, report.architecture, report.device, report.description].join('|') || 'unknown-adapter',
  })
}

/**
 * Asks the browser for a WebGPU adapter and reports what it offers. Never throws for a missing
 * WebGPU: returns `available: false` with a reason. Throws only when aborted.
 */
export async function probeGpu(init: ProbeInit = {}): Promise<GpuCapabilities> {
  throwIfAborted(init.signal)
  const gpu = gpuApi()
  if (gpu === undefined) return unavailable('this browser has no WebGPU (navigator.gpu is missing)')
  let adapter: GPUAdapter | null
  try {
    adapter = await gpu.requestAdapter(init.powerPreference !== undefined ? { powerPreference: init.powerPreference } : undefined)
  } catch (err) {
    return unavailable(`requestAdapter failed: ${(err as Error).message}`)
  }
  throwIfAborted(init.signal)
  if (adapter === null) return unavailable('no WebGPU adapter (GPU blocklisted or disabled)')
  return describeAdapter(adapter)
}

/** Throws `GPU_UNAVAILABLE` when the capabilities say WebGPU is unavailable. */
export function assertGpu(caps: GpuCapabilities): void {
  if (!caps.available) throw new GpuError('GPU_UNAVAILABLE', `WebGPU is unavailable: ${caps.reason ?? 'unknown reason'}; inference falls back to WASM`)
}
