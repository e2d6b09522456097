/**
 * Seeded random epoch inputs (JSON shape) for property tests and benchmarks: sparse or dense
 * weights, zero stakes, equal stakes (ties), inactive and re-registered uids, Yuma1/Yuma3,
 * liquid alpha on/off. Deterministic for a given seed.
 */

/** Options of {@link randomEpochJson}. */
export interface RandomEpochInit {
  n: number
  seed: number
  yuma3?: boolean
  liquid?: boolean
  /** Fraction of validators' possible weight entries present (0..1). */
  density?: number
  /** Fraction of uids that are validators with stake. */
  validatorFraction?: number
  /** Force exactly this bonds_penalty (u16). */
  bondsPenalty?: number
}

/** mulberry32 PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A random but chain-plausible epoch input as JSON (numbers; u64 as numbers or strings). */
export function randomEpochJson(o: RandomEpochInit): Record<string, unknown> {
  const r = prng(o.seed)
  const n = o.n
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!
  const density = o.density ?? 0.1
  const vf = o.validatorFraction ?? pick([0.1, 0.3, 1])
  const current_block = 1000 + Math.floor(r() * 1000)
  const tempo = pick([1, 10, 360])
  const cutoff = pick([13, 100, 5000])
  const validators = new Set<number>()
  for (let i = 0; i < n; i++) if (r() < vf) validators.add(i)
  if (validators.size === 0 && n > 0) validators.add(Math.floor(r() * n))
  const stakeLevels = [0, 1, 1000, 1_000_000_000, 123_456_789_012]
  const alpha_stake = Array.from({ length: n }, (_, i) => (validators.has(i) ? (r() < 0.5 ? pick(stakeLevels) : Math.floor(r() * 1e12)) : r() < 0.2 ? Math.floor(r() * 1e6) : 0))
  const last_update = Array.from({ length: n }, () => (r() < 0.1 ? Math.floor(r() * 100) : current_block - Math.floor(r() * 50)))
  const block_at_registration = Array.from({ length: n }, () => (r() < 0.1 ? current_block - Math.floor(r() * 20) : Math.floor(r() * 500)))
  const validator_permit = r() < 0.05 ? [] : Array.from({ length: n }, (_, i) => validators.has(i) && r() < 0.9)
  const wLevels = [0, 1, 65535, 32768, 100]
  const weights = Array.from({ length: n }, (_, i) => {
    if (!validators.has(i)) return r() < 0.05 ? [[i, 65535]] : []
    const row: Array<[number, number]> = []
    const full = r() < 0.1
    for (let j = 0; j < n; j++) if (full || r() < density) row.push([j, r() < 0.3 ? pick(wLevels) : Math.floor(r() * 65536)])
    if (row.length > 0 && !row.some(([, w]) => w === 65535)) row[Math.floor(r() * row.length)]![1] = 65535
    return row
  })
  const bonds = Array.from({ length: n }, (_, i) => {
    if (!validators.has(i)) return []
    const row: Array<[number, number]> = []
    for (let j = 0; j < n; j++) if (r() < density) row.push([j, Math.floor(r() * 65536)])
    return row
  })
  const yuma3 = o.yuma3 ?? r() < 0.5
  const liquid = o.liquid ?? r() < 0.5
  return {
    n,
    current_block,
    tempo,
    activity_cutoff_blocks: cutoff,
    last_mechanism_step_block: r() < 0.5 ? 0 : current_block - tempo,
    last_update,
    block_at_registration,
    alpha_stake,
    ...(r() < 0.5 ? { tao_stake: Array.from({ length: n }, () => Math.floor(r() * 1e12)), tao_weight_u64: '971718665099567868' } : {}),
    stake_threshold: r() < 0.8 ? 0 : 1000,
    owner_uid: n > 0 && r() < 0.3 ? Math.floor(r() * n) : null,
    validator_permit,
    max_allowed_validators: pick([1, 3, 64, 128, Math.max(1, n)]),
    kappa: pick([32767, 0, 65535, 6553, Math.floor(r() * 65536)]),
    bonds_penalty: o.bondsPenalty ?? pick([65535, 0, 32768, Math.floor(r() * 65536)]),
    bonds_moving_average: pick([900000, 975000, 0, 1000000, Math.floor(r() * 1000001)]),
    yuma3,
    liquid_alpha: liquid,
    alpha_low: pick([45875, 6553, 1638]),
    alpha_high: pick([58982, 19660, 65535]),
    alpha_sigmoid_steepness: pick([1000, 10, -300, 32767, Math.floor(r() * 65536) - 32768]),
    ...(r() < 0.3 ? { commit_blocks: Array.from({ length: n }, () => (r() < 0.5 ? null : Math.floor(r() * 600))) } : {}),
    weights,
    bonds,
    rao_emission: pick([1_000_000_000, 0, 1, 18_000_000_000]),
  }
}
