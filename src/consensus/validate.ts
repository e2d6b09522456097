/**
 * Input validation and JSON conversion. `parseEpochInput` accepts the vectors' JSON shape
 * (`epochs[].input`) and returns a typed {@link EpochInput}, or throws a
 * `ConsensusError('INVALID_INPUT')` whose message and `field` name the offending field.
 */
import { ConsensusError } from './errors.ts'
import { fromLossless, parseJsonExact } from './json.ts'
import { MAX_MECHANISMS, asSubnetInput } from './mechanism.ts'
import type { EpochInput, EpochOutput, MechanismInput, SparseRowU16, SubnetEpochInput, SubnetEpochOutput } from './types.ts'

const U64_MAX = (1n << 64n) - 1n

const KNOWN = new Set([
  'n', 'current_block', 'tempo', 'activity_cutoff_blocks', 'last_mechanism_step_block', 'last_update',
  'block_at_registration', 'alpha_stake', 'tao_stake', 'tao_weight_u64', 'stake_threshold', 'owner_uid',
  'validator_permit', 'max_allowed_validators', 'kappa', 'bonds_penalty', 'bonds_moving_average', 'yuma3',
  'liquid_alpha', 'alpha_low', 'alpha_high', 'alpha_sigmoid_steepness', 'commit_blocks', 'weights', 'bonds',
  'rao_emission',
])

