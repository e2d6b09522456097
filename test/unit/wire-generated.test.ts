// src/p2p/wire.ts is generated from wire.proto (scripts/gen-wire.mjs), never patched by hand.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe('src/p2p/wire.ts', () => {
  it('is exactly what protons generates from src/p2p/wire.proto', () => {
    const out = execFileSync(process.execPath, ['scripts/gen-wire.mjs', '--check'], { encoding: 'utf8' })
    expect(out).toMatch(/matches/)
  })
})
