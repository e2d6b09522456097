/**
 * The contract every subnet task fulfils, a plug-in behind which the miner and validator loops
 * (src/roles) run any task by name: the validator makes and scores, the miner solves, and the
 * task's wire codec carries both through the mesh's opaque payload bytes.
 */
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

/** What every challenge holds: an id (hex, unpredictable) and the time after which answers score 0. */
export interface TaskChallenge {
  id: string
  /** Unix ms. */
  deadline: number
}

/** What every answer holds: the challenge id, and what the miner reports about itself. */
export interface TaskAnswer {
  id: string
  /** The miner's own solve time, ms (the validator scores its own round trip). */
  latencyMs?: number
  /** The execution path the miner used (display only). */
  ep?: string
}

/** A validator's verdict on a miner's previous answer, carried by the next challenge. */
export interface TaskReceipt {
  /** The challenge id that answer was for. */
  id: string
  /** Its score, in [0, 1]. */
  score: number
}

/** How a task's challenge and answer travel in the mesh's opaque bytes; decoders check every field. */
export interface TaskCodec<Challenge extends TaskChallenge, Answer extends TaskAnswer> {
  encodeChallenge(challenge: Challenge, receipt?: TaskReceipt): Uint8Array
  /** Throws `SubnetError('MALFORMED')` naming the bad field. */
  decodeChallenge(payload: Uint8Array): { challenge: Challenge; receipt: TaskReceipt | null }
  encodeAnswer(answer: Answer): Uint8Array
  /** Throws `SubnetError('MALFORMED')` naming the bad field. */
  decodeAnswer(bytes: Uint8Array): Answer
}

/** Validator-side options every task's scoring accepts. */
export interface ScoreContext {
  /** Validator-measured round trip, ms (default: no latency factor). */
  latencyMs?: number
}

/**
 * A subnet task (a plug-in: src/subnet/registry.ts lists them by name).
 * - `makeChallenge` (validator): a fresh, unpredictable challenge and the truth it keeps secret.
 * - `solve` (miner): runs the model on the challenge.
 * - `score` (validator): deterministic; the same inputs always give the same score.
 * - `wire`: the bytes on the mesh, under the mesh task name `wireName`.
 */
export interface Task<Challenge extends TaskChallenge = TaskChallenge, Truth = unknown, Answer extends TaskAnswer = TaskAnswer, MakeOptions = object, ScoreOptions = object> {
  /** Task id, the name config and the registry use (`"task": "ocr"`). */
  readonly id: string
  /** The mesh task name challenges carry (versioned: a new wire format is a new name). */
  readonly wireName: string
  /** The model name a miner announces in its presence. */
  readonly model: string
  /** The model files the miner needs, with pinned sha256. */
  readonly manifest: ModelManifest
  /** Challenge options a validator round uses unless told otherwise. */
  readonly roundDefaults: MakeOptions
  readonly wire: TaskCodec<Challenge, Answer>
  makeChallenge(options?: MakeOptions & { signal?: AbortSignal }): Promise<{ challenge: Challenge; truth: Truth }>
  /** Creates the sessions ahead of the first solve (optional: solve creates them otherwise). */
  prepare?(options: SolveOptions): Promise<void>
  solve(challenge: Challenge, options: SolveOptions): Promise<Answer>
  score(truth: Truth, answer: Answer, options?: ScoreOptions & ScoreContext): TaskScore
  /**
   * A deliberately bad answer made without the model (random content): tests and devnet demos
   * show that validators rank a miner answering this last.
   */
  randomAnswer(challenge: Challenge): Answer
}

/** A task whatever its types (what the roles hold: they only pass values between its methods). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = Task<any, any, any, any, any>
