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
})
