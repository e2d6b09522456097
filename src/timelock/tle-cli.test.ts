/** `webtensor tle` end to end through bin/webtensor.js (real process, hex in / hex out). */
import { describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import vectors from './fixtures/rust-crate-vectors.json' with { type: 'json' }
import beacons from './fixtures/quicknet-beacons.json' with { type: 'json' }

const bin = fileURLToPath(new URL('../../bin/webtensor.js', import.meta.url))

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'tle', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

const sig = (round: number): string => beacons.beacons.find((b) => b.round === round)!.signature

describe('webtensor tle', () => {
  it('decrypt opens a Rust-crate ciphertext; verify accepts the published signature', async () => {
    const v = vectors.fromRustCrate.find((x) => x.round === 12040883)!
    const out = await cli(['decrypt', '--signature', sig(12040883), '--ciphertext', `0x${v.ciphertext}`])
    expect(out.stderr).toBe('')
    expect(out.code).toBe(0)
    expect(out.stdout.trim()).toBe(v.plaintext)
    const ok = await cli(['verify', '--round', '12040883', '--signature', sig(12040883)])
    expect(ok.code).toBe(0)
  }, 60_000)

  it('encrypt output decrypts; wrong signature and malformed input exit non-zero with nothing on stdout', async () => {
    const enc = await cli(['encrypt', '--round', '2000', '--plaintext', 'deadbeef'])
    expect(enc.code).toBe(0)
    const ct = enc.stdout.trim()
    expect(ct.length).toBe(2 * (244 + 4))
    const [good, wrong, bad, badVerify] = await Promise.all([
      cli(['decrypt', '--signature', sig(2000), '--ciphertext', ct]),
      cli(['decrypt', '--signature', sig(1000), '--ciphertext', ct]),
      cli(['decrypt', '--signature', sig(2000), '--ciphertext', ct.slice(0, 100)]),
      cli(['verify', '--round', '2001', '--signature', sig(2000)]),
    ])
    expect(good.stdout.trim()).toBe('deadbeef')
    expect(wrong.code).not.toBe(0)
    expect(wrong.stdout).toBe('')
    expect(wrong.stderr).toMatch(/INVALID_SIGNATURE/)
    expect(bad.code).not.toBe(0)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toMatch(/MALFORMED/)
    expect(badVerify.code).not.toBe(0)
    expect(badVerify.stdout).toBe('')
  }, 60_000)
})
