// `webtensor yuma`, run as a real process: vectors, single objects, arrays, --gpu vs --cpu,
// and bad input (non-zero exit naming the field, nothing on stdout).
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { swiftShaderInstalled } from './testing/gpu-client.ts'
import { bigIntegerTexts } from './testing/big-integers.ts'
import { randomSubnetJson } from './testing/mechanisms.ts'
import { parseSubnetEpochInput, runEpochWithMechanisms, subnetOutputToJson } from './index.ts'

const fixtures = 'test/fixtures/consensus'
const dir = mkdtempSync(join(tmpdir(), 'yuma-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function yuma(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/webtensor.js', 'yuma', ...args], { encoding: 'utf8', timeout: 240_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function file(name: string, data: unknown): string {
  const p = join(dir, name)
  writeFileSync(p, JSON.stringify(data))
  return p
}

const v02 = JSON.parse(readFileSync(`${fixtures}/02_test_active_stake_inactive_validator.json`, 'utf8')) as { epochs: Array<{ input: Record<string, unknown>; reference_output: unknown }> }

describe('webtensor yuma', () => {
  it('runs a vectors file in order and prints every reference_output exactly (--cpu)', () => {
    const r = yuma(['--input', `${fixtures}/01_test_bonds_yuma1_sequence.json`, '--cpu'])
    expect(r.status, r.stderr).toBe(0)
    const want = (JSON.parse(readFileSync(`${fixtures}/01_test_bonds_yuma1_sequence.json`, 'utf8')) as { epochs: Array<{ reference_output: unknown }> }).epochs.map((e) => e.reference_output)
    expect(JSON.parse(r.stdout)).toEqual(want)
    expect(r.stderr).toContain('on cpu')
  })

  it('one input object prints one object; --epochs wraps it; an array prints an array', () => {
    const single = file('single.json', v02.epochs[2]!.input)
    const r1 = yuma(['--input', single, '--cpu'])
    expect(r1.status, r1.stderr).toBe(0)
    expect(JSON.parse(r1.stdout)).toEqual(v02.epochs[2]!.reference_output)
    const r2 = yuma(['--input', single, '--cpu', '--epochs'])
    expect(JSON.parse(r2.stdout)).toEqual([v02.epochs[2]!.reference_output])
    const arr = file('arr.json', [v02.epochs[1]!.input, v02.epochs[3]!.input])
    const r3 = yuma(['--input', arr, '--cpu'])
    expect(JSON.parse(r3.stdout)).toEqual([v02.epochs[1]!.reference_output, v02.epochs[3]!.reference_output])
  })

  const bad: Array<[string, (x: Record<string, unknown>) => void, string]> = [
    ['wrong length', (x) => { (x['last_update'] as unknown[]).push(1) }, 'last_update'],
    ['uid out of range', (x) => { (x['weights'] as unknown[][])[0] = [[4, 1]] }, 'weights[0][0][0]'],
    ['non-integer', (x) => { x['tempo'] = 1.5 }, 'tempo'],
    ['negative stake', (x) => { (x['alpha_stake'] as unknown[])[1] = -3 }, 'alpha_stake[1]'],
  ]
  it('bad input exits non-zero naming the field and prints nothing on stdout', () => {
    for (const [name, mutate, field] of bad) {
      const x = structuredClone(v02.epochs[1]!.input)
      mutate(x)
      // inside an array of two, so a partial result would be possible: there must be none
      const p = file(`bad-${name.replace(/ /g, '-')}.json`, [v02.epochs[0]!.input, x])
      const r = yuma(['--input', p, '--cpu'])
      expect(r.status, name).not.toBe(0)
      expect(r.stdout, name).toBe('')
      expect(r.stderr, name).toContain(`[1]${field}`)
    }
  }, 180_000)

  it('u64 fields as bare JSON numbers (u64::MAX, TaoWeight 971718665099567868, 2^53 + 1) print what their string form prints', () => {
    const { strings, numbers } = bigIntegerTexts()
    const ps = join(dir, 'big-strings.json')
    const pn = join(dir, 'big-numbers.json')
    writeFileSync(ps, strings)
    writeFileSync(pn, numbers)
    const rs = yuma(['--input', ps, '--cpu'])
    const rn = yuma(['--input', pn, '--cpu'])
    expect(rs.status, rs.stderr).toBe(0)
    expect(rn.status, rn.stderr).toBe(0)
    expect(rn.stdout).toBe(rs.stdout)
    const over = join(dir, 'big-over.json')
    writeFileSync(over, numbers.replace('"rao_emission":18446744073709551615', '"rao_emission":18446744073709551616'))
    const ro = yuma(['--input', over, '--cpu'])
    expect(ro.status).toBe(1)
    expect(ro.stderr).toContain("field 'rao_emission' exceeds u64::MAX, got 18446744073709551616")
  })

  it('a subnet with mechanisms prints its per-mechanism and per-netuid output; a plain input beside it prints as before', () => {
    const sub = randomSubnetJson({ n: 7, seed: 21, k: 3, split: true })
    const p = file('subnet.json', [sub, v02.epochs[2]!.input])
    const r = yuma(['--input', p, '--cpu'])
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as unknown[]
    expect(out[0]).toEqual(JSON.parse(JSON.stringify(subnetOutputToJson(runEpochWithMechanisms(parseSubnetEpochInput(sub))))))
    expect(out[1]).toEqual(v02.epochs[2]!.reference_output)
    expect(r.stderr).toContain('2 epoch(s) (4 mechanism epochs) on cpu')
    const bad = structuredClone(sub) as { mechanisms: Array<{ weights: unknown[][] }> }
    bad.mechanisms[2]!.weights[1] = [[9, 1]]
    const rb = yuma(['--input', file('subnet-bad.json', bad), '--cpu'])
    expect(rb.status).toBe(1)
    expect(rb.stderr).toContain("field 'mechanisms[2].weights[1][0][0]'")
  })

  it('rejects a missing --input and unreadable JSON', () => {
    expect(yuma([]).status).toBe(2)
    const p = join(dir, 'broken.json')
    writeFileSync(p, '{"n": 1,')
    const r = yuma(['--input', p])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('not valid JSON')
  })

  it.skipIf(!swiftShaderInstalled())('--gpu gives the same bytes as --cpu and says it ran on the GPU', () => {
    const f = `${fixtures}/07_yuma3_kappa_moves_first.json`
    const g = yuma(['--input', f, '--gpu'])
    const c = yuma(['--input', f, '--cpu'])
    expect(g.status, g.stderr).toBe(0)
    expect(g.stderr).toContain('on gpu (8 GPU passes)')
    expect(g.stdout).toBe(c.stdout)
  }, 300_000)
})
