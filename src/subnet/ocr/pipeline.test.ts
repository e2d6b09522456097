import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeRunner, type NodeRunner, type SessionRunner, type TensorMap } from '../../gpu/node.ts'
import { platform } from './canvas.node.ts'
import { makeOcrChallenge } from './challenge.ts'
import { ctcDecode } from './pipeline.ts'
import { textImage } from './text-image.ts'
import { createOcrEngine, OCR_SESSIONS, type OcrEngine } from './solve.ts'
import { loadOcrModelFiles } from '../node.ts'

describe('ctcDecode', () => {
  it('takes each step\'s argmax, drops blanks and repeats, keeps only allowed characters, averages the kept scores', () => {
    const dict = ['a', 'b', '7']
    // classes: 0 blank, 1 'a', 2 'b', 3 '7'; steps: a a blank a b 7
    const rows = [[0, 5, 1, 0], [0, 4, 1, 0], [9, 0, 0, 0], [0, 3, 0, 0], [0, 0, 2, 1], [0, 0, 0, 6]]
    const logits = Float32Array.from([[9, 9, 9, 9], ...rows].flat())
    expect(ctcDecode(logits, 4, rows.length, 4, dict, null)).toEqual({ text: 'aab7', confidence: (5 + 3 + 2 + 6) / 4 })
    expect(ctcDecode(logits, 4, rows.length, 4, dict, new Set(['a', 'b']))).toEqual({ text: 'aab', confidence: (5 + 3 + 2) / 3 })
  })
})

describe('batched recognition (onnxruntime-node, else WASM)', () => {
  let runner: NodeRunner
  let perWord: OcrEngine
  let batched: OcrEngine
  const runs: number[][] = []
  beforeAll(async () => {
    runner = await createNodeRunner()
    const files = loadOcrModelFiles()
    // Counts the recognition runs of each engine (both share the runner's sessions).
    const counting = (into: number[]): SessionRunner => ({
      createSession: (name, model, options) => runner.createSession(name, model, options),
      run: async (name: string, feeds: TensorMap) => {
        if (name === OCR_SESSIONS.rec) into.push(feeds[Object.keys(feeds)[0]!]!.dims[0]!)
        return runner.run(name, feeds)
      },
    })
    runs.push([], [])
    perWord = await createOcrEngine(counting(runs[0]!), files, { recognition: 'per-word' })
    batched = await createOcrEngine(counting(runs[1]!), files)
  }, 120_000)
  afterAll(async () => { await runner.stop() })

  it('reads the same words, boxes and confidences as one run per word, in one run per image', async () => {
    for (let k = 0; k < 2; k++) {
      const { challenge } = await makeOcrChallenge()
      const pixels = await platform.decodeImage(challenge.image)
      runs[0]!.length = 0
      runs[1]!.length = 0
      const a = await perWord.recognize(pixels, { alphabet: 'challenge' })
      const b = await batched.recognize(pixels, { alphabet: 'challenge' })
      expect(a.length).toBeGreaterThanOrEqual(6)
      expect(b.map((w) => [w.text, w.box])).toEqual(a.map((w) => [w.text, w.box]))
      b.forEach((w, i) => expect(w.confidence).toBeCloseTo(a[i]!.confidence, 4))
      // Per word: one single-crop run per detected box; batched: one run holding every crop.
      expect(runs[0]!.every((n) => n === 1)).toBe(true)
      expect(runs[0]!.length).toBeGreaterThanOrEqual(a.length)
      expect(runs[1]).toEqual([runs[0]!.length])
      expect(batched.profile).toMatchObject({ recRuns: 1, crops: runs[0]!.length })
      expect(perWord.profile.recRuns).toBe(runs[0]!.length)
    }
  }, 120_000)

  it('reads digits on a general image with the model alphabet, and buffers reused between calls do not leak into the next', async () => {
    const draw = async (texts: string[]) => platform.decodeImage(await textImage(320, 128, '36px wt-noto-sans-700', texts.map((text, i) => ({ text, x: 20, y: 36 + i * 56 }))))
    const two = await batched.recognize(await draw(['4096', 'Kestrav']))
    expect(two.map((w) => w.text)).toEqual(['4096', 'Kestrav'])
    const one = await batched.recognize(await draw(['Zanpr']))
    expect(one.map((w) => w.text)).toEqual(['Zanpr'])
    // A tiny image (paddleocr pads it) reads as the per-word path reads it.
    const tiny = await platform.decodeImage(await textImage(41, 20, '16px wt-noto-sans-700', [{ text: '42', x: 4, y: 10 }]))
    expect((await batched.recognize(tiny)).map((w) => w.text)).toEqual((await perWord.recognize(tiny)).map((w) => w.text))
  }, 120_000)
})
