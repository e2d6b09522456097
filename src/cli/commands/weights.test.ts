/** `webtensor weights commit|reveal|status` as real processes against a devnet. */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { run } from './weights.ts'
import { startDevnet, type Devnet } from '../../devnet/index.ts'
import { createChainClient, createMemoryMetadataCache, type ChainClient } from '../../wallet/index.ts'
import { readWeightsRow } from '../../weights/index.ts'

const bin = fileURLToPath(new URL('../../../bin/webtensor.js', import.meta.url))
let devnet: Devnet
let client: ChainClient
const dir = mkdtempSync(join(tmpdir(), 'webtensor-weights-cli-'))
const store = join(dir, 'pending.json')

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'weights', ...args], { timeout: 120_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 200 })
  // long epochs (101 blocks ≈ 20 s): each CLI run is a fresh Node process, slow on a loaded machine
  devnet.setHyperparams(1, { Tempo: 100 })
  client = await createChainClient({ endpoint: devnet.url, metadataCache: createMemoryMetadataCache() })
}, 60_000)

afterAll(async () => {
  await client?.stop()
  await devnet?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('webtensor weights', () => {
  it('v2: commit, reveal --wait → weights stored, status → revealed; the file store carries the salt between processes', async () => {
    const key = ['--endpoint', devnet.url, '--dev-account', '//Alice', '--store', store]
    const c = await cli(['commit', ...key, '--netuid', '1', '--uids', '0', '--weights', '1', '--mode', 'v2'])
    expect(c.stderr).toBe('')
    expect(c.code).toBe(0)
    const committed = JSON.parse(c.stdout) as { kind: string; id: string; status: string; values: number[] }
    expect(committed).toMatchObject({ kind: 'v2', status: 'pending', values: [65535] })

    const r = await cli(['reveal', ...key, '--wait'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout.trim().split('\n')[0]!)).toMatchObject({ outcome: 'revealed', id: committed.id })
    expect(await readWeightsRow(client, 1, 0)).toEqual([[0, 65535]])

    const st = await cli(['status', ...key])
    expect(st.code).toBe(0)
    expect(JSON.parse(st.stdout.trim().split('\n')[0]!)).toMatchObject({ id: committed.id, state: 'revealed' })
  }, 120_000)

  it('auto mode makes a v4 commit encrypted to the chain beacon; bad input exits non-zero with a message', async () => {
    const key = ['--endpoint', devnet.url, '--dev-account', '//Alice', '--store', store]
    const c = await cli(['commit', ...key, '--netuid', '1', '--uids', '0', '--values', '65535'])
    expect(c.code).toBe(0)
    const out = JSON.parse(c.stdout) as { kind: string; revealRound: string; commitBytes: number }
    expect(out.kind).toBe('v4')
    expect(out.commitBytes).toBe(244 + 33 + 1 + 2 + 1 + 2 + 8)
    expect(BigInt(out.revealRound)).toBeGreaterThan(0n)

    const bad = await cli(['commit', ...key, '--netuid', '1', '--uids', '7', '--weights', '1'])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toMatch(/UID_NOT_FOUND/)
  }, 120_000)

  it('usage errors exit 2 naming the problem (in-process: no chain needed)', async () => {
    const errors: string[] = []
    const spy = vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)))
    try {
      expect(await run(['commit', '--endpoint', 'ws://127.0.0.1:9', '--dev-account', '//Alice', '--netuid', '1', '--uids', '0'])).toBe(2)
      expect(errors.at(-1)).toMatch(/--weights \(floats\) or --values/)
      const keyfile = join(dir, 'hotkey.json')
      writeFileSync(keyfile, JSON.stringify({ nothing: true }))
      expect(await run(['status', '--endpoint', 'ws://127.0.0.1:9', '--keystore', keyfile])).toBe(2)
      expect(errors.at(-1)).toMatch(/neither a polkadot/)
      expect(await run(['commit', '--endpoint', 'ws://127.0.0.1:9', '--dev-account', '//Alice', '--netuid', '1', '--uids', '0', '--weights', '1', '--mode', 'v3'])).toBe(2)
      expect(errors.at(-1)).toMatch(/--mode must be/)
      expect(await run(['frobnicate'])).toBe(2)
    } finally {
      spy.mockRestore()
    }
  })
})
