/**
 * The new JSON-RPC spec groups (paritytech/json-rpc-interface-spec, v1) that polkadot-api and
 * other light-client-era libraries prefer: `chainHead_v1_*` (follow the chain with pinned blocks,
 * operations on them), `chainSpec_v1_*` and `transaction_v1_*` / `transactionWatch_v1_*`.
 *
 * Follow events: `initialized` (the finalized block), `newBlock` and `bestBlockChanged` for every
 * block, `finalized` when finality moves (one block behind the head on the devnet), and the
 * `operation*` events of `body`, `call` and `storage`. The devnet has no forks, so
 * `prunedBlockHashes` is always empty. A reported block stays pinned (its state with it) until
 * `chainHead_v1_unpin`; a subscription that pins more than {@link MAX_PINNED} blocks is stopped
 * (`stop` event), as the spec allows.
 */
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsHex } from '@polkadot/util-crypto'
import type { BlockRecord, Chain, TxStatus } from './chain.ts'
import { rawStorage, storageKeys } from './code.ts'
import type { State } from './state.ts'

/** JSON-RPC error codes of the spec. */
export const INVALID_BLOCK = -32801
export const MAX_FOLLOWS_REACHED = -32800

/** Blocks one follow subscription may hold pinned before the devnet stops it. */
export const MAX_PINNED = 512
/** Follow subscriptions per connection (the spec asks servers for at least 2). */
export const MAX_FOLLOWS = 8
/** Storage items per `operationStorageItems` event. */
const ITEMS_PER_EVENT = 256
/** Descendant keys one storage operation may return before waiting for `continue`. */
const ITEMS_PER_ROUND = 4096

/** A JSON-RPC error thrown by these methods. */
export class SpecError extends Error {
  override name = 'SpecError'
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

/** What the follow subscriptions need from the server. */
export interface SpecDeps {
  chain: Chain
  /** The `:code` stand-in (0x hex). */
  code: string
  /** The runtime spec of the follow events (`specName`, `implName`, versions, `apis`). */
  runtimeSpec(): Record<string, unknown>
  /** `state_call` of `fn` with `data` on `state` (at block `number`); 0x hex result or a throw. */
  call(state: State, number: number, fn: string, data: Uint8Array): string
  /** Parses a hex parameter (the server's rules, `""` and unprefixed allowed). */
  hex(p: unknown, what: string): Uint8Array
  /** chainSpec_v1_* answers. */
  chainName: string
  properties: Record<string, unknown>
  log(line: string): void
}

type Notify = (method: string, subscription: string, result: unknown) => void

interface Pinned {
  block: BlockRecord
  state: State | undefined
}

interface StorageQuery {
  key: string
  type: string
}

/** One `chainHead_v1_follow` subscription. */
export class Follow {
  readonly id: string
  readonly withRuntime: boolean
  readonly #deps: SpecDeps
  readonly #notify: (result: unknown) => void
  readonly #pinned = new Map<string, Pinned>()
  readonly #ops = new Map<string, () => void>()
  #nextOp = 1
  #lastFinalized = -1
  #unsub: (() => void)[] = []
  #stopped = false

  constructor(deps: SpecDeps, id: string, withRuntime: boolean, notify: Notify, onStop: () => void) {
    this.#deps = deps
    this.id = id
    this.withRuntime = withRuntime
    this.#notify = (result) => notify('chainHead_v1_followEvent', id, result)
    this.#onStop = onStop
  }

  readonly #onStop: () => void

