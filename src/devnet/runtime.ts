/**
 * The emulated runtime: block initialisation (per-block resets, drand pulses, v4 reveals, epochs),
 * transaction validation (signature, nonce, mortality, fees) and dispatch of the subset of calls
 * webtensor uses, with the chain's checks, error names and events.
 *
 * Named simplifications (the emulator, not the chain): staking swaps TAO to alpha 1:1 with no pool;
 * the burn price is constant (no adjustment); fees are `base + per-byte`, not weight-based; the
 * per-subnet alpha emission is a constant per block.
 */
import type { Codec } from '@polkadot/types/types'
import { compactToU8a, hexToU8a, u8aConcat, u8aEq, u8aToHex } from '@polkadot/util'
import { blake2AsHex, blake2AsU8a } from '@polkadot/util-crypto'
import type { ChainCodec } from './codec.ts'
import { SPEC_VERSION, TRANSACTION_VERSION } from './codec.ts'
import {
  alphaOf,
  buildEpochInput,
  creditAlpha,
  debitAlpha,
  epochEmission,
  writeMechanismOutput,
  writeNetuidOutput,
  type DevnetEpochOutput,
  type EpochEngine,
} from './epoch.ts'
import {
  eraBirth,
  InvalidTransaction,
  signingPayload,
  verifySignature,
  type DecodedExtrinsic,
} from './extrinsic.ts'
import { acct, type State } from './state.ts'
import { ADMIN_CALLS, dispatchAdmin, ensureSigned, sudoKey, type CallLike, type DispatchEnv, type Origin } from './admin.ts'
import { aggregateMechanisms, mechanismEpochInputs, type SubnetEpochInput } from '../consensus/index.ts'
import { emissionSplit, ensureMechanismExists, mechanismIndices, storageIndex } from './mechanisms.ts'
import { currentEpoch, isCommitExpired, isRevealEpoch, shouldRunEpoch } from './schedule.ts'
import { dispatchSubnetCall } from './subnets.ts'

const SM = 'SubtensorModule'

/** The v4 decryptor: `tld(ciphertext, pulse signature)` (src/timelock); throws on failure. */
export interface TimelockReveal {
  decrypt(ciphertext: Uint8Array, signature: Uint8Array): Uint8Array
}

/** A dispatch failure carrying the chain's `DispatchError`. */
export class DispatchFailure extends Error {
  override name = 'DispatchFailure'
  readonly error: unknown
  constructor(error: unknown, label: string) {
    super(label)
    this.error = error
  }
}

/** Weight and fee class of a call. */
interface CallInfo {
  refTime: bigint
  paysFee: boolean
}

/** Calls that are `Pays::No` on subtensor. */
const FREE_CALLS = new Set([
  'subtensorModule.setWeights',
  'subtensorModule.commitWeights',
  'subtensorModule.revealWeights',
  'subtensorModule.commitTimelockedWeights',
  'subtensorModule.setMechanismWeights',
  'subtensorModule.commitMechanismWeights',
  'subtensorModule.revealMechanismWeights',
  'subtensorModule.commitTimelockedMechanismWeights',
  'subtensorModule.commitCrv3MechanismWeights',
  'subtensorModule.serveAxon',
])

/** Base fee per transaction and per encoded byte (rao). Named simplification. */
export const BASE_FEE = 100_000n
export const BYTE_FEE = 1_000n
/** `ExistentialDeposit` of the finney runtime. */
export const EXISTENTIAL_DEPOSIT = 500n
/** `BlockHashCount` of the finney runtime. */
export const BLOCK_HASH_COUNT = 2400
/** Minimum stake per `add_stake` (subtensor's DefaultMinStake). */
export const MIN_STAKE = 2_000_000n

/** The epoch key (`Twox64Concat(u64)`, the last 8 bytes) of a `TimelockedWeightCommits` entry. */
function keyEpoch(key: string): bigint {
  const kb = hexToU8a(key)
  return new DataView(kb.buffer, kb.byteOffset + kb.length - 8, 8).getBigUint64(0, true)
}

/** The output of an epoch over no neurons. */
function emptyEpochOutput(): DevnetEpochOutput {
  return {
    active: [], stake_weight_u16: [], consensus_u16: [], incentive_u16: [], dividends_u16: [], validator_trust_u16: [],
    server_emission: [], validator_emission: [], emission: [], new_validator_permit: [], bonds_u16: [],
  }
}

/** An encoded event record with its phase. */
export type Phase = { ApplyExtrinsic: number } | 'Initialization' | 'Finalization'

/** Encodes a `FrameSystemEventRecord`. */
function eventRecord(phase: Phase, event: Uint8Array): Uint8Array {
  const p =
    phase === 'Initialization'
      ? new Uint8Array([2])
      : phase === 'Finalization'
        ? new Uint8Array([1])
        : u8aConcat(new Uint8Array([0]), new Uint8Array(new Uint32Array([phase.ApplyExtrinsic]).buffer))
  return u8aConcat(p, event, compactToU8a(0))
}

/** Context a block is built in. */
export interface BlockContext {
  number: number
  genesisHash: Uint8Array
  /** Hash of a block by number, if still known. */
  blockHash(n: number): Uint8Array | undefined
}

/** The runtime. Stateless itself: every method works on the `State` it is given. */
export class Runtime {
  readonly codec: ChainCodec
  readonly epoch: EpochEngine | undefined
  readonly timelock: TimelockReveal | undefined
  readonly log: (line: string) => void
  #events: Uint8Array[] = []

  constructor(codec: ChainCodec, opts: { epoch?: EpochEngine; timelock?: TimelockReveal; log?: (l: string) => void }) {
    this.codec = codec
    this.epoch = opts.epoch
    this.timelock = opts.timelock
    this.log = opts.log ?? (() => {})
  }

  // ------------------------------------------------------------------ events

