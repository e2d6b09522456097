/**
 * Weights on chain: preparation (float scores → checked u16 weights), hash commit-reveal (v2),
 * timelocked commit-reveal to drand (v4, byte-compatible with subtensor's decryptor), `set_weights`
 * honouring the rate limit, and a pending-commit store that survives reloads.
 *
 * Pure parts (preparation, hashes, payloads, reveal round, stores) run anywhere; the flows take the
 * wallet's `ChainClient` connected to a subtensor node (or the devnet) and sign with its one
 * signer interface (`TxSigner`): the chain is reached only through src/wallet.
 */
export { WeightsError, type WeightsErrorCode } from './errors.ts'
export {
  prepareWeights,
  type WeightLimits,
  type PreparedWeights,
  type PrepareOptions,
} from './prepare.ts'
export {
  storageIndex,
  revealRound,
  type CommitHashInput,
  type TlockPayload,
  type RevealRoundInput,
} from './commit.ts'
export {
  createMemoryCommitStore,
  createFileCommitStore,
  type PendingCommit,
  type PendingCommitStore,
  type CommitFilter,
  type CommitStatus,
} from './store.ts'
export { createIdbCommitStore, type IdbCommitStoreInit } from './store-idb.ts'
export {
  readSubnetWeightState,
  readMechanismCount,
  epochAt,
  setWeights,
  commitWeights,
  commitTimelockedWeights,
  revealWeights,
  weightsStatus,
  readWeightsRow,
  type WeightsAccount,
  type SubnetWeightState,
  type FlowOptions,
  type Inclusion,
  type WeightsInput,
  type SetWeightsResult,
  type CommitResult,
  type TimelockedCommitOptions,
  type RevealOutcome,
  type RevealOptions,
  type CommitStatusLine,
} from './chain.ts'
