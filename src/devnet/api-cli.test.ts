/**
 * `@polkadot/api-cli` (`polkadot-js-api`, as a user runs it) queries the devnet: storage by
 * pallet and item name and a constant, in a child process (so the devnet in this one answers).
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from './index.ts'

const CLI = fileURLToPath(new URL('../../node_modules/@polkadot/api-cli/runcli.mjs', import.meta.url))
let devnet: Devnet

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 0 })
  devnet.produceBlock()
})
afterAll(async () => {
  await devnet?.stop()
})

async function cli(...args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, '--ws', devnet.url, ...args], { encoding: 'utf8', timeout: 60_000 })
  return JSON.parse(stdout) as unknown
}

describe('polkadot-js-api (api-cli) against the devnet', () => {
  it('reads storage and a constant', async () => {
    expect(await cli('query.subtensorModule.tempo', '1')).toEqual({ tempo: '10' })
    const [acct, version] = await Promise.all([cli('query.system.account', '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'), cli('consts.system.version')])
    expect((acct as { account: { data: { free: string } } }).account.data.free).toBe('1,000,000,000,000,000') // 1,000,000 TAO in rao, as the CLI prints it
    expect((version as { version: { specVersion: string } }).version.specVersion).toBe('424')
  })
})