  #deposit(phase: Phase, pallet: string, name: string, fields: unknown[]): void {
    this.#events.push(eventRecord(phase, this.codec.event(pallet, name, fields)))
  }

  /** Writes the collected events to `System.Events` and resets the collector. */
  flushEvents(state: State): void {
    state.setRaw(state.key('System', 'Events'), u8aConcat(compactToU8a(this.#events.length), ...this.#events))
    state.set('System', 'EventCount', [], this.#events.length)
    this.#events = []
  }

  /** Raises `DispatchError::Module` for `pallet.error` (the chain's error index). */
  readonly fail = (pallet: string, error: string): never => this.#fail(pallet, error)

  #fail(pallet: string, error: string): never {
    const e = this.codec.moduleError(pallet, error)
    throw new DispatchFailure({ Module: { index: e.index, error: u8aToHex(new Uint8Array([e.error, 0, 0, 0])) } }, `${pallet}.${error}`)
  }

  #token(error: string): never {
    throw new DispatchFailure({ Token: error }, `Token.${error}`)
  }

  // ---------------------------------------------------------------- accounts

  /** Free balance of an account. */
  free(state: State, who: string): bigint {
    const a = state.get('System', 'Account', [who]).toJSON() as { data: { free: number | string } }
    return BigInt(a.data.free)
  }

  /** Next nonce of an account. */
  nonce(state: State, who: string): number {
    return (state.get('System', 'Account', [who]).toJSON() as { nonce: number }).nonce
  }

  #setAccount(state: State, who: string, free: bigint, nonce?: number): void {
    const cur = state.get('System', 'Account', [who]).toJSON() as { nonce: number; providers: number }
    if (free === 0n && (nonce ?? cur.nonce) === 0) {
      state.remove('System', 'Account', [who])
      return
    }
    state.set('System', 'Account', [who], {
      nonce: nonce ?? cur.nonce,
      consumers: 0,
      providers: 1,
      sufficients: 0,
      data: { free, reserved: 0, frozen: 0, flags: 1n << 127n },
    })
  }

  /** Mints `amount` to `who` (genesis and the devnet faucet). */
  mint(state: State, who: string, amount: bigint, phase?: Phase): void {
    const existed = state.has('System', 'Account', [who])
    this.#setAccount(state, who, this.free(state, who) + amount)
    state.set('Balances', 'TotalIssuance', [], state.big('Balances', 'TotalIssuance') + amount)
    if (phase !== undefined) {
      if (!existed) {
        this.#deposit(phase, 'System', 'NewAccount', [who])
        this.#deposit(phase, 'Balances', 'Endowed', [who, amount])
      }
      this.#deposit(phase, 'Balances', 'Minted', [who, amount])
    }
  }

  /** Takes `amount` from `who`'s free balance (`Token.FundsUnavailable` when short). */
  withdraw(state: State, who: string, amount: bigint): void {
    this.#withdraw(state, who, amount)
  }

  /** `create_account_if_non_existent`: `coldkey` owns `hotkey` from now on, if no one does. */
  ensureHotkeyOwner(state: State, coldkey: string, hotkey: string): void {
    this.#ensureOwner(state, coldkey, hotkey)
  }

  #withdraw(state: State, who: string, amount: bigint): void {
    const f = this.free(state, who)
    if (f < amount) this.#token('FundsUnavailable')
    this.#setAccount(state, who, f - amount)
  }

  // ------------------------------------------------------------ block hooks

  /** `on_initialize`: system bookkeeping, pulses, v4 reveals and epochs. Returns nothing; events are collected. */
  initialize(state: State, ctx: BlockContext, parentHash: Uint8Array, nowMs: number, pulses: () => void): void {
    const n = ctx.number
    this.#events = []
    state.set('System', 'Number', [], n)
    state.set('System', 'ParentHash', [], parentHash)
    state.set('System', 'BlockHash', [n - 1], parentHash)
    if (n - 1 - BLOCK_HASH_COUNT > 0) state.remove('System', 'BlockHash', [n - 1 - BLOCK_HASH_COUNT])
    state.remove('System', 'ExtrinsicCount')
    pulses()
    const subnets = this.subnets(state).filter((netuid) => netuid !== 0)
    for (const netuid of subnets) {
      state.set(SM, 'RegistrationsThisBlock', [netuid], 0)
      const interval = state.num(SM, 'AdjustmentInterval', [netuid])
      if (interval > 0 && n % interval === 0) {
        state.set(SM, 'RegistrationsThisInterval', [netuid], 0)
        state.set(SM, 'BurnRegistrationsThisInterval', [netuid], 0)
      }
    }
    // block_step: reveal matured v4 commits, then the coinbase's schedule and epochs.
    for (const netuid of subnets) this.#revealTimelocked(state, netuid, n)
    for (const netuid of this.#drainPending(state, subnets, n)) this.#runEpoch(state, netuid, n)
    state.set('Timestamp', 'Now', [], nowMs)
  }

  /**
   * `drain_pending`'s schedule: counts `BlocksSinceLastStep`, picks the subnets whose epoch is due
   * (at most `MaxEpochsPerBlock`; the rest are deferred a block through `PendingEpochAt`) and
   * advances `LastEpochBlock`, `PendingEpochAt` and `SubnetEpochIndex` for them. Returns them.
   */
  #drainPending(state: State, subnets: number[], block: number): number[] {
    const cap = state.num(SM, 'MaxEpochsPerBlock')
    const due: number[] = []
    for (const netuid of subnets) {
      state.set(SM, 'BlocksSinceLastStep', [netuid], state.big(SM, 'BlocksSinceLastStep', [netuid]) + 1n)
      if (!shouldRunEpoch(state, netuid, block)) continue
      if (due.length >= cap) {
        state.set(SM, 'PendingEpochAt', [netuid], block + 1)
        this.#deposit('Initialization', SM, 'EpochDeferred', [netuid, block, block + 1])
        continue
      }
      // is_epoch_input_state_consistent holds by construction (Keys never repeats a hotkey).
      state.set(SM, 'BlocksSinceLastStep', [netuid], 0)
      due.push(netuid)
      state.set(SM, 'LastEpochBlock', [netuid], block)
      state.set(SM, 'PendingEpochAt', [netuid], 0)
      state.set(SM, 'SubnetEpochIndex', [netuid], state.num(SM, 'SubnetEpochIndex', [netuid]) + 1)
    }
    return due
  }

  /** Netuids that exist. */
  subnets(state: State): number[] {
    const prefix = this.codec.storagePrefix(SM, 'NetworksAdded')
    const out: number[] = []
    for (const k of state.keysWithPrefix(prefix)) {
      // Identity(u16): the last two bytes of the key are the netuid, little-endian.
      const b = hexToU8a(k)
      if (state.raw(k) === '0x01') out.push(b[b.length - 2]! | (b[b.length - 1]! << 8))
    }
    return out.sort((a, b) => a - b)
  }

  /**
   * `epoch_with_mechanisms`: the subnet's emission split among its mechanisms, each mechanism's
   * epoch through the engine, and the subnet's terms aggregated, with src/consensus's
   * `mechanismEpochInputs` / `aggregateMechanisms` (spec 424's `split_emissions` and U64F64 sums).
   */
  #runEpoch(state: State, netuid: number, block: number): void {
    if (this.epoch === undefined) {
      // Bookkeeping only: the consensus engine is not wired (see startDevnet's `epoch` option).
      state.set(SM, 'LastMechansimStepBlock', [netuid], block)
      return
    }
    const engine = this.epoch
    const indices = mechanismIndices(state, netuid)
    const total = epochEmission(state, netuid)
    const per = indices.map((index) => buildEpochInput(state, netuid, block, this.#commitBlocks(state, netuid, index, block), { index, raoEmission: total }))
    const { last_update: _l, weights: _w, bonds: _b, commit_blocks: _c, ...shared } = per[0]!
    const subnet: SubnetEpochInput = {
      ...shared,
      mechanisms: per.map((x) => ({ last_update: x.last_update, weights: x.weights, bonds: x.bonds, ...(x.commit_blocks !== undefined ? { commit_blocks: x.commit_blocks } : {}) })),
      mechanism_emission_split: emissionSplit(state, netuid),
    }
    let outs: DevnetEpochOutput[]
    try {
      outs = subnet.n === 0 ? indices.map(() => emptyEpochOutput()) : mechanismEpochInputs(subnet).map((input) => engine.run(input))
    } catch (e) {
      // Never stall block production on an epoch failure: log it and keep the previous outputs.
      this.log(`epoch netuid ${netuid} at block ${block} failed (${engine.name}): ${(e as Error).message}`)
      state.set(SM, 'LastMechansimStepBlock', [netuid], block)
      return
    }
    indices.forEach((index, m) => writeMechanismOutput(state, index, outs[m]!))
    const agg = aggregateMechanisms(subnet, outs)
    writeNetuidOutput(state, netuid, block, { ...agg, payout: agg.server_emission.map((x, i) => x + agg.validator_emission[i]!) })
    this.log(`epoch netuid ${netuid} at block ${block} (${engine.name}, n=${subnet.n}, mechanisms=${indices.length})`)
  }

  /**
   * Per uid, the block of its earliest unexpired commit (v2 or v4) on one mechanism, for the
   * epoch's commit mask; all null while commit-reveal is off (as `epoch_mechanism` reads it).
   */
  #commitBlocks(state: State, netuid: number, index: number, block: number): Array<number | null> {
    const n = state.num(SM, 'SubnetworkN', [netuid])
    const out: Array<number | null> = Array.from({ length: n }, () => null)
    if (!state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])) return out
    const note = (who: string, b: number): void => {
      const uid = this.#uidOf(state, netuid, who)
      if (uid === undefined || uid >= n) return
      const cur = out[uid]
      if (cur === null || cur === undefined || b < cur) out[uid] = b
    }
    const vt = this.codec.storageValueType(SM, 'WeightCommits')
    for (const key of state.keysWithPrefix(this.codec.storagePrefix(SM, 'WeightCommits', [index]))) {
      const who = '0x' + key.slice(-64)
      // (hash, commit_epoch, commit_block, _): expiry by epoch, the mask by block.
      const commits = this.codec.registry.createType(vt, hexToU8a(state.raw(key)!)).toJSON() as [string, number, number, number][]
      for (const c of commits) if (!isCommitExpired(state, netuid, Number(c[1]), block)) note(who, Number(c[2]))
    }
    const tt = this.codec.storageValueType(SM, 'TimelockedWeightCommits')
    for (const key of state.keysWithPrefix(this.codec.storagePrefix(SM, 'TimelockedWeightCommits', [index]))) {
      if (isCommitExpired(state, netuid, Number(keyEpoch(key)), block)) continue
      const q = this.codec.registry.createType(tt, hexToU8a(state.raw(key)!)).toJSON() as [string, number, string, number][]
      for (const c of q) note(acct(c[0]), Number(c[1]))
    }
    return out
  }

  /** `reveal_crv3_commits_for_subnet`: every mechanism's commits of epoch `current − RevealPeriodEpochs`. */
  #revealTimelocked(state: State, netuid: number, block: number): void {
    const period = state.num(SM, 'RevealPeriodEpochs', [netuid])
    const cur = currentEpoch(state, netuid, block)
    const revealEpoch = Math.max(0, cur - period)
    const vt = this.codec.storageValueType(SM, 'TimelockedWeightCommits')
    for (const [mecid, index] of mechanismIndices(state, netuid).entries()) {
      for (const key of state.keysWithPrefix(this.codec.storagePrefix(SM, 'TimelockedWeightCommits', [index]))) {
        if (keyEpoch(key) < BigInt(revealEpoch)) state.kv.delete(key)
      }
      if (cur < period) return
      const key = state.key(SM, 'TimelockedWeightCommits', [index, revealEpoch])
      const raw = state.raw(key)
      if (raw === undefined) continue
      state.kv.delete(key)
      const commits = this.codec.registry.createType(vt, hexToU8a(raw)).toJSON() as [string, number, string, number | string][]
      const keep: typeof commits = []
      for (const c of commits) {
        const [whoRaw, , commit, roundRaw] = c
        const who = acct(whoRaw)
        const round = BigInt(roundRaw)
        // pallet_drand::Pulses[reveal_round]; missing → retried next block of this epoch.
        const sig = state.has('Drand', 'Pulses', [round])
          ? (state.get('Drand', 'Pulses', [round]) as unknown as { signature: Codec }).signature.toU8a(true)
          : undefined
        if (this.timelock === undefined || sig === undefined) {
          keep.push(c)
          continue
        }
        try {
          const plain = this.timelock.decrypt(hexToU8a(commit), sig)
          const payload = this.#decodeTlockPayload(plain, who)
          if (payload === undefined) continue
          const failed = this.#layered(state, () => this.#doSetWeights(state, who, netuid, mecid, payload.uids, payload.values, payload.versionKey, block, 'Initialization'), { section: 'subtensorModule', method: 'setMechanismWeights', args: [] })
          if (failed !== undefined) continue
          this.#deposit('Initialization', SM, 'TimelockedWeightsRevealed', [index, who])
        } catch (e) {
          this.log(`v4 reveal of ${who} on netuid ${netuid} skipped: ${(e as Error).message}`)
        }
      }
      if (keep.length > 0) state.setRaw(key, this.codec.encode(vt, keep))
    }
  }

  /** `WeightsTlockPayload { hotkey, uids, values, version_key }`, or the legacy form without hotkey. */
  #decodeTlockPayload(plain: Uint8Array, who: string): { uids: number[]; values: number[]; versionKey: bigint } | undefined {
    const reg = this.codec.registry
    try {
      const p = reg.createType('(Bytes, Vec<u16>, Vec<u16>, u64)', plain) as unknown as Codec & [Codec, Codec, Codec, Codec]
      if (p.encodedLength === plain.length) {
        const hk = p[0].toU8a(true)
        if (!u8aEq(hk, hexToU8a(who))) return undefined // not the committer: skipped, as on chain
        return { uids: p[1].toJSON() as number[], values: p[2].toJSON() as number[], versionKey: BigInt(p[3].toString()) }
      }
    } catch {
      // fall through to the legacy layout
    }
    const l = reg.createType('(Vec<u16>, Vec<u16>, u64)', plain) as unknown as Codec & [Codec, Codec, Codec]
    if (l.encodedLength !== plain.length) throw new Error('payload does not decode')
    return { uids: l[0].toJSON() as number[], values: l[1].toJSON() as number[], versionKey: BigInt(l[2].toString()) }
  }

  /** The Timestamp.set inherent's effects and events (extrinsic index 0). */
  applyTimestamp(_state: State): void {
    this.#deposit({ ApplyExtrinsic: 0 }, 'System', 'ExtrinsicSuccess', [
      { weight: { refTime: 5_000_000, proofSize: 1_493 }, class: 'Mandatory', paysFee: 'Yes' },
    ])
  }

  // -------------------------------------------------------------- validation

  /** The weight/fee class of a call. */
  callInfo(xt: DecodedExtrinsic): CallInfo {
    return { refTime: 100_000_000n + BigInt(xt.bytes.length) * 1_000n, paysFee: !FREE_CALLS.has(`${xt.call.section}.${xt.call.method}`) }
  }

  /** The partial fee (without tip) of an extrinsic of `len` bytes. */
  fee(xt: DecodedExtrinsic, len = xt.bytes.length): bigint {
    return this.callInfo(xt).paysFee ? BASE_FEE + BYTE_FEE * BigInt(len) : 0n
  }

  /**
   * Transaction validity as the pool checks it against `state` (the best block's post-state,
   * i.e. as if building on top of it). Returns the signer's account (hex) or throws `InvalidTransaction`.
   * `pendingNonce` lets the pool accept a nonce right after its own queued ones (`Future` otherwise).
   */
  validate(state: State, xt: DecodedExtrinsic, ctx: BlockContext, pendingNonce?: number): { who: string; future: boolean } {
    if (!xt.signed) throw new InvalidTransaction('Call')
    const current = ctx.number
    const birth = eraBirth(xt.era, current)
    const birthHash = xt.era.mortal ? ctx.blockHash(birth) : ctx.genesisHash
    const payload = signingPayload(this.codec, xt, {
      specVersion: SPEC_VERSION,
      transactionVersion: TRANSACTION_VERSION,
      genesisHash: ctx.genesisHash,
      birthHash,
    })
    verifySignature(xt, payload)
    const who = u8aToHex(xt.signer!)
    const nonce = this.nonce(state, who)
    if (xt.nonce < nonce) throw new InvalidTransaction('Stale')
    const fee = this.fee(xt) + xt.tip
    if (this.free(state, who) < fee) throw new InvalidTransaction('Payment')
    // SudoTransactionExtension: a Sudo call from anyone but the key is refused at the pool.
    if (xt.call.section === 'sudo' && sudoKey(state) !== who) throw new InvalidTransaction('BadSigner')
    return { who, future: xt.nonce > (pendingNonce ?? nonce) }
  }

  /**
   * Applies a validated extrinsic at `index` in the block: nonce and fee, then the call in its own
   * storage layer (rolled back on error), then ExtrinsicSuccess / ExtrinsicFailed.
   * Throws `InvalidTransaction` when it is no longer valid (it is then left out of the block).
   */
  apply(state: State, xt: DecodedExtrinsic, index: number, ctx: BlockContext): void {
    const { who, future } = this.validate(state, xt, ctx)
    if (future) throw new InvalidTransaction('Future')
    const phase: Phase = { ApplyExtrinsic: index }
    const info = this.callInfo(xt)
    const fee = this.fee(xt) + xt.tip
    this.#setAccount(state, who, this.free(state, who), this.nonce(state, who) + 1)
    if (fee > 0n) {
      this.#withdraw(state, who, fee)
      this.#deposit(phase, 'Balances', 'Withdraw', [who, fee])
    }
    const dispatchInfo = { weight: { refTime: info.refTime, proofSize: 0 }, class: 'Normal', paysFee: info.paysFee ? 'Yes' : 'No' }
    const error = this.#layered(state, () => this.#dispatch(state, { signed: who }, xt.call, phase, ctx.number), xt.call)
    if (error === undefined) {
      // pallet_sudo's calls return `Pays::No`: the fee comes back after a successful dispatch.
      const refund = xt.call.section === 'sudo' ? fee - xt.tip : 0n
      if (refund > 0n) {
        this.#setAccount(state, who, this.free(state, who) + refund)
        this.#deposit(phase, 'Balances', 'Deposit', [who, refund])
      }
      if (fee > 0n) this.#deposit(phase, 'TransactionPayment', 'TransactionFeePaid', [who, fee - xt.tip - refund, xt.tip])
      this.#deposit(phase, 'System', 'ExtrinsicSuccess', [dispatchInfo])
    } else {
      if (fee > 0n) this.#deposit(phase, 'TransactionPayment', 'TransactionFeePaid', [who, fee - xt.tip, xt.tip])
      this.#deposit(phase, 'System', 'ExtrinsicFailed', [error, dispatchInfo])
    }
  }

  /**
   * Runs `fn` on `state` as one storage layer: kept with its events when it returns, rolled back
   * (state and events) when it throws. Returns the `DispatchError` on failure, undefined on success.
   */
  #layered(state: State, fn: () => void, call: CallLike): unknown {
    const saved = new Map(state.kv)
    const before = this.#events.length
    try {
      fn()
      return undefined
    } catch (e) {
      state.kv.clear()
      for (const [k, v] of saved) state.kv.set(k, v)
      this.#events.length = before
      if (!(e instanceof DispatchFailure)) {
        this.log(`dispatch of ${call.section}.${call.method} threw: ${(e as Error).stack ?? String(e)}`)
      }
      return e instanceof DispatchFailure ? e.error : 'Other'
    }
  }

  // ---------------------------------------------------------------- dispatch

  #dispatch(state: State, origin: Origin, call: CallLike, phase: Phase, block: number): void {
    const a = call.args
    const name = `${call.section}.${call.method}`
    const num = (i: number): number => Number(a[i]!.toString())
    const big = (i: number): bigint => BigInt(a[i]!.toString())
    const acc = (i: number): string => a[i]!.toHex()
    const u16s = (i: number): number[] => a[i]!.toJSON() as number[]
    const env: DispatchEnv = {
      state,
      origin,
      block,
      fail: this.fail,
      badOrigin: () => {
        throw new DispatchFailure('BadOrigin', 'BadOrigin')
      },
      deposit: (pallet, event, fields) => this.#deposit(phase, pallet, event, fields),
    }
    if (call.section === 'sudo') return this.#sudo(env, call, phase)
    if (call.section === 'adminUtils') {
      if (dispatchAdmin(env, call.method, a)) return
      this.log(`call ${name} is not emulated (AdminUtils: ${ADMIN_CALLS.join(', ')})`)
      this.#fail(SM, 'CallDisabled')
    }
    const who = ensureSigned(env)
    switch (name) {
      case 'balances.transferAllowDeath':
      case 'balances.transferKeepAlive': {
        const dest = a[0] as unknown as { type: string; value: Codec }
        if (dest.type !== 'Id') throw new DispatchFailure('CannotLookup', 'CannotLookup')
        return this.#transfer(state, who, dest.value.toHex(), big(1), name === 'balances.transferKeepAlive', phase)
      }
      case 'subtensorModule.burnedRegister':
        return this.#burnedRegister(state, who, num(0), acc(1), block, phase, undefined)
      case 'subtensorModule.registerLimit':
        return this.#burnedRegister(state, who, num(0), acc(1), block, phase, big(2))
      case 'subtensorModule.addStake':
        return this.#addStake(state, who, acc(0), num(1), big(2), undefined, phase)
      case 'subtensorModule.addStakeLimit':
        return this.#addStake(state, who, acc(0), num(1), big(2), big(3), phase)
      case 'subtensorModule.removeStake':
        return this.#removeStake(state, who, acc(0), num(1), big(2), undefined, phase)
      case 'subtensorModule.removeStakeLimit':
        return this.#removeStake(state, who, acc(0), num(1), big(2), big(3), phase)
      case 'subtensorModule.setWeights':
      case 'subtensorModule.setMechanismWeights': {
        const mech = name === 'subtensorModule.setMechanismWeights' ? 1 : 0
        if (state.bool(SM, 'CommitRevealWeightsEnabled', [num(0)])) this.#fail(SM, 'CommitRevealEnabled')
        return this.#doSetWeights(state, who, num(0), mech === 1 ? num(1) : 0, u16s(1 + mech), u16s(2 + mech), big(3 + mech), block, phase)
      }
      case 'subtensorModule.commitWeights':
        return this.#commitWeights(state, who, num(0), 0, a[1]!.toHex(), block, phase)
      case 'subtensorModule.commitMechanismWeights':
        return this.#commitWeights(state, who, num(0), num(1), a[2]!.toHex(), block, phase)
      case 'subtensorModule.revealWeights':
        return this.#revealWeights(state, who, num(0), 0, u16s(1), u16s(2), u16s(3), big(4), block, phase)
      case 'subtensorModule.revealMechanismWeights':
        return this.#revealWeights(state, who, num(0), num(1), u16s(2), u16s(3), u16s(4), big(5), block, phase)
      case 'subtensorModule.commitTimelockedWeights':
        return this.#commitTimelocked(state, who, num(0), 0, a[1]!.toU8a(true), big(2), num(3), block, phase)
      case 'subtensorModule.commitTimelockedMechanismWeights':
        return this.#commitTimelocked(state, who, num(0), num(1), a[2]!.toU8a(true), big(3), num(4), block, phase)
      case 'subtensorModule.commitCrv3MechanismWeights':
        return this.#commitTimelocked(state, who, num(0), num(1), a[2]!.toU8a(true), big(3), 4, block, phase)
      case 'subtensorModule.serveAxon':
        return this.#serveAxon(state, who, num(0), num(1), big(2), num(3), num(4), num(5), num(6), num(7), block, phase)
      case 'commitments.setCommitment':
        return this.#setCommitment(state, who, num(0), a[1]!, block, phase)
      default:
        if (dispatchSubnetCall(env, this, name, a)) return
        this.log(`call ${name} is not emulated`)
        this.#fail(SM, 'CallDisabled')
    }
  }

  /** pallet_sudo: the key dispatches `call` as Root (or as `who`), in its own layer; the outcome is an event. */
  #sudo(env: DispatchEnv, call: CallLike, phase: Phase): void {
    const who = ensureSigned(env)
    const key = sudoKey(env.state)
    if (key === undefined || key !== who) this.#fail('Sudo', 'RequireSudo')
    const inner = (origin: Origin, c: CallLike): { Ok: null } | { Err: unknown } => {
      const err = this.#layered(env.state, () => this.#dispatch(env.state, origin, c, phase, env.block), c)
      return err === undefined ? { Ok: null } : { Err: err }
    }
    const a = call.args
    switch (call.method) {
      case 'sudo':
      case 'sudoUncheckedWeight':
        env.deposit('Sudo', 'Sudid', [inner({ root: true }, a[0] as unknown as CallLike)])
        return
      case 'sudoAs': {
        const target = a[0] as unknown as { type: string; value: Codec }
        if (target.type !== 'Id') throw new DispatchFailure('CannotLookup', 'CannotLookup')
        env.deposit('Sudo', 'SudoAsDone', [inner({ signed: target.value.toHex() }, a[1] as unknown as CallLike)])
        return
      }
      case 'setKey': {
        const target = a[0] as unknown as { type: string; value: Codec }
        if (target.type !== 'Id') throw new DispatchFailure('CannotLookup', 'CannotLookup')
        env.deposit('Sudo', 'KeyChanged', [key, target.value.toHex()])
        env.state.set('Sudo', 'Key', [], target.value.toHex())
        return
      }
      case 'removeKey':
        env.deposit('Sudo', 'KeyRemoved', [])
        env.state.remove('Sudo', 'Key')
        return
      default:
        this.#fail(SM, 'CallDisabled')
    }
  }

  #transfer(state: State, from: string, to: string, value: bigint, keepAlive: boolean, phase: Phase): void {
    const f = this.free(state, from)
    if (f < value) this.#token('FundsUnavailable')
    if (keepAlive && f - value < EXISTENTIAL_DEPOSIT) this.#token('NotExpendable')
    const existed = state.has('System', 'Account', [to])
    if (!existed && value < EXISTENTIAL_DEPOSIT) this.#token('BelowMinimum')
    this.#setAccount(state, from, f - value)
    this.#setAccount(state, to, this.free(state, to) + value)
    if (!existed) {
      this.#deposit(phase, 'System', 'NewAccount', [to])
      this.#deposit(phase, 'Balances', 'Endowed', [to, value])
    }
    this.#deposit(phase, 'Balances', 'Transfer', [from, to, value])
  }

  // -------------------------------------------------------------- subtensor

  #subnetExists(state: State, netuid: number): boolean {
    return state.bool(SM, 'NetworksAdded', [netuid])
  }

  #uidOf(state: State, netuid: number, hotkey: string): number | undefined {
    return state.has(SM, 'Uids', [netuid, hotkey]) ? state.num(SM, 'Uids', [netuid, hotkey]) : undefined
  }

  /** Owner hotkey association, created on first use (`create_account_if_non_existent`). */
  #ensureOwner(state: State, coldkey: string, hotkey: string): void {
    if (state.has(SM, 'Owner', [hotkey])) return
    state.set(SM, 'Owner', [hotkey], coldkey)
    const owned = state.accounts(SM, 'OwnedHotkeys', [coldkey])
    if (!owned.includes(hotkey)) state.set(SM, 'OwnedHotkeys', [coldkey], [...owned, hotkey])
    const staking = state.accounts(SM, 'StakingHotkeys', [coldkey])
    if (!staking.includes(hotkey)) state.set(SM, 'StakingHotkeys', [coldkey], [...staking, hotkey])
  }

  #isImmune(state: State, netuid: number, uid: number, block: number): boolean {
    const reg = state.big(SM, 'BlockAtRegistration', [netuid, uid])
    return BigInt(block) - reg < BigInt(state.num(SM, 'ImmunityPeriod', [netuid]))
  }

  /** `get_neuron_to_prune`: lowest emission, then oldest registration, then lowest uid; non-immune first. */
  #neuronToPrune(state: State, netuid: number, block: number): number | undefined {
    const n = state.num(SM, 'SubnetworkN', [netuid])
    const ownerHot = state.has(SM, 'SubnetOwnerHotkey', [netuid]) ? state.get(SM, 'SubnetOwnerHotkey', [netuid]).toHex() : undefined
    const emission = state.vec<number | string>(SM, 'Emission', [netuid]).map((x) => BigInt(x))
    let bestFree: [bigint, bigint, number] | undefined
    let bestImmune: [bigint, bigint, number] | undefined
    const better = (c: [bigint, bigint, number], b: [bigint, bigint, number] | undefined): boolean =>
      b === undefined || c[0] < b[0] || (c[0] === b[0] && (c[1] < b[1] || (c[1] === b[1] && c[2] < b[2])))
    for (let uid = 0; uid < n; uid++) {
      if (state.get(SM, 'Keys', [netuid, uid]).toHex() === ownerHot) continue
      const c: [bigint, bigint, number] = [emission[uid] ?? 0n, state.big(SM, 'BlockAtRegistration', [netuid, uid]), uid]
      if (this.#isImmune(state, netuid, uid, block)) {
        if (better(c, bestImmune)) bestImmune = c
      } else if (better(c, bestFree)) bestFree = c
    }
    return (bestFree ?? bestImmune)?.[2]
  }

  #setVecAt<T>(state: State, item: string, netuid: number, uid: number, value: T, fill: T): void {
    const v = state.vec<T>(SM, item, [netuid])
    while (v.length <= uid) v.push(fill)
    v[uid] = value
    state.set(SM, item, [netuid], v)
  }

  /** `register_neuron`: append, or replace the prune candidate when full. Returns the uid. */
  registerNeuron(state: State, netuid: number, hotkey: string, block: number): number {
    const n = state.num(SM, 'SubnetworkN', [netuid])
    const max = state.num(SM, 'MaxAllowedUids', [netuid])
    let uid: number
    if (n < max) {
      uid = n
      state.set(SM, 'SubnetworkN', [netuid], n + 1)
    } else {
      uid = this.#neuronToPrune(state, netuid, block)!
      const old = state.get(SM, 'Keys', [netuid, uid]).toHex()
      state.remove(SM, 'Uids', [netuid, old])
      state.remove(SM, 'IsNetworkMember', [old, netuid])
      state.remove(SM, 'Axons', [netuid, old])
      for (const idx of mechanismIndices(state, netuid)) {
        state.remove(SM, 'Weights', [idx, uid])
        state.remove(SM, 'Bonds', [idx, uid])
      }
    }
    state.set(SM, 'Keys', [netuid, uid], hotkey)
    state.set(SM, 'Uids', [netuid, hotkey], uid)
    state.set(SM, 'IsNetworkMember', [hotkey, netuid], true)
    state.set(SM, 'BlockAtRegistration', [netuid, uid], block)
    this.#setVecAt(state, 'Active', netuid, uid, true, true)
    for (const item of ['Consensus', 'Dividends', 'ValidatorTrust', 'StakeWeight']) this.#setVecAt(state, item, netuid, uid, 0, 0)
    this.#setVecAt(state, 'Emission', netuid, uid, 0, 0)
    this.#setVecAt(state, 'ValidatorPermit', netuid, uid, false, false)
    for (const idx of mechanismIndices(state, netuid)) {
      this.#setVecAt(state, 'Incentive', idx, uid, 0, 0)
      this.#setVecAt(state, 'LastUpdate', idx, uid, block, 0)
    }
    return uid
  }

  #burnedRegister(state: State, coldkey: string, netuid: number, hotkey: string, block: number, phase: Phase, limit: bigint | undefined): void {
    if (netuid === 0) this.#fail(SM, 'RegistrationNotPermittedOnRootSubnet')
    if (!this.#subnetExists(state, netuid)) this.#fail(SM, 'SubnetNotExists')
    // register_limit checks its price before the shared registration path (spec 424 do_register_limit).
    if (limit !== undefined && state.big(SM, 'Burn', [netuid]) > limit) this.#fail(SM, 'RegistrationPriceLimitExceeded')
    if (!state.bool(SM, 'NetworkRegistrationAllowed', [netuid])) this.#fail(SM, 'SubNetRegistrationDisabled')
    if (state.num(SM, 'RegistrationsThisBlock', [netuid]) >= state.num(SM, 'MaxRegistrationsPerBlock', [netuid])) this.#fail(SM, 'TooManyRegistrationsThisBlock')
    if (state.num(SM, 'RegistrationsThisInterval', [netuid]) >= state.num(SM, 'TargetRegistrationsPerInterval', [netuid]) * 3) this.#fail(SM, 'TooManyRegistrationsThisInterval')
    if (state.has(SM, 'Uids', [netuid, hotkey])) this.#fail(SM, 'HotKeyAlreadyRegisteredInSubNet')
    const cost = state.big(SM, 'Burn', [netuid])
    if (this.free(state, coldkey) < cost) this.#fail(SM, 'NotEnoughBalanceToStake')
    this.#ensureOwner(state, coldkey, hotkey)
    if (state.get(SM, 'Owner', [hotkey]).toHex() !== coldkey) this.#fail(SM, 'NonAssociatedColdKey')
    if (state.num(SM, 'MaxAllowedUids', [netuid]) === 0) this.#fail(SM, 'NoNeuronIdAvailable')
    if (state.num(SM, 'SubnetworkN', [netuid]) >= state.num(SM, 'MaxAllowedUids', [netuid]) && this.#neuronToPrune(state, netuid, block) === undefined) {
      this.#fail(SM, 'NoNeuronIdAvailable')
    }
    this.#withdraw(state, coldkey, cost)
    state.set('Balances', 'TotalIssuance', [], state.big('Balances', 'TotalIssuance') - cost)
    const uid = this.registerNeuron(state, netuid, hotkey, block)
    for (const item of ['BurnRegistrationsThisInterval', 'RegistrationsThisInterval', 'RegistrationsThisBlock']) state.set(SM, item, [netuid], state.num(SM, item, [netuid]) + 1)
    state.set(SM, 'RAORecycledForRegistration', [netuid], state.big(SM, 'RAORecycledForRegistration', [netuid]) + cost)
    this.#deposit(phase, SM, 'NeuronRegistered', [netuid, uid, hotkey])
  }

  #addStake(state: State, coldkey: string, hotkey: string, netuid: number, amount: bigint, limitPrice: bigint | undefined, phase: Phase): void {
    if (!this.#subnetExists(state, netuid)) this.#fail(SM, 'SubnetNotExists')
    // ensure_subtoken_enabled: staking opens with start_call.
    if (!state.bool(SM, 'SubtokenEnabled', [netuid])) this.#fail(SM, 'SubtokenDisabled')
    if (!state.has(SM, 'Owner', [hotkey])) this.#fail(SM, 'HotKeyAccountNotExists')
    if (amount < MIN_STAKE) this.#fail(SM, 'AmountTooLow')
    if (this.free(state, coldkey) < amount) this.#fail(SM, 'NotEnoughBalanceToStake')
    // 1 TAO buys 1 alpha: the price is 1.0 (1e9 rao per alpha); a lower limit cannot be met.
    if (limitPrice !== undefined && limitPrice < 1_000_000_000n) this.#fail(SM, 'SlippageTooHigh')
    this.#withdraw(state, coldkey, amount)
    creditAlpha(state, hotkey, coldkey, netuid, amount)
    state.set(SM, 'SubnetTAO', [netuid], state.big(SM, 'SubnetTAO', [netuid]) + amount)
    state.set(SM, 'TotalStake', [], state.big(SM, 'TotalStake') + amount)
    const staking = state.accounts(SM, 'StakingHotkeys', [coldkey])
    if (!staking.includes(hotkey)) state.set(SM, 'StakingHotkeys', [coldkey], [...staking, hotkey])
    this.#deposit(phase, SM, 'StakeAdded', [coldkey, hotkey, amount, amount, netuid, 0])
  }

  #removeStake(state: State, coldkey: string, hotkey: string, netuid: number, alpha: bigint, limitPrice: bigint | undefined, phase: Phase): void {
    if (!state.bool(SM, 'SubtokenEnabled', [netuid])) this.#fail(SM, 'SubtokenDisabled')
    if (!this.#subnetExists(state, netuid)) this.#fail(SM, 'SubnetNotExists')
    if (!state.has(SM, 'Owner', [hotkey])) this.#fail(SM, 'HotKeyAccountNotExists')
    if (alpha === 0n) this.#fail(SM, 'AmountTooLow')
    if (alphaOf(state, hotkey, coldkey, netuid) < alpha) this.#fail(SM, 'NotEnoughStakeToWithdraw')
    if (limitPrice !== undefined && limitPrice > 1_000_000_000n) this.#fail(SM, 'SlippageTooHigh')
    debitAlpha(state, hotkey, coldkey, netuid, alpha)
    const tao = state.big(SM, 'SubnetTAO', [netuid])
    state.set(SM, 'SubnetTAO', [netuid], tao > alpha ? tao - alpha : 0n)
    const total = state.big(SM, 'TotalStake')
    state.set(SM, 'TotalStake', [], total > alpha ? total - alpha : 0n)
    this.#setAccount(state, coldkey, this.free(state, coldkey) + alpha)
    this.#deposit(phase, SM, 'StakeRemoved', [coldkey, hotkey, alpha, alpha, netuid, 0])
  }

  /** `internal_set_weights` checks in chain order, then max-upscale, store and `WeightsSet`. */
  #doSetWeights(state: State, who: string, netuid: number, mecid: number, uids: number[], values: number[], versionKey: bigint, block: number, phase: Phase): void {
    const idx = storageIndex(netuid, mecid)
    if (netuid === 0) this.#fail(SM, 'CanNotSetRootNetworkWeights')
    if (uids.length !== values.length) this.#fail(SM, 'WeightVecNotEqualSize')
    ensureMechanismExists(state, netuid, mecid, this.fail)
    const n = state.num(SM, 'SubnetworkN', [netuid])
    if (uids.length > n) this.#fail(SM, 'UidsLengthExceedUidsInSubNet')
    const uid = this.#uidOf(state, netuid, who)
    if (uid === undefined) this.#fail(SM, 'HotKeyNotRegisteredInSubNet')
    const threshold = state.big(SM, 'StakeThreshold')
    if (state.big(SM, 'TotalHotkeyAlpha', [who, netuid]) < threshold) this.#fail(SM, 'NotEnoughStakeToSetWeights')
    const vk = state.big(SM, 'WeightsVersionKey', [netuid])
    if (vk !== 0n && versionKey < vk) this.#fail(SM, 'IncorrectWeightVersionKey')
    const crOn = state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])
    const lastUpdate = state.vec<number | string>(SM, 'LastUpdate', [idx]).map((x) => BigInt(x))
    if (!crOn) {
      const last = lastUpdate[uid] ?? 0n
      const limit = state.big(SM, 'WeightsSetRateLimit', [netuid])
      if (last !== 0n && BigInt(block) - last < limit) this.#fail(SM, 'SettingWeightsTooFast')
    }
    const selfWeight = uids.length === 1 && uids[0] === uid
    const permits = state.vec<boolean>(SM, 'ValidatorPermit', [netuid])
    if (!selfWeight && permits[uid] !== true) this.#fail(SM, 'NeuronNoValidatorPermit')
    if (new Set(uids).size !== uids.length) this.#fail(SM, 'DuplicateUids')
    if (uids.some((u) => u >= n)) this.#fail(SM, 'UidVecContainInvalidOne')
    const minLen = Math.min(state.num(SM, 'MinAllowedWeights', [netuid]), n)
    if (!selfWeight && uids.length < minLen) this.#fail(SM, 'WeightVecLengthIsLow')
    const max = values.reduce((m, v) => (v > m ? v : m), 0)
    const scaled = values.map((v) => (max === 0 ? 0 : Number((BigInt(v) * 65535n * 2n + BigInt(max)) / (2n * BigInt(max)))))
    const limit = state.num(SM, 'MaxWeightsLimit', [netuid])
    if (limit < 65535 && !selfWeight && uids.length > 1) {
      // max_weight_limited: the normalized max must not exceed limit/65535.
      const sum = scaled.reduce((s, v) => s + BigInt(v), 0n)
      const maxS = scaled.reduce((m, v) => (v > m ? v : m), 0)
      if (sum > 0n && (BigInt(maxS) * 65535n) / sum > BigInt(limit)) this.#fail(SM, 'MaxWeightExceeded')
    }
    state.set(SM, 'Weights', [idx, uid], uids.map((u, i) => [u, scaled[i]]))
    if (!crOn) {
      while (lastUpdate.length <= uid) lastUpdate.push(0n)
      lastUpdate[uid] = BigInt(block)
      state.set(SM, 'LastUpdate', [idx], lastUpdate)
    }
    this.#deposit(phase, SM, 'WeightsSet', [idx, uid])
  }

  /** `check_rate_limit` on the mechanism's `LastUpdate`: `0 || block − LastUpdate >= WeightsSetRateLimit`. */
  #commitRateLimit(state: State, netuid: number, idx: number, uid: number, block: number): void {
    const last = BigInt(state.vec<number | string>(SM, 'LastUpdate', [idx])[uid] ?? 0)
    const limit = state.big(SM, 'WeightsSetRateLimit', [netuid])
    if (last !== 0n && BigInt(block) - last < limit) this.#fail(SM, 'CommittingWeightsTooFast')
  }

  #touchLastUpdate(state: State, idx: number, uid: number, block: number): void {
    this.#setVecAt<number | bigint>(state, 'LastUpdate', idx, uid, BigInt(block), 0n)
  }

  /** `internal_commit_weights`: `WeightCommits[idx][who]` gets `(hash, commit_epoch, commit_block, 0)`. */
  #commitWeights(state: State, who: string, netuid: number, mecid: number, hash: string, block: number, phase: Phase): void {
    ensureMechanismExists(state, netuid, mecid, this.fail)
    const idx = storageIndex(netuid, mecid)
    if (!state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])) this.#fail(SM, 'CommitRevealDisabled')
    const uid = this.#uidOf(state, netuid, who)
    if (uid === undefined) this.#fail(SM, 'HotKeyNotRegisteredInSubNet')
    this.#commitRateLimit(state, netuid, idx, uid, block)
    const commitEpoch = currentEpoch(state, netuid, block)
    type Commit = [string, number, number, number]
    let commits = state.get(SM, 'WeightCommits', [idx, who]).toJSON() as Commit[] | null ?? []
    while (commits.length > 0 && isCommitExpired(state, netuid, Number(commits[0]![1]), block)) commits = commits.slice(1)
    if (commits.length >= 10) this.#fail(SM, 'TooManyUnrevealedCommits')
    commits.push([hash, commitEpoch, block, 0])
    state.set(SM, 'WeightCommits', [idx, who], commits)
    this.#deposit(phase, SM, 'WeightsCommitted', [who, idx, hash])
    this.#touchLastUpdate(state, idx, uid, block)
  }

  /** `BlakeTwo256(SCALE((hotkey, netuid_index, uids, values, salt, version_key)))`. */
  commitHash(who: string, netuidIndex: number, uids: number[], values: number[], salt: number[], versionKey: bigint): string {
    const bytes = this.codec.encode('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [who, netuidIndex, uids, values, salt, versionKey])
    return u8aToHex(blake2AsU8a(bytes, 256))
  }

  /** `internal_reveal_weights`, in the chain's order of checks. */
  #revealWeights(state: State, who: string, netuid: number, mecid: number, uids: number[], values: number[], salt: number[], versionKey: bigint, block: number, phase: Phase): void {
    const idx = storageIndex(netuid, mecid)
    if (!state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])) this.#fail(SM, 'CommitRevealDisabled')
    if (!state.has(SM, 'WeightCommits', [idx, who])) this.#fail(SM, 'NoWeightsCommitFound')
    type Commit = [string, number, number, number]
    let commits = state.get(SM, 'WeightCommits', [idx, who]).toJSON() as Commit[]
    const expired: string[] = []
    while (commits.length > 0 && isCommitExpired(state, netuid, Number(commits[0]![1]), block)) {
      expired.push(commits[0]![0])
      commits = commits.slice(1)
    }
    const hash = this.commitHash(who, idx, uids, values, salt, versionKey)
    if (commits.length === 0) this.#fail(SM, expired.includes(hash) ? 'ExpiredWeightCommit' : 'NoWeightsCommitFound')
    const at = commits.findIndex((c) => c[0] === hash)
    if (at < 0) this.#fail(SM, expired.includes(hash) ? 'ExpiredWeightCommit' : 'InvalidRevealCommitHashNotMatch')
    if (!isRevealEpoch(state, netuid, Number(commits[at]![1]), block)) this.#fail(SM, 'RevealTooEarly')
    const rest = commits.slice(at + 1)
    if (rest.length === 0) state.remove(SM, 'WeightCommits', [idx, who])
    else state.set(SM, 'WeightCommits', [idx, who], rest)
    this.#doSetWeights(state, who, netuid, mecid, uids, values, versionKey, block, phase)
    this.#deposit(phase, SM, 'WeightsRevealed', [who, idx, hash])
  }

  /** `internal_commit_timelocked_weights`: queued under `TimelockedWeightCommits[idx][current epoch]`. */
  #commitTimelocked(state: State, who: string, netuid: number, mecid: number, commit: Uint8Array, round: bigint, version: number, block: number, phase: Phase): void {
    ensureMechanismExists(state, netuid, mecid, this.fail)
    const idx = storageIndex(netuid, mecid)
    if (!state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])) this.#fail(SM, 'CommitRevealDisabled')
    if (version !== state.num(SM, 'CommitRevealWeightsVersion')) this.#fail(SM, 'IncorrectCommitRevealVersion')
    const uid = this.#uidOf(state, netuid, who)
    if (uid === undefined) this.#fail(SM, 'HotKeyNotRegisteredInSubNet')
    this.#commitRateLimit(state, netuid, idx, uid, block)
    const epoch = currentEpoch(state, netuid, block)
    type Entry = [string, number, string, number | string]
    const q = state.get(SM, 'TimelockedWeightCommits', [idx, epoch]).toJSON() as Entry[]
    if (q.filter((e) => acct(e[0]) === who).length >= 10) this.#fail(SM, 'TooManyUnrevealedCommits')
    q.push([who, block, u8aToHex(commit), round.toString()])
    state.set(SM, 'TimelockedWeightCommits', [idx, epoch], q)
    this.#deposit(phase, SM, 'TimelockedWeightsCommitted', [who, idx, blake2AsHex(commit, 256), round])
    this.#touchLastUpdate(state, idx, uid, block)
  }

  #serveAxon(state: State, who: string, netuid: number, version: number, ip: bigint, port: number, ipType: number, protocol: number, p1: number, p2: number, block: number, phase: Phase): void {
    if (this.#uidOf(state, netuid, who) === undefined) this.#fail(SM, 'HotKeyNotRegisteredInNetwork')
    if (ipType !== 4 && ipType !== 6) this.#fail(SM, 'InvalidIpType')
    if (ip === 0n || (ipType === 4 && ip >= 1n << 32n)) this.#fail(SM, 'InvalidIpAddress')
    if (port === 0) this.#fail(SM, 'InvalidPort')
    if (state.has(SM, 'Axons', [netuid, who])) {
      const prev = BigInt((state.get(SM, 'Axons', [netuid, who]).toJSON() as { block: number | string }).block)
      const limit = state.big(SM, 'ServingRateLimit', [netuid])
      if (limit > 0n && BigInt(block) - prev < limit) this.#fail(SM, 'ServingRateLimitExceeded')
    }
    state.set(SM, 'Axons', [netuid, who], { block, version, ip, port, ipType, protocol, placeholder1: p1, placeholder2: p2 })
    this.#deposit(phase, SM, 'AxonServed', [netuid, who])
  }

  #setCommitment(state: State, who: string, netuid: number, info: Codec, block: number, phase: Phase): void {
    const C = 'Commitments'
    if (this.#uidOf(state, netuid, who) === undefined) this.#fail(C, 'AccountNotAllowedCommit')
    const fields = (info as unknown as { fields: Codec[] & { length: number } }).fields
    if (fields.length > 3) this.#fail(C, 'TooManyFieldsInCommitmentInfo')
    // Space used per rate-limit window (the subnet's epoch), capped by MaxSpace.
    const required = BigInt(fields.reduce((s, f) => s + f.encodedLength, 0))
    // The window is the subnet's epoch (`get_epoch_index`: the `SubnetEpochIndex` counter).
    const epoch = state.big(SM, 'SubnetEpochIndex', [netuid])
    const used = state.get(C, 'UsedSpaceOf', [netuid, who]).toJSON() as { lastEpoch: number | string; usedSpace: number | string } | null
    let usedSpace = used !== null && BigInt(used.lastEpoch) === epoch ? BigInt(used.usedSpace) : 0n
    if (usedSpace + required > BigInt(state.num(C, 'MaxSpace'))) this.#fail(C, 'SpaceLimitExceeded')
    usedSpace += required
    state.set(C, 'UsedSpaceOf', [netuid, who], { lastEpoch: epoch, usedSpace })
    state.set(C, 'CommitmentOf', [netuid, who], { deposit: 0, block, info })
    state.set(C, 'LastCommitment', [netuid, who], block)
    this.#deposit(phase, C, 'Commitment', [netuid, who])
  }
}
