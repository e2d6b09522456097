/**
 * Spawns gpu-server.ts with Dawn's environment and runs epoch batches through it. Test-only.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { consensusDawnEnv as dawnEnv } from '../index.ts'
import type { EpochInput, EpochOutput } from '../types.ts'

/** A running Dawn GPU server. */
export interface DawnServer {
  ready: boolean
  reason?: string
  adapter?: string
  run(inputs: Array<EpochInput | Record<string, unknown>>, opts?: { loseDevice?: boolean }): Promise<{ path: string; passes: number; reason?: string; outputs: EpochOutput[] }>
  /** Runs helpers-check.wgsl on helperCases(randomCount); returns the raw result words. */
  helpers(randomCount: number): Promise<number[]>
  close(): Promise<void>
}

/** Whether Chromium's SwiftShader Vulkan driver is installed (else a Node GPU test may skip). */
export function swiftShaderInstalled(): boolean {
  return existsSync(dawnEnv()['VK_ICD_FILENAMES']!)
}

/** Converts `epochOutputToJson` back to an EpochOutput. */
export function epochOutputFromJson(j: Record<string, unknown>): EpochOutput {
  const big = (k: string): bigint[] => (j[k] as Array<number | string>).map((v) => BigInt(v))
  return {
    active: j['active'] as boolean[],
    stake_weight_u16: j['stake_weight_u16'] as number[],
    consensus_u16: j['consensus_u16'] as number[],
    incentive_u16: j['incentive_u16'] as number[],
    dividends_u16: j['dividends_u16'] as number[],
    validator_trust_u16: j['validator_trust_u16'] as number[],
    server_emission: big('server_emission'),
    validator_emission: big('validator_emission'),
    emission: big('emission'),
    new_validator_permit: j['new_validator_permit'] as boolean[],
    bonds_u16: j['bonds_u16'] as Array<Array<[number, number]>>,
  }
}

function toJsonInput(x: EpochInput | Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
}

/** Starts the server; resolves once it reports whether it has an adapter. */
export async function startDawnServer(): Promise<DawnServer> {
  const script = fileURLToPath(new URL('./gpu-server.ts', import.meta.url))
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...dawnEnv() },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout! })
  const pending = new Map<number, (msg: Record<string, unknown>) => void>()
  let first: ((msg: Record<string, unknown>) => void) | undefined
  const firstMsg = new Promise<Record<string, unknown>>((resolve) => { first = resolve })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  lines.on('line', (line) => {
    const msg = JSON.parse(line) as Record<string, unknown>
    if ('ready' in msg) first?.(msg)
    else pending.get(msg['id'] as number)?.(msg)
  })
  void exited.then(() => {
    first?.({ ready: false, reason: 'GPU server exited before reporting' })
    for (const p of pending.values()) p({ error: 'GPU server exited' })
  })
  const hello = await firstMsg
  let nextId = 1
  const server: DawnServer = {
    ready: hello['ready'] === true,
    async run(inputs, opts = {}) {
      const id = nextId++
      const reply = new Promise<Record<string, unknown>>((resolve) => pending.set(id, resolve))
      child.stdin!.write(JSON.stringify({ id, inputs: inputs.map(toJsonInput), ...(opts.loseDevice === true ? { loseDevice: true } : {}) }) + '\n')
      const msg = await reply
      pending.delete(id)
      if (typeof msg['error'] === 'string') throw new Error(msg['error'])
      const res = { path: msg['path'] as string, passes: msg['passes'] as number, outputs: (msg['outputs'] as Array<Record<string, unknown>>).map(epochOutputFromJson) }
      return typeof msg['reason'] === 'string' ? { ...res, reason: msg['reason'] } : res
    },
    async helpers(randomCount) {
      const id = nextId++
      const reply = new Promise<Record<string, unknown>>((resolve) => pending.set(id, resolve))
      child.stdin!.write(JSON.stringify({ id, helpers: randomCount }) + '\n')
      const msg = await reply
      pending.delete(id)
      if (typeof msg['error'] === 'string') throw new Error(msg['error'])
      return msg['words'] as number[]
    },
    async close() {
      if (child.exitCode === null) {
        child.stdin!.end()
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(t)
      }
    },
  }
  if (typeof hello['reason'] === 'string') server.reason = hello['reason']
  if (typeof hello['adapter'] === 'string') server.adapter = hello['adapter']
  return server
}
