/**
 * BitGo's TAO SDK (`@bitgo/sdk-coin-tao`, built on @polkadot 14 and txwrapper) builds, signs and
 * serializes transactions offline from "material": the chain's metadata as `state_getMetadata`
 * returns it, genesis hash, chain and spec names and versions. Here the material is the devnet's,
 * the SDK builds a transfer and an `add_stake` signed with an ed25519 dev key (BitGo's key type),
 * and the devnet includes both (balances and stake checked).
 */
import { createRequire } from 'node:module'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnetWithApi, type DevnetWithApi, type RpcReply } from './testing.ts'

// BitGo's packages are CommonJS.
const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any
const tao = require('@bitgo/sdk-coin-tao') as Loose
const statics = require('@bitgo/statics') as Loose

const SEED = '8f1c0a7e2b6d4c3f9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e'
let net: DevnetWithApi
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })

beforeAll(async () => {
  await cryptoWaitReady()
  net = await startDevnetWithApi()
  net.blocks(1)
})
afterAll(async () => {
  await net?.stop()
})

async function ok<T>(r: Promise<RpcReply>): Promise<T> {
  const x = await r
  if (x.error !== undefined) throw new Error(`${x.error.message}: ${JSON.stringify(x.error.data)}`)
  return x.result as T
}

/** The devnet's material, as a BitGo integrator would read it from any node. */
async function material(): Promise<Record<string, unknown>> {
  const version = await ok<{ specName: string; specVersion: number; transactionVersion: number }>(net.rpc('state_getRuntimeVersion'))
  return {
    genesisHash: net.devnet.genesisHash,
    chainName: await ok<string>(net.rpc('system_chain')),
    specName: version.specName,
    specVersion: version.specVersion,
    txVersion: version.transactionVersion,
    metadata: await ok<string>(net.rpc('state_getMetadata')),
  }
}

function builders(m: Record<string, unknown>): Loose {
  return new tao.TransactionBuilderFactory(statics.coins.get('ttao')).material(m)
}

describe("BitGo's TAO SDK against the devnet", () => {
  it('builds a transfer and an add_stake the devnet includes', async () => {
    const key = new tao.KeyPair({ prv: SEED })
    const sender = key.getAddress(42) as string
    const dest = keyring.addFromUri('//bitgo-dest').address
    const hotkey = keyring.addFromUri('//Alice').address // uid 0 of subnet 1
    await ok(net.rpc('devnet_faucet', [sender, '100000000000']))
    const m = await material()
    const base = (b: Loose, nonce: number): Loose =>
      b
        .sender({ address: sender })
        .validity({ firstValid: net.devnet.bestNumber(), maxDuration: 64 })
        .referenceBlock(net.devnet.bestHash())
        .sequenceId({ name: 'Nonce', keyword: 'nonce', value: nonce })
        .fee({ amount: 0, type: 'tip' })

    const transfer = base(builders(m).getTransferBuilder().amount('2500000000').to({ address: dest }), 0)
    transfer.sign({ key: SEED })
    const t1 = await transfer.build()
    await ok(net.rpc('author_submitExtrinsic', [t1.toBroadcastFormat()]))

    const stake = base(builders(m).getStakingBuilder().amount('3000000000').hotkey({ address: hotkey }).netuid('1'), 1)
    stake.sign({ key: SEED })
    const t2 = await stake.build()
    await ok(net.rpc('author_submitExtrinsic', [t2.toBroadcastFormat()]))

    expect(await ok<string[]>(net.rpc('author_pendingExtrinsics'))).toHaveLength(2)
    net.blocks(1)
    const q = net.query()
    expect((await q.system.account(dest)).data.free.toBigInt()).toBe(2_500_000_000n)
    expect((await q.system.account(sender)).nonce.toNumber()).toBe(2)
    const alpha = await q.subtensorModule.alpha(hotkey, sender, 1)
    expect(alpha.toString()).not.toBe('0')
    const events = (await q.system.events()).map((e: Loose) => `${e.event.section}.${e.event.method}`)
    expect(events.filter((e: string) => e === 'system.ExtrinsicSuccess')).toHaveLength(3) // timestamp + both
    expect(events).toContain('subtensorModule.StakeAdded')
  })
})
