import { describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { commands } from '../../src/cli/main.ts'

describe('webtensor CLI', () => {
  it('--help lists every subcommand and exits 0', () => {
    const out = execFileSync(process.execPath, ['bin/webtensor.js', '--help'], { encoding: 'utf8' })
    for (const name of Object.keys(commands)) expect(out).toMatch(new RegExp(`^  ${name} `, 'm'))
  })
  it('an unknown command exits 2 with a message naming it', () => {
    const r = spawnSync(process.execPath, ['bin/webtensor.js', 'frobnicate'], { encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("unknown command 'frobnicate'")
  })
})
