/**
 * The `:code` storage entry a node holds (the runtime's wasm blob). Clients such as polkadot-api
 * identify the runtime by the hash of `:code`, so the devnet answers it. No client executes it, so
 * the devnet serves a stand-in: a valid wasm module with no code and three custom sections,
 * `runtime_version` and `runtime_apis` (as substrate embeds them, so tools that read the version
 * from the blob get the emulated one) and `webtensor_devnet` (a note that this is an emulator).
 * A client that tried to execute it would fail at once on the missing exports.
 */
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util'
import { blake2AsHex } from '@polkadot/util-crypto'
import type { ChainCodec } from './codec.ts'
import type { State } from './state.ts'

/** `:code` as a storage key. */
export const CODE_KEY = '0x3a636f6465'

function leb128(n: number): Uint8Array {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return new Uint8Array(out)
}

function customSection(name: string, payload: Uint8Array): Uint8Array {
  const n = stringToU8a(name)
  const body = u8aConcat(leb128(n.length), n, payload)
  return u8aConcat(new Uint8Array([0]), leb128(body.length), body)
}

const cache = new WeakMap<ChainCodec, string>()

/**
 * The stand-in runtime blob (0x hex) for a runtime version: stable for a given metadata and
 * version, so its hash identifies the runtime.
 */
export function runtimeCode(codec: ChainCodec, versionBytes: Uint8Array): string {
  let hex = cache.get(codec)
  if (hex === undefined) {
    const apis = u8aConcat(...codec.apiVersions.map(([id, v]) => u8aConcat(id, new Uint8Array(new Uint32Array([v]).buffer))))
    const note = stringToU8a(`webtensor devnet: a subtensor emulator's stand-in for the runtime blob, not executable; metadata ${blake2AsHex(codec.metadataBytes, 256)}`)
    hex = u8aToHex(
      u8aConcat(
        new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
        customSection('runtime_version', versionBytes),
        customSection('runtime_apis', apis),
        customSection('webtensor_devnet', note),
      ),
    )
    cache.set(codec, hex)
  }
  return hex
}

/**
 * Raw storage as a node answers it: the state's entries plus the well-known `:code`.
 * `code` is the blob of {@link runtimeCode}.
 */
export function rawStorage(state: State, key: string, code: string): string | undefined {
  const k = key.toLowerCase()
  return k === CODE_KEY ? code : state.raw(k)
}

/** Keys under `prefix` (sorted), `:code` included where it matches. */
export function storageKeys(state: State, prefix: string): string[] {
  const keys = state.keysWithPrefix(prefix)
  if (!CODE_KEY.startsWith(prefix.toLowerCase())) return keys
  return [...keys, CODE_KEY].sort()
}
