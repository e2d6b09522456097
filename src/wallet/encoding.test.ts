// SCALE encoding of every call the wallet builds, checked against the finney V16 metadata blob
// (no chain): call indices looked up by name in the metadata, decode-back, exact bytes, and the
// signed payload layout with subtensor's own transaction extensions.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Metadata, TypeRegistry } from '@polkadot/types'
import { allExtensions } from '@polkadot/types/extrinsic/signedExtensions'
import { Keyring } from '@polkadot/keyring'
import { compactToU8a, hexToU8a, u8aConcat, u8aToHex, u8aWrapBytes } from '@polkadot/util'
import { blake2AsU8a, cryptoWaitReady, decodeAddress, signatureVerify } from '@polkadot/util-crypto'
import {
  SUBTENSOR_SIGNED_EXTENSIONS, WalletError, calls, createOfflineCallEncoder, keySignerFromKeyFile, keySignerFromPair,
} from './index.ts'
import type { CallSpec } from './index.ts'

const BLOB = readFileSync(new URL('./fixtures/finney-metadata-v16-spec424.scale', import.meta.url))
const registry = new TypeRegistry()
const metadata = new Metadata(registry, BLOB)
registry.setMetadata(metadata, undefined, SUBTENSOR_SIGNED_EXTENSIONS, true)
const encoder = createOfflineCallEncoder(BLOB)

/** `[palletIndex, callIndex]` read from the metadata by name, independently of the code under test. */
function indexByName(pallet: string, call: string): [number, number] {
  const p = metadata.asV16.pallets.find((x) => x.name.toString() === pallet)
  if (!p) throw new Error(`no pallet ${pallet}`)
  const def = registry.lookup.getSiType(p.calls.unwrap().type).def.asVariant
  const v = def.variants.find((x) => x.name.toString() === call)
  if (!v) throw new Error(`no call ${pallet}.${call}`)
  return [p.index.toNumber(), v.index.toNumber()]
}

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty'
const alicePk = decodeAddress(ALICE)
const bobPk = decodeAddress(BOB)
const le = (n: bigint, bytes: number): Uint8Array => {
  const out = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}

describe('finney metadata fixture', () => {
  it('is V16, spec 424', () => {
    expect(metadata.version).toBe(16)
    expect(encoder.specVersion).toBe(424)
  })

  it('declares exactly the transaction extensions @polkadot/types lacks, each empty in the metadata', () => {
    const exts = metadata.asV16.extrinsic.transactionExtensions
    const unknown = exts.map((e) => e.identifier.toString()).filter((id) => !(id in allExtensions))
    expect(unknown.sort()).toEqual(Object.keys(SUBTENSOR_SIGNED_EXTENSIONS).sort())
    for (const e of exts) {
      if (!(e.identifier.toString() in SUBTENSOR_SIGNED_EXTENSIONS)) continue
      // Both the extrinsic part and the implicit (signed-only) part must be the unit type.
      expect(registry.lookup.getTypeDef(e.type).type, e.identifier.toString()).toBe('Null')
      expect(registry.lookup.getTypeDef(e.implicit).type, e.identifier.toString()).toBe('Null')
    }
  })
})

interface Case {
  name: string
  spec: CallSpec
  pallet: string
  call: string
  /** Expected SCALE of the arguments (after the 2-byte call index). */
  args: Uint8Array
  /** Cross-check from EXTRINSICS.md (subtensor source), not used to build anything. */
  documentedIndex: [number, number]
}

