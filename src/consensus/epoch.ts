/**
 * The exact CPU reference of subtensor's sparse `epoch_mechanism` (YUMA-SPEC.md §3, normative).
 * Stage banners follow `epoch/run_epoch.rs`; each step carries its formula. All vectors hold raw
 * I32F32 bits as doubles (exact: see fixed.ts); the I64F64 stake stage and rao amounts use BigInt.
 */
import { ONE, HALF, mulFx, divFx, fixedToU16, fixedTimesRaoBy, mulBig, saturatingDivBig, expSafeBig } from './fixed.ts'
import type { EpochInput, EpochOutput, SparseRowU16 } from './types.ts'

/** A sparse row: parallel column and value arrays, in row order. */
export interface Row {
  c: number[]
  v: number[]
}

const U64_MAX = (1n << 64n) - 1n
const I128_MAX = (1n << 127n) - 1n
const I64_LIMIT = 1n << 63n

// ---------------------------------------------------------------------------------------------
// Vector helpers (epoch/math.rs)
// ---------------------------------------------------------------------------------------------

/** `sum`: plain add of raw bits. */
export function sum(x: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i]!
  return s
}

/** `inplace_normalize`: x_i = x_i / Σx, unless Σx = 0. */
export function inplaceNormalize(x: number[]): void {
  const s = sum(x)
  if (s === 0) return
  for (let i = 0; i < x.length; i++) x[i] = divFx(x[i]!, s)
}

/** `is_topk_nonzero`: x_i != 0, then clear the n-k smallest (stable ascending sort: lower uid first). */
export function isTopkNonzero(x: number[], k: number): boolean[] {
  const n = x.length
  const result = x.map((v) => v !== 0)
  if (n < k) return result
  if (k >= n) return result
  if (n <= 65536 && x.every((v) => v >= 0 && v <= 2 * ONE)) {
    // ascending (value, uid) as one packed key (value < 2^34, uid < 2^16: exact in a double), native numeric sort
    const key = new Float64Array(n)
    for (let i = 0; i < n; i++) key[i] = x[i]! * 65536 + i
    key.sort()
    for (let t = 0; t < n - k; t++) result[key[t]! % 65536] = false
    return result
  }
  const idx = Array.from({ length: n }, (_, i) => i)
  idx.sort((a, b) => x[a]! - x[b]! || a - b)
  for (let t = 0; t < n - k; t++) result[idx[t]!] = false
  return result
}

/**
 * `weighted_median` exactly as written in math.rs: mid-pivot partition over `partitionIdx`
 * (input order), `<` on the lower side, `<=` on the upper side, iteration limit len(idx).
 */
export function weightedMedian(stake: number[], score: number[], partitionIdx: number[], minority: number, lo: number, hi: number): number {
  if (stake.length !== score.length) return 0
  let cur = partitionIdx.slice()
  let counter = 0
  const limit = partitionIdx.length
  for (;;) {
    const n = cur.length
    if (n === 0) return 0
    if (n === 1) return score[cur[0]!] ?? 0
    const pivot = score[cur[n >> 1]!] ?? 0
    let loStake = 0
    let hiStake = 0
    const lower: number[] = []
    const upper: number[] = []
    for (const idx of cur) {
      const s = score[idx] ?? 0
      if (s === pivot) continue
      if (s < pivot) { loStake += stake[idx] ?? 0; lower.push(idx) } else { hiStake += stake[idx] ?? 0; upper.push(idx) }
    }
    if (minority < lo + loStake && lower.length > 0) { cur = lower; hi = lo + loStake }
    else if (hi - hiStake <= minority && upper.length > 0) { cur = upper; lo = hi - hiStake }
    else return pivot
    counter++
    if (counter > limit) break
  }
  return 0
}

/**
 * Closed form of {@link weightedMedian} over a whole column (proved equal in the tests): with
 * S≤(v) the stake of scores ≤ v, the result is the smallest present score v with S≤(v) > minority,
 * else the largest present score; 0 when no validator has stake.
 * `entries` are (score, stake) of validators with a positive score; `zeroStake` the stake of the
 * rest (score 0), `zeroPresent` whether any validator scores 0.
 */