  /** Sends `initialized` and the blocks above the finalized one; then follows new blocks. */
  start(): void {
    const { chain } = this.#deps
    const fin = chain.finalized
    this.#pin(fin)
    this.#lastFinalized = fin.number
    this.#notify({
      event: 'initialized',
      finalizedBlockHashes: [fin.hash],
      ...(this.withRuntime ? { finalizedBlockRuntime: { type: 'valid', spec: this.#deps.runtimeSpec() } } : {}),
    })
    const above: BlockRecord[] = []
    for (let n = fin.number + 1; n <= chain.best.number; n++) {
      const b = chain.block(n)
      if (b !== undefined) above.push(b)
    }
    for (const b of above) this.#newBlock(b)
    this.#notify({ event: 'bestBlockChanged', bestBlockHash: chain.best.hash })
    this.#unsub.push(
      chain.onBlock((b) => {
        this.#newBlock(b)
        this.#notify({ event: 'bestBlockChanged', bestBlockHash: b.hash })
      }),
      chain.onFinalized((b) => this.#finalized(b)),
    )
  }

  #newBlock(b: BlockRecord): void {
    if (this.#stopped) return
    if (!this.#pin(b)) return
    this.#notify({ event: 'newBlock', blockHash: b.hash, parentBlockHash: b.header.parentHash, ...(this.withRuntime ? { newRuntime: null } : {}) })
  }

  #finalized(b: BlockRecord): void {
    if (this.#stopped || b.number <= this.#lastFinalized) return
    const hashes: string[] = []
    for (let n = this.#lastFinalized + 1; n <= b.number; n++) {
      const x = this.#deps.chain.block(n)
      if (x !== undefined) hashes.push(x.hash)
    }
    this.#lastFinalized = b.number
    this.#notify({ event: 'finalized', finalizedBlockHashes: hashes, prunedBlockHashes: [] })
  }

  #pin(b: BlockRecord): boolean {
    if (this.#pinned.size >= MAX_PINNED) {
      this.#deps.log(`chainHead follow ${this.id}: more than ${MAX_PINNED} pinned blocks, stopping it`)
      this.stop(true)
      return false
    }
    this.#pinned.set(b.hash, { block: b, state: b.state })
    return true
  }

  /** Ends the subscription; with `notify`, sends the `stop` event (server-side stop). */
  stop(notify: boolean): void {
    if (this.#stopped) return
    this.#stopped = true
    for (const u of this.#unsub) u()
    this.#unsub = []
    for (const cancel of this.#ops.values()) cancel()
    this.#ops.clear()
    this.#pinned.clear()
    if (notify) this.#notify({ event: 'stop' })
    this.#onStop()
  }

  #get(hash: unknown): Pinned {
    const h = typeof hash === 'string' ? (hash.startsWith('0x') ? hash : '0x' + hash).toLowerCase() : ''
    const p = this.#pinned.get(h)
    if (p === undefined) throw new SpecError(INVALID_BLOCK, `Invalid block hash: ${String(hash)} is not pinned by this subscription`)
    return p
  }

  /** `chainHead_v1_header`: the SCALE header. */
  header(hash: unknown): string {
    const { block } = this.#get(hash)
    return this.#deps.chain.codec.registry.createType('Header', block.header).toHex()
  }

  /** `chainHead_v1_unpin` (one hash or an array; all or nothing). */
  unpin(hashes: unknown): null {
    const list = Array.isArray(hashes) ? hashes : [hashes]
    const ps = list.map((h) => this.#get(h))
    for (const p of ps) this.#pinned.delete(p.block.hash)
    return null
  }

  /** Starts an operation whose events are sent after the reply. */
  #operation(run: (op: string, emit: (e: Record<string, unknown>) => void, live: () => boolean) => void): { result: 'started'; operationId: string; discardedItems?: number } {
    const op = `op-${this.#nextOp++}`
    let alive = true
    this.#ops.set(op, () => {
      alive = false
    })
    const emit = (e: Record<string, unknown>): void => {
      if (alive && !this.#stopped) this.#notify({ ...e, operationId: op })
    }
    setImmediate(() => {
      if (!alive) return
      try {
        run(op, emit, () => alive && !this.#stopped)
      } catch (e) {
        emit({ event: 'operationError', error: (e as Error).message })
        this.#ops.delete(op)
      }
    })
    return { result: 'started', operationId: op }
  }

  #done(op: string): void {
    this.#ops.delete(op)
  }

  /** `chainHead_v1_body`. */
  body(hash: unknown): unknown {
    const { block } = this.#get(hash)
    return this.#operation((op, emit) => {
      emit({ event: 'operationBodyDone', value: block.extrinsics })
      this.#done(op)
    })
  }

  /** `chainHead_v1_call`. */
  call(hash: unknown, fn: unknown, params: unknown): unknown {
    if (!this.withRuntime) throw new SpecError(-32602, 'Invalid params: chainHead_v1_call needs a follow subscription with withRuntime = true')
    if (typeof fn !== 'string') throw new SpecError(-32602, 'Invalid params: function must be a string')
    const data = this.#deps.hex(params, 'callParameters')
    const p = this.#get(hash)
    return this.#operation((op, emit) => {
      try {
        if (p.state === undefined) throw new Error(`state of block #${p.block.number} is not available`)
        emit({ event: 'operationCallDone', output: this.#deps.call(p.state, p.block.number, fn, data) })
      } catch (e) {
        emit({ event: 'operationError', error: (e as Error).message })
      }
      this.#done(op)
    })
  }

