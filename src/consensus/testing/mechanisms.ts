/**
 * The mechanism contract, shared by the CPU, Dawn (Node) and Chromium suites: subtensor's own
 * mechanism tests at v3.4.9-424 (test/fixtures/consensus/mechanisms_424.json: their setups as
 * subnet inputs, their assertions as `expect`), and subnets with 2 and 3 mechanisms whose every
 * mechanism is exact and whose per-netuid terms follow `epoch_with_mechanisms`. Test-only.
 */
import { describe, expect, it } from 'vitest'
import fixture from '../../../test/fixtures/consensus/mechanisms_424.json'
import { epochOutputToJson, parseSubnetEpochInput, subnetOutputToJson } from '../validate.ts'
import { aggregateMechanisms, mechanismEpochInputs, runSubnetsWith } from '../mechanism.ts'
import { runEpochCpu } from '../epoch.ts'
import { randomEpochJson } from './random.ts'
import type { BatchRunner } from './contract.ts'
import type { SubnetEpochInput, SubnetEpochOutput } from '../types.ts'

interface Expect { path?: string; eq?: unknown; approx?: number; eps?: number; nonempty?: boolean; relation?: string; uids?: number[] }
interface Case { test: string; input: Record<string, unknown>; expect: Expect[] }

/** The subtensor mechanism-test cases of the fixture. */
export const mechanismCases = fixture.cases as unknown as Case[]
/** `split_emissions` cases of the fixture. */
export const splitCases = fixture.split_cases as Array<{ test: string; alpha: number; count: number; split: number[] | null; expected: number[] }>

/** Runs subnets through a batch runner: every mechanism of every subnet is one epoch of one batch. */
export async function runSubnets(run: BatchRunner, subnets: SubnetEpochInput[]): Promise<{ path: string; outputs: SubnetEpochOutput[] }> {
  const { res, outputs } = await runSubnetsWith(subnets, run)
  return { path: res.path, outputs }
}

function at(doc: unknown, path: string): unknown {
  let x = doc
  for (const part of path.match(/[^.[\]]+/g) ?? []) x = (x as Record<string, unknown>)[part]
  return x
}

const num = (x: unknown): number => (typeof x === 'string' ? Number(x) : (x as number))

/** Checks one case's assertions against its output (as the Rust test asserts them). */
export function checkMechanismCase(c: Case, out: SubnetEpochOutput): void {
  const json = subnetOutputToJson(out)
  const doc = { ...json, mechanisms: (json['mechanisms'] as Array<Record<string, unknown>>).map((m) => ({ ...m, sub_weight: Number(BigInt(m['sub_weight_u64f64'] as string)) / 2 ** 64 })) }
  for (const e of c.expect) {
    if (e.relation === 'sums_and_weighted_aggregates') {
      const [m0, m1] = out.mechanisms as [SubnetEpochOutput['mechanisms'][0], SubnetEpochOutput['mechanisms'][0]]
      const w0 = m0.sub_weight_u64f64, w1 = m1.sub_weight_u64f64
      const wu = (a: bigint, b: bigint): bigint => ((a << 64n) * w0 + (b << 64n) * w1) >> 128n
      for (const i of e.uids!) {
        const t0 = m0.output, t1 = m1.output
        expect(Number(out.server_emission[i]! - (t0.server_emission[i]! + t1.server_emission[i]!)), `server_emission[${i}]`).toBeLessThanOrEqual(e.eps!)
        expect(Number(out.validator_emission[i]! - (t0.validator_emission[i]! + t1.validator_emission[i]!)), `validator_emission[${i}]`).toBeLessThanOrEqual(e.eps!)
        expect(out.active[i], `active[${i}]`).toBe(t0.active[i]! || t1.active[i]!)
        expect(out.new_validator_permit[i], `permit[${i}]`).toBe(t0.new_validator_permit[i]! || t1.new_validator_permit[i]!)
        expect(Math.abs(Number(out.emission[i]! - wu(t0.emission[i]!, t1.emission[i]!))), `emission[${i}]`).toBeLessThanOrEqual(e.eps!)
        for (const f of ['consensus_u16', 'dividends_u16', 'validator_trust_u16'] as const) {
          expect(Math.abs(out[f][i]! - Number(wu(BigInt(t0[f][i]!), BigInt(t1[f][i]!)))), `${f}[${i}]`).toBeLessThanOrEqual(e.eps!)
        }
      }
    } else if (e.relation === 'validator_emission_total') {
      const t = e.uids!.reduce((a, i) => a + Number(out.mechanisms[0]!.output.validator_emission[i]!), 0)
      expect(Math.abs(t - e.approx!)).toBeLessThanOrEqual(e.eps!)
    } else {
      const got = at(doc, e.path!)
      if (e.eq !== undefined) expect(got, e.path).toEqual(e.eq)
      else if (e.approx !== undefined) expect(Math.abs(num(got) - e.approx), e.path).toBeLessThanOrEqual(e.eps!)
      else if (e.nonempty === true) expect((got as unknown[]).length, e.path).toBeGreaterThan(0)
    }
  }
}

