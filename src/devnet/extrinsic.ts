/**
 * Extrinsic decoding and signature checks as the runtime does them: the layout comes from the
 * metadata's extrinsic section (address, signature and transaction-extension types, in metadata
 * order), and the signed payload is `call ++ extensions' extra ++ extensions' implicit`, hashed with
 * blake2-256 when longer than 256 bytes.
 */
import type { Codec } from '@polkadot/types/types'
import { compactFromU8a, u8aConcat, u8aToHex } from '@polkadot/util'
import { blake2AsU8a, ed25519Verify, secp256k1Verify, sr25519Verify } from '@polkadot/util-crypto'
import type { ChainCodec } from './codec.ts'

/** Why an extrinsic is refused before it reaches the pool (Substrate's `InvalidTransaction`). */
export type InvalidReason =
  | 'Call'
  | 'Payment'
  | 'Future'
  | 'Stale'
  | 'BadProof'
  | 'AncientBirthBlock'
  | 'ExhaustsResources'
  | 'BadSigner'
  | 'BadMandatory'

/** The texts Substrate prints for each `InvalidTransaction` variant. */
export const INVALID_TEXT: Record<InvalidReason, string> = {
  Call: 'Transaction call is not expected',
  Payment: 'Inability to pay some fees (e.g. account balance too low)',
  Future: 'Transaction will be valid in the future',
  Stale: 'Transaction is outdated',
  BadProof: 'Transaction has a bad signature',
  AncientBirthBlock: 'Transaction has an ancient birth block',
  ExhaustsResources: 'Transaction would exhaust the block limits',
  BadSigner: 'Transaction has a bad signer',
  BadMandatory: 'A call was labelled as mandatory, but resulted in an Error.',
}

/** A refused transaction, as the pool reports it. */
export class InvalidTransaction extends Error {
  override name = 'InvalidTransaction'
  readonly reason: InvalidReason
  constructor(reason: InvalidReason) {
    super(INVALID_TEXT[reason])
    this.reason = reason
  }
}

/** Bytes that are not an extrinsic of this runtime. */
export class BadFormat extends Error {
  override name = 'BadFormat'
}

/** Mortality from the `CheckMortality` extension. */
export interface Era {
  mortal: boolean
  period: number
  phase: number
}

/** A decoded extrinsic with everything the checks need. */
export interface DecodedExtrinsic {
  /** Full encoding including the compact length prefix. */
  bytes: Uint8Array
  /** blake2-256 of `bytes`, the transaction hash. */
  hash: string
  signed: boolean
  signer?: Uint8Array
  signatureType?: 'Ed25519' | 'Sr25519' | 'Ecdsa'
  signature?: Uint8Array
  era: Era
  nonce: number
  tip: bigint
  metadataHashMode: number
  /** Encoded extensions' extra, in order. */
  extra: Uint8Array
  /** Encoded call. */
  callBytes: Uint8Array
  /** Decoded call (registry `Call`). */
  call: Codec & { section: string; method: string; args: Codec[]; argsDef: Record<string, unknown> }
}

interface ExtensionDef {
  identifier: string
  extraType: string
  implicitType: string
}

/** The transaction extensions of version 0 (the only one in this metadata), in order. */
export function extensionDefs(codec: ChainCodec): ExtensionDef[] {
  const ext = codec.metadata.asLatest.extrinsic as unknown as {
    transactionExtensions: { identifier: { toString(): string }; type: { toNumber(): number }; implicit: { toNumber(): number } }[]
    transactionExtensionsByVersion: Map<{ toNumber(): number }, { toNumber(): number }[]>
  }
  const all = ext.transactionExtensions
  let order: number[] = all.map((_, i) => i)
  for (const [v, ids] of ext.transactionExtensionsByVersion.entries()) if (v.toNumber() === 0) order = ids.map((i) => i.toNumber())
  return order.map((i) => {
    const e = all[i]!
    return {
      identifier: e.identifier.toString(),
      extraType: codec.registry.createLookupType(e.type.toNumber()),
      implicitType: codec.registry.createLookupType(e.implicit.toNumber()),
    }
  })
}

function typeIds(codec: ChainCodec): { address: string; signature: string } {
  const ext = codec.metadata.asLatest.extrinsic as unknown as { addressType: { toNumber(): number }; signatureType: { toNumber(): number } }
  return { address: codec.registry.createLookupType(ext.addressType.toNumber()), signature: codec.registry.createLookupType(ext.signatureType.toNumber()) }
}