function bad(field: string, what: string): never {
  throw new ConsensusError('INVALID_INPUT', `invalid epoch input: field '${field}' ${what}`, { field })
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function int(v: unknown, field: string, min: number, max: number): number {
  v = fromLossless(v)
  if (typeof v === 'bigint') bad(field, `must be in [${min}, ${max}], got ${v}`)
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(field, `must be an integer, got ${JSON.stringify(v)}`)
  if (v < min || v > max) bad(field, `must be in [${min}, ${max}], got ${v}`)
  return v
}

function u64(v: unknown, field: string): bigint {
  if (typeof v === 'bigint' && v >= 0n && v <= U64_MAX) return v
  v = fromLossless(v)
  let b: bigint
  if (typeof v === 'bigint') b = v
  else if (typeof v === 'number') {
    if (!Number.isInteger(v)) bad(field, `must be an integer, got ${v}`)
    // A double beyond 2^53 is not the integer the JSON text held (JSON.parse rounded it).
    if (!Number.isSafeInteger(v)) bad(field, `is a number beyond 2^53 (${v}) that was rounded when the JSON was parsed; parse the text with parseJsonExact (or pass the JSON text, or a decimal string / bigint)`)
    b = BigInt(v)
  } else if (typeof v === 'string' && /^[0-9]+$/.test(v)) b = BigInt(v)
  else if (typeof v === 'string' && /^-[0-9]+$/.test(v)) bad(field, `must be non-negative, got ${v}`)
  else bad(field, `must be a u64 (integer or decimal string), got ${JSON.stringify(v)}`)
  if (b < 0n) bad(field, `must be non-negative, got ${b}`)
  if (b > U64_MAX) bad(field, `exceeds u64::MAX, got ${b}`)
  return b
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') bad(field, `must be a boolean, got ${JSON.stringify(v)}`)
  return v
}

function arr(v: unknown, field: string, len?: number): unknown[] {
  if (!Array.isArray(v)) bad(field, `must be an array, got ${JSON.stringify(v)?.slice(0, 40)}`)
  if (len !== undefined && v.length !== len) bad(field, `must have length n = ${len}, got ${v.length}`)
  return v
}

const BLOCK_MAX = Number.MAX_SAFE_INTEGER / 4 // headroom for last_update + cutoff

function rows(v: unknown, field: string, n: number): SparseRowU16[] {
  const a = arr(v, field, n)
  const out: SparseRowU16[] = new Array<SparseRowU16>(a.length)
  const seen = new Int32Array(n).fill(-1) // seen[j] = last row that used uid j
  for (let i = 0; i < a.length; i++) {
    const row = a[i]
    if (!Array.isArray(row)) arr(row, `${field}[${i}]`)
    const src = row as unknown[]
    // copy-on-write: a row already in the typed shape is kept as is (re-validating a typed input
    // on every runEpoch call then allocates nothing)
    let r: SparseRowU16 | undefined
    for (let k = 0; k < src.length; k++) {
      const p = src[k]
      if (!Array.isArray(p) || p.length !== 2) arr(p, `${field}[${i}][${k}]`, 2)
      const pair = p as unknown[]
      const j = pair[0]
      const w = pair[1]
      // fast path: build field names only on failure
      const jOk = typeof j === 'number' && Number.isInteger(j) && j >= 0 && j < n
      const wOk = typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 65535
      const jj = jOk ? j : int(j, `${field}[${i}][${k}][0]`, 0, n - 1)
      const ww = wOk ? w : int(w, `${field}[${i}][${k}][1]`, 0, 65535)
      if (seen[jj] === i) bad(`${field}[${i}][${k}][0]`, `repeats uid ${jj} in the same row`)
      seen[jj] = i
      if (r === undefined && !(jOk && wOk)) r = (src as SparseRowU16).slice(0, k)
      if (r !== undefined) r.push([jj, ww])
    }
    out[i] = r ?? (src as SparseRowU16)
  }
  return out
}

/**
 * Validates a JSON value (one `epochs[].input` object) and returns the typed epoch input. A string
 * is read as JSON text, exactly (every u64 given as a plain number keeps all its digits).
 */
export function parseEpochInput(json: unknown): EpochInput {
  if (typeof json === 'string') json = parseJsonText(json)
  if (!isRecord(json)) bad('input', 'must be a JSON object')
  for (const k of Object.keys(json)) if (!KNOWN.has(k)) bad(k, 'is not a known epoch input field')
  const need = (k: string): unknown => {
    if (!(k in json) || json[k] === undefined) bad(k, 'is missing')
    return json[k]
  }
  const n = int(need('n'), 'n', 0, 65535)
  const blockArr = (k: string): number[] => arr(need(k), k, n).map((x, i) => (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= BLOCK_MAX ? x : int(x, `${k}[${i}]`, 0, BLOCK_MAX)))
  const out: EpochInput = {
    n,
    current_block: int(need('current_block'), 'current_block', 0, BLOCK_MAX),
    tempo: int(need('tempo'), 'tempo', 0, 65535),
    activity_cutoff_blocks: int(need('activity_cutoff_blocks'), 'activity_cutoff_blocks', 0, BLOCK_MAX),
    last_mechanism_step_block: int(need('last_mechanism_step_block'), 'last_mechanism_step_block', 0, BLOCK_MAX),
    last_update: blockArr('last_update'),
    block_at_registration: blockArr('block_at_registration'),
    alpha_stake: arr(need('alpha_stake'), 'alpha_stake', n).map((x, i) => u64(x, `alpha_stake[${i}]`)),
    stake_threshold: u64(need('stake_threshold'), 'stake_threshold'),
    owner_uid: null,
    validator_permit: [],
    max_allowed_validators: int(need('max_allowed_validators'), 'max_allowed_validators', 0, 65535),
    kappa: int(need('kappa'), 'kappa', 0, 65535),
    bonds_penalty: int(need('bonds_penalty'), 'bonds_penalty', 0, 65535),
    bonds_moving_average: u64(need('bonds_moving_average'), 'bonds_moving_average'),
    yuma3: bool(need('yuma3'), 'yuma3'),
    weights: rows(need('weights'), 'weights', n),
    bonds: rows(need('bonds'), 'bonds', n),
    rao_emission: u64(need('rao_emission'), 'rao_emission'),
  }
  if (out.bonds_moving_average > 1_000_000n) bad('bonds_moving_average', `must be at most 1000000 (alpha = 1 - x/1e6 >= 0), got ${out.bonds_moving_average}`)
  const owner = need('owner_uid')
  out.owner_uid = owner === null ? null : int(owner, 'owner_uid', 0, Math.max(0, n - 1))
  if (owner !== null && n === 0) bad('owner_uid', 'must be null when n = 0')
  const vp = arr(need('validator_permit'), 'validator_permit')
  if (vp.length !== 0 && vp.length !== n) bad('validator_permit', `must have length n = ${n} (or 0 for never written), got ${vp.length}`)
  out.validator_permit = vp.map((x, i) => bool(x, `validator_permit[${i}]`))
  if (json['tao_stake'] !== undefined) out.tao_stake = arr(json['tao_stake'], 'tao_stake', n).map((x, i) => u64(x, `tao_stake[${i}]`))
  if (json['tao_weight_u64'] !== undefined) out.tao_weight_u64 = u64(json['tao_weight_u64'], 'tao_weight_u64')
  if (json['liquid_alpha'] !== undefined) out.liquid_alpha = bool(json['liquid_alpha'], 'liquid_alpha')
  if (json['alpha_low'] !== undefined) out.alpha_low = int(json['alpha_low'], 'alpha_low', 0, 65535)
  if (json['alpha_high'] !== undefined) out.alpha_high = int(json['alpha_high'], 'alpha_high', 0, 65535)
  if (json['alpha_sigmoid_steepness'] !== undefined) out.alpha_sigmoid_steepness = int(json['alpha_sigmoid_steepness'], 'alpha_sigmoid_steepness', -32768, 32767)
  if (json['commit_blocks'] !== undefined) {
    out.commit_blocks = arr(json['commit_blocks'], 'commit_blocks', n).map((x, i) => (x === null ? null : int(x, `commit_blocks[${i}]`, 0, BLOCK_MAX)))
  }
  return out
}

function parseJsonText(text: string): unknown {
  try {
    return parseJsonExact(text)
  } catch (err) {
    throw new ConsensusError('INVALID_INPUT', `invalid epoch input: not valid JSON: ${(err as Error).message}`, { field: 'input' })
  }
}

/** Fields a mechanism carries (read at its storage index); the rest of an epoch input is per netuid. */
const MECHANISM_FIELDS = new Set(['last_update', 'weights', 'bonds', 'commit_blocks'])

/** Whether a JSON value is a subnet input with a `mechanisms` array (else a plain, one-mechanism epoch input). */
export function hasMechanisms(json: unknown): boolean {
  return isRecord(json) && 'mechanisms' in json
}

/**
 * Validates a subnet epoch input: either a plain epoch input (K = 1: its `last_update`, `weights`,
 * `bonds`, `commit_blocks` are mechanism 0's) or the same per-netuid fields with
 * `mechanisms: [{ last_update, weights, bonds, commit_blocks? }, ...]` (1..16) and an optional
 * `mechanism_emission_split` (u16s summing to 65535, at most K, or null). A string is JSON text,
 * read exactly. Errors name the field (`mechanisms[1].weights[0][2][1]`).
 */
export function parseSubnetEpochInput(json: unknown): SubnetEpochInput {
  if (typeof json === 'string') json = parseJsonText(json)
  if (!isRecord(json)) bad('input', 'must be a JSON object')
  if (!('mechanisms' in json)) return asSubnetInput(parseEpochInput(json))
  const { mechanisms, mechanism_emission_split: splitJson, ...shared } = json
  for (const k of MECHANISM_FIELDS) if (k in shared) bad(k, "belongs inside 'mechanisms[k]' when 'mechanisms' is given")
  const mechs = arr(mechanisms, 'mechanisms')
  if (mechs.length < 1 || mechs.length > MAX_MECHANISMS) bad('mechanisms', `must hold 1..${MAX_MECHANISMS} mechanisms, got ${mechs.length}`)
  const parsed: MechanismInput[] = []
  let base: EpochInput | undefined
  mechs.forEach((m, k) => {
    const at = `mechanisms[${k}]`
    if (!isRecord(m)) bad(at, 'must be a JSON object')
    for (const f of Object.keys(m)) if (!MECHANISM_FIELDS.has(f)) bad(`${at}.${f}`, 'is not a mechanism field (last_update, weights, bonds, commit_blocks)')
    // get_last_update pads a shorter stored LastUpdate with 0 up to n
    const n = fromLossless(shared['n'])
    const lu = m['last_update']
    const mech = Array.isArray(lu) && typeof n === 'number' && lu.length < n ? { ...m, last_update: [...lu, ...new Array<number>(n - lu.length).fill(0)] } : m
    let one: EpochInput
    try {
      one = parseEpochInput({ ...shared, ...mech })
    } catch (err) {
      const f = err instanceof ConsensusError ? err.field : undefined
      const root = f?.split('[')[0]
      if (f !== undefined && root !== undefined && MECHANISM_FIELDS.has(root)) bad(`${at}.${f}`, (err as Error).message.replace(/^.*?field '[^']*' /, ''))
      throw err
    }
    base ??= one
    parsed.push(one.commit_blocks === undefined ? { last_update: one.last_update, weights: one.weights, bonds: one.bonds } : { last_update: one.last_update, weights: one.weights, bonds: one.bonds, commit_blocks: one.commit_blocks })
  })
  const { last_update: _l, weights: _w, bonds: _b, commit_blocks: _c, ...sharedTyped } = base!
  const out: SubnetEpochInput = { ...sharedTyped, mechanisms: parsed }
  if (splitJson !== undefined && splitJson !== null) {
    const split = arr(splitJson, 'mechanism_emission_split').map((x, i) => int(x, `mechanism_emission_split[${i}]`, 0, 65535))
    // do_set_emission_split also requires Σ = 65535; split_emissions itself works on whatever is
    // stored (subtensor's own tests store a split summing to 65538), so the sum is not checked here.
    if (split.length < 1 || split.length > parsed.length) bad('mechanism_emission_split', `must hold 1..K = ${parsed.length} shares, got ${split.length}`)
    out.mechanism_emission_split = split
  } else if (splitJson === null) out.mechanism_emission_split = null
  return out
}

/** Re-validates an already typed subnet input (used by the public entry points). */
export function checkSubnetEpochInput(input: SubnetEpochInput): SubnetEpochInput {
  return parseSubnetEpochInput(input as unknown)
}

/** Re-validates an already typed input (used by the public entry points). */
export function checkEpochInput(input: EpochInput): EpochInput {
  return parseEpochInput(input as unknown)
}

function u64Json(x: bigint): number | string {
  return x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x.toString()
}

/** JSON form of an output: the `reference_output` field names; u64 as numbers when safe, else strings. */
export function epochOutputToJson(out: EpochOutput): Record<string, unknown> {
  return {
    active: out.active,
    stake_weight_u16: out.stake_weight_u16,
    consensus_u16: out.consensus_u16,
    incentive_u16: out.incentive_u16,
    dividends_u16: out.dividends_u16,
    validator_trust_u16: out.validator_trust_u16,
    server_emission: out.server_emission.map(u64Json),
    validator_emission: out.validator_emission.map(u64Json),
    emission: out.emission.map(u64Json),
    new_validator_permit: out.new_validator_permit,
    bonds_u16: out.bonds_u16,
  }
}

/**
 * JSON form of a subnet output: `mechanisms: [{ mechanism, rao_emission, sub_weight_u64f64, output }]`
 * (output as {@link epochOutputToJson}) and the per-netuid fields (u64 as numbers when safe, else strings).
 */
export function subnetOutputToJson(out: SubnetEpochOutput): Record<string, unknown> {
  return {
    mechanisms: out.mechanisms.map((m) => ({
      mechanism: m.mechanism,
      rao_emission: u64Json(m.rao_emission),
      sub_weight_u64f64: m.sub_weight_u64f64.toString(),
      output: epochOutputToJson(m.output),
    })),
    active: out.active,
    stake_weight_u16: out.stake_weight_u16,
    consensus_u16: out.consensus_u16,
    dividends_u16: out.dividends_u16,
    validator_trust_u16: out.validator_trust_u16,
    emission: out.emission.map(u64Json),
    new_validator_permit: out.new_validator_permit,
    server_emission: out.server_emission.map(u64Json),
    validator_emission: out.validator_emission.map(u64Json),
  }
}
