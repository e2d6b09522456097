/**
 * Node-only door of src/subnet (CLI, headless validator, benchmarks): reads a task's model files
 * from the installed npm package, checked against the pinned sha256 like the browser store does.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { ModelManifest } from '../gpu/index.ts'
import { SubnetError } from './errors.ts'
import { OCR_MODEL_MANIFEST, OCR_MODEL_PACKAGE } from './ocr/manifest.ts'

export * from './index.ts'

/** Folder holding the OCR model files in node_modules. */
function ocrModelDir(): string {
  const require = createRequire(import.meta.url)
  for (const dir of require.resolve.paths(OCR_MODEL_PACKAGE.name) ?? []) {
    const p = join(dir, OCR_MODEL_PACKAGE.name)
    if (existsSync(join(p, 'package.json'))) return join(p, OCR_MODEL_PACKAGE.dir)
  }
  throw new SubnetError('MODEL_MISSING', `the npm package ${OCR_MODEL_PACKAGE.name} is not installed: run npm install`)
}

/** Reads and verifies the OCR model files (from `dir`, default the npm package). */
export function loadOcrModelFiles(dir: string = ocrModelDir()): Map<string, ArrayBuffer> {
  return loadModelFiles(OCR_MODEL_MANIFEST, dir)
}

/**
 * Reads and verifies a task's model files (from `dir`, default the OCR npm package, which holds
 * every file the registered tasks use).
 */
export function loadModelFiles(manifest: ModelManifest, dir: string = ocrModelDir()): Map<string, ArrayBuffer> {
  const files = new Map<string, ArrayBuffer>()
  for (const f of manifest.files) {
    const path = join(dir, f.name)
    if (!existsSync(path)) throw new SubnetError('MODEL_MISSING', `model file ${path} is missing: run npm install`)
    const b = readFileSync(path)
    const got = createHash('sha256').update(b).digest('hex')
    if (got !== f.sha256) throw new SubnetError('MODEL_MISSING', `model file ${path} has sha256 ${got}, the manifest pins ${f.sha256}: refusing to use it`)
    files.set(f.name, b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)
  }
  return files
}
