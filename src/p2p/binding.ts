/**
 * Chain-bound identity: a hotkey (sr25519) signs `(peerId, netuid, expiry)`, so anyone can check
 * which hotkey a libp2p peer acts for, and the chain (metagraph) says whether that hotkey is
 * registered on the subnet and holds a validator permit. Pure logic, no libp2p.
 */
import { decodeAddress, encodeAddress, sr25519Verify } from '@polkadot/util-crypto'
import { u8aToHex, u8aWrapBytes } from '@polkadot/util'
import { isReady as wasmReady, sr25519Verify as wasmSr25519Verify, waitReady as wasmWaitReady } from '@polkadot/wasm-crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { MeshError, MeshProtocolError } from './errors.ts'
import { BoundedMap } from './limits.ts'
import { Binding as WireBinding } from './wire.ts'

/** A hotkey that can sign: a `@polkadot/keyring` sr25519 pair fits, so does an extension signer wrapper. */
export interface Signer {
  /** SS58 address of the hotkey. */
  readonly address: string
  /** sr25519 signature (64 bytes) over the raw message bytes. */
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>
}

/** The chain lookups the mesh needs (the metagraph of the subnet); injected by the app. */
export interface ChainView {
  /** Is `hotkey` (SS58) registered on subnet `netuid`? */
  isRegistered(hotkey: string, netuid: number): boolean | Promise<boolean>
  /** Does `hotkey` (SS58) hold a validator permit on subnet `netuid`? */
  hasValidatorPermit(hotkey: string, netuid: number): boolean | Promise<boolean>
  /**
   * The hotkey's share, in [0, 1], of the stake of all validator-permit holders on the subnet
   * (0 without a permit). Miners share their capacity among validators by it; without this
   * lookup every permit holder gets the full per-validator limits.
   */
  stakeShare?(hotkey: string, netuid: number): number | Promise<number>
}

/** A signed statement that libp2p peer `peerId` acts for `hotkey` on `netuid` until `expiry`. */
export interface Binding {
  /** libp2p PeerId, base58btc text. */
  peerId: string
  /** SS58 address of the hotkey (prefix 42). */
  hotkey: string
  netuid: number
  /** Milliseconds since the Unix epoch. */
  expiry: number
  /** 64-byte sr25519 signature by the hotkey over {@link bindingMessage}. */
  signature: Uint8Array
}

/** Options of {@link createBinding}. */
export interface CreateBindingInit {
  peerId: string
  /** The hotkey (alias: `hotkeyPair`, a keyring pair). */
  signer?: Signer
  hotkeyPair?: Signer
  netuid: number
  /** Milliseconds since the Unix epoch. */
  expiry: number
}

/** What {@link verifyBinding} learned about a valid binding. */
export interface VerifiedBinding {
  binding: Binding
  /** True when the hotkey holds a validator permit on the subnet. */
  validatorPermit: boolean
}

/** Options of {@link verifyBinding}. */
export interface VerifyBindingOptions {
  /** The peer the binding must name (the remote peer of the connection it came over). */
  peerId?: string
  /** The subnet it must name. */
  netuid?: number
  /** Refuse hotkeys without a validator permit (`ERR_NO_PERMIT`). */
  requirePermit?: boolean
  /** Clock, ms since the epoch (tests). */
  now?: number
}

const enc = new TextEncoder()
const BINDING_DOMAIN = enc.encode('webtensor:binding:v1')
const ANSWER_DOMAIN = enc.encode('webtensor:answer:v2')
const PRESENCE_DOMAIN = enc.encode('webtensor:presence:v1')
const MAX_NETUID = 0xffff

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.byteLength }
  return out
}
function u32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, true)
  return b
}
function u64(n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true)
  return b
}
/** A length-prefixed field, so concatenations are unambiguous. */
function field(bytes: Uint8Array): Uint8Array {
  return concat([u32(bytes.byteLength), bytes])
}

/** The bytes a hotkey signs to bind a peer: domain || peerId || netuid || expiry. */
export function bindingMessage(peerId: string, netuid: number, expiry: number): Uint8Array {
  return concat([BINDING_DOMAIN, field(enc.encode(peerId)), u32(netuid), u64(expiry)])
}

/**
 * The bytes a miner's libp2p peer key (Ed25519, the key its bound PeerId embeds) signs over an
 * answer: domain || validator peer || challenge id || sha256(answer). Naming the validator and the
 * fresh challenge id stops replays and copies. Domain v2: v1 was signed by the hotkey (sr25519).
 */
