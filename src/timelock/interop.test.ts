/**
 * Compatibility with the Rust `tle`/`timelock` crate (the chain's decryptor) and with a real
 * finney CRv4 commit. Vector provenance is recorded inside the fixture files.
 */
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { blake2AsU8a, cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto'
import { compactToU8a, u8aConcat } from '@polkadot/util'
import { TimelockError, decrypt, parseCiphertext } from './index.ts'
import beacons from './fixtures/quicknet-beacons.json' with { type: 'json' }
import vectors from './fixtures/rust-crate-vectors.json' with { type: 'json' }

const sigOf = (round: number): Uint8Array => {
  const b = beacons.beacons.find((x) => x.round === round)
  if (!b) throw new Error(`no fixture for round ${round}`)
  return hexToBytes(b.signature)
}

describe('ciphertexts made by the Rust crate', () => {
  for (const v of vectors.fromRustCrate) {
    it(`round ${v.round}, ${v.plaintext.length / 2}-byte plaintext: decrypts to the recorded plaintext`, () => {
      const ct = hexToBytes(v.ciphertext)
      expect(ct.length).toBe(244 + v.plaintext.length / 2)
      expect(bytesToHex(decrypt(ct, sigOf(v.round)))).toBe(v.plaintext)
    })
  }

  it('are refused with the signature of another round', () => {
    const v = vectors.fromRustCrate[0]!
    const other = v.round === 1000 ? 2000 : 1000
    expect(() => decrypt(hexToBytes(v.ciphertext), sigOf(other))).toThrow(TimelockError)
  })
})

describe('ciphertexts made by webtensor that the Rust crate opened', () => {
  for (const v of vectors.openedByRustCrate) {
    it(`round ${v.round}: still decrypt to the same plaintext here`, () => {
      expect(bytesToHex(decrypt(hexToBytes(v.ciphertext), sigOf(v.round)))).toBe(v.plaintext)
    })
  }
})

describe('a real finney CRv4 commit', () => {
  const m = vectors.mainnetCommit
  const method = hexToBytes(m.method.slice(2))

  it('is the exact call the runtime accepted (its sr25519 signature verifies)', async () => {
    await cryptoWaitReady()
    const u32 = (n: number): Uint8Array => {
      const b = new Uint8Array(4)
      new DataView(b.buffer).setUint32(0, n, true)
      return b
    }
    let payload = u8aConcat(
      method,
      hexToBytes(m.era.slice(2)),
      compactToU8a(m.nonce),
      compactToU8a(m.tip),
      new Uint8Array([m.metadataHashMode]),
      u32(m.specVersion),
      u32(m.transactionVersion),
      hexToBytes(m.genesisHash.slice(2)),
      hexToBytes(m.blockHash.slice(2)),
      new Uint8Array([0]), // CheckMetadataHash additional: None
    )
    if (payload.length > 256) payload = blake2AsU8a(payload, 256)
    expect(signatureVerify(payload, m.signature, m.signerPublicKey).isValid).toBe(true)
  })

  it('carries a commit with the layout we produce: 303 bytes for a 4-uid payload', () => {
    // call = pallet 7, call 118 (commit_timelocked_mechanism_weights), netuid u16, mecid u8,
    // commit: compact len + bytes, reveal_round u64, commit_reveal_version u16
    expect(method[0]).toBe(7)
    expect(method[1]).toBe(118)
    const view = new DataView(method.buffer, method.byteOffset)
    expect(view.getUint16(2, true)).toBe(7)
    expect(method[4]).toBe(0)
    const len = view.getUint16(5, true) >> 2
    expect(len).toBe(303)
    const commit = method.subarray(7, 7 + len)
    const revealRound = view.getBigUint64(7 + len, true)
    const version = view.getUint16(15 + len, true)
    expect(7 + len + 8 + 2).toBe(method.length)
    expect(version).toBe(4)
    expect(revealRound).toBe(32340463n)

    const p = parseCiphertext(commit)
    expect(p.length).toBe(303)
    expect(p.aesCiphertext.length - 16).toBe(59) // SCALE WeightsTlockPayload with 4 uids
    expect(p.nonce.length).toBe(12)
    expect(new TextDecoder().decode(p.cipherSuite)).toBe('AES_GCM_')
  })

  it('has a valid G2 point U: a wrong signature fails the IBE check, not parsing', () => {
    const len = 303
    const commit = method.subarray(7, 7 + len)
    try {
      decrypt(commit, sigOf(1000))
      throw new Error('decrypted with the wrong round signature')
    } catch (e) {
      expect((e as TimelockError).code).toBe('INVALID_SIGNATURE')
    }
  })
})
