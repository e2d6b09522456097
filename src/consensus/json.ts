/**
 * Exact JSON for chain integers. `JSON.parse` reads every number as a double, so a u64 written as
 * a plain number (u64::MAX, finney's TaoWeight 971718665099567868, stakes above 2^53 rao) loses
 * its low bits before any check can see it. {@link parseJsonExact} parses with `lossless-json`:
 * integers that a double holds exactly stay `number`, larger ones become `bigint`, other numbers
 * are doubles. The epoch validators accept either form (and decimal strings).
 */
import { isInteger, isLosslessNumber, parse } from 'lossless-json'

/** The number parser: safe integers as number, larger integers as bigint, the rest as doubles. */
export function parseJsonNumber(text: string): number | bigint {
  if (isInteger(text)) {
    const x = Number(text)
    return Number.isSafeInteger(x) ? x : BigInt(text)
  }
  return Number.parseFloat(text)
}

/** Parses JSON text keeping every integer exact (see the module note); throws SyntaxError like `JSON.parse`. */
export function parseJsonExact(text: string): unknown {
  return parse(text, null, parseJsonNumber)
}

/** A `LosslessNumber` (from `lossless-json`'s default parser) as {@link parseJsonNumber} reads it; anything else unchanged. */
export function fromLossless(v: unknown): unknown {
  return isLosslessNumber(v) ? parseJsonNumber(v.value) : v
}
