/**
 * Epoch input and output shapes. They mirror the `epochs[].input` / `reference_output` schema of
 * the conformance vectors (test/fixtures/consensus/index.json), which mirrors what subtensor's
 * `epoch_mechanism` reads from storage and writes back. u64 quantities are `bigint`, u16 and
 * block numbers are `number`.
 */

/** A sparse row as stored on chain: `[uid, u16 value]` pairs, explicit zeros kept. */
export type SparseRowU16 = Array<[number, number]>

/** Everything `epoch_mechanism` reads for one subnet (one mechanism), already resolved to uids. */
export interface EpochInput {
  /** Subnet size; uids are `0..n-1`. */
  n: number
  /** `System::block_number` when the epoch runs. */
  current_block: number
  /** `Tempo[netuid]`. */
  tempo: number
  /** `max(1, ActivityCutoffFactorMilli * tempo / 1000)` (integer), as the chain computes it. */
  activity_cutoff_blocks: number
  /** `LastMechansimStepBlock[netuid]`; 0 means "first epoch": `last_tempo = current_block - tempo`. */
  last_mechanism_step_block: number
  /** `LastUpdate[netuid_index]`, length n. */
  last_update: number[]
  /** `BlockAtRegistration[netuid][uid]` (0 if no key), length n. */
  block_at_registration: number[]
  /** Inherited alpha stake per uid (u64 rao), length n. */
  alpha_stake: bigint[]
  /** Inherited root TAO stake per uid (u64 rao), length n; absent means all 0. */
  tao_stake?: bigint[]
  /** `TaoWeight` (u64, read as `/u64::MAX`); absent means 0. */
  tao_weight_u64?: bigint
  /** `StakeThreshold` (u64). */
  stake_threshold: bigint
  /** uid of the subnet owner hotkey, or null when it has none. */
  owner_uid: number | null
  /**
   * `ValidatorPermit[netuid]` from the previous epoch, length n, or length 0 for "never written"
   * (then the chain ignores it as an active-stake mask but drops every weight row).
   */
  validator_permit: boolean[]
  /** `MaxAllowedValidators[netuid]`. */
  max_allowed_validators: number
  /** `Kappa[netuid]` (u16, read as /65535). */
  kappa: number
  /** `BondsPenalty` (u16, read as /65535). */
  bonds_penalty: number
  /** `BondsMovingAverage` (u64, read as /1e6); at most 1_000_000 here. */
  bonds_moving_average: bigint
  /** `Yuma3On[netuid]`. */
  yuma3: boolean
  /** `LiquidAlphaOn[netuid]` (Yuma3 only); absent means false. */
  liquid_alpha?: boolean
  /** `AlphaValues.0` (u16); default 45875. */
  alpha_low?: number
  /** `AlphaValues.1` (u16); default 58982. */
  alpha_high?: number
  /** `AlphaSigmoidSteepness` (i16); default 1000. */
  alpha_sigmoid_steepness?: number
  /**
   * Commit-reveal column mask: per uid, the block of its earliest unexpired weight commit, or null
   * for none (absent means none for every uid). `(i, j)` is dropped when
   * `commit_blocks[i] < block_at_registration[j]`. Not in the vector schema; an extension.
   */
  commit_blocks?: Array<number | null>
  /** `Weights[netuid_index][uid]`, length n: stored rows (max-upscaled u16, zeros kept). */
  weights: SparseRowU16[]
  /** `Bonds[netuid_index][uid]`, length n: stored rows (Yuma1 col-max-upscaled, Yuma3 proportion). */
  bonds: SparseRowU16[]
  /** Emission handed to this epoch (u64 rao). */
  rao_emission: bigint
}

/** What one epoch produces, with the field names of the vectors' `reference_output`. */
export interface EpochOutput {
  /** `!(last_update + activity_cutoff < current_block)`. */
  active: boolean[]
  /** `floor(S * 65535)`. */
  stake_weight_u16: number[]
  /** `floor(C * 65535)`. */
  consensus_u16: number[]
  /** `floor(I * 65535)`. */
  incentive_u16: number[]
  /** `floor(D * 65535)`. */
  dividends_u16: number[]
  /** `floor(VT * 65535)`. */
  validator_trust_u16: number[]
  /** Miner share in rao. */
  server_emission: bigint[]
  /** Validator share in rao. */
  validator_emission: bigint[]
  /** Combined (stored `Emission`) in rao. */
  emission: bigint[]
  /** Top-k nonzero stake (+ owner): the next `ValidatorPermit`. */
  new_validator_permit: boolean[]
  /**
   * What `Bonds(netuid_index, i)` holds after the epoch: the new row for uids with a new permit,
   * else empty (spec 424's `persist_mechanism_epoch_terms` writes every uid's `terms.bond`, which is
   * `vec![]` unless the uid holds a new permit; YUMA-SPEC's "otherwise untouched" is the test-only
   * dense path). See README "bonds_u16".
   */
  bonds_u16: SparseRowU16[]
}

