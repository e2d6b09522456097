/**
 * Scoring text detection: answer boxes are matched one-to-one to the drawn boxes, best IoU
 * first, a pair counting when its IoU reaches `minIou` (default 0.5, the usual detection bar).
 *
 *   recall = matched / drawn,  precision = matched / answered,  f1 = 2·p·r / (p + r)
 *   latencyFactor as OCR's (full up to `targetLatencyMs`, half at the deadline, 0 after)
 *   score = f1 × latencyFactor
 *
 * Deterministic: ties broken by truth index then answer index.
 */
import type { TaskScore } from '../task.ts'
import type { TextBox } from './challenge.ts'

/** The miner's answer. */
export interface TextdetAnswer {
  id: string
  boxes: TextBox[]
  latencyMs?: number
  ep?: string
}

/** Options of {@link scoreTextdet}. */
export interface TextdetScoreOptions {
  /** IoU a pair needs to match (default 0.5). */
  minIou?: number
  /** Validator-measured ms from sending the challenge to receiving the answer (default: no latency factor). */
  latencyMs?: number
  /** Full credit up to this latency (default 2000 ms). */
  targetLatencyMs?: number
  /** Zero at and after this latency (default 30 000 ms). */
  deadlineMs?: number
}

/** Intersection over union of two boxes (0 when either is empty). */
export function iou(a: TextBox, b: TextBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  if (w <= 0 || h <= 0) return 0
  const inter = w * h
  const union = a.width * a.height + b.width * b.height - inter
  return union > 0 ? inter / union : 0
}

/** Scores an answer against the drawn boxes. */
export function scoreTextdet(truthId: string, truth: readonly TextBox[], answer: TextdetAnswer, options: TextdetScoreOptions = {}): TaskScore {
  const minIou = options.minIou ?? 0.5
  const target = options.targetLatencyMs ?? 2000
  const deadline = options.deadlineMs ?? 30_000
  if (answer.id !== truthId || truth.length === 0) {
    return { score: 0, parts: { idMismatch: answer.id !== truthId ? 1 : 0, matched: 0, recall: 0, precision: 0, f1: 0, meanIou: 0, latencyFactor: 0 } }
  }
  const pred = answer.boxes.filter((b) => b.width > 0 && b.height > 0)
  const pairs: { i: number; j: number; v: number }[] = []
  for (let i = 0; i < truth.length; i++) {
    for (let j = 0; j < pred.length; j++) {
      const v = iou(truth[i]!, pred[j]!)
      if (v >= minIou) pairs.push({ i, j, v })
    }
  }
  pairs.sort((a, b) => b.v - a.v || a.i - b.i || a.j - b.j)
  const usedT = new Set<number>()
  const usedP = new Set<number>()
  let iouSum = 0
  for (const { i, j, v } of pairs) {
    if (usedT.has(i) || usedP.has(j)) continue
    usedT.add(i)
    usedP.add(j)
    iouSum += v
  }
  const matched = usedT.size
  const recall = matched / truth.length
  const precision = pred.length > 0 ? matched / pred.length : 0
  const f1 = matched > 0 ? (2 * precision * recall) / (precision + recall) : 0
  let latencyFactor = 1
  if (options.latencyMs !== undefined) {
    const t = options.latencyMs
    if (t >= deadline) latencyFactor = 0
    else if (t > target) latencyFactor = 1 - (0.5 * (t - target)) / (deadline - target)
  }
  return { score: f1 * latencyFactor, parts: { idMismatch: 0, matched, recall, precision, f1, meanIou: matched > 0 ? iouSum / matched : 0, latencyFactor } }
}