export function answerMessage(validatorPeerId: string, challengeId: Uint8Array, answer: Uint8Array): Uint8Array {
  return concat([ANSWER_DOMAIN, field(enc.encode(validatorPeerId)), field(challengeId), sha256(answer)])
}

/** The bytes a hotkey signs in a presence message. */
export function presenceMessage(peerId: string, model: string, capacity: number, ts: number): Uint8Array {
  return concat([PRESENCE_DOMAIN, field(enc.encode(peerId)), field(enc.encode(model)), u32(capacity), u64(ts)])
}

/** The 32-byte public key of an SS58 address; throws `ERR_INVALID_ARGUMENT`. */
export function hotkeyPublicKey(address: string): Uint8Array {
  const known = publicKeys.get(address)
  if (known !== undefined) return known.slice()
  try {
    const pk = decodeAddress(address)
    if (pk.byteLength !== 32) throw new Error('not a 32-byte key')
    publicKeys.set(address, pk.slice())
    return pk
  } catch (err) {
    throw new MeshError('ERR_INVALID_ARGUMENT', `'${address}' is not an SS58 hotkey address`, { cause: err })
  }
}

/** SS58 (prefix 42) address of a 32-byte public key. */
export function hotkeyAddress(publicKey: Uint8Array): string {
  const hex = u8aToHex(publicKey)
  let address = addresses.get(hex)
  if (address === undefined) {
    address = encodeAddress(publicKey, 42)
    addresses.set(hex, address)
  }
  return address
}

/**
 * SS58 both ways, remembered (bounded, oldest out first): a validator re-encoded its own binding's hotkey for every
 * challenge it sent and every miner's for every answer (base58 with a blake2 checksum each way,
 * about a millisecond a challenge at 256 miners, mostly in @scure/base).
 */
const SS58_MEMO_MAX = 8192
const publicKeys = new BoundedMap<string, Uint8Array>(SS58_MEMO_MAX)
const addresses = new BoundedMap<string, string>(SS58_MEMO_MAX)

/**
 * sr25519 verification in @polkadot/wasm-crypto once it is ready (see {@link sr25519Ready}), else
 * @polkadot/util-crypto's (pure JS, @scure/sr25519). Same answers; WASM is about 10x faster (0.35 vs
 * 3.5 ms a check here), and a validator checks each miner's presence every interval and its binding
 * every minute: @scure/sr25519 was a tenth of a 256-miner validator's busy main thread. The WASM is
 * already in every bundle (util-crypto loads it for blake2 and ed25519).
 */
function sr25519VerifyFast(message: Uint8Array, signature: Uint8Array, pk: Uint8Array): boolean {
  return wasmReady() ? wasmSr25519Verify(signature, message, pk) : sr25519Verify(message, signature, pk)
}

/** Loads the WASM that {@link verifySignature} uses when it can (a mesh node awaits it when it starts). */
export async function sr25519Ready(): Promise<boolean> {
  return await wasmWaitReady()
}

/**
 * Verifies an sr25519 signature over `message` by `address`. Accepts the raw message and the
 * `<Bytes>…</Bytes>` wrapping that browser extensions apply in `signRaw`. Never throws.
 */
export function verifySignature(message: Uint8Array, signature: Uint8Array, address: string): boolean {
  if (signature.byteLength !== 64) return false
  try {
    const pk = decodeAddress(address)
    if (pk.byteLength !== 32) return false
    return sr25519VerifyFast(message, signature, pk) || sr25519VerifyFast(u8aWrapBytes(message), signature, pk)
  } catch {
    return false
  }
}

/** Signs `message` with `signer`, checking the signature has the sr25519 size. */
export async function signWith(signer: Signer, message: Uint8Array): Promise<Uint8Array> {
  const sig = await signer.sign(message)
  if (!(sig instanceof Uint8Array) || sig.byteLength !== 64) throw new MeshError('ERR_INVALID_ARGUMENT', 'the signer returned no 64-byte sr25519 signature: use an sr25519 hotkey')
  return sig
}

/** Creates a binding of `peerId` to the signer's hotkey on `netuid`, valid until `expiry`. */
export async function createBinding(init: CreateBindingInit): Promise<Binding> {
  const signer = init.signer ?? init.hotkeyPair
  if (signer === undefined) throw new MeshError('ERR_INVALID_ARGUMENT', 'createBinding needs a signer (or hotkeyPair)')
  if (!Number.isInteger(init.netuid) || init.netuid < 0 || init.netuid > MAX_NETUID) throw new MeshError('ERR_INVALID_ARGUMENT', `netuid ${init.netuid} is not an integer in 0..65535`)
  if (!Number.isSafeInteger(init.expiry) || init.expiry <= 0) throw new MeshError('ERR_INVALID_ARGUMENT', 'expiry must be a positive integer of milliseconds since the epoch')
  if (init.peerId.length === 0 || init.peerId.length > 128) throw new MeshError('ERR_INVALID_ARGUMENT', 'peerId must be a libp2p PeerId string')
  hotkeyPublicKey(signer.address)
  const signature = await signWith(signer, bindingMessage(init.peerId, init.netuid, init.expiry))
  return { peerId: init.peerId, hotkey: signer.address, netuid: init.netuid, expiry: init.expiry, signature }
}

