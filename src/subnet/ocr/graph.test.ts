import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { optimizeOnnx } from '../../gpu/index.ts'
import { createNodeRunner, type NodeRunner } from '../../gpu/node.ts'
import { loadOcrModelFiles } from '../node.ts'
import { platform } from './canvas.node.ts'
import { makeOcrChallenge } from './challenge.ts'
import { OCR_DET_FILE, OCR_REC_FILE } from './manifest.ts'

/** The OCR model files' graphs against optimizeOnnx's, on the same runner backend (onnxruntime-node, else WASM). */
describe('optimizeOnnx on the PP-OCRv4 det and rec graphs', () => {
  const files = loadOcrModelFiles()
  let runner: NodeRunner
  beforeAll(async () => { runner = await createNodeRunner({ threads: 1 }) }, 60_000)
  afterAll(async () => { await runner.stop() })

  /** A challenge image as the detector's tensor (BGR, ImageNet mean/std), 640x480. */
  async function challengeTensor(): Promise<Float32Array> {
    const { challenge } = await makeOcrChallenge()
    const px = await platform.decodeImage(challenge.image)
    const mean = [0.485, 0.456, 0.406]
    const std = [0.229, 0.224, 0.225]
    const out = new Float32Array(3 * px.width * px.height)
    const plane = px.width * px.height
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = (px.data[i * 4 + 2 - c]! / 255 - mean[c]!) / std[c]!
    return out
  }

  for (const [file, dims] of [[OCR_DET_FILE, [1, 3, 480, 640]], [OCR_REC_FILE, [8, 3, 48, 200]]] as const) {
    it(`${file}: folds the per-conv affines and hard-swishes, and computes the same outputs`, async () => {
      const original = new Uint8Array(files.get(file)!)
      const { bytes, report } = optimizeOnnx(original)
      expect(report.convAffine).toBeGreaterThanOrEqual(20)
      expect(report.hardSwish).toBeGreaterThanOrEqual(20)
      expect(report.preAffine).toBeGreaterThanOrEqual(20)
      expect(report.nodesAfter).toBeLessThan(report.nodesBefore * 0.7)

      const input = file === OCR_DET_FILE ? await challengeTensor() : Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => Math.random() * 2 - 1)
      const outputs: Float32Array[] = []
      for (const [name, model] of [[`${file}-original`, original], [`${file}-optimized`, bytes]] as const) {
        const info = await runner.createSession(name, model.slice().buffer)
        const out = await runner.run(name, { [info.inputNames[0]!]: { type: 'float32', data: input, dims: [...dims] } })
        outputs.push(out[info.outputNames[0]!]!.data as Float32Array)
      }
      const [a, b] = outputs as [Float32Array, Float32Array]
      expect(b.length).toBe(a.length)
      let worst = 0
      let scale = 0
      for (let i = 0; i < a.length; i++) { worst = Math.max(worst, Math.abs(a[i]! - b[i]!)); scale = Math.max(scale, Math.abs(a[i]!)) }
      // Rounding only: outputs are probabilities (0..1); a wrong fold moves them by tenths.
      expect(scale).toBeGreaterThan(0.5)
      expect(worst).toBeLessThan(1e-3)
    }, 120_000)
  }

  it('leaves a graph without the patterns byte for byte, and refuses bytes that are not a model', () => {
    const once = optimizeOnnx(new Uint8Array(files.get(OCR_REC_FILE)!)).bytes
    const twice = optimizeOnnx(once)
    expect(twice.report).toMatchObject({ convAffine: 0, hardSwish: 0, preAffine: 0 })
    expect(twice.bytes).toBe(once)
    expect(() => optimizeOnnx(new TextEncoder().encode('not a model'))).toThrow(/not an ONNX model/)
  })
})