const CASES: Case[] = [
  {
    name: 'burned_register',
    spec: calls.burnedRegister(1, ALICE),
    pallet: 'SubtensorModule', call: 'burned_register',
    args: u8aConcat(le(1n, 2), alicePk),
    documentedIndex: [7, 7],
  },
  {
    name: 'register_limit',
    spec: calls.registerLimit(3, ALICE, 1_000_000_000n),
    pallet: 'SubtensorModule', call: 'register_limit',
    args: u8aConcat(le(3n, 2), alicePk, le(1_000_000_000n, 8)),
    documentedIndex: [7, 134],
  },
  {
    name: 'add_stake',
    spec: calls.addStake(ALICE, 2, 5_000_000_000n),
    pallet: 'SubtensorModule', call: 'add_stake',
    args: u8aConcat(alicePk, le(2n, 2), le(5_000_000_000n, 8)),
    documentedIndex: [7, 2],
  },
  {
    name: 'remove_stake',
    spec: calls.removeStake(ALICE, 2, 123n),
    pallet: 'SubtensorModule', call: 'remove_stake',
    args: u8aConcat(alicePk, le(2n, 2), le(123n, 8)),
    documentedIndex: [7, 3],
  },
  {
    name: 'add_stake_limit',
    spec: calls.addStakeLimit(ALICE, 65535, (1n << 64n) - 1n, { limitPrice: 42n, allowPartial: true }),
    pallet: 'SubtensorModule', call: 'add_stake_limit',
    args: u8aConcat(alicePk, le(65535n, 2), le((1n << 64n) - 1n, 8), le(42n, 8), new Uint8Array([1])),
    documentedIndex: [7, 88],
  },
  {
    name: 'remove_stake_limit',
    spec: calls.removeStakeLimit(ALICE, 0, 7n, { limitPrice: 9n }),
    pallet: 'SubtensorModule', call: 'remove_stake_limit',
    args: u8aConcat(alicePk, le(0n, 2), le(7n, 8), le(9n, 8), new Uint8Array([0])),
    documentedIndex: [7, 89],
  },
  {
    name: 'set_commitment (peer id, Raw)',
    spec: calls.setCommitment(1, ['12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo']),
    pallet: 'Commitments', call: 'set_commitment',
    // netuid u16, Vec<Data> with 1 field; Data::Raw(n) is tag n+1 then the bytes, no length prefix.
    args: u8aConcat(le(1n, 2), compactToU8a(1), new Uint8Array([53]), new TextEncoder().encode('12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo')),
    documentedIndex: [18, 0],
  },
  {
    name: 'set_commitment (three fields, empty and 128 bytes)',
    spec: calls.setCommitment(7, [new Uint8Array(), new Uint8Array(128).fill(0xab), 'x']),
    pallet: 'Commitments', call: 'set_commitment',
    args: u8aConcat(le(7n, 2), compactToU8a(3), new Uint8Array([1]), new Uint8Array([129]), new Uint8Array(128).fill(0xab), new Uint8Array([2, 0x78])),
    documentedIndex: [18, 0],
  },
  {
    name: 'transfer_keep_alive',
    spec: calls.transferKeepAlive(BOB, 1_000_000_000n),
    pallet: 'Balances', call: 'transfer_keep_alive',
    // MultiAddress::Id (0x00) + AccountId32, then Compact<u128>
    args: u8aConcat(new Uint8Array([0]), bobPk, compactToU8a(1_000_000_000n)),
    documentedIndex: [-1, -1],
  },
  {
    name: 'commit_weights (named call, as the weights helpers use it)',
    spec: calls.namedCall('SubtensorModule', 'commit_weights', [1, `0x${'11'.repeat(32)}`]),
    pallet: 'SubtensorModule', call: 'commit_weights',
    args: u8aConcat(le(1n, 2), new Uint8Array(32).fill(0x11)),
    documentedIndex: [7, 96],
  },
]

describe('call encoding against the finney metadata', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { callIndex, callData } = encoder.encode(c.spec)
      const expectedIndex = indexByName(c.pallet, c.call)
      expect([...callIndex]).toEqual(expectedIndex)
      if (c.documentedIndex[0] >= 0) expect(expectedIndex).toEqual(c.documentedIndex)
      expect(callData).toBe(u8aToHex(u8aConcat(new Uint8Array(expectedIndex), c.args)))
      // Decodes back to the same call, by name.
      const back = encoder.decode(callData)
      expect(back.pallet).toBe(c.pallet)
      expect(back.method).toBe(c.call)
    })
  }

  it('decodes arguments back to their values', () => {
    const back = encoder.decode(encoder.encode(calls.addStakeLimit(ALICE, 12, 5n, { limitPrice: 6n })).callData)
    expect(back.args).toEqual({ hotkey: ALICE, netuid: 12, amount_staked: 5, limit_price: 6, allow_partial: false })
  })

  it('refuses a call the metadata lacks', () => {
    expect(() => encoder.encode(calls.namedCall('SubtensorModule', 'no_such_call', []))).toThrow(WalletError)
  })
})

describe('call input checks', () => {
  it.each([
    ['netuid out of range', () => calls.burnedRegister(65536, ALICE)],
    ['negative netuid', () => calls.burnedRegister(-1, ALICE)],
    ['bad hotkey', () => calls.burnedRegister(1, '5notanaddress')],
    ['negative amount', () => calls.addStake(ALICE, 1, -1n)],
    ['amount over u64', () => calls.addStake(ALICE, 1, 1n << 64n)],
    ['commitment field over 128 bytes', () => calls.setCommitment(1, [new Uint8Array(129)])],
    ['too many commitment fields', () => calls.setCommitment(1, ['a', 'b', 'c', 'd'])],
    ['no commitment fields', () => calls.setCommitment(1, [])],
    ['bad call name', () => calls.namedCall('subtensor module', 'x', [])],
  ])('%s → BAD_INPUT', (_name, fn) => {
    let err: unknown
    try { fn() } catch (e) { err = e }
    expect(err).toBeInstanceOf(WalletError)
    expect((err as WalletError).code).toBe('BAD_INPUT')
  })
})

