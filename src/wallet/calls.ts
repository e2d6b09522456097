/**
 * Call specifications: which pallet call, by metadata name, with which arguments. Pure data and
 * input checks, no third-party code; the @polkadot/api adapter turns a {@link CallSpec} into an
 * extrinsic by looking the names up in the chain's metadata (never by index).
 */
import { WalletError } from './errors.ts'
import { assertAddress } from './address.ts'

/** One pallet call named as in metadata (PascalCase pallet, snake_case call), with positional args. */
export interface CallSpec {
  /** e.g. `SubtensorModule`. */
  readonly pallet: string
  /** e.g. `burned_register`. */
  readonly method: string
  /** Positional arguments in the metadata's order. */
  readonly args: readonly unknown[]
}

const U16_MAX = 0xffff
const U64_MAX = (1n << 64n) - 1n

function netuidArg(netuid: number): number {
  if (!Number.isInteger(netuid) || netuid < 0 || netuid > U16_MAX) {
    throw new WalletError('BAD_INPUT', `netuid must be an integer in 0..65535, got ${String(netuid)}`)
  }
  return netuid
}

function u64Arg(name: string, value: bigint): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new WalletError('BAD_INPUT', `${name} must be a bigint amount in rao within u64, got ${String(value)}`)
  }
  return value
}

function accountArg(name: string, address: string): string {
  assertAddress(address, name)
  return address
}

/** `SubtensorModule.burned_register(netuid, hotkey)`: signed by the coldkey, pays `Burn[netuid]`. */
export function burnedRegister(netuid: number, hotkey: string): CallSpec {
  return { pallet: 'SubtensorModule', method: 'burned_register', args: [netuidArg(netuid), accountArg('hotkey', hotkey)] }
}

/** `SubtensorModule.register_limit(netuid, hotkey, limit_price)`: burned registration with a price cap. */
export function registerLimit(netuid: number, hotkey: string, limitPrice: bigint): CallSpec {
  return { pallet: 'SubtensorModule', method: 'register_limit', args: [netuidArg(netuid), accountArg('hotkey', hotkey), u64Arg('limitPrice', limitPrice)] }
}

/** `SubtensorModule.add_stake(hotkey, netuid, amount_staked)`: stake TAO (rao) from the signing coldkey. */
export function addStake(hotkey: string, netuid: number, amount: bigint): CallSpec {
  return { pallet: 'SubtensorModule', method: 'add_stake', args: [accountArg('hotkey', hotkey), netuidArg(netuid), u64Arg('amount', amount)] }
}

/** `SubtensorModule.remove_stake(hotkey, netuid, amount_unstaked)`: unstake alpha (rao units). */
export function removeStake(hotkey: string, netuid: number, amount: bigint): CallSpec {
  return { pallet: 'SubtensorModule', method: 'remove_stake', args: [accountArg('hotkey', hotkey), netuidArg(netuid), u64Arg('amount', amount)] }
}

/** Options of the `_limit` staking calls. */
export interface LimitOptions {
  /** Price bound (rao of TAO per alpha, as the chain defines `limit_price`). */
  readonly limitPrice: bigint
  /** Execute the part that fits under the limit instead of failing. Default false. */
  readonly allowPartial?: boolean
}

/** `SubtensorModule.add_stake_limit(hotkey, netuid, amount_staked, limit_price, allow_partial)`. */
export function addStakeLimit(hotkey: string, netuid: number, amount: bigint, opts: LimitOptions): CallSpec {
  return {
    pallet: 'SubtensorModule',
    method: 'add_stake_limit',
    args: [accountArg('hotkey', hotkey), netuidArg(netuid), u64Arg('amount', amount), u64Arg('limitPrice', opts.limitPrice), opts.allowPartial === true],
  }
}

/** `SubtensorModule.remove_stake_limit(hotkey, netuid, amount_unstaked, limit_price, allow_partial)`. */
export function removeStakeLimit(hotkey: string, netuid: number, amount: bigint, opts: LimitOptions): CallSpec {
  return {
    pallet: 'SubtensorModule',
    method: 'remove_stake_limit',
    args: [accountArg('hotkey', hotkey), netuidArg(netuid), u64Arg('amount', amount), u64Arg('limitPrice', opts.limitPrice), opts.allowPartial === true],
  }
}

/** Most fields `CommitmentInfo` holds (`MaxFields`, runtime constant on finney). */
export const MAX_COMMITMENT_FIELDS = 3
/** Largest `Data::Raw` field in bytes. */
export const MAX_RAW_FIELD_BYTES = 128

/**
 * `Commitments.set_commitment(netuid, info)` with each field as `Data::Raw`. Signed by a hotkey
 * registered on `netuid` (the session hotkey). Strings are UTF-8 encoded.
 */
export function setCommitment(netuid: number, fields: ReadonlyArray<Uint8Array | string>): CallSpec {
  if (fields.length === 0 || fields.length > MAX_COMMITMENT_FIELDS) {
    throw new WalletError('BAD_INPUT', `a commitment has 1..${MAX_COMMITMENT_FIELDS} fields, got ${fields.length}`)
  }
  const raw = fields.map((f, i) => {
    const bytes = typeof f === 'string' ? new TextEncoder().encode(f) : f
    if (bytes.length > MAX_RAW_FIELD_BYTES) {
      throw new WalletError('BAD_INPUT', `commitment field ${i} is ${bytes.length} bytes; the chain's Raw field holds at most ${MAX_RAW_FIELD_BYTES}`)
    }
    return { [`Raw${bytes.length}`]: bytes }
  })
  return { pallet: 'Commitments', method: 'set_commitment', args: [netuidArg(netuid), { fields: raw }] }
}

/** `Balances.transfer_keep_alive(dest, value)`: move TAO (rao), refusing to reap the sender. */
export function transferKeepAlive(dest: string, amount: bigint): CallSpec {
  return { pallet: 'Balances', method: 'transfer_keep_alive', args: [accountArg('dest', dest), u64Arg('amount', amount)] }
}

/**
 * Any other call by metadata name (the weights helpers use this for `commit_weights`,
 * `reveal_weights`, `commit_timelocked_weights`). Arguments are passed to the codec as given.
 */
export function namedCall(pallet: string, method: string, args: readonly unknown[]): CallSpec {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(pallet) || !/^[a-z][a-z0-9_]*$/.test(method)) {
    throw new WalletError('BAD_INPUT', `call names are PascalCase pallet and snake_case method as in metadata, got ${pallet}.${method}`)
  }
  return { pallet, method, args: [...args] }
}
