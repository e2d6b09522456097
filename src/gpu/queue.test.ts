import { describe, expect, it } from 'vitest'
import { createGpuQueue } from './queue.ts'
import { GpuError } from './errors.ts'

describe('GPU queue', () => {
  it('runs one job at a time, in order', async () => {
    const q = createGpuQueue()
    let running = 0
    let peak = 0
    const order: number[] = []
    const job = (i: number) => async () => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, 1 + (i % 3)))
      order.push(i)
      running--
      return i * 2
    }
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => q.run(job(i), { label: `j${i}` })))
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i * 2))
    expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i))
    expect(peak).toBe(1)
    expect(q.size).toBe(0)
  })

  it('a failing job rejects alone and the queue goes on', async () => {
    const q = createGpuQueue()
    const a = q.run(async () => { throw new Error('boom') })
    const b = q.run(async () => 'ok')
    await expect(a).rejects.toThrow('boom')
    await expect(b).resolves.toBe('ok')
  })

  it('a job aborted while waiting never runs; idle() resolves when empty', async () => {
    const q = createGpuQueue()
    let release!: () => void
    const gate = new Promise<void>((r) => { release = r })
    const first = q.run(() => gate, { label: 'first' })
    const ctl = new AbortController()
    let ran = false
    const second = q.run(async () => { ran = true }, { signal: ctl.signal, label: 'second' })
    expect(q.pending).toEqual(['first', 'second'])
    ctl.abort(new Error('user'))
    await expect(second).rejects.toMatchObject({ code: 'ABORTED' })
    expect(q.pending).toEqual(['first'])
    const idle = q.idle()
    release()
    await first
    await idle
    expect(ran).toBe(false)
    expect(q.size).toBe(0)
  })

  it('an already-aborted signal rejects at once', async () => {
    const q = createGpuQueue()
    await expect(q.run(async () => 1, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(GpuError)
  })

  it('a job takes every gate before it runs and lets go after; the owner of a gate skips it', async () => {
    const q = createGpuQueue()
    const log: string[] = []
    let grant!: () => void
    const gate = {
      acquire: async (label: string) => {
        log.push(`acquire ${label}`)
        await new Promise<void>((r) => { grant = r })
        log.push(`granted ${label}`)
        return () => { log.push(`let go ${label}`) }
      },
    }
    const remove = q.addGate(gate)
    const page = q.run(async () => { log.push('page job') }, { label: 'consensus' })
    await new Promise((r) => setTimeout(r, 0))
    // The other queue (an inference worker's run in flight) has not granted the hold: no job yet.
    expect(log).toEqual(['acquire consensus'])
    grant()
    await page
    expect(log).toEqual(['acquire consensus', 'granted consensus', 'page job', 'let go consensus'])
    log.length = 0
    await q.run(async () => { log.push('own job') }, { skipGate: gate })
    expect(log).toEqual(['own job'])
    remove()
    await q.run(async () => { log.push('after removal') })
    expect(log).toEqual(['own job', 'after removal'])
  })

  it('a gate that fails rejects its job alone', async () => {
    const q = createGpuQueue()
    const remove = q.addGate({ acquire: async () => { throw new GpuError('ABORTED', 'no hold') } })
    let ran = false
    await expect(q.run(async () => { ran = true })).rejects.toMatchObject({ code: 'ABORTED' })
    expect(ran).toBe(false)
    remove()
    await expect(q.run(async () => 'next')).resolves.toBe('next')
  })
})