export function weightedMedianClosed(scores: number[], stakes: number[], zeroStake: number, zeroPresent: boolean, minority: number): number {
  const m = scores.length
  if (m === 0) return 0 // every validator scores 0 (or none exists): the median is 0 either way
  let cum = 0
  if (zeroPresent) {
    cum = zeroStake
    if (cum > minority) return 0
  }
  const order = Array.from({ length: m }, (_, i) => i)
  order.sort((a, b) => scores[a]! - scores[b]!)
  let t = 0
  while (t < m) {
    const v = scores[order[t]!]!
    while (t < m && scores[order[t]!]! === v) { cum += stakes[order[t]!]!; t++ }
    if (cum > minority) return v
  }
  return scores[order[m - 1]!]!
}

/**
 * `weighted_median_col_sparse(stake, W, columns, majority)`: validators with stake > 0, stake
 * re-normalized, minority = Σuse - majority, per column the median over all those validators
 * (score 0 where a row has no entry). Uses {@link weightedMedianClosed} per column: O(nnz log nnz).
 */
export function weightedMedianColSparse(stake: number[], W: Row[], columns: number, majority: number): number[] {
  const useIdx: number[] = []
  for (let i = 0; i < stake.length; i++) if (stake[i]! > 0) useIdx.push(i)
  const useStake = useIdx.map((i) => stake[i]!)
  inplaceNormalize(useStake)
  const stakeSum = sum(useStake)
  const minority = stakeSum - majority
  const C = new Array<number>(columns).fill(0)
  if (useIdx.length === 0) return C
  // Column-major (CSC) copy of the positive entries: counting pass, then fill.
  const start = new Int32Array(columns + 1)
  let packable = true
  for (let k = 0; k < useIdx.length; k++) {
    const r = W[useIdx[k]!]
    if (r === undefined) continue
    for (let e = 0; e < r.c.length; e++) {
      const v = r.v[e]!
      const j = r.c[e]!
      if (v > 0 && j < columns) { start[j + 1]!++; if (v >= 68719476736) packable = false } // v < 2^36
    }
  }
  for (let j = 0; j < columns; j++) { if (start[j + 1]! > 65536) packable = false; start[j + 1] = start[j + 1]! + start[j]! }
  const total = start[columns]!
  const score = new Float64Array(total)
  const stk = new Float64Array(total)
  const fill = start.slice(0, columns)
  const colStakeTotal = new Float64Array(columns) // stake of validators with a positive entry in column j
  for (let k = 0; k < useIdx.length; k++) {
    const r = W[useIdx[k]!]
    if (r === undefined) continue
    const s = useStake[k]!
    for (let e = 0; e < r.c.length; e++) {
      const v = r.v[e]!
      const j = r.c[e]!
      if (v > 0 && j < columns) {
        const at = fill[j]!++
        score[at] = v
        stk[at] = s
        colStakeTotal[j] = colStakeTotal[j]! + s
      }
    }
  }
  const all = useIdx.length
  if (!packable) {
    for (let j = 0; j < columns; j++) {
      const a = start[j]!, b = start[j + 1]!
      C[j] = weightedMedianClosed(Array.from(score.subarray(a, b)), Array.from(stk.subarray(a, b)), stakeSum - colStakeTotal[j]!, b - a < all, minority)
    }
    return C
  }
  // Per column: sort (score, slot) packed in one double (score < 2^36, slot < 2^16) with the
  // native numeric sort, then the closed form's walk over ascending scores.
  const key = new Float64Array(total)
  for (let j = 0; j < columns; j++) {
    const a = start[j]!, b = start[j + 1]!
    const m = b - a
    if (m === 0) continue // every validator scores 0 here: the median is 0
    let cum = 0
    if (m < all) {
      cum = stakeSum - colStakeTotal[j]!
      if (cum > minority) continue // 0
    }
    for (let t = a; t < b; t++) key[t] = score[t]! * 65536 + (t - a)
    if (m <= 24) {
      // short column: insertion sort in place (the keys are distinct)
      for (let t = a + 1; t < b; t++) {
        const kv = key[t]!
        let u = t - 1
        while (u >= a && key[u]! > kv) { key[u + 1] = key[u]!; u-- }
        key[u + 1] = kv
      }
    } else key.subarray(a, b).sort()
    let t = a
    let found = false
    while (t < b) {
      const v = score[a + (key[t]! % 65536)]!
      while (t < b) {
        const slot = a + (key[t]! % 65536)
        if (score[slot]! !== v) break
        cum += stk[slot]!
        t++
      }
      if (cum > minority) { C[j] = v; found = true; break }
    }
    if (!found) C[j] = score[a + (key[b - 1]! % 65536)]!
  }
  return C
}

