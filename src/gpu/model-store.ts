/**
 * Model store: downloads a task's model files from our own origin, checks each against the
 * sha256 pinned in its manifest before anything uses it, and keeps verified files in the Cache
 * API (the service worker leaves models/** alone; this store owns them).
 *
 * The sizes are in the manifest, so the app can show the download size before starting
 * ({@link ModelStore.plan}) and a progress bar with bytes and ETA while it runs.
 */
import { GpuError, ModelIntegrityError, QuotaError, throwIfAborted } from './errors.ts'

/** One file of a model. */
export interface ModelFileEntry {
  /** File name, unique within the manifest (e.g. `ch_PP-OCRv4_det_infer.onnx`). */
  name: string
  /** URL relative to the app's base (e.g. `models/ocr/ch_PP-OCRv4_det_infer.onnx`). */
  url: string
  /** Size in bytes. */
  size: number
  /** Lower-case hex sha256 of the file. */
  sha256: string
  /** SPDX licence of this file, when it differs from the manifest's. */
  license?: string
}

/** The model files of one task, with what is needed to verify them. */
export interface ModelManifest {
  /** Task id (e.g. `ocr`); files are served under `models/<task>/`. */
  task: string
  /** Human-readable model name. */
  name: string
  version: string
  /** SPDX licence of the weights. */
  license: string
  /** Where the weights come from (package and upstream project). */
  source: string
  files: readonly ModelFileEntry[]
}

/** What a load would do, known before any byte is downloaded. */
export interface ModelPlan {
  task: string
  totalBytes: number
  cachedBytes: number
  /** Bytes still to download (0 when everything is cached). */
  downloadBytes: number
  files: { name: string; size: number; cached: boolean }[]
  /** `navigator.storage.estimate()`, when the browser has it. */
  storage: { usage: number; quota: number } | null
}

/** Progress of {@link ModelStore.load}. */
export interface ModelProgress {
  task: string
  /** `download`: bytes arriving; `verify`: hashing; `done`: all files verified. */
  phase: 'download' | 'verify' | 'done'
  /** File being worked on (absent for `done`). */
  file?: string
  /** Bytes downloaded so far in this load (cache hits not counted). */
  loaded: number
  /** Bytes to download in this load (the plan's `downloadBytes`). */
  total: number
  /** Measured download rate in this load (0 until measurable). */
  bytesPerSecond: number
  /** Seconds left at the measured rate; null until measurable. */
  etaSeconds: number | null
}

/** Verified model bytes, ready for a session. */
export interface LoadedModel {
  manifest: ModelManifest
  /** File name to bytes. */
  files: Map<string, ArrayBuffer>
  /** Names of files that came from the cache (no network). */
  fromCache: string[]
  /** Bytes fetched from the network in this load. */
  bytesDownloaded: number
  /** Whether the browser granted persistent storage (null when not asked or unsupported). */
  persisted: boolean | null
}

/** A cached model as {@link ModelStore.list} reports it. */
export interface CachedModel {
  task: string
  name: string
  version: string
  bytes: number
  /** True when every file of the manifest is cached. */
  complete: boolean
}

/** Options of {@link createModelStore}. */
export interface ModelStoreInit {
  /** Base URL that manifest `url`s are relative to (default: the app's base on this origin). */
  baseUrl?: string | URL
  /** Cache API cache name (default `webtensor-models-v1`). */
  cacheName?: string
  /** Fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch
  /** Ask for persistent storage before the first download (default true). */
  persist?: boolean
}

/** Options of {@link ModelStore.load}. */
export interface LoadOptions {
  signal?: AbortSignal
  onProgress?: (p: ModelProgress) => void
}

/** Downloads, verifies, caches, lists and deletes model files. */
export interface ModelStore {
  /** Fetches `models/<task>/manifest.json` from the origin. */
  fetchManifest(task: string, options?: { signal?: AbortSignal }): Promise<ModelManifest>
  /** Sizes and cache state, before downloading. */
  plan(manifest: ModelManifest, options?: { signal?: AbortSignal }): Promise<ModelPlan>
  /** Returns every file verified (from the cache, or downloaded, verified, then cached). */
  load(manifest: ModelManifest, options?: LoadOptions): Promise<LoadedModel>
  /** Models with at least one cached file. */
  list(options?: { signal?: AbortSignal }): Promise<CachedModel[]>
  /** Deletes a task's cached files; resolves to the number of entries removed. */
  delete(task: string, options?: { signal?: AbortSignal }): Promise<number>
}

/** Lower-case hex sha256 of `bytes` (WebCrypto: browsers, workers and Node). */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

function defaultBase(): URL {
  const env = (import.meta as { env?: { BASE_URL?: string } }).env
  const loc = (globalThis as { location?: { href: string } }).location
  if (loc === undefined) throw new GpuError('MODEL_NOT_FOUND', 'no location in this realm: pass baseUrl to createModelStore')
  return new URL(env?.BASE_URL ?? '/', loc.href)
}