  /** `chainHead_v1_storage` (main trie only: the devnet has no child tries). */
  storage(hash: unknown, items: unknown, childTrie: unknown): unknown {
    if (!Array.isArray(items)) throw new SpecError(-32602, 'Invalid params: items must be an array')
    const queries: StorageQuery[] = items.map((it, i) => {
      const o = it as { key?: unknown; type?: unknown }
      if (typeof o !== 'object' || o === null) throw new SpecError(-32602, `Invalid params: items[${i}] must be an object`)
      const type = String(o.type)
      if (!['value', 'hash', 'closestDescendantMerkleValue', 'descendantsValues', 'descendantsHashes'].includes(type)) throw new SpecError(-32602, `Invalid params: items[${i}].type ${type} is not a storage query type`)
      return { key: u8aToHex(this.#deps.hex(o.key, `items[${i}].key`)), type }
    })
    if (childTrie !== undefined && childTrie !== null) this.#deps.hex(childTrie, 'childTrie')
    const p = this.#get(hash)
    const res = this.#operation((op, emit, live) => {
      if (p.state === undefined) throw new Error(`state of block #${p.block.number} is not available`)
      const out: Record<string, string>[] = childTrie === undefined || childTrie === null ? this.#answer(p.state, queries) : []
      const send = (from: number): void => {
        if (!live()) return
        const end = Math.min(out.length, from + ITEMS_PER_ROUND)
        for (let i = from; i < end; i += ITEMS_PER_EVENT) emit({ event: 'operationStorageItems', items: out.slice(i, Math.min(end, i + ITEMS_PER_EVENT)) })
        if (end >= out.length) {
          emit({ event: 'operationStorageDone' })
          this.#done(op)
          return
        }
        // Large answers pause until the client asks for more.
        this.#resume.set(op, () => send(end))
        emit({ event: 'operationWaitingForContinue' })
      }
      send(0)
    })
    return { ...res, discardedItems: 0 }
  }

  readonly #resume = new Map<string, () => void>()

  #answer(state: State, queries: StorageQuery[]): Record<string, string>[] {
    const code = this.#deps.code
    const out: Record<string, string>[] = []
    const hashOf = (v: string): string => blake2AsHex(hexToU8a(v), 256)
    for (const q of queries) {
      if (q.type === 'value' || q.type === 'hash') {
        const v = rawStorage(state, q.key, code)
        if (v !== undefined) out.push(q.type === 'value' ? { key: q.key, value: v } : { key: q.key, hash: hashOf(v) })
      } else if (q.type === 'closestDescendantMerkleValue') {
        // No trie: a digest of every (key, value) under the prefix stands in for the Merkle value.
        const keys = storageKeys(state, q.key)
        if (keys.length > 0) out.push({ key: q.key, closestDescendantMerkleValue: blake2AsHex(hexToU8a('0x' + keys.map((k) => k.slice(2) + rawStorage(state, k, code)!.slice(2)).join('')), 256) })
      } else {
        for (const k of storageKeys(state, q.key)) {
          const v = rawStorage(state, k, code)!
          out.push(q.type === 'descendantsValues' ? { key: k, value: v } : { key: k, hash: hashOf(v) })
        }
      }
    }
    return out
  }

  /** `chainHead_v1_continue`. */
  continue(op: unknown): null {
    const r = this.#resume.get(String(op))
    if (r === undefined) throw new SpecError(-32602, `Invalid params: operation ${String(op)} is not waiting for continue`)
    this.#resume.delete(String(op))
    setImmediate(r)
    return null
  }

  /** `chainHead_v1_stopOperation`. */
  stopOperation(op: unknown): null {
    const id = String(op)
    this.#ops.get(id)?.()
    this.#ops.delete(id)
    this.#resume.delete(id)
    return null
  }
}

/** Per-connection state of the spec methods. */
export interface SpecSession {
  notify: Notify
  follows: Map<string, Follow>
  /** transaction_v1_broadcast operations of this connection. */
  broadcasts: Set<string>
  /** Subscriptions the server cancels when the connection closes. */
  subs: Map<string, () => void>
}

type Method = (params: unknown[], session: SpecSession | undefined) => unknown

function needSession(s: SpecSession | undefined, method: string): SpecSession {
  if (s === undefined) throw new SpecError(-32603, `${method} needs a WebSocket connection (subscriptions are not available over HTTP)`)
  return s
}

/**
 * The spec methods, keyed by name. `newId` names subscriptions and operations (unique per server).
 */