/** The literal math.rs `weighted_median_col_sparse` (dense score columns + {@link weightedMedian}); the test oracle. */
export function weightedMedianColSparseLiteral(stake: number[], W: Row[], columns: number, majority: number): number[] {
  const useStake = stake.filter((s) => s > 0)
  inplaceNormalize(useStake)
  const stakeSum = sum(useStake)
  const minority = stakeSum - majority
  const idx = useStake.map((_, k) => k)
  const cols: number[][] = Array.from({ length: columns }, () => new Array<number>(useStake.length).fill(0))
  let k = 0
  for (let i = 0; i < stake.length; i++) {
    if (stake[i]! > 0) {
      const r = W[i]
      if (r !== undefined) for (let e = 0; e < r.c.length; e++) { const col = cols[r.c[e]!]; if (col !== undefined) col[k] = r.v[e]! }
      k++
    }
  }
  return cols.map((col) => weightedMedian(useStake, col, idx, minority, 0, stakeSum))
}

function isSorted(c: number[]): boolean {
  for (let k = 1; k < c.length; k++) if (c[k]! <= c[k - 1]!) return false
  return true
}

/** `inplace_col_normalize_sparse`: b_ij / Σ_i b_ij per column, columns with sum 0 untouched. */
export function colNormalize(rows: Row[], n: number): void {
  const colSum = new Float64Array(n)
  for (const r of rows) for (let k = 0; k < r.c.length; k++) { const j = r.c[k]!; colSum[j] = colSum[j]! + r.v[k]! }
  for (const r of rows) for (let k = 0; k < r.c.length; k++) {
    const d = colSum[r.c[k]!]!
    if (d !== 0) r.v[k] = divFx(r.v[k]!, d)
  }
}

/**
 * `mat_ema_sparse`: per row, dense accumulate alpha*new + (1-alpha)*old, keep entries > 0 in
 * column order.
 */
export function matEmaSparse(next: Row[], old: Row[], alpha: number, n: number): Row[] {
  const oneMinus = ONE - alpha
  const acc = new Float64Array(n)
  const touched = new Uint8Array(n)
  const out: Row[] = []
  for (let i = 0; i < next.length; i++) {
    const nr = next[i]!
    const or0 = old[i]
    if (or0 === undefined || (isSorted(nr.c) && isSorted(or0.c))) {
      // both rows sorted by column (the usual case): a merge gives the same entries in column order
      const row: Row = { c: [], v: [] }
      const oc = or0?.c ?? [], ov = or0?.v ?? []
      let p = 0, q = 0
      while (p < nr.c.length || q < oc.length) {
        const jn = p < nr.c.length ? nr.c[p]! : Infinity
        const jo = q < oc.length ? oc[q]! : Infinity
        let val = 0
        let j: number
        if (jn <= jo) { j = jn; val += mulFx(alpha, nr.v[p]!); p++ } else j = jo
        if (jo === j) { val += mulFx(oneMinus, ov[q]!); q++ }
        if (val > 0) { row.c.push(j); row.v.push(val) }
      }
      out.push(row)
      continue
    }
    const cols: number[] = []
    for (let k = 0; k < nr.c.length; k++) {
      const j = nr.c[k]!
      if (!touched[j]) { touched[j] = 1; cols.push(j) }
      acc[j] = acc[j]! + mulFx(alpha, nr.v[k]!)
    }
    const or = or0
    for (let k = 0; k < or.c.length; k++) {
      const j = or.c[k]!
      if (!touched[j]) { touched[j] = 1; cols.push(j) }
      acc[j] = acc[j]! + mulFx(oneMinus, or.v[k]!)
    }
    cols.sort((a, b) => a - b)
    const row: Row = { c: [], v: [] }
    for (const j of cols) {
      const val = acc[j]!
      if (val > 0) { row.c.push(j); row.v.push(val) }
      acc[j] = 0
      touched[j] = 0
    }
    out.push(row)
  }
  return out
}