/**
 * Checks a binding: signature by the hotkey, expected peer and subnet, not expired, hotkey
 * registered on the subnet, and (with `requirePermit`) a validator permit.
 * Throws `ERR_BINDING_INVALID`, `ERR_NOT_REGISTERED` or `ERR_NO_PERMIT`.
 */
export async function verifyBinding(b: Binding, chain: ChainView, options: VerifyBindingOptions = {}): Promise<VerifiedBinding> {
  const now = options.now ?? Date.now()
  if (options.peerId !== undefined && b.peerId !== options.peerId) throw new MeshProtocolError('ERR_BINDING_INVALID', `binding names peer ${b.peerId}, but it came from ${options.peerId}`)
  if (options.netuid !== undefined && b.netuid !== options.netuid) throw new MeshProtocolError('ERR_BINDING_INVALID', `binding is for subnet ${b.netuid}, not ${options.netuid}`)
  if (!(b.expiry > now)) throw new MeshProtocolError('ERR_BINDING_INVALID', 'binding has expired: the peer must sign a new one')
  if (!verifySignature(bindingMessage(b.peerId, b.netuid, b.expiry), b.signature, b.hotkey)) throw new MeshProtocolError('ERR_BINDING_INVALID', `binding signature does not verify for hotkey ${b.hotkey}`)
  if (!(await chain.isRegistered(b.hotkey, b.netuid))) throw new MeshProtocolError('ERR_NOT_REGISTERED', `hotkey ${b.hotkey} is not registered on subnet ${b.netuid}`)
  const validatorPermit = await chain.hasValidatorPermit(b.hotkey, b.netuid)
  if (options.requirePermit === true && !validatorPermit) throw new MeshProtocolError('ERR_NO_PERMIT', `hotkey ${b.hotkey} has no validator permit on subnet ${b.netuid}`)
  return { binding: b, validatorPermit }
}

/** Binding to its wire form. */
export function bindingToWire(b: Binding): WireBinding {
  return { peerId: b.peerId, hotkey: hotkeyPublicKey(b.hotkey) as Uint8Array<ArrayBuffer>, netuid: b.netuid, expiry: BigInt(b.expiry), signature: b.signature as Uint8Array<ArrayBuffer> }
}

/** Wire form to a binding; throws `ERR_MALFORMED` on impossible field values. */
export function bindingFromWire(w: WireBinding | undefined): Binding {
  if (w === undefined) throw new MeshProtocolError('ERR_MALFORMED', 'message carries no binding')
  if (w.hotkey.byteLength !== 32) throw new MeshProtocolError('ERR_MALFORMED', 'binding hotkey is not 32 bytes')
  if (w.signature.byteLength !== 64) throw new MeshProtocolError('ERR_MALFORMED', 'binding signature is not 64 bytes')
  if (w.peerId.length === 0 || w.peerId.length > 128) throw new MeshProtocolError('ERR_MALFORMED', 'binding peer id has an impossible length')
  if (w.netuid > MAX_NETUID) throw new MeshProtocolError('ERR_MALFORMED', 'binding netuid above 65535')
  if (w.expiry > BigInt(Number.MAX_SAFE_INTEGER)) throw new MeshProtocolError('ERR_MALFORMED', 'binding expiry out of range')
  return { peerId: w.peerId, hotkey: hotkeyAddress(w.hotkey), netuid: w.netuid, expiry: Number(w.expiry), signature: w.signature }
}

/** Encodes a binding alone (for storage, a commitment, or the test harness). */
export function encodeBinding(b: Binding): Uint8Array {
  return WireBinding.encode(bindingToWire(b))
}

/** Decodes {@link encodeBinding} output; throws `ERR_MALFORMED`. */
export function decodeBinding(bytes: Uint8Array): Binding {
  let w: WireBinding
  try { w = WireBinding.decode(bytes) } catch (err) { throw new MeshProtocolError('ERR_MALFORMED', 'bytes are not a binding', { cause: err }) }
  return bindingFromWire(w)
}
