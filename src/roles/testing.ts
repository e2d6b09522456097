/** Test helpers of src/roles (imported by tests only). */
import type { KeyringPair } from '@polkadot/keyring/types'
import { expect } from 'vitest'
import type { DevnetWithApi } from '../devnet/testing.ts'
import { epochDueAt, readEpochSchedule, type ChainClient } from '../wallet/index.ts'

/** Polls `fn` every 300 ms until it returns a value other than undefined/false; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

/**
 * Steps of the devnet-driven epoch tests (the epoch-input agreement test, the replay CLI test):
 * submit-and-expect-ok, a hotkey's uid, and producing blocks up to the eve of the subnet's next
 * epoch by the client's one epoch schedule. `net` and `client` are read when a step runs (tests
 * start them in beforeAll).
 */
export function devnetEpochSteps(net: () => DevnetWithApi, client: () => ChainClient, netuid: number): {
  ok(t: Parameters<DevnetWithApi['submit']>[0], signer: KeyringPair): Promise<void>
  uidOf(hot: KeyringPair): Promise<number>
  runToEpochEve(): Promise<number>
} {
  return {
    async ok(t, signer) {
      expect(net().outcome(await net().submit(t, signer))).toBe('ok')
    },
    async uidOf(hot) {
      return (await net().query().subtensorModule.uids(netuid, hot.address)).unwrap().toNumber()
    },
    /** Produces blocks until the next one is the subnet's epoch block; returns its number. */
    async runToEpochEve() {
      while (!epochDueAt(await readEpochSchedule(client(), netuid), net().devnet.bestNumber() + 1)) net().devnet.produceBlock()
      return net().devnet.bestNumber() + 1
    },
  }
}
