/** The contract every subnet task fulfils: the validator makes and scores, the miner solves. */
import type { ModelManifest, SessionRunner } from '../gpu/index.ts'

/** Score of one answer, in [0, 1], with the parts it was made from. */
export interface TaskScore {
  /** Final score in [0, 1]. */
  score: number
  /** Named components (task-specific), for display and debugging. */
  parts: Record<string, number>
}

/** Options of {@link Task.solve}. */
export interface SolveOptions {
  /** Where the model runs (the inference client in browsers, a Node runner elsewhere). */
  runner: SessionRunner
  /** Verified model files by name (from the model store, or read from disk in Node). */
  files: ReadonlyMap<string, ArrayBuffer>
  signal?: AbortSignal
}

/**
 * A subnet task.
 * - `makeChallenge` (validator): a fresh, unpredictable challenge and the truth it keeps secret.
 * - `solve` (miner): runs the model on the challenge.
 * - `score` (validator): deterministic; the same inputs always give the same score.
 */
export interface Task<Challenge, Truth, Answer, MakeOptions = object, ScoreOptions = object> {
  /** Task id, also the model folder: `models/<id>/`. */
  readonly id: string
  /** The model files the miner needs, with pinned sha256. */
  readonly manifest: ModelManifest
  makeChallenge(options?: MakeOptions & { signal?: AbortSignal }): Promise<{ challenge: Challenge; truth: Truth }>
  solve(challenge: Challenge, options: SolveOptions): Promise<Answer>
  score(truth: Truth, answer: Answer, options?: ScoreOptions): TaskScore
}
