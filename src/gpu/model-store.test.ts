import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import { createModelStore, sha256Hex, type ModelManifest, type ModelProgress } from './model-store.ts'
import { GpuError, ModelIntegrityError, QuotaError } from './errors.ts'

// Node has no Cache API: these tests cover download, progress, integrity and quota; the cache
// itself is tested in real Chromium (src/gpu/gpu.browser.test.ts).
const A = randomBytes(300_000)
const B = randomBytes(70_000)
const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
let server: Server
let base: string
const hits = new Map<string, number>()

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? ''
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const body = path.endsWith('/a.bin') ? A : path.endsWith('/b.bin') ? B : path.endsWith('/bad.bin') ? Buffer.concat([B.subarray(0, 10), Buffer.from([B[10]! ^ 1]), B.subarray(11)]) : path.endsWith('/long.bin') ? Buffer.concat([B, Buffer.from([1])]) : null
    if (path === '/models/t/manifest.json') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(manifest('a.bin', 'b.bin')))
      return
    }
    if (body === null) { res.statusCode = 404; res.end('nope'); return }
    // Stream in small, paced chunks so progress has something to report.
    let at = 0
    const pump = () => {
      if (at >= body.length) { res.end(); return }
      res.write(body.subarray(at, at + 16_384))
      at += 16_384
      setTimeout(pump, 10) // paced, so the download outlasts the 50 ms progress throttle several times
    }
    pump()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

function manifest(fileA: string, fileB: string): ModelManifest {
  return {
    task: 't', name: 'test model', version: '1', license: 'Apache-2.0', source: 'test',
    files: [
      { name: 'a.bin', url: `models/t/${fileA}`, size: A.length, sha256: hex(A) },
      { name: 'b.bin', url: `models/t/${fileB}`, size: B.length, sha256: hex(B) },
    ],
  }
}

describe('model store (Node: network, progress, integrity)', () => {
  it('sha256Hex matches node:crypto', async () => {
    expect(await sha256Hex(A)).toBe(hex(A))
  })

  it('fetches the manifest and plans sizes before downloading', async () => {
    const store = createModelStore({ baseUrl: base })
    const m = await store.fetchManifest('t')
    expect(m.files.map((f) => f.size)).toEqual([A.length, B.length])
    const before = hits.get('/models/t/a.bin') ?? 0
    const plan = await store.plan(m)
    expect(plan).toMatchObject({ totalBytes: A.length + B.length, downloadBytes: A.length + B.length, cachedBytes: 0 })
    expect(hits.get('/models/t/a.bin') ?? 0).toBe(before)
  })

  it('downloads with monotonic progress ending at the planned total, and returns verified bytes', async () => {
    const store = createModelStore({ baseUrl: base })
    const events: ModelProgress[] = []
    const got = await store.load(manifest('a.bin', 'b.bin'), { onProgress: (p) => events.push(p) })
    expect(Buffer.from(got.files.get('a.bin')!).equals(A)).toBe(true)
    expect(Buffer.from(got.files.get('b.bin')!).equals(B)).toBe(true)
    expect(got.bytesDownloaded).toBe(A.length + B.length)
    const downloads = events.filter((e) => e.phase === 'download')
    expect(downloads.length).toBeGreaterThan(2)
    for (let i = 1; i < downloads.length; i++) expect(downloads[i]!.loaded).toBeGreaterThanOrEqual(downloads[i - 1]!.loaded)
    for (const e of events) expect(e.total).toBe(A.length + B.length)
    expect(events.at(-1)).toMatchObject({ phase: 'done', loaded: A.length + B.length, etaSeconds: 0 })
    expect(events.filter((e) => e.phase === 'verify').map((e) => e.file)).toEqual(['a.bin', 'b.bin'])
  })

  it('refuses a file whose bytes do not hash to the manifest', async () => {
    const store = createModelStore({ baseUrl: base })
    const err = await store.load(manifest('a.bin', 'bad.bin')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ModelIntegrityError)
    expect(err).toMatchObject({ code: 'MODEL_INTEGRITY', file: 'b.bin' })
  })

  it('refuses a file longer than the manifest says', async () => {
    const err = await createModelStore({ baseUrl: base }).load(manifest('a.bin', 'long.bin')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ModelIntegrityError)
  })

  it('reports a missing file as a download failure', async () => {
    const err = await createModelStore({ baseUrl: base }).load(manifest('a.bin', 'missing.bin')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GpuError)
    expect((err as GpuError).code).toBe('MODEL_DOWNLOAD_FAILED')
  })

  it('honours an aborted signal', async () => {
    const err = await createModelStore({ baseUrl: base }).load(manifest('a.bin', 'b.bin'), { signal: AbortSignal.abort() }).catch((e: unknown) => e)
    expect((err as GpuError).code).toBe('ABORTED')
  })

  it('checks the quota before the first byte (stand-in StorageManager: Node has none)', async () => {
    const nav = globalThis as { navigator?: unknown }
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
    Object.defineProperty(globalThis, 'navigator', { configurable: true, value: { storage: { estimate: async () => ({ usage: 900, quota: 1000 }) } } })
    try {
      const before = hits.get('/models/t/a.bin') ?? 0
      const err = await createModelStore({ baseUrl: base }).load(manifest('a.bin', 'b.bin')).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(QuotaError)
      expect((err as QuotaError).code).toBe('QUOTA_EXCEEDED')
      expect(hits.get('/models/t/a.bin') ?? 0).toBe(before)
    } finally {
      if (saved !== undefined) Object.defineProperty(globalThis, 'navigator', saved)
      else delete nav.navigator
    }
  })
})
