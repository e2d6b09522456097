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
  writeEpochOutput,
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

/** The chain's epoch index of `block` for a subnet (the legacy block-based formula). */
export function epochOf(block: number, netuid: number, tempo: number): number {
  if (tempo === 0) return 0
  return Math.floor((block + netuid + 1) / (tempo + 1))
}

/** Whether the epoch runs for `netuid` at `block` (`blocks_until_next_epoch == 0`). */
export function epochFires(block: number, netuid: number, tempo: number): boolean {
  if (tempo === 0) return false
  return (block + netuid + 1) % (tempo + 1) === 0
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
    for (const netuid of this.subnets(state)) {
      if (netuid === 0) continue
      state.set(SM, 'RegistrationsThisBlock', [netuid], 0)
      const interval = state.num(SM, 'AdjustmentInterval', [netuid])
      if (interval > 0 && n % interval === 0) {
        state.set(SM, 'RegistrationsThisInterval', [netuid], 0)
        state.set(SM, 'BurnRegistrationsThisInterval', [netuid], 0)
      }
      state.set(SM, 'BlocksSinceLastStep', [netuid], state.big(SM, 'BlocksSinceLastStep', [netuid]) + 1n)
      const tempo = state.num(SM, 'Tempo', [netuid])
      this.#revealTimelocked(state, netuid, n, tempo)
      if (epochFires(n, netuid, tempo)) this.#runEpoch(state, netuid, n)
    }
    state.set('Timestamp', 'Now', [], nowMs)
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

  #runEpoch(state: State, netuid: number, block: number): void {
    if (this.epoch === undefined) {
      // Bookkeeping only: the consensus engine is not wired (see startDevnet's `epoch` option).
      state.set(SM, 'LastMechansimStepBlock', [netuid], block)
      state.set(SM, 'LastEpochBlock', [netuid], block)
      state.set(SM, 'BlocksSinceLastStep', [netuid], 0)
      state.set(SM, 'SubnetEpochIndex', [netuid], state.big(SM, 'SubnetEpochIndex', [netuid]) + 1n)
      return
    }
    const input = buildEpochInput(state, netuid, block, this.#commitBlocks(state, netuid, block))
    if (input.n === 0) {
      writeEpochOutput(state, netuid, block, {
        active: [], stake_weight_u16: [], consensus_u16: [], incentive_u16: [], dividends_u16: [], validator_trust_u16: [],
        server_emission: [], validator_emission: [], emission: [], new_validator_permit: [], bonds_u16: [],
      })
      return
    }
    let out: ReturnType<EpochEngine['run']>
    try {
      out = this.epoch.run(input)
    } catch (e) {
      // Never stall block production on an epoch failure: log it and keep the previous outputs.
      this.log(`epoch netuid ${netuid} at block ${block} failed (${this.epoch.name}): ${(e as Error).message}`)
      state.set(SM, 'LastMechansimStepBlock', [netuid], block)
      state.set(SM, 'BlocksSinceLastStep', [netuid], 0)
      return
    }
    writeEpochOutput(state, netuid, block, out)
    this.log(`epoch netuid ${netuid} at block ${block} (${this.epoch.name}, n=${input.n})`)
  }

  /** Per uid, the block of its earliest unexpired commit (v2 or v4), for the epoch's commit mask. */
  #commitBlocks(state: State, netuid: number, block: number): Array<number | null> {
    const n = state.num(SM, 'SubnetworkN', [netuid])
    const out: Array<number | null> = Array.from({ length: n }, () => null)
    const note = (who: string, b: number): void => {
      const uid = this.#uidOf(state, netuid, who)
      if (uid === undefined || uid >= n) return
      if (this.#isExpired(state, netuid, b, block)) return
      const cur = out[uid]
      if (cur === null || cur === undefined || b < cur) out[uid] = b
    }
    const vt = this.codec.storageValueType(SM, 'WeightCommits')
    for (const key of state.keysWithPrefix(this.codec.storagePrefix(SM, 'WeightCommits', [netuid]))) {
      const who = '0x' + key.slice(-64)
      const commits = this.codec.registry.createType(vt, hexToU8a(state.raw(key)!)).toJSON() as [string, number, number, number][]
      for (const c of commits) note(who, Number(c[1]))
    }
    const tt = this.codec.storageValueType(SM, 'TimelockedWeightCommits')
    for (const key of state.keysWithPrefix(this.codec.storagePrefix(SM, 'TimelockedWeightCommits', [netuid]))) {
      const q = this.codec.registry.createType(tt, hexToU8a(state.raw(key)!)).toJSON() as [string, number, string, number][]
      for (const c of q) note(acct(c[0]), Number(c[1]))
    }
    return out
  }

  #revealTimelocked(state: State, netuid: number, block: number, tempo: number): void {
    const reveal = BigInt(state.big(SM, 'RevealPeriodEpochs', [netuid]))
    const cur = BigInt(epochOf(block, netuid, tempo))
    const prefix = this.codec.storagePrefix(SM, 'TimelockedWeightCommits', [netuid])
    for (const key of state.keysWithPrefix(prefix)) {
      // Twox64Concat(u64 epoch): the last 8 bytes of the key.
      const kb = hexToU8a(key)
      const epoch = new DataView(kb.buffer, kb.byteOffset + kb.length - 8, 8).getBigUint64(0, true)
      if (epoch + reveal > cur) continue
      if (epoch + reveal < cur) {
        state.kv.delete(key)
        continue
      }
      const commits = this.codec.registry.createType(this.codec.storageValueType(SM, 'TimelockedWeightCommits'), hexToU8a(state.raw(key)!)).toJSON() as [string, number, string, number | string][]
      const keep: typeof commits = []
      for (const c of commits) {
        const [whoRaw, , commit, roundRaw] = c
        const who = acct(whoRaw)
        const round = BigInt(roundRaw)
        // pallet_drand::Pulses[reveal_round]; missing → retry next block of this epoch.
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
          this.#doSetWeights(state, who, netuid, payload.uids, payload.values, payload.versionKey, block, true)
          this.#deposit('Initialization', SM, 'TimelockedWeightsRevealed', [netuid, who])
        } catch (e) {
          this.log(`v4 reveal of ${who} on netuid ${netuid} skipped: ${(e as Error).message}`)
        }
      }
      if (keep.length === 0) state.kv.delete(key)
      else state.setRaw(key, this.codec.encode(this.codec.storageValueType(SM, 'TimelockedWeightCommits'), keep))
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
    const layer = state.clone()
    const before = this.#events.length
    const dispatchInfo = { weight: { refTime: info.refTime, proofSize: 0 }, class: 'Normal', paysFee: info.paysFee ? 'Yes' : 'No' }
    try {
      this.#dispatch(layer, who, xt, phase, ctx.number)
      for (const [k, v] of layer.kv) state.kv.set(k, v)
      for (const k of [...state.kv.keys()]) if (!layer.kv.has(k)) state.kv.delete(k)
      if (fee > 0n) this.#deposit(phase, 'TransactionPayment', 'TransactionFeePaid', [who, fee - xt.tip, xt.tip])
      this.#deposit(phase, 'System', 'ExtrinsicSuccess', [dispatchInfo])
    } catch (e) {
      this.#events.length = before
      if (!(e instanceof DispatchFailure)) {
        this.log(`dispatch of ${xt.call.section}.${xt.call.method} threw: ${(e as Error).stack ?? String(e)}`)
      }
      const error = e instanceof DispatchFailure ? e.error : 'Other'
      if (fee > 0n) this.#deposit(phase, 'TransactionPayment', 'TransactionFeePaid', [who, fee - xt.tip, xt.tip])
      this.#deposit(phase, 'System', 'ExtrinsicFailed', [error, dispatchInfo])
    }
  }

  // ---------------------------------------------------------------- dispatch

  #dispatch(state: State, who: string, xt: DecodedExtrinsic, phase: Phase, block: number): void {
    const call = xt.call
    const a = call.args
    const name = `${call.section}.${call.method}`
    const num = (i: number): number => Number(a[i]!.toString())
    const big = (i: number): bigint => BigInt(a[i]!.toString())
    const acc = (i: number): string => a[i]!.toHex()
    const u16s = (i: number): number[] => a[i]!.toJSON() as number[]
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
      case 'subtensorModule.setWeights': {
        const netuid = num(0)
        if (state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])) this.#fail(SM, 'CommitRevealEnabled')
        this.#doSetWeights(state, who, netuid, u16s(1), u16s(2), big(3), block, false)
        this.#deposit(phase, SM, 'WeightsSet', [netuid, state.num(SM, 'Uids', [netuid, who])])
        return
      }
      case 'subtensorModule.commitWeights':
        return this.#commitWeights(state, who, num(0), a[1]!.toHex(), block, phase)
      case 'subtensorModule.revealWeights':
        return this.#revealWeights(state, who, num(0), u16s(1), u16s(2), u16s(3), big(4), block, phase)
      case 'subtensorModule.commitTimelockedWeights':
        return this.#commitTimelocked(state, who, num(0), a[1]!.toU8a(true), big(2), num(3), block, phase)
      case 'subtensorModule.serveAxon':
        return this.#serveAxon(state, who, num(0), num(1), big(2), num(3), num(4), num(5), num(6), num(7), block, phase)
      case 'commitments.setCommitment':
        return this.#setCommitment(state, who, num(0), a[1]!, block, phase)
      default:
        this.log(`call ${name} is not emulated`)
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
      state.remove(SM, 'Weights', [netuid, uid])
      state.remove(SM, 'Bonds', [netuid, uid])
    }
    state.set(SM, 'Keys', [netuid, uid], hotkey)
    state.set(SM, 'Uids', [netuid, hotkey], uid)
    state.set(SM, 'IsNetworkMember', [hotkey, netuid], true)
    state.set(SM, 'BlockAtRegistration', [netuid, uid], block)
    this.#setVecAt(state, 'Active', netuid, uid, true, true)
    for (const item of ['Consensus', 'Incentive', 'Dividends', 'ValidatorTrust', 'StakeWeight']) this.#setVecAt(state, item, netuid, uid, 0, 0)
    this.#setVecAt(state, 'Emission', netuid, uid, 0, 0)
    this.#setVecAt(state, 'ValidatorPermit', netuid, uid, false, false)
    this.#setVecAt(state, 'LastUpdate', netuid, uid, block, 0)
    return uid
  }

  #burnedRegister(state: State, coldkey: string, netuid: number, hotkey: string, block: number, phase: Phase, limit: bigint | undefined): void {
    if (netuid === 0) this.#fail(SM, 'RegistrationNotPermittedOnRootSubnet')
    if (!this.#subnetExists(state, netuid)) this.#fail(SM, 'SubnetNotExists')
    if (!state.bool(SM, 'NetworkRegistrationAllowed', [netuid])) this.#fail(SM, 'SubNetRegistrationDisabled')
    if (state.num(SM, 'RegistrationsThisBlock', [netuid]) >= state.num(SM, 'MaxRegistrationsPerBlock', [netuid])) this.#fail(SM, 'TooManyRegistrationsThisBlock')
    if (state.num(SM, 'RegistrationsThisInterval', [netuid]) >= state.num(SM, 'TargetRegistrationsPerInterval', [netuid]) * 3) this.#fail(SM, 'TooManyRegistrationsThisInterval')
    if (state.has(SM, 'Uids', [netuid, hotkey])) this.#fail(SM, 'HotKeyAlreadyRegisteredInSubNet')
    const cost = state.big(SM, 'Burn', [netuid])
    if (limit !== undefined && cost > limit) this.#fail(SM, 'RegistrationPriceLimitExceeded')
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

  /** `do_set_weights` checks in chain order, then max-upscale and store. */
  #doSetWeights(state: State, who: string, netuid: number, uids: number[], values: number[], versionKey: bigint, block: number, fromReveal: boolean): void {
    if (netuid === 0) this.#fail(SM, 'CanNotSetRootNetworkWeights')
    if (uids.length !== values.length) this.#fail(SM, 'WeightVecNotEqualSize')
    if (!this.#subnetExists(state, netuid)) this.#fail(SM, 'MechanismDoesNotExist')
    const n = state.num(SM, 'SubnetworkN', [netuid])
    if (uids.length > n) this.#fail(SM, 'UidsLengthExceedUidsInSubNet')
    const uid = this.#uidOf(state, netuid, who)
    if (uid === undefined) this.#fail(SM, 'HotKeyNotRegisteredInSubNet')
    const threshold = state.big(SM, 'StakeThreshold')
    if (state.big(SM, 'TotalHotkeyAlpha', [who, netuid]) < threshold) this.#fail(SM, 'NotEnoughStakeToSetWeights')
    const vk = state.big(SM, 'WeightsVersionKey', [netuid])
    if (vk !== 0n && versionKey < vk) this.#fail(SM, 'IncorrectWeightVersionKey')
    const crOn = state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])
    const lastUpdate = state.vec<number | string>(SM, 'LastUpdate', [netuid]).map((x) => BigInt(x))
    if (!crOn && !fromReveal) {
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
    state.set(SM, 'Weights', [netuid, uid], uids.map((u, i) => [u, scaled[i]]))
    if (!crOn) {
      while (lastUpdate.length <= uid) lastUpdate.push(0n)
      lastUpdate[uid] = BigInt(block)
      state.set(SM, 'LastUpdate', [netuid], lastUpdate)
    }
  }

  /** Commit rate limit: `LastUpdate == 0 || block − LastUpdate >= WeightsSetRateLimit`. */
  #commitRateLimit(state: State, netuid: number, uid: number, block: number): void {
    const last = BigInt(state.vec<number | string>(SM, 'LastUpdate', [netuid])[uid] ?? 0)
    const limit = state.big(SM, 'WeightsSetRateLimit', [netuid])
    if (last !== 0n && BigInt(block) - last < limit) this.#fail(SM, 'CommittingWeightsTooFast')
  }

  #touchLastUpdate(state: State, netuid: number, uid: number, block: number): void {
    this.#setVecAt<number | bigint>(state, 'LastUpdate', netuid, uid, BigInt(block), 0n)
  }

  #revealWindow(state: State, netuid: number, commitBlock: number): { commitEpoch: number; first: number; last: number } {
    const tempo = state.num(SM, 'Tempo', [netuid])
    const period = Number(state.big(SM, 'RevealPeriodEpochs', [netuid]))
    const commitEpoch = epochOf(commitBlock, netuid, tempo)
    const first = Math.max(0, (commitEpoch + period) * (tempo + 1) - (netuid + 1))
    return { commitEpoch, first, last: first + tempo }
  }

  #isExpired(state: State, netuid: number, commitBlock: number, block: number): boolean {
    const tempo = state.num(SM, 'Tempo', [netuid])
    const period = Number(state.big(SM, 'RevealPeriodEpochs', [netuid]))
    return epochOf(block, netuid, tempo) > epochOf(commitBlock, netuid, tempo) + period
  }

  #commitWeights(state: State, who: string, netuid: number, hash: string, block: number, phase: Phase): void {
    if (!state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])) this.#fail(SM, 'CommitRevealDisabled')
    const uid = this.#uidOf(state, netuid, who)
    if (uid === undefined) this.#fail(SM, 'HotKeyNotRegisteredInSubNet')
    this.#commitRateLimit(state, netuid, uid, block)
    type Commit = [string, number, number, number]
    let commits = state.get(SM, 'WeightCommits', [netuid, who]).toJSON() as Commit[]
    while (commits.length > 0 && this.#isExpired(state, netuid, Number(commits[0]![1]), block)) commits = commits.slice(1)
    if (commits.length >= 10) this.#fail(SM, 'TooManyUnrevealedCommits')
    const w = this.#revealWindow(state, netuid, block)
    commits.push([hash, block, w.first, w.last])
    state.set(SM, 'WeightCommits', [netuid, who], commits)
    this.#touchLastUpdate(state, netuid, uid, block)
    this.#deposit(phase, SM, 'WeightsCommitted', [who, netuid, hash])
  }

  /** `BlakeTwo256(SCALE((hotkey, netuid_index, uids, values, salt, version_key)))`. */
  commitHash(who: string, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint): string {
    const bytes = this.codec.encode('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [who, netuid, uids, values, salt, versionKey])
    return u8aToHex(blake2AsU8a(bytes, 256))
  }

  #revealWeights(state: State, who: string, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint, block: number, phase: Phase): void {
    if (!state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])) this.#fail(SM, 'CommitRevealDisabled')
    if (!state.has(SM, 'WeightCommits', [netuid, who])) this.#fail(SM, 'NoWeightsCommitFound')
    type Commit = [string, number, number, number]
    const all = state.get(SM, 'WeightCommits', [netuid, who]).toJSON() as Commit[]
    const hash = this.commitHash(who, netuid, uids, values, salt, versionKey)
    const live = all.filter((c) => !this.#isExpired(state, netuid, Number(c[1]), block))
    if (live.length === 0) {
      state.remove(SM, 'WeightCommits', [netuid, who])
      this.#fail(SM, 'ExpiredWeightCommit')
    }
    const at = live.findIndex((c) => c[0] === hash)
    if (at < 0) {
      if (all.some((c) => c[0] === hash)) this.#fail(SM, 'ExpiredWeightCommit')
      this.#fail(SM, 'InvalidRevealCommitHashNotMatch')
    }
    const tempo = state.num(SM, 'Tempo', [netuid])
    const period = Number(state.big(SM, 'RevealPeriodEpochs', [netuid]))
    if (epochOf(block, netuid, tempo) < epochOf(Number(live[at]![1]), netuid, tempo) + period) this.#fail(SM, 'RevealTooEarly')
    const rest = live.slice(at + 1)
    if (rest.length === 0) state.remove(SM, 'WeightCommits', [netuid, who])
    else state.set(SM, 'WeightCommits', [netuid, who], rest)
    this.#doSetWeights(state, who, netuid, uids, values, versionKey, block, true)
    this.#deposit(phase, SM, 'WeightsRevealed', [who, netuid, hash])
  }

  #commitTimelocked(state: State, who: string, netuid: number, commit: Uint8Array, round: bigint, version: number, block: number, phase: Phase): void {
    if (!state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])) this.#fail(SM, 'CommitRevealDisabled')
    if (version !== state.num(SM, 'CommitRevealWeightsVersion')) this.#fail(SM, 'IncorrectCommitRevealVersion')
    const uid = this.#uidOf(state, netuid, who)
    if (uid === undefined) this.#fail(SM, 'HotKeyNotRegisteredInSubNet')
    this.#commitRateLimit(state, netuid, uid, block)
    const tempo = state.num(SM, 'Tempo', [netuid])
    const epoch = epochOf(block, netuid, tempo)
    type Entry = [string, number, string, number | string]
    const q = state.get(SM, 'TimelockedWeightCommits', [netuid, epoch]).toJSON() as Entry[]
    if (q.filter((e) => acct(e[0]) === who).length >= 10) this.#fail(SM, 'TooManyUnrevealedCommits')
    q.push([who, block, u8aToHex(commit), round.toString()])
    state.set(SM, 'TimelockedWeightCommits', [netuid, epoch], q)
    this.#touchLastUpdate(state, netuid, uid, block)
    this.#deposit(phase, SM, 'TimelockedWeightsCommitted', [who, netuid, blake2AsHex(commit, 256), round])
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
    const tempo = state.num(SM, 'Tempo', [netuid])
    const epoch = BigInt(epochOf(block, netuid, tempo))
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
