/**
 * Yuma Consensus, chain-exact: the only door into src/consensus.
 *
 * - {@link runEpoch}: the exact CPU reference of subtensor's sparse `epoch_mechanism`.
 * - {@link runEpochBatch}: many independent epochs in one WebGPU submission (WGSL, 64-bit fixed
 *   point emulated with u32 pairs), bit-identical to the CPU; falls back to the CPU with a reason.
 * - {@link whatIf}: one validator's candidate weight rows evaluated as one batch.
 * - {@link parseEpochInput} / {@link epochOutputToJson}: the vectors' JSON shapes.
 */
import { ConsensusError } from './errors.ts'
import { runEpochCpu } from './epoch.ts'
import { checkEpochInput, checkSubnetEpochInput, parseEpochInput, parseSubnetEpochInput, epochOutputToJson, subnetOutputToJson, hasMechanisms } from './validate.ts'
import { aggregateMechanisms, asSubnetInput, mechanismEpochInputs, mechanismStorageIndex, runSubnetsWith, splitEmissions, MAX_MECHANISMS } from './mechanism.ts'
import { parseJsonExact } from './json.ts'
import { releaseDevice } from './gpu-device.ts'
import { GPU_PASSES, runEpochBatchGpu } from './gpu-epoch.ts'
import { sharedGpuQueue, dawnEnv } from '../gpu/index.ts'
import type {
  EpochBatchInit, EpochBatchResult, EpochInput, EpochOutput, SparseRowU16, WhatIfResult, ConsensusPath,
  MechanismInput, MechanismEpochOutput, SubnetEpochInput, SubnetEpochOutput,
} from './types.ts'

export { ConsensusError, parseEpochInput, epochOutputToJson, parseSubnetEpochInput, subnetOutputToJson, hasMechanisms, parseJsonExact }
export {  mechanismEpochInputs, aggregateMechanisms, mechanismStorageIndex, MAX_MECHANISMS }
export type { EpochBatchInit, EpochBatchResult, EpochInput, EpochOutput, SparseRowU16, WhatIfResult, ConsensusPath }
export type { MechanismInput, MechanismEpochOutput, SubnetEpochInput, SubnetEpochOutput }

/** Number of WebGPU compute passes one batch submission uses (one workgroup per epoch in each). */
export const CONSENSUS_GPU_PASSES = GPU_PASSES

/**
 * Environment variables that let Dawn (the `webgpu` package) in Node find a Vulkan driver on a
 * machine without a GPU (Chromium's SwiftShader). They must be set before the process starts.
 */
export const consensusDawnEnv = dawnEnv


/** Releases the consensus GPU device (so a CLI process can exit); idempotent. */
export async function releaseConsensusGpu(): Promise<void> {
  await releaseDevice()
}

/**
 * Runs one epoch on the CPU, exactly as the chain does (bit for bit). Validates the input first
 * and throws `ConsensusError('INVALID_INPUT')` naming the field when it is malformed.
 */
export function runEpoch(input: EpochInput): EpochOutput {
  return runEpochCpu(checkEpochInput(input))
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new ConsensusError('ABORTED', 'consensus batch aborted', { cause: signal.reason })
}

/** The label of consensus batches in the shared GPU queue (`sharedGpuQueue().pending`). */
export const CONSENSUS_GPU_JOB = 'consensus epoch batch'

/**
 * Runs independent epochs as one batch: on WebGPU when an adapter exists (one submission for the
 * whole batch), else on the CPU. The outputs are identical either way; `path` says which ran and
 * `reason` why the CPU ran when the GPU was preferred.
 */
export async function runEpochBatch(inputs: EpochInput[], init: EpochBatchInit = {}): Promise<EpochBatchResult> {
  throwIfAborted(init.signal)
  const checked = inputs.map((x, k) => {
    try {
      return checkEpochInput(x)
    } catch (err) {
      if (err instanceof ConsensusError) throw new ConsensusError(err.code, `batch[${k}]: ${err.message}`, { field: `[${k}].${err.field ?? ''}` })
      throw err
    }
  })
  let reason: string | undefined
  if ((init.prefer ?? 'gpu') === 'gpu') {
    // Through the page's one GPU queue, so a batch never competes with an inference run (the
    // devices differ: ORT's lives in the inference worker, and a GPUDevice cannot cross threads).
    const res = await sharedGpuQueue()
      .run(() => runEpochBatchGpu(checked, init.signal), { label: CONSENSUS_GPU_JOB, ...(init.signal !== undefined ? { signal: init.signal } : {}) })
      .catch((err: unknown) => { throwIfAborted(init.signal); throw err })
    if (res.ok) return { path: 'gpu', outputs: res.outputs, passes: res.passes }
    if (init.requireGpu === true) throw new ConsensusError('GPU_UNAVAILABLE', `GPU path unavailable: ${res.reason}`)
    reason = res.reason
  }
  const outputs: EpochOutput[] = []
  for (const x of checked) {
    throwIfAborted(init.signal)
    outputs.push(runEpochCpu(x))
  }
  return reason === undefined ? { path: 'cpu', outputs } : { path: 'cpu', outputs, reason }
}

