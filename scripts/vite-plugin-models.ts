/**
 * Vite plugin: serves the subnet models and ONNX Runtime's wasm from our own origin.
 *
 * - build: copies each task's model files from node_modules into `dist/models/<task>/`, writes
 *   `dist/models/<task>/manifest.json` (name, files with url, size, sha256, licence), and copies
 *   ORT's wasm into `dist/ort/`. The build fails if node_modules holds bytes other than the sha256
 *   pinned in the task's manifest (src/subnet/ocr/manifest.ts).
 * - dev server and Vitest browser mode: serves the same paths from node_modules.
 * - environment split by file: in browser (non-SSR) builds an import of `x.node.ts` resolves to
 *   its twin `x.browser.ts` when one exists (the `browser` field, for our own sources).
 * - Vitest only (process.env.VITEST): `/__test/models/corrupt/<task>/<file>` serves a file with
 *   one byte flipped, `/__test/models/requests` counts requests per path (reset with `?reset`).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Plugin, ResolvedConfig } from 'vite'
import { OCR_MODEL_MANIFEST, OCR_MODEL_PACKAGE } from '../src/subnet/ocr/manifest.ts'
import type { ModelManifest } from '../src/gpu/index.ts'

const require = createRequire(import.meta.url)

/** A task's model and where its files are in node_modules. */
interface ModelSource {
  manifest: ModelManifest
  dir: string
}

/** Packages that are Node-only native addons. */
const NODE_ONLY = ['@napi-rs/canvas', 'onnxruntime-node'] as const

/** ORT files served under `ort/` (the default `onnxruntime-web` build uses the JSEP wasm). */
export const ORT_FILES = ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs'] as const

function packageDir(name: string): string {
  // Not every package exports ./package.json: look in the node_modules folders Node would search.
  for (const dir of require.resolve.paths(name) ?? []) {
    if (existsSync(join(dir, name, 'package.json'))) return join(dir, name)
  }
  throw new Error(`models plugin: package ${name} is not installed; run npm install`)
}

function sources(): ModelSource[] {
  return [{ manifest: OCR_MODEL_MANIFEST, dir: join(packageDir(OCR_MODEL_PACKAGE.name), OCR_MODEL_PACKAGE.dir) }]
}

function ortDir(): string {
  // onnxruntime-web's exports hide package.json paths for files: resolve a listed export.
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'))
}

const MIME: Record<string, string> = {
  '.onnx': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
}

function mimeOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return MIME[dot >= 0 ? name.slice(dot) : ''] ?? 'application/octet-stream'
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Reads a task's files and checks them against the pinned manifest. */
function readVerified(src: ModelSource): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  for (const f of src.manifest.files) {
    const path = join(src.dir, f.name)
    if (!existsSync(path)) throw new Error(`models plugin: ${path} is missing; run npm install`)
    const bytes = readFileSync(path)
    const got = sha256(bytes)
    if (got !== f.sha256 || bytes.byteLength !== f.size) {
      throw new Error(`models plugin: ${path} has sha256 ${got} (${bytes.byteLength} bytes) but the ${src.manifest.task} manifest pins ${f.sha256} (${f.size} bytes); the package changed: review it and update the manifest`)
    }
    out.set(f.name, bytes)
  }
  return out
}

/** The manifest.json written next to the files. */
export function manifestJson(m: ModelManifest): string {
  return JSON.stringify({ ...m, files: m.files.map((f) => ({ ...f })) }, null, 2)
}

function send(res: ServerResponse, status: number, type: string, body: Uint8Array | string): void {
  res.statusCode = status
  res.setHeader('Content-Type', type)
  res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength)
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
  // ORT's pthread workers load ort/*.mjs as worker scripts: under COEP a worker script needs
  // these headers on its own response, or it is blocked.
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cache-Control', 'no-cache')
  res.end(body)
}

/**
 * Browser-side resolution: `x.node.ts` to its `x.browser.ts` twin, and `onnxruntime-web` to its
 * plain build. ORT's bundled variant names its wasm with new URL(..., import.meta.url), which
 * Vite would copy into assets/ a second time (28 MB); we always set wasmPaths to ort/
 * (src/gpu/ort.ts), so the plain build is all we need.
 */
