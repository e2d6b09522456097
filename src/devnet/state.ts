/**
 * Chain state as the node keeps it: a flat map from full storage key to encoded value (both as
 * `0x` hex), plus typed accessors that build keys and codecs from the metadata. Keeping raw
 * key/value pairs makes `state_getStorage`, `getKeysPaged`, storage subscriptions and persistence
 * byte-exact with the chain by construction.
 */
import type { Codec } from '@polkadot/types/types'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsHex, decodeAddress } from '@polkadot/util-crypto'
import type { ChainCodec } from './codec.ts'

/** One block's state: the raw key/value map and typed helpers over it. */
export class State {
  readonly codec: ChainCodec
  readonly kv: Map<string, string>

  constructor(codec: ChainCodec, kv: Map<string, string> = new Map()) {
    this.codec = codec
    this.kv = kv
  }

  /** A copy to build the next block on. */
  clone(): State {
    return new State(this.codec, new Map(this.kv))
  }

  /** The raw encoded value under a full key, or undefined. */
  raw(key: string): string | undefined {
    return this.kv.get(key.toLowerCase())
  }

  /** Full key of `pallet.item(args)`. */
  key(pallet: string, item: string, args: unknown[] = []): string {
    return this.codec.storageKey(pallet, item, args)
  }

  /** Whether the entry exists (was written and not removed). */
  has(pallet: string, item: string, args: unknown[] = []): boolean {
    return this.kv.has(this.key(pallet, item, args))
  }

  /** Decoded value (the metadata default when absent). */
  get(pallet: string, item: string, args: unknown[] = []): Codec {
    const v = this.kv.get(this.key(pallet, item, args))
    return this.codec.decodeStorageValue(pallet, item, v === undefined ? undefined : hexToU8a(v))
  }

  /** Value as a JS number (u8..u32, or u64 known to be small). */
  num(pallet: string, item: string, args: unknown[] = []): number {
    return Number((this.get(pallet, item, args) as unknown as { toString(): string }).toString())
  }

  /** Value as a bigint (u64/u128 and friends). */
  big(pallet: string, item: string, args: unknown[] = []): bigint {
    return BigInt((this.get(pallet, item, args) as unknown as { toString(): string }).toString())
  }

  /** Value as a boolean. */
  bool(pallet: string, item: string, args: unknown[] = []): boolean {
    return (this.get(pallet, item, args) as unknown as { isTrue: boolean }).isTrue
  }

  /** A `Vec<u16>`/`Vec<u64>`/`Vec<bool>` value as a JS array. */
  vec<T = number>(pallet: string, item: string, args: unknown[] = []): T[] {
    return this.get(pallet, item, args).toJSON() as T[]
  }

  /** A `Vec<AccountId32>` value as 0x hex strings. */
  accounts(pallet: string, item: string, args: unknown[] = []): string[] {
    return (this.get(pallet, item, args).toJSON() as string[]).map(acct)
  }

  /** Encodes and writes a value. */
  set(pallet: string, item: string, args: unknown[], value: unknown): void {
    this.kv.set(this.key(pallet, item, args), u8aToHex(this.codec.encodeStorageValue(pallet, item, value)))
  }

  /** Writes already-encoded bytes. */
  setRaw(key: string, value: Uint8Array): void {
    this.kv.set(key.toLowerCase(), u8aToHex(value))
  }

  /** Removes an entry. */
  remove(pallet: string, item: string, args: unknown[] = []): void {
    this.kv.delete(this.key(pallet, item, args))
  }

  /** Removes every key under a prefix. */
  removePrefix(prefix: string): void {
    for (const k of this.keysWithPrefix(prefix)) this.kv.delete(k)
  }

  /** All keys starting with `prefix` (hex), sorted as the trie would iterate them. */
  keysWithPrefix(prefix: string): string[] {
    const p = prefix.toLowerCase()
    const out: string[] = []
    for (const k of this.kv.keys()) if (k.startsWith(p)) out.push(k)
    return out.sort()
  }

  /**
   * A digest of the whole state, used as the header's `stateRoot`. It is NOT a Merkle-Patricia
   * trie root (the emulator serves no storage proofs); it changes exactly when state changes.
   */
  root(): string {
    const keys = [...this.kv.keys()].sort()
    let acc = ''
    for (const k of keys) acc += k + '=' + this.kv.get(k) + ';'
    return blake2AsHex(acc, 256)
  }
}

/** An account as lowercase 0x hex, from SS58 (what `toJSON` gives for AccountId32) or hex. */
export function acct(a: string): string {
  return a.startsWith('0x') ? a.toLowerCase() : u8aToHex(decodeAddress(a))
}
