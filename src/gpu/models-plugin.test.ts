import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { modelsPlugin, ORT_FILES } from '../../scripts/vite-plugin-models.ts'
import { OCR_MODEL_MANIFEST } from '../subnet/ocr/manifest.ts'

type Hook = (this: unknown, ...args: unknown[]) => unknown
const hook = (h: unknown): Hook => (typeof h === 'function' ? h : (h as { handler: Hook }).handler) as Hook

describe('models Vite plugin', () => {
  it('emits each model file with the pinned hash, a manifest.json and the ORT wasm', () => {
    const emitted = new Map<string, Uint8Array | string>()
    const ctx = { emitFile: (f: { fileName: string; source: Uint8Array | string }) => { emitted.set(f.fileName, f.source); return f.fileName } }
    hook(modelsPlugin().generateBundle).call(ctx, {}, {}, false)
    for (const f of OCR_MODEL_MANIFEST.files) {
      const bytes = emitted.get(`models/ocr/${f.name}`) as Uint8Array
      expect(bytes.byteLength).toBe(f.size)
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256)
    }
    const manifest = JSON.parse(emitted.get('models/ocr/manifest.json') as string) as typeof OCR_MODEL_MANIFEST
    expect(manifest.task).toBe('ocr')
    expect(manifest.license).toBe('Apache-2.0')
    expect(manifest.files.map((f) => [f.name, f.url, f.size, f.sha256])).toEqual(OCR_MODEL_MANIFEST.files.map((f) => [f.name, f.url, f.size, f.sha256]))
    for (const name of ORT_FILES) expect((emitted.get(`ort/${name}`) as Uint8Array).byteLength).toBeGreaterThan(1000)
  })

  it('resolves x.node.ts to its x.browser.ts twin in browser builds only', async () => {
    const p = modelsPlugin()
    const importer = join(process.cwd(), 'src/subnet/ocr/challenge.ts')
    const resolve = hook(p.resolveId)
    expect(await resolve.call({}, 'onnxruntime-web', importer, { ssr: false })).toMatch(/onnxruntime-web[\\/]dist[\\/]ort\.min\.mjs$/)
    expect(await resolve.call({}, 'onnxruntime-web', importer, { ssr: true })).toBeNull()
    expect(await resolve.call({}, './canvas.node.ts', importer, { ssr: false })).toBe(join(process.cwd(), 'src/subnet/ocr/canvas.browser.ts'))
    expect(await resolve.call({}, './canvas.node.ts', importer, { ssr: true })).toBeNull()
    expect(await resolve.call({}, './score.ts', importer, { ssr: false })).toBeNull()
  })
})
