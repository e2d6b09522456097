import { describe, expect, it } from 'vitest'
import { sharedGpuQueue } from '../gpu/index.ts'
import { CONSENSUS_GPU_JOB, ConsensusError, parseEpochInput, runEpoch, runEpochBatch } from './index.ts'
import { randomEpochJson } from './testing/random.ts'

describe('consensus on the shared GPU queue', () => {
  const input = parseEpochInput(randomEpochJson({ n: 12, seed: 3 }))

  it('a GPU batch waits behind the job already holding the GPU (an inference run), then runs', async () => {
    const queue = sharedGpuQueue()
    let release!: () => void
    const held = queue.run(() => new Promise<void>((r) => { release = r }), { label: 'ort run' })
    let settled = false
    const batch = runEpochBatch([input], { prefer: 'gpu' }).finally(() => { settled = true })
    expect(queue.pending).toEqual(['ort run', CONSENSUS_GPU_JOB])
    await new Promise((r) => setTimeout(r, 0))
    expect(settled).toBe(false)
    release()
    await held
    const res = await batch
    expect(res.outputs[0]).toEqual(runEpoch(input)) // GPU or CPU fallback, same output
    expect(queue.pending).toEqual([])
  })

  it('an abort while waiting drops the batch without running it, as a consensus ABORTED error', async () => {
    const queue = sharedGpuQueue()
    let release!: () => void
    const held = queue.run(() => new Promise<void>((r) => { release = r }), { label: 'ort run' })
    const abort = new AbortController()
    const batch = runEpochBatch([input], { prefer: 'gpu', signal: abort.signal })
    abort.abort()
    const err = await batch.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConsensusError)
    expect(err).toMatchObject({ code: 'ABORTED' })
    release()
    await held
  })

  it('the CPU path does not queue', async () => {
    const res = runEpochBatch([input], { prefer: 'cpu' })
    expect(sharedGpuQueue().pending).toEqual([])
    expect((await res).path).toBe('cpu')
  })
})
