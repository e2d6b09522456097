/**
 * Rolling statistics of a miner's answered tasks for the dashboard: counts, acceptance, average
 * score and latency over the last minute, ten minutes and hour. Pure, so it is unit-tested in Node.
 */
import type { TaskRecord } from './mining.svelte.ts'

/** The windows the dashboard shows, in milliseconds. */
export const WINDOWS = [
  { label: 'last minute', ms: 60_000 },
  { label: 'last 10 minutes', ms: 600_000 },
  { label: 'last hour', ms: 3_600_000 },
] as const

/** Statistics of one window. */
export interface WindowStats {
  answered: number
  accepted: number
  /** Mean score of scored answers, or null when none was scored. */
  avgScore: number | null
  /** Median latency in ms, or null when empty. */
  p50LatencyMs: number | null
  /** 95th-percentile latency in ms (nearest rank), or null when empty. */
  p95LatencyMs: number | null
}

/** Statistics of the records with `at` in (now - windowMs, now]. */
export function windowStats(records: readonly TaskRecord[], now: number, windowMs: number): WindowStats {
  const recent = records.filter((r) => r.at > now - windowMs && r.at <= now)
  const scored = recent.filter((r) => r.score !== null)
  const lat = recent.map((r) => r.latencyMs).sort((a, b) => a - b)
  return {
    answered: recent.length,
    accepted: recent.filter((r) => r.ok).length,
    avgScore: scored.length === 0 ? null : scored.reduce((s, r) => s + (r.score ?? 0), 0) / scored.length,
    p50LatencyMs: percentile(lat, 0.5),
    p95LatencyMs: percentile(lat, 0.95),
  }
}

/** Nearest-rank percentile of an ascending array; null when empty. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)))
  return sorted[rank - 1] ?? null
}

/** Keeps at most `max` newest records (the history the page holds in memory). */
export function trimHistory(records: readonly TaskRecord[], max = 5_000): TaskRecord[] {
  return records.length <= max ? [...records] : records.slice(records.length - max)
}

/** "1.2 MB"-style size. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++ }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`
}

/** "2 min 5 s"-style duration; null → "—". */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—'
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

/** Rao (10⁻⁹ TAO) as TAO with up to 9 decimals and no trailing zeros, e.g. `1.5 TAO`. */
export function formatTao(rao: bigint): string {
  const neg = rao < 0n
  const a = neg ? -rao : rao
  const whole = a / 1_000_000_000n
  const frac = (a % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/u, '')
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''} TAO`
}
