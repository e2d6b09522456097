/**
 * The conformance vectors (test/fixtures/consensus), imported statically so the same runner works
 * in Node (Vitest unit, Dawn) and in Chromium (Vitest browser mode). Test-only.
 */
import v01 from '../../../test/fixtures/consensus/01_test_bonds_yuma1_sequence.json'
import v02 from '../../../test/fixtures/consensus/02_test_active_stake_inactive_validator.json'
import v04 from '../../../test/fixtures/consensus/04_test_10_graph_self_weights_only.json'
import v05 from '../../../test/fixtures/consensus/05_test_1_graph_single_neuron.json'
import v07 from '../../../test/fixtures/consensus/07_yuma3_kappa_moves_first.json'
import v10 from '../../../test/fixtures/consensus/10_yuma3_one_epoch_switch.json'
import v14 from '../../../test/fixtures/consensus/14_math_weighted_median.json'
import index from '../../../test/fixtures/consensus/index.json'

/** One epoch case of a vector file. */
export interface VectorEpoch {
  input: Record<string, unknown>
  reference_output: Record<string, unknown>
  asserted?: Record<string, unknown>
}

/** One vector file with its epochs. */
export interface VectorFile {
  name: string
  epochs: VectorEpoch[]
}

const byName: Record<string, unknown> = {
  '01_test_bonds_yuma1_sequence.json': v01,
  '02_test_active_stake_inactive_validator.json': v02,
  '04_test_10_graph_self_weights_only.json': v04,
  '05_test_1_graph_single_neuron.json': v05,
  '07_yuma3_kappa_moves_first.json': v07,
  '10_yuma3_one_epoch_switch.json': v10,
}

/** Every epoch vector file listed in index.json (the math file is separate). */
export const epochVectors: VectorFile[] = (index.files as string[])
  .filter((f) => f in byName)
  .map((name) => ({ name, epochs: (byName[name] as { epochs: VectorEpoch[] }).epochs }))

/** Guard: index.json must not list an epoch file this module does not import. */
export const unlistedFiles: string[] = (index.files as string[]).filter((f) => !(f in byName) && !f.startsWith('14_'))

/** The weighted-median unit vectors (14_math_weighted_median.json). */
export const medianCases = v14.cases as Array<Record<string, unknown>>

/** `I32F32::from_num(f32)`: round(f32(x) * 2^32), ties to even. */
export function f32ToBits(x: number): number {
  const v = Math.fround(x) * 4294967296
  const f = Math.floor(v)
  const d = v - f
  if (d > 0.5) return f + 1
  if (d < 0.5) return f
  return f % 2 === 0 ? f : f + 1
}