/** Decodes one extrinsic (v4 signed or bare); throws `BadFormat` on anything else. */
export function decodeExtrinsic(codec: ChainCodec, bytes: Uint8Array): DecodedExtrinsic {
  const reg = codec.registry
  let len: number
  let off: number
  try {
    const [o, l] = compactFromU8a(bytes)
    off = o
    len = l.toNumber()
  } catch {
    throw new BadFormat('bad length prefix')
  }
  if (bytes.length < 2 || off + len !== bytes.length) throw new BadFormat(`length prefix says ${len} bytes, got ${bytes.length - off}`)
  const body = bytes.subarray(off)
  const version = body[0]!
  let p = 1
  const era: Era = { mortal: false, period: 0, phase: 0 }
  let nonce = 0
  let tip = 0n
  let metadataHashMode = 0
  let signer: Uint8Array | undefined
  let signature: Uint8Array | undefined
  let signatureType: DecodedExtrinsic['signatureType']
  let extraStart = p
  let extraEnd = p
  const signed = (version & 0x80) !== 0
  if ((version & 0x3f) !== 4) throw new BadFormat(`unsupported extrinsic version ${version & 0x3f} (this emulator accepts v4)`)
  try {
    if (signed) {
      const ids = typeIds(codec)
      const addr = reg.createType(ids.address, body.subarray(p)) as unknown as Codec & { type: string; value: Codec }
      if (addr.type !== 'Id') throw new BadFormat(`address kind ${addr.type} is not supported (use MultiAddress::Id)`)
      signer = addr.value.toU8a()
      p += addr.encodedLength
      const sig = reg.createType(ids.signature, body.subarray(p)) as unknown as Codec & { type: string; value: Codec }
      signatureType = sig.type as DecodedExtrinsic['signatureType']
      signature = sig.value.toU8a()
      p += sig.encodedLength
      extraStart = p
      for (const e of extensionDefs(codec)) {
        const v = reg.createType(e.extraType, body.subarray(p))
        p += v.encodedLength
        if (e.identifier === 'CheckMortality') {
          const ev = v as unknown as { isMortalEra: boolean; asMortalEra: { period: Codec; phase: Codec } }
          if (ev.isMortalEra) {
            era.mortal = true
            era.period = Number(ev.asMortalEra.period.toString())
            era.phase = Number(ev.asMortalEra.phase.toString())
          }
        } else if (e.identifier === 'CheckNonce') nonce = Number(v.toString())
        else if (e.identifier === 'ChargeTransactionPayment') tip = BigInt(v.toString())
        else if (e.identifier === 'CheckMetadataHash') metadataHashMode = (v as unknown as { mode: { index: number } }).mode.index
      }
      extraEnd = p
    }
  } catch (e) {
    if (e instanceof BadFormat) throw e
    throw new BadFormat(`cannot decode the signature part: ${(e as Error).message}`)
  }
  const callBytes = body.subarray(p)
  let call: DecodedExtrinsic['call']
  try {
    call = reg.createType('Call', callBytes) as unknown as DecodedExtrinsic['call']
  } catch (e) {
    throw new BadFormat(`cannot decode the call: ${(e as Error).message}`)
  }
  if (call.encodedLength !== callBytes.length) throw new BadFormat(`${callBytes.length - call.encodedLength} trailing bytes after the call`)
  return {
    bytes,
    hash: u8aToHex(blake2AsU8a(bytes, 256)),
    signed,
    signer,
    signature,
    signatureType,
    era,
    nonce,
    tip,
    metadataHashMode,
    extra: body.subarray(extraStart, extraEnd),
    callBytes,
    call,
  }
}

/** The block number an era was born at, relative to `current` (sp_runtime `Era::birth`). */
export function eraBirth(era: Era, current: number): number {
  if (!era.mortal) return 0
  return Math.floor((Math.max(current, era.phase) - era.phase) / era.period) * era.period + era.phase
}

/** The first block at which an era is dead (sp_runtime `Era::death`). */
export function eraDeath(era: Era, current: number): number {
  if (!era.mortal) return Number.MAX_SAFE_INTEGER
  return eraBirth(era, current) + era.period
}

/** What the implicit (additional-signed) data depends on. */
export interface ImplicitContext {
  specVersion: number
  transactionVersion: number
  genesisHash: Uint8Array
  /** Hash of the era's birth block, or undefined when the chain no longer knows it. */
  birthHash: Uint8Array | undefined
}

/**
 * The bytes the signer signed, rebuilt from the chain's own view (spec/tx version, genesis, birth
 * block hash). Throws `InvalidTransaction('AncientBirthBlock')` when the birth block is unknown.
 */
export function signingPayload(codec: ChainCodec, xt: DecodedExtrinsic, ctx: ImplicitContext): Uint8Array {
  const parts: Uint8Array[] = [xt.callBytes, xt.extra]
  for (const e of extensionDefs(codec)) {
    switch (e.identifier) {
      case 'CheckSpecVersion':
        parts.push(codec.encode('u32', ctx.specVersion))
        break
      case 'CheckTxVersion':
        parts.push(codec.encode('u32', ctx.transactionVersion))
        break
      case 'CheckGenesis':
        parts.push(ctx.genesisHash)
        break
      case 'CheckMortality':
        if (ctx.birthHash === undefined) throw new InvalidTransaction('AncientBirthBlock')
        parts.push(ctx.birthHash)
        break
      case 'CheckMetadataHash':
        // Mode 1 would commit to the RFC-78 metadata digest, which the emulator does not compute:
        // such a signature cannot verify here (named limitation).
        parts.push(xt.metadataHashMode === 0 ? new Uint8Array([0]) : new Uint8Array([1, ...new Uint8Array(32)]))
        break
      default: {
        // Extensions with no implicit data (the four subtensor-specific ones among them).
        const implicit = codec.registry.createType(e.implicitType).toU8a()
        parts.push(implicit)
      }
    }
  }
  const payload = u8aConcat(...parts)
  return payload.length > 256 ? blake2AsU8a(payload, 256) : payload
}

/** Verifies the extrinsic's signature over `payload`; throws `InvalidTransaction('BadProof')`. */
export function verifySignature(xt: DecodedExtrinsic, payload: Uint8Array): void {
  const { signer, signature, signatureType } = xt
  if (signer === undefined || signature === undefined) throw new InvalidTransaction('BadProof')
  let ok = false
  try {
    if (signatureType === 'Sr25519') ok = sr25519Verify(payload, signature, signer)
    else if (signatureType === 'Ed25519') ok = ed25519Verify(payload, signature, signer)
    else if (signatureType === 'Ecdsa') ok = secp256k1Verify(payload, signature, signer, 'blake2')
  } catch {
    ok = false
  }
  if (!ok) throw new InvalidTransaction('BadProof')
}
