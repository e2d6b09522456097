import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeRunner, type NodeRunner, type SessionRunner, type TensorMap } from '../../gpu/node.ts'
import { platform } from './canvas.node.ts'
import { makeOcrChallenge } from './challenge.ts'
import { scoreOcr } from './score.ts'
import { ctcDecode } from './pipeline.ts'
import { textImage } from './text-image.ts'
import { challengeTuning, createOcrEngine, OCR_SESSIONS, type OcrEngine } from './solve.ts'
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
    // The general path (no challenge tuning): full-size detection and PaddleOCR's 320-column floor, as per word.
    for (let k = 0; k < 2; k++) {
      const { challenge } = await makeOcrChallenge()
      const pixels = await platform.decodeImage(challenge.image)
      runs[0]!.length = 0
      runs[1]!.length = 0
      const a = await perWord.recognize(pixels)
      const b = await batched.recognize(pixels)
      expect(a.length).toBeGreaterThanOrEqual(4) // of 8 words: the detector works (close words merge now and then)
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

  it('on the challenge path, detects on the image shrunk 2x and pads recognition only to the widest word: same words, boxes on the same places', async () => {
    expect(challengeTuning(640, 480)).toEqual({ detDownscale: 2, tightRecWidth: true })
    expect(challengeTuning(256, 96).detDownscale).toBe(1) // its smallest font is 14 px: no room to shrink
    let words = 0
    let exact = 0
    let boxes = 0
    let placed = 0
    const misplaced: string[] = []
    for (let k = 0; k < 4; k++) {
      const { challenge, truth } = await makeOcrChallenge()
      const pixels = await platform.decodeImage(challenge.image)
      runs[0]!.length = 0
      runs[1]!.length = 0
      const general = await batched.recognize(pixels)
      const tuned = await batched.recognize(pixels, { alphabet: 'challenge' })
      // Recognition ran once, at the widest crop's width (rounded to 8), not PaddleOCR's 320.
      expect(runs[1]!.length).toBe(2)
      // Tuned boxes lie on full-size boxes (the 2x detection maps back), of about their width.
      // Matched by place, not text, and counted over all images: either detector merges two close
      // words into one box now and then (about 3 words in 100), not always the same pair. A wrong
      // mapping back would place none.
      for (const w of tuned) {
        const cx = w.box.x + w.box.width / 2
        const cy = w.box.y + w.box.height / 2
        const g = general.find((x) => cx > x.box.x && cx < x.box.x + x.box.width && cy > x.box.y && cy < x.box.y + x.box.height)
        boxes++
        if (g !== undefined && Math.abs(w.box.width - g.box.width) < 0.25 * g.box.width) placed++
        else misplaced.push(`${w.text} at ${cx},${cy} among ${general.map((x) => `${x.text}@${x.box.x},${x.box.y},${x.box.width}`).join(' ')}`)
      }
      words += truth.words.length
      // Counted as the score counts (case folded, a merged box's words split): c/C, x/X... look
      // alike in most fonts, and about 3 words in 100 come merged with a neighbour on either path.
      exact += scoreOcr('x', truth.words, { id: 'x', words: tuned }).parts['exact']!
    }
    expect(boxes).toBeGreaterThanOrEqual(Math.floor(words * 0.75))
    expect(placed, misplaced.join('; ')).toBeGreaterThanOrEqual(Math.floor(boxes * 0.8))
    // Over 150 challenges the score counted 1198 of 1200 words exact on this path.
    expect(exact).toBeGreaterThanOrEqual(words - 3)
  }, 120_000)

  it('recognition width: tight on the challenge path, at least 320 on the general one', async () => {
    const widths: number[] = []
    const probe = await createOcrEngine({
      createSession: (name, model, options) => runner.createSession(name, model, options),
      run: async (name: string, feeds: TensorMap) => {
        if (name === OCR_SESSIONS.rec) widths.push(feeds[Object.keys(feeds)[0]!]!.dims[3]!)
        return runner.run(name, feeds)
      },
    }, loadOcrModelFiles())
    const pixels = await platform.decodeImage(await textImage(640, 480, '30px wt-noto-sans-700', [{ text: 'Kest', x: 40, y: 100 }, { text: 'Zanpr', x: 300, y: 300 }]))
    await probe.recognize(pixels)
    await probe.recognize(pixels, { alphabet: 'challenge' })
    expect(widths[0]).toBe(320)
    expect(widths[1]).toBeLessThan(320)
    expect(widths[1]! % 8).toBe(0)
  }, 120_000)
})
