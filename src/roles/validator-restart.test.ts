/**
 * The headless validator dies between its v2 commit and the reveal, and a restart reveals it
 * (issue 16 item 5): a real `webtensor validate --keystore FILE` process commits hash (v2)
 * weights for a Node miner it scored, is killed (SIGKILL) before the reveal window opens, and a
 * new process with the same --keystore (its commits kept beside it by default) reveals the
 * commit in its window: the chain holds the committed weights as the validator's row.
 *
 * The test owns block production (devnet without a timer): blocks come freely until the commit is
 * on chain, none while the validator is dead, and inside the reveal window only when the pool
 * holds something to include, so the window cannot pass before the restarted process acts,
 * however slow the machine.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startDevnetWithApi, type DevnetWithApi, type Loose } from '../devnet/testing.ts'
import { startRelay, type Relay } from '../p2p/node-entry.ts'
import { getTask } from '../subnet/index.ts'
import { createChainClient, createKeyringSigner, type ChainClient } from '../wallet/index.ts'
import { createMiner, createNodeSolver, type Miner, type NodeSolver } from './node.ts'
import { until } from './testing.ts'

const bin = fileURLToPath(new URL('../../bin/webtensor.js', import.meta.url))
const NETUID = 1
const REVEAL_PERIOD = 2
const HOTKEY_URI = '//Alice//restart-validator'
const dir = mkdtempSync(join(tmpdir(), 'webtensor-validator-restart-'))
const keystore = join(dir, 'hotkey.json')
const commitsFile = join(dir, 'hotkey.commits.json')

let fx: DevnetWithApi
let relay: Relay
let client: ChainClient
let solver: NodeSolver
let miner: Miner
let hotkey: string
const children: ChildProcessWithoutNullStreams[] = []

/** Block production the test decides on: `run`, `stop`, or a gate (produce only when `gate()` says). */
let mode: 'run' | 'stop' | { gate: () => Promise<boolean> } = 'run'
let ticking = true
let ticker: Promise<void> | undefined

const pool = async (): Promise<number> => ((await fx.rpc('author_pendingExtrinsics')).result as unknown[]).length
const weightCommits = async (): Promise<Array<[string, number, number, number]>> =>
  ((await (fx.query() as Loose).subtensorModule.weightCommits(NETUID, hotkey)).toJSON() ?? []) as Array<[string, number, number, number]>

beforeAll(async () => {
  fx = await startDevnetWithApi({ blockTimeMs: 0 })
  // Hash commit-reveal (v2) on subnet 1, revealed two epochs after the commit: the block after
  // the commit's is at most one epoch later, so no reveal can be due before the test kills.
  const au = (fx.tx() as Loose).adminUtils
  expect(await fx.sudo(au.sudoSetCommitRevealVersion(2))).toBe('ok')
  expect(await fx.sudo(au.sudoSetCommitRevealWeightsInterval(NETUID, REVEAL_PERIOD))).toBe('ok')
  ticker = (async () => {
    while (ticking) {
      await new Promise((r) => setTimeout(r, 40))
      const m = mode
      if (m === 'stop') continue
      if (m !== 'run' && !(await m.gate())) continue
      if (ticking) fx.devnet.produceBlock()
    }
  })()
  relay = await startRelay({ port: 0, netuids: [NETUID] })
  client = await createChainClient({ endpoint: fx.devnet.url })
  solver = createNodeSolver(getTask('ocr'), { threads: 1 })
  miner = createMiner({ client, netuid: NETUID, hotkey: await createKeyringSigner('//Bob//restart-miner'), relays: relay.multiaddrs, solver, coldkey: await createKeyringSigner('//Bob') })
  await miner.start()
  hotkey = (await createKeyringSigner(HOTKEY_URI)).address
  // A bittensor hotkey file (unencrypted): what `--keystore` reads.
  writeFileSync(keystore, JSON.stringify({ secretPhrase: HOTKEY_URI }))
}, 120_000)

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  ticking = false
  await ticker
  await miner?.stop()
  await solver?.stop()
  await client?.stop()
  await relay?.stop()
  await fx?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** Spawns `webtensor validate` with the keystore; its stdout accumulates in `out()`. */
function validate(...extra: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; exited: Promise<NodeJS.Signals | number | null> } {
  const child = spawn(process.execPath, [bin, 'validate', '--chain', fx.devnet.url, '--relay', relay.multiaddrs[0]!, '--netuid', String(NETUID),
    '--dev-account', '//Alice', '--keystore', keystore, '--round-ms', '500', ...extra], { stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<NodeJS.Signals | number | null>((ok) => child.on('exit', (code, sig) => ok(sig ?? code)))
  return { child, out: () => out, exited }
}

it('kill the validator between commit and reveal, restart it with the same keystore: it reveals the commit', async () => {
  // First life: blocks run until the validator's commit is on chain, then stop.
  mode = { gate: async () => (await weightCommits()).length === 0 || ((mode = 'stop'), false) }
  const first = validate()
  const [hash, commitEpoch] = await until('the v2 commit on chain', async () => {
    const c = await weightCommits()
    return c[0] !== undefined && first.out().includes('committed (v2)') ? c[0] : undefined
  }, 150_000)
  // The ticker stops block production at its next gate check after the commit's block (its gate
  // never lets another block through once a commit is on chain); this poll may see the commit first.
  expect(await until('block production to stop', () => mode === 'stop', 10_000)).toBe(true)
  first.child.kill('SIGKILL')
  expect(await first.exited).toBe('SIGKILL')
  const revealEpoch = commitEpoch + REVEAL_PERIOD
  // Killed before its reveal window, and nothing of its left in the pool to reveal for it.
  expect((await fx.nextEpoch(NETUID)).index).toBeLessThan(revealEpoch)
  expect(await pool()).toBe(0)
  const uid = Number(/validating subnet 1 as uid (\d+)/u.exec(first.out())?.[1])
  expect(uid).toBeGreaterThan(0)
  expect((await (fx.query() as Loose).subtensorModule.weights(NETUID, uid)).toJSON()).toEqual([])
  // The dead process's salt is in the file beside its keystore.
  const saved = (JSON.parse(readFileSync(commitsFile, 'utf8')) as { commits: Record<string, { uids: number[]; values: number[]; salt?: number[] }> }).commits[hash]
  expect(saved?.salt?.length).toBeGreaterThan(0)

  // Second life, same keystore: blocks run up to the reveal epoch, then only to include what the
  // pool holds, never past the window.
  mode = {
    gate: async () => {
      const next = (await fx.nextEpoch(NETUID)).index
      return next < revealEpoch || (next === revealEpoch && (await pool()) > 0)
    },
  }
  const second = validate()
  await until('the weights revealed on chain', async () =>
    ((await (fx.query() as Loose).subtensorModule.weights(NETUID, uid)).toJSON() as unknown[]).length > 0 || undefined, 150_000)
  expect((await (fx.query() as Loose).subtensorModule.weights(NETUID, uid)).toJSON()).toEqual(saved!.uids.map((u, i) => [u, saved!.values[i]]))
  expect((await weightCommits()).map(([h]) => h)).not.toContain(hash)
  // The restarted process revealed it: its log, and the record's status in the file.
  await until('the reveal logged', () => second.out().includes(`commit ${hash.slice(0, 12)}… revealed`) || undefined, 30_000)
  const after = (JSON.parse(readFileSync(commitsFile, 'utf8')) as { commits: Record<string, { status: string }> }).commits[hash]
  expect(after?.status).toBe('revealed')
  second.child.kill('SIGINT')
  expect(await second.exited).toBe(0)
}, 360_000)
