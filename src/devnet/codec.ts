/**
 * The devnet's view of the chain's types: the finney metadata (V16, spec 424) loaded into a
 * @polkadot/types registry, and helpers that encode storage keys, values, events, errors and
 * runtime-API payloads exactly as the runtime described by that metadata does. Nothing here
 * hard-codes a pallet or call index: everything is looked up by name in the metadata.
 */
import { readFileSync } from 'node:fs'
import { Metadata, TypeRegistry } from '@polkadot/types'
import { expandMetadata } from '@polkadot/types/metadata/decorate'
import type { Codec } from '@polkadot/types/types'
import { compactStripLength, stringCamelCase, u8aConcat, u8aToHex } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import { DevnetError } from './errors.ts'

/** The metadata file shipped beside this module (see metadata/PROVENANCE.md). */
export const METADATA_URL = new URL('./metadata/finney-v16-spec424.scale', import.meta.url)

/** Version numbers reported by the emulated runtime. */
export const SPEC_NAME = 'node-subtensor'
export const SPEC_VERSION = 424
export const TRANSACTION_VERSION = 1

let shared: ChainCodec | undefined

/** The process-wide codec for the shipped metadata (immutable, so one instance serves every devnet). */
export function sharedCodec(): ChainCodec {
  shared ??= new ChainCodec()
  return shared
}

/** Encoded storage key plus the decoded value type name, for one storage item instance. */
interface StorageItemFn {
  (...args: unknown[]): Uint8Array
  meta: { type: { isPlain: boolean; asPlain: { toNumber(): number }; asMap: { value: { toNumber(): number } } }; fallback: { toU8a(bare?: boolean): Uint8Array }; modifier: { isOptional: boolean } }
  keyPrefix: (...args: unknown[]) => Uint8Array
}

/** A runtime API method as declared in the metadata. */
export interface RuntimeApiMethod {
  api: string
  method: string
  inputs: { name: string; type: string }[]
  output: string
}

/**
 * The type registry and metadata-driven encoders. One instance per process is enough; it is
 * immutable after construction.
 */
export class ChainCodec {
  readonly registry: TypeRegistry
  readonly metadata: Metadata
  readonly metadataBytes: Uint8Array
  readonly #decorated: ReturnType<typeof expandMetadata>
  readonly #palletIndex = new Map<string, number>()
  readonly #eventTypes = new Map<string, number>()
  readonly #errorTypes = new Map<string, number>()
  readonly runtimeApis = new Map<string, RuntimeApiMethod>()
  /** `(blake2_64(name), version)` pairs for `Core_version`. */
  readonly apiVersions: [Uint8Array, number][] = []

  constructor(metadataBytes: Uint8Array = new Uint8Array(readFileSync(METADATA_URL))) {
    this.metadataBytes = metadataBytes
    this.registry = new TypeRegistry()
    this.metadata = new Metadata(this.registry, metadataBytes)
    // Declare the subtensor-specific transaction extensions (all data-free per their metadata
    // types) so @polkadot/types neither warns about them nor guesses.
    const userExtensions: Record<string, { extrinsic: Record<string, never>; payload: Record<string, never> }> = {}
    for (const name of ['SudoTransactionExtension', 'CheckShieldedTxValidity', 'SubtensorTransactionExtension', 'DrandPriority']) {
      userExtensions[name] = { extrinsic: {}, payload: {} }
    }
    this.registry.setMetadata(this.metadata, undefined, userExtensions)
    this.#decorated = expandMetadata(this.registry, this.metadata)
    const latest = this.metadata.asLatest
    for (const p of latest.pallets) {
      const name = p.name.toString()
      this.#palletIndex.set(name, p.index.toNumber())
      if (p.events.isSome) this.#eventTypes.set(name, p.events.unwrap().type.toNumber())
      if (p.errors.isSome) this.#errorTypes.set(name, p.errors.unwrap().type.toNumber())
    }
    for (const a of latest.apis) {
      const api = a.name.toString()
      const version = (a as unknown as { version?: { toNumber(): number } }).version?.toNumber() ?? 1
      this.apiVersions.push([blake2AsU8a(api, 64), version])
      for (const m of a.methods) {
        const method = m.name.toString()
        this.runtimeApis.set(`${api}_${method}`, {
          api,
          method,
          inputs: m.inputs.map((i) => ({ name: i.name.toString(), type: this.registry.createLookupType(i.type) })),
          output: this.registry.createLookupType(m.output),
        })
      }
    }
  }

  /** The pallet index of `pallet` in this runtime (from `construct_runtime!` via metadata). */
  palletIndex(pallet: string): number {
    const i = this.#palletIndex.get(pallet)
    if (i === undefined) throw new DevnetError('UNKNOWN_PALLET', `pallet ${pallet} is not in the metadata`)
    return i
  }

