import { describe, expect, it } from 'vitest'
import { encodeAddress } from '@polkadot/util-crypto'
import { u8aToHex } from '@polkadot/util'
import { publicKeyOf, toSs58 } from './address.ts'

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty'

describe('SS58 addresses', () => {
  it('re-encodes other prefixes, keys and hex keys as prefix 42, the same on every call (remembered or not)', () => {
    const key = publicKeyOf(ALICE)
    const polkadot = encodeAddress(key, 0)
    for (let i = 0; i < 3; i++) {
      expect(toSs58(polkadot)).toBe(ALICE)
      expect(toSs58(ALICE)).toBe(ALICE)
      expect(toSs58(key)).toBe(ALICE)
      expect(toSs58(u8aToHex(publicKeyOf(BOB)))).toBe(BOB)
      expect(toSs58(encodeAddress(publicKeyOf(BOB), 0))).toBe(BOB)
    }
  })

  it('remembers byte keys by their bytes: the same array changed gives the new key\'s address', () => {
    const key = Uint8Array.from(publicKeyOf(ALICE))
    expect(toSs58(key)).toBe(ALICE)
    key.set(publicKeyOf(BOB))
    expect(toSs58(key)).toBe(BOB)
    expect(toSs58(u8aToHex(key))).toBe(BOB)
    expect(() => toSs58(key.subarray(0, 31))).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }))
  })

  it('refuses a bad address with BAD_INPUT every time (a refusal is not remembered)', () => {
    for (let i = 0; i < 2; i++) expect(() => toSs58('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }))
  })
})