/** Liquid-alpha parameters in I32F32 bits. */
export interface LiquidAlpha {
  low: number
  high: number
  /** `steepness.saturating_div(-100)` in bits. */
  slope: bigint
}

/** Builds the per-epoch liquid-alpha constants. */
export function liquidAlphaParams(alphaLowU16: number, alphaHighU16: number, steepness: number): LiquidAlpha {
  return {
    low: divFx(alphaLowU16, 65535),
    high: divFx(alphaHighU16, 65535),
    slope: saturatingDivBig(BigInt(steepness) << 32n, -100n << 32n),
  }
}

/**
 * `alpha_sigmoid` given `combined_diff` x: sig = 1 / (1 + exp_safe((steepness / -100) * (x - 0.5))),
 * alpha = clamp(low + sig * (high - low), low, high).
 */
export function alphaFromDiff(x: number, p: LiquidAlpha): number {
  const ONE_B = 1n << 32n
  const arg = mulBig(p.slope, BigInt(x - HALF))
  const e = expSafeBig(arg)
  let den = ONE_B + e
  if (den > (1n << 63n) - 1n) den = (1n << 63n) - 1n
  const sig = Number(saturatingDivBig(ONE_B, den)) // in [0, 1]
  let a = p.low + mulFx(sig, p.high - p.low)
  if (a > p.high) a = p.high
  if (a < p.low) a = p.low
  return a
}

/**
 * `alpha_sigmoid(consensus, weight, bond, ...)`: diff_buy = clamp(W - C, 0, 1), diff_sell = clamp(B - W, 0, 1),
 * x = W >= B ? diff_buy : diff_sell.
 */
export function combinedDiff(c: number, w: number, b: number): number {
  const d = w >= b ? w - c : b - w
  return d < 0 ? 0 : d > ONE ? ONE : d
}

/**
 * The values `compute_liquid_alpha_values_sparse` reads at column j while walking a row with a
 * peeking iterator (it assumes sorted rows; for unsorted rows it sees only the entries the walk
 * lands on, which this reproduces).
 */
function peekedValues(row: Row, n: number): Map<number, number> {
  const m = new Map<number, number>()
  if (isSorted(row.c)) {
    for (let k = 0; k < row.c.length; k++) m.set(row.c[k]!, row.v[k]!)
    return m
  }
  let p = 0
  for (let j = 0; j < n; j++) {
    while (p < row.c.length) {
      const i = row.c[p]!
      if (i < j) p++
      else { if (i === j) m.set(j, row.v[p]!); break }
    }
  }
  return m
}

/**
 * `compute_liquid_alpha_values_sparse` + `mat_ema_alpha_sparse`: per-cell alpha, decayed old
 * bonds, plus alpha*W, capped at 1; an output entry exists only where W_b row i has an entry.
 */
export function matEmaLiquid(wb: Row[], bonds: Row[], consensus: number[], p: LiquidAlpha, n: number): Row[] {
  const memo = new Map<number, number>()
  const alphaOf = (x: number): number => {
    let a = memo.get(x)
    if (a === undefined) { a = alphaFromDiff(x, p); memo.set(x, a) }
    return a
  }
  const decayed = new Float64Array(n)
  const out: Row[] = []
  for (let i = 0; i < wb.length; i++) {
    const wr = wb[i]!
    const br = bonds[i]!
    const wPeek = peekedValues(wr, n)
    const bPeek = peekedValues(br, n)
    const alphaAt = (j: number): number => alphaOf(combinedDiff(consensus[j]!, wPeek.get(j) ?? 0, bPeek.get(j) ?? 0))
    for (let k = 0; k < br.c.length; k++) {
      const j = br.c[k]!
      decayed[j] = mulFx(ONE - alphaAt(j), br.v[k]!)
    }
    const row: Row = { c: [], v: [] }
    for (let k = 0; k < wr.c.length; k++) {
      const j = wr.c[k]!
      let inc = mulFx(alphaAt(j), wr.v[k]!)
      if (inc < 0) inc = 0
      let val = decayed[j]! + inc
      if (val > ONE) val = ONE
      if (val > 0) { row.c.push(j); row.v.push(val) }
    }
    for (let k = 0; k < br.c.length; k++) decayed[br.c[k]!] = 0
    out.push(row)
  }
  return out
}