const MANIFEST_MARK = 'webtensor-manifest'

class ModelStoreImpl implements ModelStore {
  private readonly fetchFn: typeof fetch
  private readonly cacheName: string
  private base: URL | undefined

  constructor(private readonly init: ModelStoreInit) {
    this.fetchFn = init.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a))
    this.cacheName = init.cacheName ?? 'webtensor-models-v1'
  }

  private baseUrl(): URL {
    this.base ??= this.init.baseUrl !== undefined ? new URL(this.init.baseUrl, (globalThis as { location?: { href: string } }).location?.href) : defaultBase()
    return this.base
  }

  private fileUrl(f: ModelFileEntry): string {
    return new URL(f.url, this.baseUrl()).href
  }

  /** The cache key carries the hash, so a new manifest never reads an old file. */
  private cacheKey(f: ModelFileEntry): string {
    return `${this.fileUrl(f)}?sha256=${f.sha256}`
  }

  private manifestKey(task: string): string {
    return new URL(`models/${encodeURIComponent(task)}/manifest.json?${MANIFEST_MARK}`, this.baseUrl()).href
  }

  private async cache(): Promise<Cache | null> {
    const c = (globalThis as { caches?: CacheStorage }).caches
    if (c === undefined) return null
    try {
      return await c.open(this.cacheName)
    } catch {
      return null // opaque origins and some private modes refuse the Cache API
    }
  }

  async fetchManifest(task: string, options: { signal?: AbortSignal } = {}): Promise<ModelManifest> {
    const url = new URL(`models/${encodeURIComponent(task)}/manifest.json`, this.baseUrl())
    let res: Response
    try {
      res = await this.fetchFn(url, options.signal !== undefined ? { signal: options.signal } : {})
    } catch (err) {
      throwIfAborted(options.signal)
      throw new GpuError('MODEL_DOWNLOAD_FAILED', `could not fetch ${url.href}: ${(err as Error).message}; check the connection`, { cause: err })
    }
    if (!res.ok) throw new GpuError('MODEL_NOT_FOUND', `no model manifest for task '${task}' at ${url.href} (HTTP ${res.status}); the build must include the models plugin`)
    return (await res.json()) as ModelManifest
  }

  async plan(manifest: ModelManifest, options: { signal?: AbortSignal } = {}): Promise<ModelPlan> {
    throwIfAborted(options.signal)
    const cache = await this.cache()
    const files: ModelPlan['files'] = []
    for (const f of manifest.files) {
      const cached = cache !== null && (await cache.match(this.cacheKey(f))) !== undefined
      files.push({ name: f.name, size: f.size, cached })
    }
    const totalBytes = files.reduce((s, f) => s + f.size, 0)
    const cachedBytes = files.reduce((s, f) => s + (f.cached ? f.size : 0), 0)
    return { task: manifest.task, totalBytes, cachedBytes, downloadBytes: totalBytes - cachedBytes, files, storage: await estimate() }
  }

  async load(manifest: ModelManifest, options: LoadOptions = {}): Promise<LoadedModel> {
    const { signal, onProgress } = options
    const plan = await this.plan(manifest, signal !== undefined ? { signal } : {})
    const cache = await this.cache()
    let persisted: boolean | null = null
    if (plan.downloadBytes > 0) {
      // Quota before the first byte: a half-stored model helps nobody.
      if (plan.storage !== null) {
        const free = plan.storage.quota - plan.storage.usage
        if (free < plan.downloadBytes) throw new QuotaError(plan.downloadBytes, free)
      }
      if (this.init.persist !== false) persisted = await requestPersist()
    }
    const progress = new ProgressMeter(manifest.task, plan.downloadBytes, onProgress)
    const files = new Map<string, ArrayBuffer>()
    const fromCache: string[] = []
    for (const f of manifest.files) {
      throwIfAborted(signal)
      let bytes: ArrayBuffer | null = null
      if (cache !== null) {
        const hit = await cache.match(this.cacheKey(f))
        if (hit !== undefined) {
          bytes = await hit.arrayBuffer()
          progress.emit('verify', f.name)
          if (bytes.byteLength !== f.size || (await sha256Hex(bytes)) !== f.sha256) {
            // A damaged cache entry is dropped and fetched again, never used.
            await cache.delete(this.cacheKey(f))
            bytes = null
          } else {
            fromCache.push(f.name)
          }
        }
      }
      if (bytes === null) {
        bytes = await this.download(f, progress, signal)
        progress.emit('verify', f.name)
        const actual = await sha256Hex(bytes)
        if (actual !== f.sha256) throw new ModelIntegrityError(f.name, f.sha256, actual)
        if (cache !== null) {
          await cache.put(this.cacheKey(f), new Response(bytes.slice(0), { headers: { 'content-type': 'application/octet-stream', 'content-length': String(f.size) } }))
        }
      }
      files.set(f.name, bytes)
    }
    if (cache !== null) {
      await cache.put(this.manifestKey(manifest.task), new Response(JSON.stringify(manifest), { headers: { 'content-type': 'application/json' } }))
    }
    progress.emit('done')
    return { manifest, files, fromCache, bytesDownloaded: progress.loaded, persisted }
  }

  private async download(f: ModelFileEntry, progress: ProgressMeter, signal: AbortSignal | undefined): Promise<ArrayBuffer> {
    const url = this.fileUrl(f)
    let res: Response
    try {
      res = await this.fetchFn(url, signal !== undefined ? { signal, cache: 'no-store' } : { cache: 'no-store' })
    } catch (err) {
      throwIfAborted(signal)
      throw new GpuError('MODEL_DOWNLOAD_FAILED', `could not download ${url}: ${(err as Error).message}; check the connection and retry`, { cause: err })
    }
    if (!res.ok || res.body === null) throw new GpuError('MODEL_DOWNLOAD_FAILED', `download of ${url} failed with HTTP ${res.status}; retry later`)
    const out = new Uint8Array(f.size)
    let at = 0
    const reader = res.body.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        if (at + value.byteLength > f.size) {
          // Longer than the manifest says: cannot be the right file.
          throw new ModelIntegrityError(f.name, `${f.size} bytes`, `more than ${f.size} bytes`)
        }
        out.set(value, at)
        at += value.byteLength
        progress.add(value.byteLength, f.name)
      }
    } catch (err) {
      await reader.cancel().catch(() => {})
      throwIfAborted(signal)
      if (err instanceof GpuError) throw err
      throw new GpuError('MODEL_DOWNLOAD_FAILED', `download of ${url} broke off: ${(err as Error).message}; retry`, { cause: err })
    }
    if (at !== f.size) throw new ModelIntegrityError(f.name, `${f.size} bytes`, `${at} bytes`)
    return out.buffer
  }

  async list(options: { signal?: AbortSignal } = {}): Promise<CachedModel[]> {
    throwIfAborted(options.signal)
    const cache = await this.cache()
    if (cache === null) return []
    const out: CachedModel[] = []
    for (const req of await cache.keys()) {
      if (!req.url.endsWith(`?${MANIFEST_MARK}`)) continue
      const res = await cache.match(req)
      if (res === undefined) continue
      const m = (await res.json()) as ModelManifest
      let bytes = 0
      let complete = true
      for (const f of m.files) {
        if ((await cache.match(this.cacheKey(f))) !== undefined) bytes += f.size
        else complete = false
      }
      out.push({ task: m.task, name: m.name, version: m.version, bytes, complete })
    }
    return out.sort((a, b) => a.task.localeCompare(b.task))
  }

  async delete(task: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    throwIfAborted(options.signal)
    const cache = await this.cache()
    if (cache === null) return 0
    const prefix = new URL(`models/${encodeURIComponent(task)}/`, this.baseUrl()).href
    let n = 0
    for (const req of await cache.keys()) {
      if (req.url.startsWith(prefix) && (await cache.delete(req))) n++
    }
    return n
  }
}

