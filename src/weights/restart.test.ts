/**
 * A v2 commit survives its committer dying between sending and inclusion: a real
 * `webtensor weights commit --mode v2` process is killed (SIGKILL) while its commit waits in the
 * devnet's pool; the block that includes it comes after the process is gone. A new process
 * (`weights reveal --wait`, what the validator runs each round) finds the salt stored before the
 * send, settles the commit from the chain and reveals it: the chain shows the weights.
 */
import { spawn, execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import { createChainClient, createMemoryMetadataCache, type ChainClient } from '../wallet/index.ts'
import { readWeightsRow } from './index.ts'

const bin = fileURLToPath(new URL('../../bin/webtensor.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'webtensor-restart-'))
const store = join(dir, 'pending.json')
let devnet: Devnet
let client: ChainClient
let ticker: ReturnType<typeof setInterval> | undefined

beforeAll(async () => {
  // No block timer: the test decides when the commit is included (after the committer is dead).
  devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
  devnet.setHyperparams(1, { Tempo: 60 })
  client = await createChainClient({ endpoint: devnet.url, metadataCache: createMemoryMetadataCache() })
}, 60_000)

afterAll(async () => {
  if (ticker !== undefined) clearInterval(ticker)
  await client?.stop()
  await devnet?.stop()
  rmSync(dir, { recursive: true, force: true })
})

it('kill the committer between commit and reveal, start again: the commit is revealed', async () => {
  const key = ['--endpoint', devnet.url, '--dev-account', '//Alice', '--store', store]
  const child = spawn(process.execPath, [bin, 'weights', 'commit', ...key, '--netuid', '1', '--uids', '0', '--weights', '1', '--mode', 'v2'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<NodeJS.Signals | number | null>((ok) => child.on('exit', (code, sig) => ok(sig ?? code)))
  // Wait until its commit_weights is in the pool (sent, not yet in a block), then kill it.
  await expect.poll(async () => ((await client.rpc('author_pendingExtrinsics')) as unknown[]).length, { timeout: 90_000, interval: 200 }).toBeGreaterThan(0)
  child.kill('SIGKILL')
  expect(await exited).toBe('SIGKILL')

  // The commit lands on chain with its committer gone.
  devnet.produceBlock()
  const onChain = (await client.readStorage('SubtensorModule', 'WeightCommits', [1, '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'])).toJSON() as unknown[]
  expect(onChain).toHaveLength(1)
  expect(await readWeightsRow(client, 1, 0)).toEqual([])

  // Restart: a new process reveals it in its window.
  ticker = setInterval(() => { try { devnet.produceBlock() } catch { /* stopped */ } }, 100)
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((ok) => {
    execFile(process.execPath, [bin, 'weights', 'reveal', ...key, '--wait'], { timeout: 150_000 }, (err, stdout, stderr) => ok({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }))
  })
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  expect(JSON.parse(r.stdout.trim().split('\n')[0] ?? '{}')).toMatchObject({ outcome: 'revealed' })
  expect(await readWeightsRow(client, 1, 0)).toEqual([[0, 65535]])
}, 240_000)
