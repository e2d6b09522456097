/**
 * The stack runs the task it is given (`webtensor start --task NAME`): /config.json names it, the
 * headless validator challenges with it, and a miner that takes its task from the page config
 * (as the app does) answers and is scored. Here the second task, text detection, on the devnet.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createMiner, createNodeSolver, type Miner, type NodeSolver } from '../roles/node.ts'
import { getTask } from '../subnet/index.ts'
import { createChainClient, createKeyringSigner, createMemoryMetadataCache, type ChainClient } from '../wallet/index.ts'
import { startStack, type Stack } from './stack.ts'

const root = mkdtempSync(join(tmpdir(), 'webtensor-stack-task-'))
writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>')
let stack: Stack | undefined
let client: ChainClient | undefined
let miner: Miner | undefined
let solver: NodeSolver | undefined

afterAll(async () => {
  await miner?.stop()
  await solver?.stop()
  await client?.stop()
  await stack?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('the stack with another task', () => {
  it('serves the task in /config.json, validates with it, and a miner following the config is scored', async () => {
    stack = await startStack({ root, port: 0, devnet: { blockTimeMs: 400 }, task: 'textdet' })
    const config = await (await fetch(`${stack.url}config.json`)).json() as { task?: string; chain?: string; netuid?: number; relay?: string[] }
    expect(config.task).toBe('textdet')
    const v = await stack.validatorReady()
    expect(v?.state.task).toBe('textdet')
    // What the app does with the page config: the task by name, its solver, the miner.
    const task = getTask(config.task)
    client = await createChainClient({ endpoint: config.chain!, metadataCache: createMemoryMetadataCache() })
    solver = createNodeSolver(task, { threads: 1 })
    miner = createMiner({ client, netuid: config.netuid!, hotkey: await createKeyringSigner('//Bob//stack-det'), relays: config.relay!, task, solver, coldkey: await createKeyringSigner('//Bob') })
    await miner.start()
    const end = Date.now() + 90_000
    const row = (): { answered: number; lastScore: number | null } | undefined => v!.state.miners.find((m) => m.uid === miner!.state.uid)
    while ((row()?.answered ?? 0) === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 300))
    expect(row()?.answered).toBeGreaterThan(0)
    // Scored by the text-detection task (a miss now and then lowers one answer's F1; quality is
    // tested in src/subnet/textdet), not refused as another task's answer.
    expect(row()!.lastScore!).toBeGreaterThan(0)
  }, 180_000)

  it('an unknown task is refused before anything starts, naming the known ones', async () => {
    await expect(startStack({ root, port: 0, task: 'nope' })).rejects.toThrow(/unknown task 'nope' \(known: ocr, textdet\)/u)
    const r = spawnSync(process.execPath, ['bin/webtensor.js', 'start', '--no-build', '--task', 'nope'], { encoding: 'utf8', timeout: 60_000 })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--task must be one of ocr, textdet, got 'nope'/u)
  }, 90_000)
})
