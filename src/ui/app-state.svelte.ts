/**
 * The shell's view of the environment: what this browser can do and how the page is connected.
 * Components read it; nothing here starts work (mining waits for an explicit click).
 */
import { loadConfig, type AppConfig } from './config.ts'

/** WebGPU availability as the shell reports it before any model is loaded. */
export type GpuStatus = { state: 'checking' } | { state: 'available'; description: string; fallback: boolean } | { state: 'unavailable'; reason: string }

export class AppState {
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine)
  crossOriginIsolated = $state(typeof globalThis.crossOriginIsolated === 'boolean' ? globalThis.crossOriginIsolated : false)
  gpu = $state<GpuStatus>({ state: 'checking' })
  config = $state<AppConfig>({})
  configError = $state<string | null>(null)
  #started = false
  #onOnline = () => { this.online = true }
  #onOffline = () => { this.online = false }

  /** Reads config and probes the GPU; idempotent. */
  start(): void {
    if (this.#started) return
    this.#started = true
    window.addEventListener('online', this.#onOnline)
    window.addEventListener('offline', this.#onOffline)
    void loadConfig().then(({ config, error }) => { this.config = config; this.configError = error ?? null })
    void this.#probeGpu()
  }

  stop(): void {
    if (!this.#started) return
    this.#started = false
    window.removeEventListener('online', this.#onOnline)
    window.removeEventListener('offline', this.#onOffline)
  }

  async #probeGpu(): Promise<void> {
    if (!('gpu' in navigator) || navigator.gpu === undefined) {
      this.gpu = { state: 'unavailable', reason: 'This browser has no WebGPU. Mining falls back to WASM (slower); Chrome or Edge 113+ have WebGPU.' }
      return
    }
    try {
      const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' })
      if (adapter === null) {
        this.gpu = { state: 'unavailable', reason: 'WebGPU is present but no GPU adapter was granted (blocklisted driver or disabled). Mining falls back to WASM.' }
        return
      }
      const info = adapter.info
      const description = [info.vendor, info.architecture, info.device, info.description].filter((s) => s !== '').join(' ') || 'unknown adapter'
      this.gpu = { state: 'available', description, fallback: info.isFallbackAdapter === true }
    } catch (err) {
      this.gpu = { state: 'unavailable', reason: `WebGPU probe failed: ${err instanceof Error ? err.message : String(err)}` }
    }
  }
}