/** Which implementation produced a result. */
export type ConsensusPath = 'gpu' | 'cpu'

/** Options for the batched/asynchronous entry points. */
export interface EpochBatchInit {
  /** `'gpu'` (default) tries WebGPU and falls back to the CPU with a `reason`; `'cpu'` skips it. */
  prefer?: ConsensusPath
  /** When true, a GPU failure throws instead of falling back. */
  requireGpu?: boolean
  /** Aborts the batch. */
  signal?: AbortSignal
}

/** Result of {@link EpochBatchInit}-style batch calls. */
export interface EpochBatchResult {
  path: ConsensusPath
  outputs: EpochOutput[]
  /** Why the CPU ran when the GPU was preferred (no adapter, unsupported input, ...). */
  reason?: string
  /** Number of GPU compute passes submitted (only on the GPU path). */
  passes?: number
}

/** One what-if scenario's prediction. */
export interface WhatIfResult {
  /** The validator's predicted dividends, `floor(D * 65535)`. */
  dividends: number
  /** Every uid's predicted incentive, `floor(I * 65535)`. */
  incentive: number[]
}

/**
 * A mechanism's own storage, read at storage index `netuid + mechanism * 4096`
 * (`get_mechanism_storage_index`): everything else `epoch_mechanism` reads is per netuid.
 */
export interface MechanismInput {
  /** `LastUpdate[netuid_index]`, length n (the chain pads a shorter stored vector with 0). */
  last_update: number[]
  /** `Weights[netuid_index][uid]`, length n. */
  weights: SparseRowU16[]
  /** `Bonds[netuid_index][uid]`, length n. */
  bonds: SparseRowU16[]
  /** Commit-reveal column mask of this mechanism's commits (see {@link EpochInput.commit_blocks}). */
  commit_blocks?: Array<number | null>
}

/**
 * One subnet's epoch as spec 424 runs it (`epoch_with_mechanisms`): the per-netuid fields of
 * {@link EpochInput}, K >= 1 mechanisms, and the subnet's whole `rao_emission`, split among the
 * mechanisms by `split_emissions`.
 */
export interface SubnetEpochInput extends Omit<EpochInput, 'last_update' | 'weights' | 'bonds' | 'commit_blocks'> {
  /** Per mechanism (index = mechanism id, `MechanismCountCurrent[netuid]` = length, 1..16). */
  mechanisms: MechanismInput[]
  /**
   * `MechanismEmissionSplit[netuid]`: u16 shares (65535 = all; the sum is not checked), at most K (missing
   * ones are 0); absent or null = even split. Rounding goes to mechanism 0.
   */
  mechanism_emission_split?: number[] | null
}

/** One mechanism's epoch inside {@link SubnetEpochOutput}. */
export interface MechanismEpochOutput {
  /** Mechanism id (0 = main); its storage index is `netuid + mechanism * 4096`. */
  mechanism: number
  /** Its share of the subnet's emission (`split_emissions`). */
  rao_emission: bigint
  /** `sub_weight` as U64F64 bits (`2^64` = 1): share / total, or 1 for mechanism 0 when the total is 0. */
  sub_weight_u64f64: bigint
  /**
   * `epoch_mechanism`'s output for this mechanism. `incentive_u16` is what `Incentive[netuid_index]`
   * stores and `bonds_u16` what `Bonds[netuid_index]` stores (`persist_mechanism_epoch_terms`).
   */
  output: EpochOutput
}

/**
 * What `epoch_with_mechanisms` produces: per mechanism outputs, and the per-netuid terms
 * `persist_netuid_epoch_terms` stores (weighted U64F64 sums by `sub_weight`, ORs for booleans),
 * plus the summed server/validator emission handed to the coinbase. With K = 1 every field equals
 * the plain epoch's.
 */
export interface SubnetEpochOutput {
  mechanisms: MechanismEpochOutput[]
  /** `Active[netuid]`: OR over mechanisms. */
  active: boolean[]
  /** `StakeWeight[netuid]`: Σ_k floor(stake_weight_k * sub_weight_k), saturating at 65535. */
  stake_weight_u16: number[]
  /** `Consensus[netuid]`: weighted like stake_weight. */
  consensus_u16: number[]
  /** `Dividends[netuid]`: weighted like stake_weight. */
  dividends_u16: number[]
  /** `ValidatorTrust[netuid]`: weighted like stake_weight. */
  validator_trust_u16: number[]
  /** `Emission[netuid]`: Σ_k floor(emission_k * sub_weight_k) (u64, saturating). */
  emission: bigint[]
  /** `ValidatorPermit[netuid]`: OR over mechanisms. */
  new_validator_permit: boolean[]
  /** Σ_k server_emission_k (saturating), what the coinbase pays miners. */
  server_emission: bigint[]
  /** Σ_k validator_emission_k (saturating), what the coinbase pays validators. */
  validator_emission: bigint[]
}