/** `alpha = 1 - I32F32(I64F64(BondsMovingAverage) / I64F64(1e6))`, the I64F64 quotient truncated to I32F32. */
export function emaAlpha(bondsMovingAverage: bigint): number {
  const q64 = (bondsMovingAverage << 64n) / 1_000_000n
  return ONE - Number(q64 >> 32n)
}

// ---------------------------------------------------------------------------------------------
// The epoch
// ---------------------------------------------------------------------------------------------

/** Stage 2, stake in I64F64 (BigInt): threshold filter (owner exempt), normalize, truncate to I32F32. */
export function stakeVector(input: EpochInput): number[] {
  const n = input.n
  const tw = input.tao_weight_u64 ?? 0n
  // tao_weight = U96F32(TaoWeight) / U96F32(u64::MAX): 32 fraction bits, truncated.
  const tw32 = (tw << 32n) / U64_MAX
  if (tw32 === 0n && input.alpha_stake.every((a) => a < I64_LIMIT)) {
    // no TAO stake counts and no alpha saturates I64F64 (a_i < 2^63): total_i = a_i * 2^64, so
    // floor(total_i) = a_i (threshold) and S_i = floor(a_i * 2^64 * 2^32 / (Σa * 2^64)) = floor(a_i * 2^32 / Σa)
    const kept: bigint[] = new Array<bigint>(n)
    let sa = 0n
    for (let i = 0; i < n; i++) {
      const a = input.alpha_stake[i]!
      const k = input.owner_uid !== i && a < input.stake_threshold ? 0n : a
      kept[i] = k
      sa += k
    }
    return kept.map((a) => (sa === 0n ? 0 : Number((a << 32n) / sa)))
  }
  const total: bigint[] = new Array(n)
  let s = 0n
  for (let i = 0; i < n; i++) {
    const alpha = input.alpha_stake[i]! << 64n
    const tao = input.tao_stake?.[i] ?? 0n
    // total_i = alpha_i + tao_i * tao_weight (I64F64, saturating)
    let t = alpha + ((tao * tw32) << 32n)
    if (t > I128_MAX) t = I128_MAX
    // stake threshold: floor(total_i) < StakeThreshold -> 0, except the owner
    if (input.owner_uid !== i && t >> 64n < input.stake_threshold) t = 0n
    total[i] = t
    s += t
  }
  // S = normalize_64(total) then truncate I64F64 -> I32F32 (floor):
  // floor(floor(t * 2^64 / s) / 2^32) = floor(t * 2^32 / s)
  return total.map((t) => Number(s === 0n ? t >> 32n : (t << 32n) / s))
}

