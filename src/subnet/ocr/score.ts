/**
 * Deterministic OCR scoring. Per truth word: 1 for a normalized exact match (case folded,
 * whitespace removed), else `partialWeight × (1 − CER)` for the closest unused predicted word.
 * Extra predicted words cost `extraPenalty × extra / K`; slow answers lose up to half by the
 * deadline and everything after it.
 *
 *   accuracy = Σ credit_i / K
 *   extraFactor = max(0, 1 − extraPenalty × extra / K)
 *   latencyFactor = 1 (t ≤ target), 1 − ½ (t − target)/(deadline − target) (target < t < deadline), 0 (t ≥ deadline)
 *   score = accuracy × extraFactor × latencyFactor
 */
import type { TaskScore } from '../task.ts'

/** A recognized word. */
export interface OcrWord {
  text: string
  /** Recognition confidence in [0, 1]. */
  confidence: number
  /** Axis-aligned box in image pixels, with the detector's quad when known. */
  box: { x: number; y: number; width: number; height: number; points?: { x: number; y: number }[] }
}

/** What the miner returns. */
export interface OcrAnswer {
  /** The challenge id answered. */
  id: string
  words: OcrWord[]
  /** Miner-measured solve time (informative; scoring uses the validator's own clock). */
  latencyMs?: number
  /** Execution path the miner used (informative). */
  ep?: string
}

/** Options of {@link scoreOcr}. */
export interface OcrScoreOptions {
  /** Validator-measured ms from sending the challenge to receiving the answer (default: no latency factor). */
  latencyMs?: number
  /** Full credit up to this latency (default 2000 ms). */
  targetLatencyMs?: number
  /** Zero at and after this latency (default 30 000 ms). */
  deadlineMs?: number
  /** Weight of 1 − CER partial credit (default 0.5). */
  partialWeight?: number
  /** Penalty per extra word, as a fraction of K (default 0.5). */
  extraPenalty?: number
}

/** Case-folded, NFKC, whitespace removed. */
export function normalizeWord(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/gu, '')
}

/** Levenshtein distance over code points. */
export function editDistance(a: string, b: string): number {
  const x = [...a]
  const y = [...b]
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const cur = [i]
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[y.length]!
}

/** Character error rate of `hyp` against `ref` (edit distance / |ref|), capped at 1. */
export function cer(ref: string, hyp: string): number {
  const n = [...ref].length
  if (n === 0) return hyp.length === 0 ? 0 : 1
  return Math.min(1, editDistance(ref, hyp) / n)
}

/** Scores an answer against the truth words. Pure and deterministic. */
export function scoreOcr(truthId: string, truthWords: readonly string[], answer: OcrAnswer, options: OcrScoreOptions = {}): TaskScore {
  const K = truthWords.length
  const partialWeight = options.partialWeight ?? 0.5
  const extraPenalty = options.extraPenalty ?? 0.5
  const target = options.targetLatencyMs ?? 2000
  const deadline = options.deadlineMs ?? 30_000
  if (answer.id !== truthId || K === 0) {
    return { score: 0, parts: { idMismatch: answer.id !== truthId ? 1 : 0, exact: 0, accuracy: 0, cer: 1, extra: 0, extraFactor: 1, latencyFactor: 0 } }
  }
  const truth = truthWords.map(normalizeWord)
  // A detector may merge neighbours into one box: split on whitespace.
  const pred = answer.words.flatMap((w) => w.text.split(/\s+/u)).map(normalizeWord).filter((w) => w.length > 0)

  const truthMatch = new Array<number>(K).fill(-1)
  const predUsed = new Array<boolean>(pred.length).fill(false)
  const credit = new Array<number>(K).fill(0)
  const errs = new Array<number>(K).fill(1)
  let exact = 0
  // 1) exact matches, truth order, lowest predicted index first.
  for (let i = 0; i < K; i++) {
    const j = pred.findIndex((p, jj) => !predUsed[jj] && p === truth[i])
    if (j >= 0) {
      predUsed[j] = true
      truthMatch[i] = j
      credit[i] = 1
      errs[i] = 0
      exact++
    }
  }
  // 2) partial matches: best pairs first, ties by truth then predicted index.
  const pairs: { i: number; j: number; sim: number }[] = []
  for (let i = 0; i < K; i++) {
    if (truthMatch[i] !== -1) continue
    for (let j = 0; j < pred.length; j++) {
      if (predUsed[j]) continue
      const sim = 1 - cer(truth[i]!, pred[j]!)
      if (sim > 0) pairs.push({ i, j, sim })
    }
  }
  pairs.sort((a, b) => b.sim - a.sim || a.i - b.i || a.j - b.j)
  for (const { i, j, sim } of pairs) {
    if (truthMatch[i] !== -1 || predUsed[j]) continue
    truthMatch[i] = j
    predUsed[j] = true
    credit[i] = partialWeight * sim
    errs[i] = 1 - sim
  }
  const extra = predUsed.filter((u) => !u).length
  const accuracy = credit.reduce((s, c) => s + c, 0) / K
  const extraFactor = Math.max(0, 1 - (extraPenalty * extra) / K)
  let latencyFactor = 1
  if (options.latencyMs !== undefined) {
    const t = options.latencyMs
    if (t >= deadline) latencyFactor = 0
    else if (t > target) latencyFactor = 1 - (0.5 * (t - target)) / (deadline - target)
  }
  return {
    score: accuracy * extraFactor * latencyFactor,
    parts: { idMismatch: 0, exact, accuracy, cer: errs.reduce((s, e) => s + e, 0) / K, extra, extraFactor, latencyFactor },
  }
}