class ProgressMeter {
  loaded = 0
  private readonly started = performance.now()
  private lastEmit = 0
  constructor(private readonly task: string, private readonly total: number, private readonly cb: ((p: ModelProgress) => void) | undefined) {}

  add(n: number, file: string): void {
    this.loaded += n
    const now = performance.now()
    // At most ~20 events a second, and always the last chunk of the load.
    if (now - this.lastEmit >= 50 || this.loaded === this.total) {
      this.lastEmit = now
      this.emit('download', file)
    }
  }

  emit(phase: ModelProgress['phase'], file?: string): void {
    if (this.cb === undefined) return
    const seconds = (performance.now() - this.started) / 1000
    const rate = seconds > 0.05 && this.loaded > 0 ? this.loaded / seconds : 0
    const p: ModelProgress = {
      task: this.task,
      phase,
      loaded: this.loaded,
      total: this.total,
      bytesPerSecond: rate,
      etaSeconds: phase === 'done' ? 0 : rate > 0 ? (this.total - this.loaded) / rate : null,
    }
    if (file !== undefined) p.file = file
    this.cb(p)
  }
}

async function estimate(): Promise<{ usage: number; quota: number } | null> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage
  if (storage?.estimate === undefined) return null
  try {
    const e = await storage.estimate()
    return { usage: e.usage ?? 0, quota: e.quota ?? Number.POSITIVE_INFINITY }
  } catch {
    return null
  }
}

async function requestPersist(): Promise<boolean | null> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage
  if (storage?.persist === undefined) return null // not in workers, nor in Node
  try {
    return (await storage.persisted()) || (await storage.persist())
  } catch {
    return null
  }
}

/** Creates a store. In a page, a worker or Node (Node has no Cache API: it always downloads). */
export function createModelStore(init: ModelStoreInit = {}): ModelStore {
  return new ModelStoreImpl(init)
}
