import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { formatBytes, formatDuration, formatTao, percentile, trimHistory, windowStats } from '../../src/ui/index.ts'
import type { TaskRecord } from '../../src/ui/index.ts'

const rec = (at: number, latencyMs: number, ok = true, score: number | null = 1): TaskRecord => ({ at, latencyMs, ok, score })

describe('dashboard statistics', () => {
  it('counts only records inside the window', () => {
    const now = 1_000_000
    const rs = [rec(now - 70_000, 5), rec(now - 59_000, 10, true, 0.5), rec(now - 1_000, 30, false, 0), rec(now, 20)]
    const s = windowStats(rs, now, 60_000)
    expect(s.answered).toBe(3)
    expect(s.accepted).toBe(2)
    expect(s.avgScore).toBeCloseTo(0.5)
    expect(s.p50LatencyMs).toBe(20)
    expect(s.p95LatencyMs).toBe(30)
  })
  it('an empty window has no averages', () => {
    expect(windowStats([], 0, 60_000)).toEqual({ answered: 0, accepted: 0, avgScore: null, p50LatencyMs: null, p95LatencyMs: null })
  })
  it('unscored answers do not drag the average', () => {
    const s = windowStats([rec(10, 1, true, null), rec(11, 1, true, 0.8)], 20, 60_000)
    expect(s.avgScore).toBeCloseTo(0.8)
  })
  test.prop([fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'percentile is an element of the data and monotone in q',
    (xs, q) => {
      const sorted = [...xs].sort((a, b) => a - b)
      const p = percentile(sorted, q)!
      expect(sorted).toContain(p)
      expect(p).toBeLessThanOrEqual(percentile(sorted, Math.min(1, q + 0.1))!)
    },
  )
  it('trims history to the newest records', () => {
    const rs = Array.from({ length: 10 }, (_, i) => rec(i, i))
    expect(trimHistory(rs, 3).map((r) => r.at)).toEqual([7, 8, 9])
  })
  it('formats sizes and durations', () => {
    expect(formatBytes(15_594_089)).toBe('15.6 MB')
    expect(formatBytes(512)).toBe('512 B')
    expect(formatDuration(125_000)).toBe('2 min 5 s')
    expect(formatDuration(null)).toBe('—')
  })
})

describe('formatTao', () => {
  it('prints rao as TAO with up to 9 decimals and no trailing zeros', () => {

    expect(formatTao(1_000_000_000n)).toBe('1 TAO')
    expect(formatTao(1_500_000_000n)).toBe('1.5 TAO')
    expect(formatTao(1n)).toBe('0.000000001 TAO')
    expect(formatTao(0n)).toBe('0 TAO')
    expect(formatTao(123_456_789_012_345n)).toBe('123456.789012345 TAO')
    expect(formatTao(-2_000_000_000n)).toBe('-2 TAO')
  })
})