describe('signed payload with subtensor transaction extensions', () => {
  it('lays out exactly: call, era, nonce, tip, mode, spec, tx version, genesis, block, metadata hash', () => {
    const method = encoder.encode(calls.burnedRegister(1, ALICE)).callData
    const genesis = `0x${'2f'.repeat(32)}` as const
    const block = `0x${'ab'.repeat(32)}` as const
    const payload = registry.createType('ExtrinsicPayload', {
      method, era: '0x00', nonce: 5, tip: 0, specVersion: 424, transactionVersion: 1,
      genesisHash: genesis, blockHash: block, mode: 0, version: 4,
    }, { version: 4 })
    const expected = u8aConcat(
      hexToU8a(method),
      new Uint8Array([0]), // immortal era
      compactToU8a(5), // CheckNonce
      compactToU8a(0), // ChargeTransactionPayment tip
      new Uint8Array([0]), // CheckMetadataHash mode: disabled
      // Sudo/Shielded/Subtensor/Drand extensions: nothing
      le(424n, 4), le(1n, 4), hexToU8a(genesis), hexToU8a(block),
      new Uint8Array([0]), // metadata hash: None
    )
    expect(u8aToHex(payload.toU8a({ method: true }))).toBe(u8aToHex(expected))
  })

  it('a KeySigner signs as polkadot-api signers do: the payload (hashed over 256 bytes) into a signed v4 extrinsic', async () => {
    await cryptoWaitReady()
    const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice')
    const signer = keySignerFromPair(pair)
    const ext = {
      CheckNonce: { identifier: 'CheckNonce', value: new Uint8Array([8]), additionalSigned: new Uint8Array() },
      CheckSpecVersion: { identifier: 'CheckSpecVersion', value: new Uint8Array(), additionalSigned: le(424n, 4) },
    }
    for (const call of [new Uint8Array(100).fill(7), new Uint8Array(300).fill(9)]) {
      const signed = await signer.signTx(call, ext, new Uint8Array(), 1)
      const payload = u8aConcat(call, new Uint8Array([8]), le(424n, 4))
      // compact length, 0x84, MultiAddress::Id, MultiSignature (sr25519 = 1), extra, call
      const body = signed.subarray(call.length > 63 ? 2 : 1)
      expect(body.length).toBe(1 + 1 + 32 + 1 + 64 + 1 + call.length)
      expect([body[0], body[1]]).toEqual([0x84, 0])
      expect(u8aToHex(body.subarray(2, 34))).toBe(u8aToHex(pair.publicKey))
      expect(body[34]).toBe(1)
      const sig = body.subarray(35, 99)
      const msg = payload.length > 256 ? blake2AsU8a(payload, 256) : payload
      expect(signatureVerify(msg, sig, pair.address).isValid).toBe(true)
      expect(signatureVerify(payload, sig, pair.address).isValid).toBe(payload.length <= 256)
      expect(u8aToHex(body.subarray(99))).toBe(u8aToHex(u8aConcat(new Uint8Array([8]), call)))
    }
    // Messages are signed <Bytes>-wrapped, as wallets do.
    const short = new Uint8Array(100).fill(7)
    expect(signatureVerify(u8aWrapBytes(short), await signer.signBytes(short), pair.address).isValid).toBe(true)
  })

  it('loads key files: a bittensor secret phrase, a polkadot{.js} export with its password; refuses the rest by code', async () => {
    await cryptoWaitReady()
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
    const phrase = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk'
    const expected = keyring.addFromUri(phrase).address
    expect((await keySignerFromKeyFile({ secretPhrase: phrase })).address).toBe(expected)
    const exported = keyring.addFromUri(phrase).toJson('s3cret')
    const signer = await keySignerFromKeyFile(exported, 's3cret')
    expect(signer.address).toBe(expected)
    expect(signatureVerify(new Uint8Array([1, 2, 3]), await signer.sign(new Uint8Array([1, 2, 3])), expected).isValid).toBe(true)
    await expect(keySignerFromKeyFile(exported, 'wrong')).rejects.toMatchObject({ code: 'BAD_PASSWORD' })
    await expect(keySignerFromKeyFile(exported)).rejects.toMatchObject({ code: 'BAD_INPUT' })
    await expect(keySignerFromKeyFile({ hello: 1 })).rejects.toThrow(/neither a polkadot/)
  })
})