  #storageFn(pallet: string, item: string): StorageItemFn {
    const section = (this.#decorated.query as unknown as Record<string, Record<string, StorageItemFn>>)[stringCamelCase(pallet)]
    const fn = section?.[stringCamelCase(item)]
    if (fn === undefined) throw new DevnetError('UNKNOWN_STORAGE', `storage ${pallet}.${item} is not in the metadata`)
    return fn
  }

  /** The full storage key (hashed as the metadata says) of one entry. `args` are the map keys. */
  storageKey(pallet: string, item: string, args: unknown[] = []): string {
    const fn = this.#storageFn(pallet, item)
    const key = fn.meta.type.isPlain ? fn() : fn(...args)
    return u8aToHex(compactStripLength(key)[1])
  }

  /** The key prefix of a map, optionally with the first `args` keys fixed (for iteration). */
  storagePrefix(pallet: string, item: string, args: unknown[] = []): string {
    const fn = this.#storageFn(pallet, item)
    const p = fn.keyPrefix(...args) as unknown as { toU8a?: () => Uint8Array } | Uint8Array
    const bytes = p instanceof Uint8Array ? p : (p as { toU8a(): Uint8Array }).toU8a()
    return u8aToHex(bytes)
  }

  /** The registry type name of the value stored under `pallet.item`. */
  storageValueType(pallet: string, item: string): string {
    const t = this.#storageFn(pallet, item).meta.type
    return this.registry.createLookupType(t.isPlain ? t.asPlain.toNumber() : t.asMap.value.toNumber())
  }

  /** Whether the storage item is `OptionQuery` (absent = None) rather than `ValueQuery`. */
  storageIsOptional(pallet: string, item: string): boolean {
    return this.#storageFn(pallet, item).meta.modifier.isOptional
  }

  /** The default bytes of a `ValueQuery` item (metadata fallback). */
  storageDefault(pallet: string, item: string): Uint8Array {
    return this.#storageFn(pallet, item).meta.fallback.toU8a(true)
  }

  /** Encodes a value of the item's type. */
  encodeStorageValue(pallet: string, item: string, value: unknown): Uint8Array {
    return this.registry.createType(this.storageValueType(pallet, item), hexify(value)).toU8a()
  }

  /** Decodes a stored value (or the item's default when `bytes` is undefined). */
  decodeStorageValue(pallet: string, item: string, bytes: Uint8Array | undefined): Codec {
    return this.registry.createType(this.storageValueType(pallet, item), bytes ?? this.storageDefault(pallet, item))
  }

  /** Encodes any registry type by name. */
  encode(type: string, value: unknown): Uint8Array {
    return this.registry.createType(type, hexify(value)).toU8a()
  }

  /** The `[pallet_index, variant_index, ...fields]` bytes of a runtime event. */
  event(pallet: string, name: string, fields: unknown[]): Uint8Array {
    const typeId = this.#eventTypes.get(pallet)
    if (typeId === undefined) throw new DevnetError('UNKNOWN_EVENT', `pallet ${pallet} has no events`)
    const variant = this.registry.lookup.getSiType(typeId).def.asVariant.variants.find((v) => v.name.toString() === name)
    if (variant === undefined) throw new DevnetError('UNKNOWN_EVENT', `event ${pallet}.${name} is not in the metadata`)
    if (variant.fields.length !== fields.length) throw new DevnetError('BAD_EVENT', `event ${pallet}.${name} takes ${variant.fields.length} fields`)
    const parts = variant.fields.map((f, i) => this.registry.createType(this.registry.createLookupType(f.type), fields[i]).toU8a())
    return u8aConcat(new Uint8Array([this.palletIndex(pallet), variant.index.toNumber()]), ...parts)
  }

  /** `(pallet index, error index)` of a pallet error, for `DispatchError::Module`. */
  moduleError(pallet: string, name: string): { index: number; error: number } {
    const typeId = this.#errorTypes.get(pallet)
    if (typeId === undefined) throw new DevnetError('UNKNOWN_ERROR', `pallet ${pallet} has no errors`)
    const variant = this.registry.lookup.getSiType(typeId).def.asVariant.variants.find((v) => v.name.toString() === name)
    if (variant === undefined) throw new DevnetError('UNKNOWN_ERROR', `error ${pallet}.${name} is not in the metadata`)
    return { index: this.palletIndex(pallet), error: variant.index.toNumber() }
  }

  /** The runtime API method called `Api_method` by `state_call`, if the metadata declares it. */
  runtimeApi(name: string): RuntimeApiMethod | undefined {
    return this.runtimeApis.get(name)
  }
}

/**
 * Raw byte arrays as hex: @polkadot/types reads a `Uint8Array` given for `Bytes` as already
 * length-prefixed, but a hex string as the content itself, which is what callers here mean.
 */
function hexify(v: unknown): unknown {
  if (v instanceof Uint8Array) return u8aToHex(v)
  if (Array.isArray(v)) return v.map(hexify)
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, hexify(x)]))
  }
  return v
}
