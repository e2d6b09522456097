/**
 * The devnet's signing payload, rebuilt from the metadata's transaction extensions, is byte-equal
 * to the payload @polkadot/types 16.5.6 builds and signs for the same inputs: including the four
 * subtensor extensions @polkadot/types does not know (it treats them as empty, which is what
 * their metadata types say they are).
 */
import { Keyring } from '@polkadot/keyring'
import { Metadata, TypeRegistry } from '@polkadot/types'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { ChainCodec, SPEC_VERSION, TRANSACTION_VERSION } from './codec.ts'
import { BadFormat, decodeExtrinsic, eraBirth, eraDeath, extensionDefs, InvalidTransaction, signingPayload, verifySignature } from './extrinsic.ts'

let codec: ChainCodec

beforeAll(async () => {
  await cryptoWaitReady()
  codec = new ChainCodec()
})

const UNKNOWN_TO_POLKADOT_TYPES = ['SudoTransactionExtension', 'CheckShieldedTxValidity', 'SubtensorTransactionExtension', 'DrandPriority']

describe('transaction extensions', () => {
  it('lists the finney extensions in metadata order; the subtensor-specific ones carry no data', () => {
    const defs = extensionDefs(codec)
    expect(defs.map((d) => d.identifier)).toEqual([
      'CheckNonZeroSender', 'CheckSpecVersion', 'CheckTxVersion', 'CheckGenesis', 'CheckMortality', 'CheckNonce', 'CheckWeight',
      'ChargeTransactionPayment', ...UNKNOWN_TO_POLKADOT_TYPES, 'CheckMetadataHash',
    ])
    for (const name of UNKNOWN_TO_POLKADOT_TYPES) {
      const d = defs.find((x) => x.identifier === name)!
      expect(codec.registry.createType(d.extraType).toU8a().length).toBe(0)
      expect(codec.registry.createType(d.implicitType).toU8a().length).toBe(0)
    }
  })

  it('rebuilds the exact payload @polkadot/types signs, mortal and immortal, and verifies the signature', () => {
    // A stock registry: the metadata alone, no extension declarations (as a dapp's client has).
    const reg = new TypeRegistry()
    reg.setMetadata(new Metadata(reg, codec.metadataBytes))
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice')
    const genesisHash = u8aToHex(new Uint8Array(32).fill(0x11))
    const blockHash = u8aToHex(new Uint8Array(32).fill(0x22))
    const runtimeVersion = { specVersion: SPEC_VERSION, transactionVersion: TRANSACTION_VERSION }
    for (const era of [undefined, reg.createType('ExtrinsicEra', { current: 1000, period: 64 })]) {
      const method = reg.createType('Call', { callIndex: [7, 7], args: { netuid: 1, hotkey: alice.address } })
      const ext = reg.createType('Extrinsic', { method })
      ext.sign(alice, {
        blockHash: era === undefined ? genesisHash : blockHash,
        genesisHash,
        nonce: 5,
        runtimeVersion: runtimeVersion as never,
        signedExtensions: reg.signedExtensions,
        ...(era === undefined ? {} : { era }),
      })
      const xt = decodeExtrinsic(codec, ext.toU8a())
      expect(xt.call.section).toBe('subtensorModule')
      expect(xt.call.method).toBe('burnedRegister')
      expect(xt.nonce).toBe(5)
      const ours = signingPayload(codec, xt, {
        specVersion: SPEC_VERSION,
        transactionVersion: TRANSACTION_VERSION,
        genesisHash: reg.createType('Hash', genesisHash).toU8a(),
        birthHash: reg.createType('Hash', era === undefined ? genesisHash : blockHash).toU8a(),
      })
      const theirs = reg
        .createType('ExtrinsicPayload', {
          method: method.toHex(),
          era: era ?? '0x00',
          nonce: 5,
          tip: 0,
          specVersion: SPEC_VERSION,
          transactionVersion: TRANSACTION_VERSION,
          genesisHash,
          blockHash: era === undefined ? genesisHash : blockHash,
          mode: 0,
        }, { version: 4 })
        .toU8a({ method: true })
      expect(u8aToHex(ours)).toBe(u8aToHex(theirs))
      expect(() => verifySignature(xt, ours)).not.toThrow()
      // A different genesis hash (or spec) gives a different payload: the signature fails.
      const other = signingPayload(codec, xt, { specVersion: SPEC_VERSION + 1, transactionVersion: TRANSACTION_VERSION, genesisHash: reg.createType('Hash', genesisHash).toU8a(), birthHash: reg.createType('Hash', blockHash).toU8a() })
      expect(() => verifySignature(xt, other)).toThrow(InvalidTransaction)
    }
  })

  it('computes era birth and death as sp_runtime does', () => {
    const era = { mortal: true, period: 64, phase: 1000 % 64 }
    expect(eraBirth(era, 1000)).toBe(1000)
    expect(eraBirth(era, 1063)).toBe(1000)
    expect(eraDeath(era, 1010)).toBe(1064)
    expect(eraBirth(era, 1064)).toBe(1064) // expired: the birth moves, the signed block hash no longer matches
  })

  it('refuses undecodable bytes with BadFormat', () => {
    expect(() => decodeExtrinsic(codec, new Uint8Array([0x08, 0x84, 0x00]))).toThrow(BadFormat)
    expect(() => decodeExtrinsic(codec, new Uint8Array([0x04, 0x05]))).toThrow(BadFormat)
    expect(() => decodeExtrinsic(codec, new Uint8Array([]))).toThrow(BadFormat)
    expect(() => decodeExtrinsic(codec, new Uint8Array([0x0c, 0x04, 0xff, 0xff]))).toThrow(BadFormat)
  })
})
