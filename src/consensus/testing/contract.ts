/**
 * One contract suite for every epoch implementation (CPU reference, WebGPU in Chromium, WebGPU
 * through Dawn in Node): each vector epoch's `asserted` fields (exact, or within the stated float
 * tolerance) and every `reference_output` field exactly. Test-only.
 */
import { describe, expect, it } from 'vitest'
import { epochOutputToJson, parseEpochInput } from '../validate.ts'
import type { EpochInput, EpochOutput } from '../types.ts'
import { epochVectors, unlistedFiles, type VectorEpoch } from './vectors.ts'

/** Runs a batch of epochs; returns outputs in order and the path that ran. */
export type BatchRunner = (inputs: EpochInput[]) => Promise<{ path: string; outputs: EpochOutput[] }>

function denseRow(row: Array<[number, number]>, n: number): number[] {
  const d = new Array<number>(n).fill(0)
  for (const [j, v] of row) d[j] = v
  return d
}

/** Checks what the Rust test asserted for this epoch (see index.json's schema). */
export function checkAsserted(e: VectorEpoch, out: EpochOutput): void {
  const a = e.asserted
  if (a === undefined) return
  const n = out.active.length
  const json = epochOutputToJson(out)
  for (const [key, want] of Object.entries(a)) {
    if (key === 'bonds_float_targets_NOT_EFFECTIVELY_ASSERTED') continue // skipped by the Rust test itself (zip/skip(3) quirk)
    if (key === 'bonds_u16_column') {
      const { col, rows_0_to_3 } = want as { col: number; rows_0_to_3: number[] }
      expect(rows_0_to_3.map((_, r) => denseRow(out.bonds_u16[r]!, n)[col]), key).toEqual(rows_0_to_3)
    } else if (key === 'bonds_u16_dense_rows_0_1') {
      const rows = want as number[][]
      expect(rows.map((_, r) => denseRow(out.bonds_u16[r]!, n)), key).toEqual(rows)
    } else if (key === 'bonds_u16') {
      for (const [r, row] of Object.entries(want as Record<string, number[]>)) expect(denseRow(out.bonds_u16[Number(r)]!, n), `${key}[${r}]`).toEqual(row)
    } else if (key === 'dividends_float_tol_1e-3') {
      const t = want as number[]
      t.forEach((x, i) => expect(Math.abs(out.dividends_u16[i]! / 65535 - x), `${key}[${i}]`).toBeLessThanOrEqual(1e-3))
    } else {
      const got = json[key] as unknown[]
      expect(got, `output field ${key}`).toBeDefined()
      if (Array.isArray(want)) expect(got, key).toEqual(want)
      else for (const [i, v] of Object.entries(want as Record<string, unknown>)) expect(got[Number(i)], `${key}[${i}]`).toEqual(v)
    }
  }
}

/** Checks every `reference_output` field exactly. */
export function checkReference(e: VectorEpoch, out: EpochOutput): void {
  const json = epochOutputToJson(out)
  for (const [key, want] of Object.entries(e.reference_output)) expect(json[key], key).toEqual(want)
}

/** Registers the vector suite for one implementation. `expectPath` is asserted on every batch. */
export function defineVectorContract(name: string, run: BatchRunner, expectPath: string): void {
  describe(`${name}: conformance vectors`, () => {
    it('imports every epoch file index.json lists', () => {
      expect(unlistedFiles).toEqual([])
      expect(epochVectors.length).toBeGreaterThanOrEqual(6)
    })
    for (const file of epochVectors) {
      it(`${file.name}: all ${file.epochs.length} epochs exact (one batch)`, async () => {
        const inputs = file.epochs.map((e) => parseEpochInput(e.input))
        const res = await run(inputs)
        expect(res.path).toBe(expectPath)
        expect(res.outputs.length).toBe(inputs.length)
        file.epochs.forEach((e, k) => {
          checkAsserted(e, res.outputs[k]!)
          checkReference(e, res.outputs[k]!)
        })
      })
    }
  })
}
