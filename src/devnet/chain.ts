/**
 * The block store, transaction pool and block author of the devnet: builds blocks on a timer (or
 * on demand), keeps recent states for `at`-queries, notifies subscribers, and persists to a state
 * file atomically (temp file + rename) after every block.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { compactAddLength, hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsHex, blake2AsU8a } from '@polkadot/util-crypto'
import { beaconRandomness, createLocalBeacon, roundAt, type LocalBeacon } from '../timelock/index.ts'
import type { ChainCodec } from './codec.ts'
import { DevnetError } from './errors.ts'
import { BadFormat, decodeExtrinsic, InvalidTransaction, type DecodedExtrinsic } from './extrinsic.ts'
import { buildGenesis } from './genesis.ts'
import { BLOCK_HASH_COUNT, Runtime, type BlockContext } from './runtime.ts'
import { State } from './state.ts'

/** Header as the JSON-RPC returns it. */
export interface HeaderJson {
  parentHash: string
  number: string
  stateRoot: string
  extrinsicsRoot: string
  digest: { logs: string[] }
}

/** One block. `state` is its post-state, kept only for recent blocks. */
export interface BlockRecord {
  number: number
  hash: string
  header: HeaderJson
  extrinsics: string[]
  state: State | undefined
}

/** Status updates of a watched extrinsic, in the JSON shape of `author_extrinsicUpdate`. */
export type TxStatus = 'ready' | 'future' | { inBlock: string } | { finalized: string } | 'invalid' | 'dropped'

interface PoolEntry {
  xt: DecodedExtrinsic
  who: string
  watchers: ((s: TxStatus) => void)[]
  /** Waiting for an earlier nonce of the same account. */
  future?: boolean
}

/** How many recent blocks keep their full state for `at`-queries. */
export const KEPT_STATES = 256
/** How many drand pulses stay in state (the pallet keeps 216000; a devnet needs far fewer). */
export const KEPT_PULSES = 2048n

/** 2: spec 424's epoch schedule and commit layout (a version-1 file's chain would misread both). */
const STATE_FILE_VERSION = 2

interface StateFile {
  version: number
  genesisHash: string
  beaconSecret: string
  blocks: { number: number; hash: string; header: HeaderJson; extrinsics: string[] }[]
  best: Record<string, string>
}

/** Options of the chain core. */
export interface ChainOptions {
  codec: ChainCodec
  runtime: Runtime
  stateFile?: string
  commitReveal: boolean
  log: (line: string) => void
  /** The wall clock (ms); tests may pass a fake. */
  now?: () => number
  /** Transactions that may wait for an earlier nonce; default {@link MAX_FUTURE}. */
  maxFuture?: number
}

/** The chain core. */
export class Chain {
  readonly codec: ChainCodec
  readonly runtime: Runtime
  readonly beacon: LocalBeacon
  readonly genesisHash: string
  readonly #blocks = new Map<string, BlockRecord>()
  readonly #byNumber = new Map<number, string>()
  readonly #pool: PoolEntry[] = []
  readonly #listeners = new Set<(b: BlockRecord) => void>()
  readonly #stateFile: string | undefined
  readonly #log: (line: string) => void
  readonly #now: () => number
  readonly #maxFuture: number
  #best: BlockRecord
  #bestState: State
  /** Finality lags one block behind the best (as a GRANDPA chain's does, shortened). */
  #finalized: BlockRecord
  #awaitingFinality: PoolEntry[] = []
  readonly #finalityListeners = new Set<(b: BlockRecord) => void>()