/**
 * Runs one subnet's epoch as spec 424 does (`epoch_with_mechanisms`) on the CPU: the emission split
 * among the K mechanisms, one exact epoch per mechanism, and the per-netuid terms aggregated as
 * the chain stores them. A plain {@link EpochInput} is accepted as K = 1 (the result's fields then
 * equal {@link runEpoch}'s). Throws `ConsensusError('INVALID_INPUT')` naming the field.
 */
export function runEpochWithMechanisms(input: SubnetEpochInput | EpochInput): SubnetEpochOutput {
  const subnet = checkSubnetEpochInput('mechanisms' in input ? input : asSubnetInput(input))
  return aggregateMechanisms(subnet, mechanismEpochInputs(subnet).map(runEpochCpu))
}

/**
 * Many subnets' epochs as one batch: every mechanism of every subnet is one more epoch in the
 * same WebGPU submission (CPU fallback as {@link runEpochBatch}); outputs in input order.
 */
export async function runEpochWithMechanismsBatch(
  inputs: Array<SubnetEpochInput | EpochInput>,
  init: EpochBatchInit = {},
): Promise<{ path: ConsensusPath; outputs: SubnetEpochOutput[]; reason?: string; passes?: number }> {
  const subnets = inputs.map((x, k) => {
    try {
      return checkSubnetEpochInput('mechanisms' in x ? x : asSubnetInput(x))
    } catch (err) {
      if (err instanceof ConsensusError) throw new ConsensusError(err.code, `batch[${k}]: ${err.message}`, { field: `[${k}].${err.field ?? ''}` })
      throw err
    }
  })
  const { res, outputs } = await runSubnetsWith(subnets, (flat) => runEpochBatch(flat, init))
  const r: { path: ConsensusPath; outputs: SubnetEpochOutput[]; reason?: string; passes?: number } = { path: res.path, outputs }
  if (res.reason !== undefined) r.reason = res.reason
  if (res.passes !== undefined) r.passes = res.passes
  return r
}

/** Options for {@link whatIf}. */
export interface WhatIfInit extends EpochBatchInit {
  /**
   * Set `last_update[validatorUid] = current_block`, as setting (or revealing) weights now would.
   * Default true.
   */
  touchLastUpdate?: boolean
  /** For a subnet input: the mechanism whose weight row the candidates replace (default 0). */
  mechanism?: number
}

/**
 * "If this validator set these weights, what would it earn?" Each candidate replaces the
 * validator's stored weight row (`[uid, u16]` pairs as `Weights` stores them, max-upscaled);
 * all candidates run as one batch. Returns, per candidate, the validator's `floor(D * 65535)`
 * and every uid's `floor(I * 65535)`.
 *
 * For a {@link SubnetEpochInput} the row replaced is mechanism `init.mechanism`'s (default 0), every
 * mechanism runs (K epochs per candidate, one batch), `dividends` is the validator's per-netuid
 * `Dividends` (weighted over mechanisms) and `incentive` that mechanism's `Incentive`.
 */
export async function whatIf(
  state: EpochInput | SubnetEpochInput,
  validatorUid: number,
  candidates: SparseRowU16[],
  init: WhatIfInit = {},
): Promise<{ path: ConsensusPath; results: WhatIfResult[]; reason?: string }> {
  const subnet = 'mechanisms' in state
  const base = checkSubnetEpochInput(subnet ? state : asSubnetInput(state))
  if (!Number.isInteger(validatorUid) || validatorUid < 0 || validatorUid >= base.n) {
    throw new ConsensusError('INVALID_INPUT', `invalid what-if: field 'validatorUid' must be a uid in [0, ${base.n - 1}], got ${validatorUid}`, { field: 'validatorUid' })
  }
  const m = init.mechanism ?? 0
  if (!Number.isInteger(m) || m < 0 || m >= base.mechanisms.length) {
    throw new ConsensusError('INVALID_INPUT', `invalid what-if: field 'mechanism' must be in [0, ${base.mechanisms.length - 1}], got ${m}`, { field: 'mechanism' })
  }
  const inputs = candidates.map((row): SubnetEpochInput => {
    const mech = base.mechanisms[m]!
    const weights = mech.weights.slice()
    weights[validatorUid] = row
    const last_update = mech.last_update.slice()
    if (init.touchLastUpdate !== false) last_update[validatorUid] = base.current_block
    const mechanisms = base.mechanisms.slice()
    mechanisms[m] = { ...mech, weights, last_update }
    return { ...base, mechanisms }
  })
  const res = await runEpochWithMechanismsBatch(inputs, init)
  const results = res.outputs.map((o) => ({ dividends: o.dividends_u16[validatorUid]!, incentive: o.mechanisms[m]!.output.incentive_u16 }))
  return res.reason === undefined ? { path: res.path, results } : { path: res.path, results, reason: res.reason }
}
