/**
 * One epoch input as JSON text twice: u64 fields beyond 2^53 as decimal strings, and the same
 * values as bare JSON numbers (what Python or an indexer writes). Test-only.
 */
import { epochVectors } from './vectors.ts'

/** u64::MAX, finney's TaoWeight (a double holds 971718665099567872), 2^53 + 1. */
export const BIG = { U64_MAX: '18446744073709551615', TAO_WEIGHT: '971718665099567868', BIG_STAKE: '9007199254740993' } as const
const { U64_MAX, TAO_WEIGHT, BIG_STAKE } = BIG

/** The same input as JSON text with the big values as strings, and with them as bare numbers. */
export function bigIntegerTexts(): { strings: string; numbers: string } {
  const base = structuredClone(epochVectors[0]!.epochs[1]!.input)
  const n = base['n'] as number
  base['tao_weight_u64'] = TAO_WEIGHT
  base['tao_stake'] = Array.from({ length: n }, (_, i) => (i === 0 ? BIG_STAKE : String(1000 + i)))
  base['alpha_stake'] = Array.from({ length: n }, (_, i) => (i === 1 ? '123456789012345678' : String((base['alpha_stake'] as number[])[i])))
  base['rao_emission'] = U64_MAX
  const strings = JSON.stringify(base)
  const numbers = strings.replace(/"([0-9]{16,20})"/g, '$1')
  return { strings, numbers }
}
