/**
 * The WebGPU device: acquired once, watched for loss from the moment it exists, recovered on a
 * real loss. Our own `stop()` destroys the device too; that is told apart from a loss so it is
 * never reported or recovered.
 */
import { GpuError, throwIfAborted } from './errors.ts'
import { describeAdapter, gpuApi, type GpuCapabilities } from './probe.ts'

/** Options of {@link createGpuDevice}. */
export interface GpuDeviceInit {
  /** The WebGPU entry to use (default `navigator.gpu`; in Node, Dawn's from `openGpuApi()`). */
  gpu?: GPU
  powerPreference?: GPUPowerPreference
  /** Features to require when the adapter has them (missing ones are skipped, not fatal). */
  optionalFeatures?: GPUFeatureName[]
  /** Ask for the adapter's maximum buffer sizes instead of the defaults (ORT needs large buffers). */
  maxBufferLimits?: boolean
  /** Acquire a new device after a real loss (default true). */
  recover?: boolean
}

/** Detail of the `lost` event. */
export interface DeviceLostDetail {
  /** `destroyed` when something other than our stop() destroyed it, else the browser's reason. */
  reason: string
  message: string
  /** Whether a new device will be acquired. */
  recovering: boolean
}

/** Events: `lost` (CustomEvent<DeviceLostDetail>), `recovered` (CustomEvent<GPUDevice>), `recover-failed` (CustomEvent<Error>). */
export interface GpuDeviceHandle extends EventTarget {
  /** Acquires the device; idempotent (a second call returns the same device). */
  start(init?: { signal?: AbortSignal }): Promise<GPUDevice>
  /** Destroys the device; idempotent; never reported as a loss. */
  stop(): void
  /** The live device, or null before start, after stop, or between a loss and recovery. */
  readonly device: GPUDevice | null
  /** What the adapter in use offers (null before start). */
  readonly capabilities: GpuCapabilities | null
  /** Number of real losses seen. */
  readonly losses: number
}

class GpuDeviceImpl extends EventTarget implements GpuDeviceHandle {
  device: GPUDevice | null = null
  capabilities: GpuCapabilities | null = null
  losses = 0
  private starting: Promise<GPUDevice> | null = null
  /** The adapter of the live device: Dawn (Node) aborts if it is collected under its device. */
  private adapter: GPUAdapter | null = null
  /** Devices we destroyed ourselves: their `lost` promise is expected. */
  private readonly ours = new WeakSet<GPUDevice>()

  constructor(private readonly init: GpuDeviceInit) {
    super()
  }

  start(opts: { signal?: AbortSignal } = {}): Promise<GPUDevice> {
    if (this.device !== null) return Promise.resolve(this.device)
    this.starting ??= this.acquire(opts.signal).finally(() => { this.starting = null })
    return this.starting
  }

  stop(): void {
    const d = this.device
    this.device = null
    if (d !== null) {
      this.ours.add(d)
      d.destroy()
    }
  }

  private async acquire(signal: AbortSignal | undefined): Promise<GPUDevice> {
    throwIfAborted(signal)
    const gpu = this.init.gpu ?? gpuApi()
    if (gpu === undefined) throw new GpuError('GPU_UNAVAILABLE', 'this browser has no WebGPU (navigator.gpu is missing): use the WASM path')
    const adapter = await gpu.requestAdapter(this.init.powerPreference !== undefined ? { powerPreference: this.init.powerPreference } : undefined)
    if (adapter === null) throw new GpuError('GPU_UNAVAILABLE', 'no WebGPU adapter (GPU blocklisted or disabled): use the WASM path')
    throwIfAborted(signal)
    const requiredFeatures = (this.init.optionalFeatures ?? []).filter((f) => adapter.features.has(f))
    const requiredLimits: Record<string, number> = {}
    if (this.init.maxBufferLimits === true) {
      requiredLimits['maxBufferSize'] = adapter.limits.maxBufferSize
      requiredLimits['maxStorageBufferBindingSize'] = adapter.limits.maxStorageBufferBindingSize
      requiredLimits['maxComputeWorkgroupStorageSize'] = adapter.limits.maxComputeWorkgroupStorageSize
    }
    const device = await adapter.requestDevice({ requiredFeatures, requiredLimits })
    if (signal?.aborted === true) {
      this.ours.add(device)
      device.destroy()
      throwIfAborted(signal)
    }
    // Subscribe at creation: a loss between now and first use must not go unnoticed.
    void device.lost.then((info) => this.onLost(device, info))
    this.capabilities = describeAdapter(adapter)
    this.adapter = adapter
    this.device = device
    return device
  }

  private onLost(device: GPUDevice, info: GPUDeviceLostInfo): void {
    if (this.ours.has(device)) return // our own stop(): expected
    if (this.device === device) this.device = null
    this.losses++
    const recovering = this.init.recover !== false
    this.dispatchEvent(new CustomEvent<DeviceLostDetail>('lost', { detail: { reason: info.reason ?? 'unknown', message: info.message, recovering } }))
    if (!recovering) return
    this.start().then(
      (d) => this.dispatchEvent(new CustomEvent<GPUDevice>('recovered', { detail: d })),
      (err: unknown) => this.dispatchEvent(new CustomEvent<unknown>('recover-failed', { detail: err })),
    )
  }
}

/**
 * Creates the device handle (nothing is acquired until `start()`).
 *
 * @example
 * const gpu = createGpuDevice({ maxBufferLimits: true })
 * gpu.addEventListener('lost', (e) => console.warn((e as CustomEvent<DeviceLostDetail>).detail))
 * const device = await gpu.start()
 */
export function createGpuDevice(init: GpuDeviceInit = {}): GpuDeviceHandle {
  return new GpuDeviceImpl(init)
}
