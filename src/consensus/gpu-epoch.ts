/** WebGPU batch path (placeholder until the WGSL kernels land): always reports unavailable. */
import type { EpochInput, EpochOutput } from './types.ts'

/** Result of a GPU batch attempt. */
export type GpuBatchAttempt = { ok: true; outputs: EpochOutput[]; passes: number } | { ok: false; reason: string }

/** Runs the batch on WebGPU, or says why it cannot. */
export async function runEpochBatchGpu(_inputs: EpochInput[], _signal?: AbortSignal): Promise<GpuBatchAttempt> {
  return { ok: false, reason: 'WebGPU kernels not built yet' }
}