function browserResolve(getConfig: () => ResolvedConfig | undefined): Extract<Plugin['resolveId'], { handler: unknown }> {
  return {
    filter: { id: /(\.node\.ts|^onnxruntime-web)$/ },
    handler(source, importer, options) {
      if (options?.ssr === true || importer === undefined) return null
      if (source !== 'onnxruntime-web' && !source.endsWith('.node.ts')) return null
      const config = getConfig()
      const consumer = (this as { environment?: { config?: { consumer?: string } } } | undefined)?.environment?.config?.consumer
      if (consumer === 'server' || (config?.command === 'build' && config.build.ssr)) return null
      if (source === 'onnxruntime-web') return join(packageDir('onnxruntime-web'), 'dist', 'ort.min.mjs')
      const twin = join(dirname(importer.split('?')[0]!), source.replace(/\.node\.ts$/, '.browser.ts'))
      return existsSync(twin) ? twin : null
    },
  }
}

/** The plugin (add to `plugins` in vite.config.ts). */
export function modelsPlugin(): Plugin {
  let config: ResolvedConfig | undefined
  const requests = new Map<string, number>()
  const fileCache = new Map<string, Uint8Array>()
  const read = (path: string): Uint8Array => {
    let b = fileCache.get(path)
    if (b === undefined) {
      b = readFileSync(path)
      fileCache.set(path, b)
    }
    return b
  }

  function serve(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const base = config?.base ?? '/'
    const url = new URL(req.url ?? '/', 'http://x')
    let path = url.pathname
    if (process.env['VITEST'] !== undefined && path === '/__test/models/requests') {
      const body = JSON.stringify(Object.fromEntries(requests))
      if (url.searchParams.has('reset')) requests.clear()
      return send(res, 200, 'application/json', body)
    }
    let corrupt = false
    if (process.env['VITEST'] !== undefined && path.startsWith('/__test/models/corrupt/')) {
      corrupt = true
      path = `${base}models/${path.slice('/__test/models/corrupt/'.length)}`
    }
    if (!path.startsWith(base)) return next()
    const rel = path.slice(base.length)
    const m = /^models\/([a-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(rel)
    if (m !== null) {
      const src = sources().find((s) => s.manifest.task === m[1])
      if (src === undefined) return next()
      requests.set(rel, (requests.get(rel) ?? 0) + 1)
      if (m[2] === 'manifest.json') return send(res, 200, 'application/json', manifestJson(src.manifest))
      const f = src.manifest.files.find((x) => x.name === m[2])
      if (f === undefined) return send(res, 404, 'text/plain', 'no such model file')
      let bytes = read(join(src.dir, f.name))
      if (corrupt) {
        bytes = Uint8Array.from(bytes)
        bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01
      }
      return send(res, 200, mimeOf(f.name), bytes)
    }
    const o = /^ort\/([A-Za-z0-9._-]+)$/.exec(rel)
    if (o !== null && (ORT_FILES as readonly string[]).includes(o[1]!)) {
      requests.set(rel, (requests.get(rel) ?? 0) + 1)
      return send(res, 200, mimeOf(o[1]!), read(join(ortDir(), o[1]!)))
    }
    next()
  }

  return {
    name: 'webtensor-models',
    enforce: 'pre',
    config() {
      // Native Node addons are never pre-bundled: they load only in Node, through canvas.node.ts / gpu/node.ts.
      const exclude = [...NODE_ONLY]
      // onnxruntime-web is already one ESM file and finds its wasm by URL: serve it as is.
      return {
        optimizeDeps: { exclude: [...exclude, 'onnxruntime-web'], include: ['paddleocr'] },
        ssr: { external: exclude, optimizeDeps: { exclude } },
        // Worker bundles do not get `plugins` at build time: give them the same resolution.
        worker: { plugins: () => [{ name: 'webtensor-models-worker', enforce: 'pre', resolveId: browserResolve(() => config) }] },
      }
    },
    configResolved(c) {
      config = c
    },
    resolveId: browserResolve(() => config),
    configureServer(server) {
      server.middlewares.use(serve)
    },
    configurePreviewServer(server) {
      server.middlewares.use(serve)
    },
    generateBundle() {
      for (const src of sources()) {
        const files = readVerified(src)
        for (const [name, bytes] of files) this.emitFile({ type: 'asset', fileName: `models/${src.manifest.task}/${name}`, source: bytes })
        this.emitFile({ type: 'asset', fileName: `models/${src.manifest.task}/manifest.json`, source: manifestJson(src.manifest) })
      }
      for (const name of ORT_FILES) this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(join(ortDir(), name)) })
    },
  }
}
