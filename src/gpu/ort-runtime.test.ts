import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { ORT_GLUE, ORT_GLUE_SHA256, ORT_RUNTIME_MANIFEST } from './ort-runtime.ts'
import { ORT_FILES } from '../../scripts/vite-plugin-models.ts'

describe('ORT runtime manifest', () => {
  it('pins the size and sha256 of the onnxruntime-web files the models plugin serves under ort/', () => {
    const dir = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'))
    expect([...ORT_RUNTIME_MANIFEST.files.map((f) => f.name), ORT_GLUE].sort()).toEqual([...ORT_FILES].sort())
    expect(createHash('sha256').update(readFileSync(join(dir, ORT_GLUE))).digest('hex')).toBe(ORT_GLUE_SHA256)
    for (const f of ORT_RUNTIME_MANIFEST.files) {
      const bytes = readFileSync(join(dir, f.name))
      expect({ name: f.name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({ name: f.name, size: f.size, sha256: f.sha256 })
      expect(f.url).toBe(`ort/${f.name}`)
    }
  })
})
