import { describe, expect, it } from 'vitest'
import { createGpuDevice, createModelStore, type DeviceLostDetail, type ModelManifest, type ModelProgress } from './index.ts'
import { probeGpu } from './probe.ts'
import { sha256Hex } from './model-store.ts'
import { ModelIntegrityError } from './errors.ts'
import { OCR_MODEL_MANIFEST, OCR_DICT_FILE } from '../subnet/index.ts'

// Real headless Chromium, WebGPU on SwiftShader, model files served by the models Vite plugin.

async function requests(reset = false): Promise<Record<string, number>> {
  return (await (await fetch(`/__test/models/requests${reset ? '?reset' : ''}`)).json()) as Record<string, number>
}

describe('WebGPU probe and device', () => {
  it('probeGpu reports a frozen capabilities object', async () => {
    const caps = await probeGpu()
    expect(caps.available).toBe(true)
    expect(Object.isFrozen(caps)).toBe(true)
    expect(Object.isFrozen(caps.limits)).toBe(true)
    expect(caps.limits['maxBufferSize']).toBeGreaterThan(0)
    expect(caps.limits['maxComputeWorkgroupSizeX']).toBeGreaterThan(0)
    expect(Array.isArray(caps.features)).toBe(true)
    // SwiftShader is a software adapter: reported as fallback whatever flag the browser sets.
    expect(caps.isFallbackAdapter).toBe(true)
    expect(caps.key).not.toBe('none')
  })

  it('our stop() is not a loss; a destroy behind our back is, and is recovered', async () => {
    const gpu = createGpuDevice()
    const lost: DeviceLostDetail[] = []
    gpu.addEventListener('lost', (e) => lost.push((e as CustomEvent<DeviceLostDetail>).detail))
    const d1 = await gpu.start()
    expect(await gpu.start()).toBe(d1)
    gpu.stop()
    gpu.stop()
    await d1.lost
    await new Promise((r) => setTimeout(r, 50))
    expect(lost).toEqual([])
    expect(gpu.device).toBeNull()

    const d2 = await gpu.start()
    const recovered = new Promise<GPUDevice>((resolve) => gpu.addEventListener('recovered', (e) => resolve((e as CustomEvent<GPUDevice>).detail), { once: true }))
    d2.destroy() // as a driver reset would: not through our stop()
    const d3 = await recovered
    expect(lost).toHaveLength(1)
    expect(lost[0]).toMatchObject({ reason: 'destroyed', recovering: true })
    expect(gpu.losses).toBe(1)
    expect(d3).not.toBe(d2)
    expect(gpu.device).toBe(d3)
    gpu.stop()
  })
})

describe('model store in the browser (Cache API)', () => {
  it('downloads with progress, verifies, then loads from the cache without network; list and delete', async () => {
    const store = createModelStore({ cacheName: `test-models-${crypto.randomUUID()}` })
    const manifest = await store.fetchManifest('ocr')
    expect(manifest.files.map((f) => f.sha256)).toEqual(OCR_MODEL_MANIFEST.files.map((f) => f.sha256))
    const plan = await store.plan(OCR_MODEL_MANIFEST)
    const total = OCR_MODEL_MANIFEST.files.reduce((s, f) => s + f.size, 0)
    expect(plan).toMatchObject({ totalBytes: total, downloadBytes: total, cachedBytes: 0 })
    expect(plan.storage?.quota).toBeGreaterThan(total)

    await requests(true)
    const events: ModelProgress[] = []
    const cold = await store.load(OCR_MODEL_MANIFEST, { onProgress: (p) => events.push(p) })
    expect(cold.fromCache).toEqual([])
    expect(cold.bytesDownloaded).toBe(total)
    expect(events.at(-1)).toMatchObject({ phase: 'done', loaded: total, total })
    const cold_requests = await requests(true)
    for (const f of OCR_MODEL_MANIFEST.files) expect(cold_requests[`models/ocr/${f.name}`]).toBe(1)

    const warm = await store.load(OCR_MODEL_MANIFEST)
    expect(warm.fromCache).toEqual(OCR_MODEL_MANIFEST.files.map((f) => f.name))
    expect(warm.bytesDownloaded).toBe(0)
    const warm_requests = await requests()
    for (const f of OCR_MODEL_MANIFEST.files) expect(warm_requests[`models/ocr/${f.name}`] ?? 0).toBe(0)
    for (const f of OCR_MODEL_MANIFEST.files) expect(await sha256Hex(warm.files.get(f.name)!)).toBe(f.sha256)

    expect(await store.list()).toEqual([{ task: 'ocr', name: OCR_MODEL_MANIFEST.name, version: OCR_MODEL_MANIFEST.version, bytes: total, complete: true }])
    expect(await store.delete('ocr')).toBe(OCR_MODEL_MANIFEST.files.length + 1)
    expect(await store.list()).toEqual([])
    expect((await store.plan(OCR_MODEL_MANIFEST)).cachedBytes).toBe(0)
  })

  it('refuses a corrupted file (one flipped byte) and does not cache it', async () => {
    const cacheName = `test-corrupt-${crypto.randomUUID()}`
    const store = createModelStore({ cacheName })
    const dict = OCR_MODEL_MANIFEST.files.find((f) => f.name === OCR_DICT_FILE)!
    const bad: ModelManifest = { ...OCR_MODEL_MANIFEST, files: [{ ...dict, url: `/__test/models/corrupt/ocr/${dict.name}` }] }
    const err = await store.load(bad).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ModelIntegrityError)
    expect(err).toMatchObject({ code: 'MODEL_INTEGRITY', file: OCR_DICT_FILE })
    expect((await store.plan(bad)).cachedBytes).toBe(0)
    expect((await (await caches.open(cacheName)).keys()).length).toBe(0)
    await caches.delete(cacheName)
  })
})
