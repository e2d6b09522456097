/**
 * src/roles: the miner and validator loops composing chain (src/wallet), mesh (src/p2p), task
 * (src/subnet), inference (src/gpu), weights (src/weights) and consensus (src/consensus).
 * The only door for browsers; Node adds ./node.ts (Node solver of any task, headless validator).
 */
export { RolesError, type RolesErrorCode } from './errors.ts'
export type { Observable } from './observable.ts'
export { createMiner, type Miner, type MinerInit, type MinerState, type MinerPhase, type MinerCounts, type MinerTaskRecord, type TaskSolver } from './miner.ts'
export { createValidator, type Validator, type ValidatorInit, type ValidatorState, type ValidatorPhase, type MinerScore, type CommittedWeights } from './validator.ts'
export { ensureRegistered, ensureValidator, type EnsureRegisteredInit, type EnsureValidatorInit, type Registration } from './register.ts'
export { createSubnetView, createSubnetsView, type SubnetView, type SubnetViewInit } from './chain-view.ts'
export {
  readEpochInput, readEpochSeen, readStoredOutputs, epochMismatches, checkLastEpoch, recomputeNextEpoch,
  type EpochCheck, type EpochMismatch, type EpochSeen, type StoredEpoch, type StoredOutputs, type ReadEpochInputOptions, type EpochBlockOverlay,
} from './epoch-input.ts'
export { replayEpoch, type Replay, type ReplayRow, type ReplayValues } from './epoch-replay.ts'
export { createBrowserSolver, type BrowserSolver, type BrowserSolverInit } from './browser-solver.ts'
export { createRandomSolver } from './random-solver.ts'