/** Runs one epoch exactly as `epoch_mechanism` does; the input must be valid (see `parseEpochInput`). */
export function runEpochCpu(input: EpochInput): EpochOutput {
  const n = input.n
  const { current_block: block, last_update: lastUpdate, block_at_registration: reg } = input
  const owner = input.owner_uid

  // == Active & updated ==  inactive_i = last_update_i + activity_cutoff < current_block
  const active = lastUpdate.map((u) => !(u + input.activity_cutoff_blocks < block))

  // == Stake ==
  const S = stakeVector(input)

  // == Validator permits ==  permit[owner] = true; new_permit = topk_nonzero(S, k) (+ owner)
  const permit = input.validator_permit.slice()
  if (owner !== null && owner < permit.length) permit[owner] = true
  const newPermit = isTopkNonzero(S, input.max_allowed_validators)
  if (owner !== null && owner < n) newPermit[owner] = true

  // == Active stake ==  A = normalize(S masked by inactive and !permit); empty permit masks nothing
  const A = S.slice()
  for (let i = 0; i < n; i++) if (!active[i]) A[i] = 0
  if (permit.length > 0) for (let i = 0; i < n; i++) if (!(permit[i] ?? false)) A[i] = 0
  inplaceNormalize(A)

  // == Weights ==  drop forbidden rows (missing permit = forbidden), diagonal (owner kept),
  // outdated (last_update_i <= reg_j), commit-reveal (commit_i < reg_j); row-normalize
  const W: Row[] = []
  const commit = input.commit_blocks
  for (let i = 0; i < n; i++) {
    const row: Row = { c: [], v: [] }
    if (permit[i] === true) {
      const lu = lastUpdate[i]!
      const cb = commit?.[i] ?? null
      let rowSum = 0
      const wr = input.weights[i]!
      for (let e = 0; e < wr.length; e++) {
        const j = wr[e]![0]
        const w = wr[e]![1]
        if (j === i && i !== owner) continue
        if (lu <= reg[j]!) continue
        if (cb !== null && cb < reg[j]!) continue
        row.c.push(j)
        row.v.push(w)
        rowSum += w
      }
      // w_ij = I32F32(w) / I32F32(Σw): same bits as trunc(w * 2^32 / Σw)
      if (rowSum > 0) for (let k = 0; k < row.v.length; k++) row.v[k] = divFx(row.v[k]!, rowSum)
    }
    W.push(row)
  }

  // == Consensus ==  C_j = weighted_median over validators with A_i > 0, minority = Σuse - kappa
  const kappa = divFx(input.kappa, 65535)
  const C = weightedMedianColSparse(A, W, n, kappa)

  // == Clip ==  w_ij > C_j -> C_j (dropped when C_j = 0); else kept (explicit zeros survive)
  const clipped: Row[] = W.map((r) => {
    const out: Row = { c: [], v: [] }
    for (let e = 0; e < r.c.length; e++) {
      const j = r.c[e]!
      const th = C[j]!
      const v = r.v[e]!
      if (th < v) { if (th > 0) { out.c.push(j); out.v.push(th) } } else { out.c.push(j); out.v.push(v) }
    }
    return out
  })

  // == Validator trust ==  VT_i = Σ_j clipped_ij
  const VT = clipped.map((r) => sum(r.v))

  // == Ranks, incentive ==  R_j = Σ_i A_i * clipped_ij;  I = normalize(R)
  const R = new Array<number>(n).fill(0)
  for (let i = 0; i < n; i++) {
    const r = clipped[i]!
    const a = A[i]!
    for (let e = 0; e < r.c.length; e++) { const j = r.c[e]!; R[j] = R[j]! + mulFx(a, r.v[e]!) }
  }
  inplaceNormalize(R)
  const I = R

  // == Bonds and dividends ==
  // W_b = W + beta * (clipped - W)  (beta = 0 -> W, beta = 1 -> clipped, else dense, entries > 0)
  const beta = divFx(input.bonds_penalty, 65535)
  let Wb: Row[]
  if (beta === 0) Wb = W
  else if (beta === ONE) Wb = clipped
  else {
    Wb = []
    const d1 = new Float64Array(n)
    const d2 = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const r1 = W[i]!, r2 = clipped[i]!
      for (let e = 0; e < r1.c.length; e++) d1[r1.c[e]!] = r1.v[e]!
      for (let e = 0; e < r2.c.length; e++) d2[r2.c[e]!] = r2.v[e]!
      const cols = Array.from(new Set([...r1.c, ...r2.c])).sort((a, b) => a - b)
      const out: Row = { c: [], v: [] }
      for (const j of cols) {
        const v1 = d1[j]!
        const interp = v1 + mulFx(beta, d2[j]! - v1)
        if (interp > 0) { out.c.push(j); out.v.push(interp) }
      }
      for (const j of r1.c) d1[j] = 0
      for (const j of r2.c) d2[j] = 0
      Wb.push(out)
    }
  }

  // Bonds mask: drop (i, j) where last_tempo <= reg_j
  const lms = input.last_mechanism_step_block
  const lastTempo = lms === 0 ? Math.max(0, block - input.tempo) : lms + 1
  // stored bonds as rows, (i, j) dropped where last_tempo <= reg_j, values mapped by `f`
  const maskedBonds = (f: (b: number) => number): Row[] => input.bonds.map((r) => {
    const out: Row = { c: [], v: [] }
    for (let e = 0; e < r.length; e++) { const p = r[e]!; if (!(lastTempo <= reg[p[0]]!)) { out.c.push(p[0]); out.v.push(f(p[1])) } }
    return out
  })
  const alpha = emaAlpha(input.bonds_moving_average)

  let D: number[]
  let ema: Row[]
  if (input.yuma3) {
    // Yuma3: B_ij = u16 / 65535 (stored proportions), masked, EMA without prior normalization
    const B = maskedBonds((b) => divFx(b, 65535))
    const liquid = input.liquid_alpha === true && C.some((c) => c !== 0)
    if (liquid) {
      const p = liquidAlphaParams(input.alpha_low ?? 45875, input.alpha_high ?? 58982, input.alpha_sigmoid_steepness ?? 1000)
      ema = matEmaLiquid(Wb, B, C, p, n)
    } else {
      ema = matEmaSparse(Wb, B, alpha, n)
    }
    // D_i = (Σ_j EMA_norm_ij * I_j) * A_i, then normalize
    const emaNorm = ema.map((r) => ({ c: r.c.slice(), v: r.v.slice() }))
    colNormalize(emaNorm, n)
    D = new Array<number>(n)
    for (let i = 0; i < n; i++) {
      const r = emaNorm[i]!
      let t = 0
      for (let e = 0; e < r.c.length; e++) t += mulFx(r.v[e]!, I[r.c[e]!]!)
      D[i] = mulFx(t, A[i]!)
    }
    inplaceNormalize(D)
  } else {
    // Yuma1/2: B = I32F32(u16) masked, column-normalized; ΔB = W_b ∘ A column-normalized
    const B = maskedBonds((b) => b)
    colNormalize(B, n)
    // W_b is not read again: scale it in place (when it is W or clipped, those are done with too)
    const dB: Row[] = Wb
    for (let i = 0; i < n; i++) { const v = dB[i]!.v; const a = A[i]!; for (let e = 0; e < v.length; e++) v[e] = mulFx(v[e]!, a) }
    colNormalize(dB, n)
    // EMA = alpha * ΔB + (1 - alpha) * B, entries > 0, column-normalized
    ema = matEmaSparse(dB, B, alpha, n)
    colNormalize(ema, n)
    // D_i = Σ_j I_j * EMA_ij, then normalize
    D = ema.map((r) => {
      let t = 0
      for (let e = 0; e < r.c.length; e++) t += mulFx(I[r.c[e]!]!, r.v[e]!)
      return t
    })
    inplaceNormalize(D)
    // storage: column max-upscale (x / colmax)
    const colMax = new Float64Array(n)
    for (const r of ema) for (let e = 0; e < r.c.length; e++) if (colMax[r.c[e]!]! < r.v[e]!) colMax[r.c[e]!] = r.v[e]!
    for (const r of ema) for (let e = 0; e < r.c.length; e++) {
      const m = colMax[r.c[e]!]!
      if (m !== 0) r.v[e] = divFx(r.v[e]!, m)
    }
  }

  // == Emission ==  server = I / Σ(I + D), validator = D / Σ(I + D), combined = normalize(I + D)
  const comb = I.map((x, i) => x + D[i]!)
  const esum = sum(comb)
  let server = I.slice()
  let validator = D.slice()
  let combined = comb.slice()
  if (esum !== 0) {
    server = server.map((x) => divFx(x, esum))
    validator = validator.map((x) => divFx(x, esum))
  }
  inplaceNormalize(combined)
  if (esum === 0) {
    // no weights: emission falls back to (active) stake
    const src = sum(A) === 0 ? S : A
    validator = src.slice()
    combined = src.slice()
  }
  const times = fixedTimesRaoBy(input.rao_emission)

  // == Outputs ==  bonds: the new EMA row when the uid holds a new permit, else an empty row.
  // (persist_mechanism_epoch_terms writes `terms.bond` for every uid; it is only filled for new
  // permits and is explicitly emptied for lost permits, so every other row is stored empty too.
  // YUMA-SPEC §3.15 says "otherwise untouched", which the code at 14bc6f9f does not do.)
  const bonds_u16: SparseRowU16[] = []
  for (let i = 0; i < n; i++) {
    if (newPermit[i]) {
      const r = ema[i]!
      bonds_u16.push(r.c.map((j, e) => [j, fixedToU16(r.v[e]!)] as [number, number]))
    } else {
      bonds_u16.push([])
    }
  }

  return {
    active,
    stake_weight_u16: S.map(fixedToU16),
    consensus_u16: C.map(fixedToU16),
    incentive_u16: I.map(fixedToU16),
    dividends_u16: D.map(fixedToU16),
    validator_trust_u16: VT.map(fixedToU16),
    server_emission: server.map(times),
    validator_emission: validator.map(times),
    emission: combined.map(times),
    new_validator_permit: newPermit,
    bonds_u16,
  }
}
