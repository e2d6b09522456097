/**
 * The metadata versions a real runtime serves, derived from the one V16 metadata the devnet ships:
 * `state_getMetadata` and `Metadata_metadata` answer V14 (as finney's node does), and
 * `Metadata_metadata_at_version` answers 14, 15 and 16 (`Metadata_metadata_versions` lists them).
 * Clients built on older @polkadot/types (BitGo's TAO SDK: @polkadot 14, which stops at V15) read
 * V14/V15; newer ones ask for V16.
 *
 * The conversion drops only what V16 added (deprecation info, associated types, view functions,
 * runtime-API versions, the per-version extension map) and restores what V14/V15 had besides:
 * the runtime type, the `UncheckedExtrinsic` type and its `Extra` tuple, all already in the
 * type registry (`lookup`, shared unchanged by all three). Each result is built once per codec.
 */
import type { Codec } from '@polkadot/types/types'
import { u8aConcat } from '@polkadot/util'
import type { ChainCodec } from './codec.ts'
import { DevnetError } from './errors.ts'

/** The versions `Metadata_metadata_versions` lists. */
export const METADATA_VERSIONS: readonly number[] = [14, 15, 16]
/** The version `state_getMetadata` and `Metadata_metadata` answer (a node's default). */
export const DEFAULT_METADATA_VERSION = 14

const MAGIC = new Uint8Array([0x6d, 0x65, 0x74, 0x61]) // "meta"
const cache = new WeakMap<ChainCodec, Map<number, Uint8Array>>()

// Loose views of the V16 codecs (the registry's generated types are not imported here).
/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any
/* eslint-enable @typescript-eslint/no-explicit-any */

interface Anchors {
  runtime: number
  extrinsic: number
  extra: number
}

/** The runtime, `UncheckedExtrinsic` and `Extra` type ids V16 no longer names. */
function anchors(codec: ChainCodec): Anchors {
  const m: Any = codec.metadata.asLatest
  const callType = m.extrinsic.callType.toNumber() as number
  const path = (id: number): string[] => (m.lookup.types as Any[]).find((t) => t.id.toNumber() === id)?.type.path.map(String) ?? []
  const callPath = path(callType)
  const runtimePath = [...callPath.slice(0, -1), 'Runtime'].join('::')
  let runtime: number | undefined
  const candidates: { id: number; extra: number }[] = []
  for (const t of m.lookup.types as Any[]) {
    const p = (t.type.path as Codec[]).map(String)
    if (p.join('::') === runtimePath) runtime = t.id.toNumber()
    if (p.at(-1) !== 'UncheckedExtrinsic') continue
    const params = new Map((t.type.params as Any[]).map((x) => [String(x.name), x.type.isSome ? (x.type.unwrap().toNumber() as number) : undefined]))
    const extra = params.get('Extra') ?? params.get('Extension')
    if (params.get('Call') === callType && extra !== undefined) candidates.push({ id: t.id.toNumber(), extra })
  }
  // The runtime's own extrinsic type is the one its runtime APIs take (Block::Extrinsic).
  const used = new Set<number>()
  for (const a of m.apis as Any[]) for (const meth of a.methods as Any[]) for (const i of meth.inputs as Any[]) used.add(i.type.toNumber())
  const pick = candidates.find((c) => used.has(c.id)) ?? candidates[0]
  if (runtime === undefined || pick === undefined) throw new DevnetError('BAD_METADATA', 'the V16 metadata lacks the runtime or UncheckedExtrinsic type needed for V14/V15')
  return { runtime, extrinsic: pick.id, extra: pick.extra }
}

function pallets(m: Any, withDocs: boolean): unknown[] {
  return (m.pallets as Any[]).map((p) => ({
    name: p.name,
    storage: p.storage.isSome
      ? { prefix: p.storage.unwrap().prefix, items: (p.storage.unwrap().items as Any[]).map((i) => ({ name: i.name, modifier: i.modifier, type: i.type, fallback: i.fallback, docs: i.docs })) }
      : null,
    calls: p.calls.isSome ? { type: p.calls.unwrap().type } : null,
    events: p.events.isSome ? { type: p.events.unwrap().type } : null,
    constants: (p.constants as Any[]).map((c) => ({ name: c.name, type: c.type, value: c.value, docs: c.docs })),
    errors: p.errors.isSome ? { type: p.errors.unwrap().type } : null,
    index: p.index,
    ...(withDocs ? { docs: p.docs } : {}),
  }))
}

function signedExtensions(m: Any): unknown[] {
  const all = m.extrinsic.transactionExtensions as Any[]
  const byVersion = m.extrinsic.transactionExtensionsByVersion as Map<Codec, Codec[]>
  const v0 = [...byVersion.entries()].find(([k]) => Number(k.toString()) === 0)?.[1]
  const order = v0 === undefined ? all.map((_, i) => i) : v0.map((i) => Number(i.toString()))
  return order.map((i) => ({ identifier: all[i].identifier, type: all[i].type, additionalSigned: all[i].implicit }))
}

function build(codec: ChainCodec, version: 14 | 15): Uint8Array {
  const m: Any = codec.metadata.asLatest
  const a = anchors(codec)
  const reg = codec.registry
  let body: Codec
  if (version === 14) {
    body = reg.createType('MetadataV14', {
      lookup: m.lookup,
      pallets: pallets(m, false),
      extrinsic: { type: a.extrinsic, version: 4, signedExtensions: signedExtensions(m) },
      type: a.runtime,
    })
  } else {
    body = reg.createType('MetadataV15', {
      lookup: m.lookup,
      pallets: pallets(m, true),
      extrinsic: {
        version: 4,
        addressType: m.extrinsic.addressType,
        callType: m.extrinsic.callType,
        signatureType: m.extrinsic.signatureType,
        extraType: a.extra,
        signedExtensions: signedExtensions(m),
      },
      type: a.runtime,
      apis: (m.apis as Any[]).map((api) => ({
        name: api.name,
        methods: (api.methods as Any[]).map((x) => ({ name: x.name, inputs: x.inputs, output: x.output, docs: x.docs })),
        docs: api.docs,
      })),
      outerEnums: m.outerEnums,
      custom: m.custom,
    })
  }
  return u8aConcat(MAGIC, new Uint8Array([version]), body.toU8a())
}

/** The prefixed metadata (`meta` + version + body) at `version`, or undefined when not served. */
export function metadataAtVersion(codec: ChainCodec, version: number): Uint8Array | undefined {
  if (version === 16) return codec.metadataBytes
  if (version !== 14 && version !== 15) return undefined
  let byVersion = cache.get(codec)
  if (byVersion === undefined) cache.set(codec, (byVersion = new Map()))
  let bytes = byVersion.get(version)
  if (bytes === undefined) byVersion.set(version, (bytes = build(codec, version)))
  return bytes
}
