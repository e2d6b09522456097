/**
 * The text-detection task plug-in: scoring by IoU matching, the wire codec, the registry, and a
 * real solve (PP-OCRv4 det on onnxruntime-node, else WASM) that the validator's scoring rates
 * high while a random answer rates near zero.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeRunner, type NodeRunner } from '../../gpu/node.ts'
import { SubnetError } from '../errors.ts'
import { loadModelFiles } from '../node.ts'
import { getTask, TASKS, taskByWireName } from '../registry.ts'
import { iou, scoreTextdet } from './score.ts'
import { textdetTask } from './task.ts'
import { TEXTDET_WIRE_TASK } from './wire.ts'

const enc = new TextEncoder()
const codeOf = (f: () => unknown): string => {
  try { f() } catch (e) { expect(e).toBeInstanceOf(SubnetError); return (e as SubnetError).code }
  return 'ok'
}

describe('text-detection scoring', () => {
  const truth = [{ x: 10, y: 10, width: 100, height: 30 }, { x: 150, y: 80, width: 60, height: 20 }]
  it('iou is intersection over union', () => {
    expect(iou(truth[0]!, truth[0]!)).toBe(1)
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(50 / 150, 12)
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 20, y: 0, width: 10, height: 10 })).toBe(0)
  })
  it('matches one to one at IoU 0.5: recall, precision, F1', () => {
    const id = 'ab'.repeat(16)
    expect(scoreTextdet(id, truth, { id, boxes: truth }).score).toBe(1)
    // One hit, one duplicate of it, one miss: recall 1/2, precision 1/2.
    const s = scoreTextdet(id, truth, { id, boxes: [truth[0]!, { ...truth[0]!, x: 12 }, { x: 300, y: 0, width: 5, height: 5 }] })
    expect(s.parts).toMatchObject({ matched: 1, recall: 0.5, precision: 1 / 3 })
    expect(s.score).toBeCloseTo((2 * 0.5 * (1 / 3)) / (0.5 + 1 / 3), 12)
    // Shifted by half its width: IoU 1/3, no match.
    expect(scoreTextdet(id, truth, { id, boxes: [{ ...truth[0]!, x: 60 }] }).parts['matched']).toBe(0)
    expect(scoreTextdet(id, truth, { id: 'cd'.repeat(16), boxes: truth }).score).toBe(0)
    expect(scoreTextdet(id, truth, { id, boxes: truth }, { latencyMs: 16_000, targetLatencyMs: 2000, deadlineMs: 30_000 }).score).toBeCloseTo(0.75, 12)
  })
})

describe('text-detection wire and registry', () => {
  it('a challenge and an answer round-trip; malformed ones are refused naming the field', async () => {
    const { challenge } = await textdetTask.makeChallenge({ words: 2, width: 160, height: 96 })
    const { challenge: back, receipt } = textdetTask.wire.decodeChallenge(textdetTask.wire.encodeChallenge(challenge, { id: 'ab'.repeat(8), score: 0.5 }))
    expect(back).toEqual(challenge)
    expect(receipt).toEqual({ id: 'ab'.repeat(8), score: 0.5 })
    const a = { id: challenge.id, boxes: [{ x: 1.26, y: 2, width: 30.04, height: 12 }], latencyMs: 3.4, ep: 'native' }
    expect(textdetTask.wire.decodeAnswer(textdetTask.wire.encodeAnswer(a))).toEqual({ id: challenge.id, boxes: [{ x: 1.3, y: 2, width: 30, height: 12 }], latencyMs: 3, ep: 'native' })
    for (const bad of ['nope', '{"id":"x"}', '{"id":"x","boxes":[{"x":1,"y":2,"width":"3","height":4}]}', JSON.stringify({ id: 'x', boxes: Array.from({ length: 65 }, () => ({ x: 0, y: 0, width: 1, height: 1 })) })]) {
      expect(codeOf(() => textdetTask.wire.decodeAnswer(enc.encode(bad)))).toBe('MALFORMED')
    }
    expect(() => textdetTask.wire.decodeAnswer(enc.encode('{"id":"x","boxes":[{"x":1,"y":2,"width":"3","height":4}]}'))).toThrow(/boxes\[0\]\.width/u)
    expect(codeOf(() => textdetTask.wire.decodeChallenge(new Uint8Array(3)))).toBe('MALFORMED')
  })
  it('the registry has OCR and text detection by name and by wire name; an unknown name is refused', () => {
    expect(Object.keys(TASKS).sort()).toEqual(['ocr', 'textdet'])
    expect(getTask()).toBe(TASKS['ocr'])
    expect(getTask('textdet')).toBe(textdetTask)
    expect(taskByWireName(TEXTDET_WIRE_TASK)).toBe(textdetTask)
    expect(codeOf(() => getTask('toString'))).toBe('UNKNOWN_TASK')
    expect(() => getTask('nope')).toThrow(/known: ocr, textdet/u)
  })
})

describe('text-detection solve (onnxruntime-node, else WASM)', () => {
  let runner: NodeRunner
  beforeAll(async () => { runner = await createNodeRunner({ threads: 1 }) })
  afterAll(async () => { await runner?.stop() })
  it('finds the drawn words: the validator scores the model high and a random answer low', async () => {
    const files = loadModelFiles(textdetTask.manifest)
    expect([...files.keys()]).toEqual(textdetTask.manifest.files.map((f) => f.name))
    const scores: number[] = []
    const randoms: number[] = []
    // The detector misses or merges a word in about one challenge in seven (F1 0.4 or 0.571 seen
    // against 1.0 otherwise, over 20 challenges), so the bar is on the mean of several.
    for (let i = 0; i < 4; i++) {
      const { challenge, truth } = await textdetTask.makeChallenge(textdetTask.roundDefaults)
      const wireChallenge = textdetTask.wire.decodeChallenge(textdetTask.wire.encodeChallenge(challenge)).challenge
      const answer = textdetTask.wire.decodeAnswer(textdetTask.wire.encodeAnswer(await textdetTask.solve(wireChallenge, { runner, files })))
      scores.push(textdetTask.score(truth, answer).score)
      randoms.push(textdetTask.score(truth, textdetTask.randomAnswer(challenge)).score)
    }
    console.log(`textdet: model F1 ${scores.map((s) => s.toFixed(3)).join(' ')}, random ${randoms.map((s) => s.toFixed(3)).join(' ')}`)
    // Random boxes now and then land on a word (F1 0.25 for one of four), so both bars are means.
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(mean(scores)).toBeGreaterThan(0.6)
    expect(mean(randoms)).toBeLessThan(0.3)
    expect(mean(scores)).toBeGreaterThan(mean(randoms) + 0.3)
  }, 120_000)
})