/** Random subnets with K mechanisms (each mechanism its own weights, bonds, last_update). */
export function randomSubnetJson(o: { n: number; seed: number; k: number; yuma3?: boolean; liquid?: boolean; split?: boolean }): Record<string, unknown> {
  const mechs = Array.from({ length: o.k }, (_, m) => randomEpochJson({ n: o.n, seed: o.seed * 31 + m, yuma3: o.yuma3 ?? false, liquid: o.liquid ?? false }))
  const { last_update: _l, weights: _w, bonds: _b, commit_blocks: _c, ...shared } = mechs[0]!
  const mechanisms = mechs.map((x) => ({ last_update: x['last_update'], weights: x['weights'], bonds: x['bonds'] }))
  const out: Record<string, unknown> = { ...shared, mechanisms }
  if (o.split === true) {
    const shares = Array.from({ length: o.k }, (_, m) => 1 + ((o.seed >>> 0) * (m + 7)) % 5000)
    shares[0] = 65535 - shares.slice(1).reduce((a, b) => a + b, 0)
    out['mechanism_emission_split'] = shares
  }
  return out
}

/** Registers the mechanism suite for one implementation. */
export function defineMechanismContract(name: string, run: BatchRunner, expectPath: string): void {
  describe(`${name}: mechanisms (epoch_with_mechanisms, spec 424)`, () => {
    it(`subtensor's mechanism tests (${mechanismCases.length} setups) as one batch`, async () => {
      const subnets = mechanismCases.map((c) => parseSubnetEpochInput(c.input))
      const res = await runSubnets(run, subnets)
      expect(res.path).toBe(expectPath)
      mechanismCases.forEach((c, k) => checkMechanismCase(c, res.outputs[k]!))
    })
    it('subnets with 2 and 3 mechanisms: every mechanism exact, per-netuid terms aggregated', async () => {
      const subnets = [
        parseSubnetEpochInput(randomSubnetJson({ n: 17, seed: 5, k: 2 })),
        parseSubnetEpochInput(randomSubnetJson({ n: 9, seed: 6, k: 3, yuma3: true, split: true })),
        parseSubnetEpochInput(randomSubnetJson({ n: 33, seed: 7, k: 3, yuma3: true, liquid: true })),
      ]
      const res = await runSubnets(run, subnets)
      expect(res.path).toBe(expectPath)
      subnets.forEach((s, k) => {
        const out = res.outputs[k]!
        expect(out.mechanisms.length).toBe(s.mechanisms.length)
        mechanismEpochInputs(s).forEach((x, m) => {
          expect(epochOutputToJson(out.mechanisms[m]!.output), `subnet ${k} mechanism ${m}`).toEqual(epochOutputToJson(runEpochCpu(x)))
        })
        expect(subnetOutputToJson(out)).toEqual(subnetOutputToJson(aggregateMechanisms(s, mechanismEpochInputs(s).map(runEpochCpu))))
      })
    })
  })
}
