/**
 * Test fixture: a devnet with a stock @polkadot/api client connected to it, and the helpers the
 * devnet's tests share (submit and wait for the block, pallet error names, raw JSON-RPC).
 *
 * The client has no type augmentation for subtensor's pallets (on purpose: no project types
 * between client and devnet), so `tx()`, `query()`, `call()` and `events()` are untyped.
 */
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { ISubmittableResult } from '@polkadot/types/types'
import { afterAll, beforeAll } from 'vitest'
import { startDevnet, type Devnet, type DevnetInit } from './index.ts'

/** The untyped subtensor sections of a stock client. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any

/** A JSON-RPC reply as it comes over HTTP. */
export interface RpcReply {
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

/** A running devnet with a stock client, and the shared helpers. */
export interface DevnetWithApi {
  readonly devnet: Devnet
  readonly api: ApiPromise
  /** sr25519, SS58 42 (the dev accounts: `keyring.addFromUri('//Alice')`). */
  readonly keyring: Keyring
  /** `api.tx`, untyped. */
  tx(): Loose
  /** `api.query`, untyped. */
  query(): Loose
  /** `api.call`, untyped. */
  call(): Loose
  /** `api.events`, untyped. */
  events(): Loose
  /** Signs and submits, waiting for Ready/Future and for the in-block result, producing no block. */
  send(t: SubmittableExtrinsic<'promise'>, signer: KeyringPair): { ready: Promise<void>; inBlock: Promise<ISubmittableResult> }
  /** Signs and submits; produces a block once the pool has it; resolves with the in-block result. */
  submit(t: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<ISubmittableResult>
  /** The pallet error name of a failed extrinsic (`section.Name`), the error type otherwise, or 'ok'. */
  outcome(r: ISubmittableResult): string
  /** Produces `n` blocks. */
  blocks(n: number): void
  /** One JSON-RPC call over HTTP; the reply as is (result or error). */
  rpc(method: string, params?: unknown[]): Promise<RpcReply>
  /**
   * The epoch index the next block has on `netuid` (spec 424's `current_epoch_with_lookahead`,
   * read from `SubnetEpochIndex`, `LastEpochBlock`, `PendingEpochAt` and `Tempo`), and whether
   * an epoch runs in it.
   */
  nextEpoch(netuid?: number): Promise<{ index: number; fires: boolean }>
  /** Produces blocks until the next block's epoch index is at least `index`. */
  runToEpoch(index: number, netuid?: number): Promise<void>
  /** Produces blocks until the next block runs `netuid`'s epoch; returns that block's number. */
  runToEpochBlock(netuid?: number): Promise<number>
  /**
   * Produces blocks until the next block's extrinsics find `netuid`'s admin freeze window open
   * (or, with `frozen`, closed). Extrinsics run after the block's epoch, so an epoch block is open.
   */
  untilAdminWindow(netuid?: number, frozen?: boolean): Promise<void>
  /** The outcome of a `Sudo.Sudid` / `SudoAsDone` event in an in-block result: 'ok', `section.Name`, or the error type. */
  sudoOutcome(r: ISubmittableResult): string
  /** Submits `Sudo.sudo(call)` signed by the sudo key (//Alice) and returns the inner call's outcome. */
  sudo(call: SubmittableExtrinsic<'promise'>): Promise<string>
  /** Disconnects the client and stops the devnet; idempotent. */
  stop(): Promise<void>
}

/**
 * Starts a devnet (port 0, blocks only through `produceBlock` unless `init` says otherwise) and
 * connects a stock `ApiPromise` to it.
 */
export async function startDevnetWithApi(init: DevnetInit = {}): Promise<DevnetWithApi> {
  const devnet = await startDevnet({ port: 0, blockTimeMs: 0, ...init })
  let api: ApiPromise
  try {
    api = await ApiPromise.create({ provider: new WsProvider(devnet.url), noInitWarn: true })
  } catch (e) {
    await devnet.stop()
    throw e
  }
  return withHelpers(devnet, api, new Keyring({ type: 'sr25519', ss58Format: 42 }))
}

function withHelpers(devnet: Devnet, api: ApiPromise, keyring: Keyring): DevnetWithApi {
  const send: DevnetWithApi['send'] = (t, signer) => {
    const ready = Promise.withResolvers<void>()
    const inBlock = Promise.withResolvers<ISubmittableResult>()
    t.signAndSend(signer, (r: ISubmittableResult) => {
      if (r.status.isReady || r.status.isFuture) ready.resolve()
      if (r.status.isInBlock) inBlock.resolve(r)
      if (r.status.isInvalid || r.status.isDropped) inBlock.reject(new Error(`transaction ${r.status.type}`))
    }).catch((e: unknown) => {
      ready.reject(e)
      inBlock.reject(e)
    })
    return { ready: ready.promise, inBlock: inBlock.promise }
  }
  let stopped: Promise<void> | undefined
  const q = api.query as Loose
  const nextEpoch: DevnetWithApi['nextEpoch'] = async (netuid = 1) => {
    const next = devnet.bestNumber() + 1
    const [index, last, pending, tempo] = (await Promise.all([
      q.subtensorModule.subnetEpochIndex(netuid), q.subtensorModule.lastEpochBlock(netuid),
      q.subtensorModule.pendingEpochAt(netuid), q.subtensorModule.tempo(netuid),
    ])).map((x: Loose) => Number(x.toString())) as [number, number, number, number]
    const fires = tempo > 0 && ((pending > 0 && next >= pending) || next - last >= tempo)
    return { index: fires ? index + 1 : index, fires }
  }
  const dispatchOutcome = (e: Loose): string => {
    if (e.isModule) {
      const m = api.registry.findMetaError(e.asModule)
      return `${m.section}.${m.name}`
    }
    return e.type as string
  }
  const sudoOutcome: DevnetWithApi['sudoOutcome'] = (r) => {
    const ev = (r.events as Loose[]).find((e: Loose) => api.events.sudo!.Sudid!.is(e.event) || api.events.sudo!.SudoAsDone!.is(e.event))
    if (ev === undefined) throw new Error('no Sudo.Sudid or SudoAsDone event in the result')
    const res = ev.event.data[0]
    return res.isOk ? 'ok' : dispatchOutcome(res.asErr)
  }
  const blocks = (n: number): void => {
    for (let i = 0; i < n; i++) devnet.produceBlock()
  }
  return {
    devnet,
    api,
    keyring,
    tx: () => api.tx,
    query: () => api.query,
    call: () => api.call,
    events: () => api.events,
    send,
    submit: async (t, signer) => {
      const s = send(t, signer)
      await s.ready
      devnet.produceBlock()
      return await s.inBlock
    },
    outcome: (r) => (r.dispatchError === undefined ? 'ok' : dispatchOutcome(r.dispatchError)),
    blocks,
    rpc: async (method, params = []) => {
      const res = await fetch(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
      return (await res.json()) as RpcReply
    },
    nextEpoch,
    untilAdminWindow: async (netuid = 1, frozen = false) => {
      const window = Number((await q.subtensorModule.adminFreezeWindow()).toString())
      for (;;) {
        const [last, tempo] = (await Promise.all([q.subtensorModule.lastEpochBlock(netuid), q.subtensorModule.tempo(netuid)])).map((x: Loose) => Number(x.toString())) as [number, number]
        const remaining = last + tempo - (devnet.bestNumber() + 1)
        if (frozen ? remaining > 0 && remaining < window : remaining <= 0 || remaining >= window) return
        blocks(1)
      }
    },
    sudoOutcome,
    sudo: async (call) => {
      const s = send(api.tx.sudo!.sudo!(call), keyring.addFromUri('//Alice'))
      await s.ready
      devnet.produceBlock()
      return sudoOutcome(await s.inBlock)
    },
    runToEpoch: async (index, netuid = 1) => {
      while ((await nextEpoch(netuid)).index < index) devnet.produceBlock()
    },
    runToEpochBlock: async (netuid = 1) => {
      while (!(await nextEpoch(netuid)).fires) devnet.produceBlock()
      return devnet.bestNumber() + 1
    },
    stop: () => {
      stopped ??= (async () => {
        await api.disconnect()
        await devnet.stop()
      })()
      return stopped
    },
  }
}

/**
 * For a test file: starts a devnet with a stock client in `beforeAll` and stops both in
 * `afterAll`. The returned handle's members work once `beforeAll` has run (and throw before),
 * except `keyring`, which is there at once.
 */
export function useDevnetWithApi(init: DevnetInit = {}): DevnetWithApi {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
  let net: DevnetWithApi | undefined
  beforeAll(async () => {
    net = await startDevnetWithApi(init)
  })
  afterAll(async () => {
    await net?.stop()
  })
  const get = (): DevnetWithApi => {
    if (net === undefined) throw new Error('the devnet fixture is not started (use its members inside tests)')
    return net
  }
  return {
    get devnet() { return get().devnet },
    get api() { return get().api },
    keyring,
    tx: () => get().tx(),
    query: () => get().query(),
    call: () => get().call(),
    events: () => get().events(),
    send: (t, signer) => get().send(t, signer),
    submit: (t, signer) => get().submit(t, signer),
    outcome: (r) => get().outcome(r),
    blocks: (n) => get().blocks(n),
    rpc: (method, params) => get().rpc(method, params),
    nextEpoch: (netuid) => get().nextEpoch(netuid),
    runToEpoch: (index, netuid) => get().runToEpoch(index, netuid),
    runToEpochBlock: (netuid) => get().runToEpochBlock(netuid),
    untilAdminWindow: (netuid, frozen) => get().untilAdminWindow(netuid, frozen),
    sudoOutcome: (r) => get().sudoOutcome(r),
    sudo: (call) => get().sudo(call),
    stop: () => get().stop(),
  }
}