  constructor(opts: ChainOptions) {
    this.codec = opts.codec
    this.runtime = opts.runtime
    this.#stateFile = opts.stateFile
    this.#log = opts.log
    this.#now = opts.now ?? Date.now
    this.#maxFuture = opts.maxFuture ?? MAX_FUTURE
    if (this.#stateFile !== undefined) removeStaleTemps(this.#stateFile)
    if (this.#stateFile !== undefined && existsSync(this.#stateFile)) {
      let file: StateFile
      try {
        file = JSON.parse(readFileSync(this.#stateFile, 'utf8')) as StateFile
      } catch (e) {
        throw new DevnetError('BAD_STATE_FILE', `state file ${this.#stateFile} is not valid JSON (${(e as Error).message}); move it away to start a fresh chain`)
      }
      if (file.version !== STATE_FILE_VERSION || !Array.isArray(file.blocks) || file.blocks.length === 0) {
        throw new DevnetError('BAD_STATE_FILE', `state file ${this.#stateFile} has an unknown layout; move it away to start a fresh chain`)
      }
      this.beacon = createLocalBeacon(hexToU8a(file.beaconSecret))
      this.genesisHash = file.genesisHash
      for (const b of file.blocks) this.#index({ ...b, state: undefined })
      const last = file.blocks[file.blocks.length - 1]!
      this.#bestState = new State(this.codec, new Map(Object.entries(file.best)))
      this.#best = this.#blocks.get(last.hash)!
      this.#best.state = this.#bestState
      this.#finalized = this.#best
      this.#log(`resumed from ${this.#stateFile} at block #${this.#best.number}`)
      return
    }
    this.beacon = createLocalBeacon()
    const genesisState = buildGenesis(this.codec, this.runtime, {
      commitReveal: opts.commitReveal,
      timeMs: this.#now(),
      beaconPublicKey: this.beacon.publicKey,
    })
    const header: HeaderJson = {
      parentHash: u8aToHex(new Uint8Array(32)),
      number: '0x0',
      stateRoot: genesisState.root(),
      extrinsicsRoot: blake2AsHex(new Uint8Array(), 256),
      digest: { logs: [] },
    }
    const genesis: BlockRecord = { number: 0, hash: this.#headerHash(header), header, extrinsics: [], state: genesisState }
    this.genesisHash = genesis.hash
    this.#index(genesis)
    this.#best = genesis
    this.#bestState = genesisState
    this.#finalized = genesis
    this.#persist()
  }

  #headerHash(h: HeaderJson): string {
    return this.codec.registry.createType('Header', h).hash.toHex()
  }

  #index(b: BlockRecord): void {
    this.#blocks.set(b.hash, b)
    this.#byNumber.set(b.number, b.hash)
  }

  /** The best block. */
  get best(): BlockRecord {
    return this.#best
  }

  /** The last finalized block (the best block's parent once there is one). */
  get finalized(): BlockRecord {
    return this.#finalized
  }

  /** Calls `fn` on every newly finalized block; returns an unsubscribe function. */
  onFinalized(fn: (b: BlockRecord) => void): () => void {
    this.#finalityListeners.add(fn)
    return () => this.#finalityListeners.delete(fn)
  }

  /** The best block's post-state. */
  get bestState(): State {
    return this.#bestState
  }

  /** A block by hash, or by number, or the best when undefined. */
  block(at?: string | number): BlockRecord | undefined {
    if (at === undefined || at === null) return this.#best
    if (typeof at === 'number') {
      const h = this.#byNumber.get(at)
      return h === undefined ? undefined : this.#blocks.get(h)
    }
    return this.#blocks.get(at.toLowerCase())
  }

  /** The post-state at a block; throws when unknown or pruned. */
  stateAt(at?: string): State {
    const b = this.block(at ?? undefined)
    if (b === undefined) throw new DevnetError('UNKNOWN_BLOCK', `unknown block ${at}`)
    if (b.state === undefined) throw new DevnetError('UNKNOWN_BLOCK', `state of block #${b.number} is discarded (the devnet keeps the last ${KEPT_STATES})`)
    return b.state
  }

  /** Calls `fn` on every new block; returns an unsubscribe function. */
  onBlock(fn: (b: BlockRecord) => void): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }

  #ctx(number: number): BlockContext {
    return {
      number,
      genesisHash: hexToU8a(this.genesisHash),
      blockHash: (n) => {
        if (n === 0) return hexToU8a(this.genesisHash)
        if (n > this.#best.number || number - n > BLOCK_HASH_COUNT) return undefined
        const h = this.#byNumber.get(n)
        return h === undefined ? undefined : hexToU8a(h)
      },
    }
  }

  /** Pool contents (encoded), for `author_pendingExtrinsics`. */
  pending(): string[] {
    return this.#pool.map((p) => u8aToHex(p.xt.bytes))
  }

  /** The next nonce of `who` counting its queued transactions (`system_accountNextIndex`). */
  nextNonce(who: string): number {
    let n = this.runtime.nonce(this.#bestState, who)
    const mine = this.#pool.filter((p) => p.who === who).map((p) => p.xt.nonce).sort((a, b) => a - b)
    for (const x of mine) if (x === n) n++
    return n
  }

  /**
   * Validates and queues an extrinsic; returns its hash. Throws `BadFormat`,
   * `InvalidTransaction` or `PoolError` ('AlreadyImported').
   */
  submit(bytes: Uint8Array, watcher?: (s: TxStatus) => void): string {
    const xt = decodeExtrinsic(this.codec, bytes)
    if (this.#pool.some((p) => p.xt.hash === xt.hash)) throw new PoolError('AlreadyImported')
    const who = xt.signer === undefined ? '' : u8aToHex(xt.signer)
    const { future } = this.runtime.validate(this.#bestState, xt, this.#ctx(this.#best.number + 1), who === '' ? undefined : this.nextNonce(who))
    // Bounded as Substrate's pool is (its defaults: 8192 ready, a tenth of that waiting on a nonce).
    if (this.#pool.length >= MAX_POOL) throw new PoolError('ImmediatelyDropped', `the transaction pool is full (${MAX_POOL} transactions)`)
    if (future && this.#pool.filter((p) => p.future === true).length >= this.#maxFuture) throw new PoolError('ImmediatelyDropped', `the future-nonce queue is full (${this.#maxFuture} transactions waiting for an earlier nonce)`)
    const entry: PoolEntry = { xt, who, watchers: watcher === undefined ? [] : [watcher], future }
    this.#pool.push(entry)
    watcher?.(future ? 'future' : 'ready')
    // Promote queued future transactions of this account whose nonce is now next in line.
    if (!future && who !== '') {
      const next = this.nextNonce(who)
      for (const p of this.#pool) {
        if (p.who === who && p.future === true && p.xt.nonce < next) {
          p.future = false
          for (const w of p.watchers) w('ready')
        }
      }
    }
    return xt.hash
  }

  /** Stores drand pulses up to the current quicknet round (the pallet's offchain worker, emulated). */
  #storePulses(state: State, nowMs: number): void {
    const current = roundAt(nowMs)
    let last = state.big('Drand', 'LastStoredRound')
    if (last >= current) return
    let from = last === 0n ? current : last + 1n
    if (current - from > 32n) from = current - 32n // catch up at most 32 rounds per block
    for (let r = from; r <= current; r++) {
      const signature = this.beacon.sign(r)
      state.set('Drand', 'Pulses', [r], { round: r, randomness: beaconRandomness(signature), signature })
    }
    last = current
    state.set('Drand', 'LastStoredRound', [], last)
    let oldest = state.big('Drand', 'OldestStoredRound')
    if (oldest === 0n) oldest = from
    while (last - oldest >= KEPT_PULSES) {
      state.remove('Drand', 'Pulses', [oldest])
      oldest++
    }
    state.set('Drand', 'OldestStoredRound', [], oldest)
  }

  /** Builds, imports and announces one block. */
  produceBlock(): BlockRecord {
    const parent = this.#best
    const number = parent.number + 1
    const ctx = this.#ctx(number)
    const state = this.#bestState.clone()
    const now = Math.max(this.#now(), Number(this.#bestState.big('Timestamp', 'Now')) + 1)
    this.runtime.initialize(state, ctx, hexToU8a(parent.hash), now, () => this.#storePulses(state, now))
    // Inherent: Timestamp.set(now), as a bare v4 extrinsic.
    const tsCall = this.codec.registry.createType('Call', { callIndex: this.#callIndex('Timestamp', 'set'), args: { now } }).toU8a()
    const inherent = compactAddLength(new Uint8Array([4, ...tsCall]))
    this.runtime.applyTimestamp(state)
    const included: PoolEntry[] = [{ xt: { bytes: inherent } as DecodedExtrinsic, who: '', watchers: [] }]
    // Apply the pool in (account, nonce) order, several passes so chained nonces land together.
    const ordered = [...this.#pool].sort((a, b) => (a.who === b.who ? a.xt.nonce - b.xt.nonce : 0))
    let progress = true
    const remaining = new Set(ordered)
    while (progress && included.length < 500) {
      progress = false
      for (const p of ordered) {
        if (!remaining.has(p)) continue
        try {
          this.runtime.apply(state, p.xt, included.length, ctx)
          included.push(p)
          remaining.delete(p)
          progress = true
        } catch (e) {
          if (e instanceof InvalidTransaction && e.reason === 'Future') continue
          remaining.delete(p)
          this.#drop(p, 'invalid', e)
        }
      }
    }
    this.runtime.flushEvents(state)
    state.set('System', 'ExtrinsicCount', [], included.length)
    const extrinsics = included.map((p) => u8aToHex(p.xt.bytes))
    const header: HeaderJson = {
      parentHash: parent.hash,
      number: '0x' + number.toString(16),
      stateRoot: state.root(),
      extrinsicsRoot: u8aToHex(blake2AsU8a(hexToU8a('0x' + extrinsics.map((x) => x.slice(2)).join('')), 256)),
      digest: { logs: [] },
    }
    const block: BlockRecord = { number, hash: this.#headerHash(header), header, extrinsics, state }
    this.#index(block)
    this.#best = block
    this.#bestState = state
    // Prune old states and block records.
    const old = this.block(number - KEPT_STATES)
    if (old !== undefined && old.number !== 0) old.state = undefined
    const gone = this.#byNumber.get(number - BLOCK_HASH_COUNT - 1)
    if (gone !== undefined && number - BLOCK_HASH_COUNT - 1 > 0) {
      this.#blocks.delete(gone)
      this.#byNumber.delete(number - BLOCK_HASH_COUNT - 1)
    }
    for (const p of included) {
      const i = this.#pool.indexOf(p)
      if (i >= 0) this.#pool.splice(i, 1)
    }
    this.#persist()
    for (const p of included) for (const w of p.watchers) w({ inBlock: block.hash })
    for (const l of this.#listeners) {
      try {
        l(block)
      } catch (e) {
        this.#log(`block listener failed: ${(e as Error).message}`)
      }
    }
    // The parent is final now.
    this.#finalized = parent
    for (const p of this.#awaitingFinality) for (const w of p.watchers) w({ finalized: parent.hash })
    this.#awaitingFinality = included.filter((p) => p.watchers.length > 0)
    for (const l of this.#finalityListeners) {
      try {
        l(parent)
      } catch (e) {
        this.#log(`finality listener failed: ${(e as Error).message}`)
      }
    }
    return block
  }

  #drop(p: PoolEntry, status: TxStatus, e: unknown): void {
    const i = this.#pool.indexOf(p)
    if (i >= 0) this.#pool.splice(i, 1)
    this.#log(`dropped ${p.xt.hash}: ${(e as Error).message}`)
    for (const w of p.watchers) w(status)
  }

  #callIndex(pallet: string, call: string): Uint8Array {
    const p = this.codec.metadata.asLatest.pallets.find((x) => x.name.toString() === pallet)!
    const t = this.codec.registry.lookup.getSiType(p.calls.unwrap().type)
    const v = t.def.asVariant.variants.find((x) => x.name.toString() === call)!
    return new Uint8Array([p.index.toNumber(), v.index.toNumber()])
  }

  /** Devnet-only: mints to an account directly into the best state (also visible at the next block). */
  faucet(who: string, amount: bigint): void {
    this.runtime.mint(this.#bestState, who, amount)
    this.#persist()
  }

  /** Devnet-only: writes storage items of a subnet directly into the best state. */
  setSubnetStorage(netuid: number, items: Record<string, unknown>): void {
    for (const [item, value] of Object.entries(items)) this.#bestState.set('SubtensorModule', item, [netuid], value)
    this.#persist()
  }

  #persist(): void {
    if (this.#stateFile === undefined) return
    const blocks = [...this.#byNumber.keys()]
      .sort((a, b) => a - b)
      .map((n) => this.#blocks.get(this.#byNumber.get(n)!)!)
      .map((b) => ({ number: b.number, hash: b.hash, header: b.header, extrinsics: b.extrinsics }))
    const file: StateFile = {
      version: STATE_FILE_VERSION,
      genesisHash: this.genesisHash,
      beaconSecret: u8aToHex(this.beacon.secretKey),
      blocks,
      best: Object.fromEntries(this.#bestState.kv),
    }
    const tmp = `${this.#stateFile}.tmp-${process.pid}`
    // Durable and atomic: the bytes reach the disk before the rename, the rename before we go on.
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, JSON.stringify(file))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.#stateFile)
    syncDir(dirname(this.#stateFile))
  }
}

/** fsync of a directory, so a rename in it is durable (a no-op where the platform refuses it). */
function syncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Windows cannot open a directory; its renames are durable as they are
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Deletes temp files a killed process left beside the state file (the rename never happened). */
function removeStaleTemps(stateFile: string): void {
  const dir = dirname(stateFile)
  const prefix = `${basename(stateFile)}.tmp-`
  if (!existsSync(dir)) return
  for (const f of readdirSync(dir)) if (f.startsWith(prefix)) rmSync(join(dir, f), { force: true })
}

/** Pool-level refusals that are not `InvalidTransaction`. */
export class PoolError extends Error {
  override name = 'PoolError'
  readonly reason: 'AlreadyImported' | 'ImmediatelyDropped'
  /** Substrate's error data for the refusal. */
  readonly detail: string | undefined
  constructor(reason: 'AlreadyImported' | 'ImmediatelyDropped', detail?: string) {
    super(reason === 'AlreadyImported' ? 'Transaction Already Imported' : 'Immediately Dropped')
    this.reason = reason
    this.detail = detail
  }
}

/** Transactions the pool holds at most, and at most waiting for an earlier nonce. */
export const MAX_POOL = 8192
export const MAX_FUTURE = 512

export { BadFormat, InvalidTransaction }