export function specMethods(deps: SpecDeps, newId: () => string): Record<string, Method> {
  const { chain } = deps
  const follow = (s: SpecSession | undefined, id: unknown): Follow | undefined => s?.follows.get(String(id))
  return {
    chainSpec_v1_chainName: () => deps.chainName,
    chainSpec_v1_genesisHash: () => chain.genesisHash,
    chainSpec_v1_properties: () => deps.properties,

    chainHead_v1_follow: ([withRuntime], session) => {
      const s = needSession(session, 'chainHead_v1_follow')
      if (typeof withRuntime !== 'boolean') throw new SpecError(-32602, 'Invalid params: withRuntime must be a boolean')
      if (s.follows.size >= MAX_FOLLOWS) throw new SpecError(MAX_FOLLOWS_REACHED, `Maximum number of chainHead_v1_follow subscriptions (${MAX_FOLLOWS}) reached`)
      const id = newId()
      const f = new Follow(deps, id, withRuntime, s.notify, () => {
        s.follows.delete(id)
        s.subs.delete(id)
      })
      s.follows.set(id, f)
      s.subs.set(id, () => f.stop(false))
      setImmediate(() => {
        if (s.follows.get(id) === f) f.start()
      })
      return id
    },
    chainHead_v1_unfollow: ([id], s) => {
      follow(s, id)?.stop(false)
      return null
    },
    // A dead or unknown subscription answers null (header) / limitReached (operations), as the spec says.
    chainHead_v1_header: ([id, hash], s) => follow(s, id)?.header(hash) ?? null,
    chainHead_v1_body: ([id, hash], s) => follow(s, id)?.body(hash) ?? { result: 'limitReached' },
    chainHead_v1_call: ([id, hash, fn, params], s) => follow(s, id)?.call(hash, fn, params) ?? { result: 'limitReached' },
    chainHead_v1_storage: ([id, hash, items, child], s) => follow(s, id)?.storage(hash, items, child) ?? { result: 'limitReached' },
    chainHead_v1_unpin: ([id, hashes], s) => follow(s, id)?.unpin(hashes) ?? null,
    chainHead_v1_continue: ([id, op], s) => follow(s, id)?.continue(op) ?? null,
    chainHead_v1_stopOperation: ([id, op], s) => follow(s, id)?.stopOperation(op) ?? null,

    transaction_v1_broadcast: ([tx], session) => {
      const s = needSession(session, 'transaction_v1_broadcast')
      const bytes = deps.hex(tx, 'transaction')
      const id = newId()
      s.broadcasts.add(id)
      // The spec's broadcast reports nothing back; a refused transaction is only logged.
      try {
        chain.submit(bytes)
      } catch (e) {
        deps.log(`transaction_v1_broadcast ${id}: not added to the pool: ${(e as Error).message}`)
      }
      return id
    },
    transaction_v1_stop: ([id], session) => {
      if (session === undefined || !session.broadcasts.delete(String(id))) throw new SpecError(-32602, `Invalid params: ${String(id)} is not an active broadcast operation`)
      return null
    },

    transactionWatch_v1_submitAndWatch: ([tx], session) => {
      const s = needSession(session, 'transactionWatch_v1_submitAndWatch')
      const bytes = deps.hex(tx, 'transaction')
      const id = newId()
      const hex = u8aToHex(bytes)
      let live = true
      let ready = false
      const queued: unknown[] = []
      const send = (e: unknown): void => {
        if (!live) return
        if (ready) s.notify('transactionWatch_v1_watchEvent', id, e)
        else queued.push(e)
      }
      const end = (e: unknown): void => {
        send(e)
        live = false
        s.subs.delete(id)
      }
      const at = (hash: string) => {
        const b = chain.block(hash)
        return { hash, index: Math.max(0, b?.extrinsics.indexOf(hex) ?? 0) }
      }
      const watcher = (st: TxStatus): void => {
        if (st === 'ready' || st === 'future') {
          send({ event: 'validated' })
          send({ event: 'broadcasted', numPeers: 0 })
        } else if (st === 'invalid') end({ event: 'invalid', error: 'the transaction became invalid' })
        else if (st === 'dropped') end({ event: 'dropped', error: 'the transaction was dropped from the pool' })
        else if ('inBlock' in st) send({ event: 'bestChainBlockIncluded', block: at(st.inBlock) })
        else if ('finalized' in st) end({ event: 'finalized', block: at(st.finalized) })
      }
      try {
        chain.submit(bytes, watcher)
      } catch (e) {
        // Invalid from the start: the subscription exists and reports it (as the spec's server does).
        end({ event: 'invalid', error: (e as Error).message })
      }
      if (live) s.subs.set(id, () => (live = false))
      setImmediate(() => {
        ready = true
        for (const e of queued) s.notify('transactionWatch_v1_watchEvent', id, e)
      })
      return id
    },
    transactionWatch_v1_unwatch: ([id], s) => {
      const u = s?.subs.get(String(id))
      if (u === undefined) throw new SpecError(-32602, `Invalid params: ${String(id)} is not an active transaction watch`)
      u()
      s!.subs.delete(String(id))
      return null
    },
  }
}
