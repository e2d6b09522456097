import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { roundTime } from './beacon.ts'
import { CIPHERTEXT_OVERHEAD } from './tle.ts'
import {
  QUICKNET,
  TimelockError,
  beaconRandomness,
  createLocalBeacon,
  decrypt,
  encrypt,
  parseCiphertext,
  roundAt,
  verifyBeacon,
} from './index.ts'
import beacons from './fixtures/quicknet-beacons.json' with { type: 'json' }

const enc = new TextEncoder()
const sigOf = (round: number): Uint8Array => {
  const b = beacons.beacons.find((x) => x.round === round)
  if (!b) throw new Error(`no fixture for round ${round}`)
  return hexToBytes(b.signature)
}

function flip(a: Uint8Array, i: number, mask: number): void {
  a[i] = a[i]! ^ mask
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(TimelockError)
    return (e as TimelockError).code
  }
  throw new Error('expected a TimelockError')
}

describe('drand quicknet parameters', () => {
  it('match the published /info', () => {
    expect(bytesToHex(QUICKNET.publicKey)).toBe(beacons.publicKey)
    expect(QUICKNET.genesisTime).toBe(1692803367)
    expect(QUICKNET.period).toBe(3)
    expect(QUICKNET.chainHash).toBe('52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971')
  })

  it('round schedule: round n is published at genesis + (n-1)*period', () => {
    expect(roundAt(QUICKNET.genesisTime * 1000 - 1)).toBe(0n)
    expect(roundAt(QUICKNET.genesisTime * 1000)).toBe(1n)
    expect(roundAt((QUICKNET.genesisTime + 2) * 1000 + 999)).toBe(1n)
    expect(roundAt((QUICKNET.genesisTime + 3) * 1000)).toBe(2n)
    expect(roundTime(1000)).toBe((QUICKNET.genesisTime + 999 * 3) * 1000)
    expect(roundAt(roundTime(12040883))).toBe(12040883n)
  })
})

describe('published quicknet beacons', () => {
  for (const b of beacons.beacons) {
    it(`round ${b.round} verifies against the quicknet key`, () => {
      expect(verifyBeacon(b.round, hexToBytes(b.signature))).toBe(true)
      expect(verifyBeacon(BigInt(b.round), hexToBytes(b.signature), QUICKNET.publicKey)).toBe(true)
    })
  }

  it('round 1000 randomness is SHA256(signature)', () => {
    const b = beacons.beacons[0]!
    expect(bytesToHex(beaconRandomness(hexToBytes(b.signature)))).toBe(b.randomness)
  })

  it('a signature does not verify for a neighbouring round', () => {
    expect(verifyBeacon(1001, sigOf(1000))).toBe(false)
    expect(verifyBeacon(999, sigOf(1000))).toBe(false)
    expect(verifyBeacon(1000, sigOf(2000))).toBe(false)
  })

  it('a tampered signature fails', () => {
    const sig = sigOf(12040883)
    for (const i of [0, 1, 24, 47]) {
      const bad = Uint8Array.from(sig)
      flip(bad, i, 0x01)
      expect(verifyBeacon(12040883, bad)).toBe(false)
    }
    expect(verifyBeacon(12040883, sig.subarray(0, 47))).toBe(false)
  })

  it('the pulse subtensor rejects as invalid does not verify', () => {
    for (const b of beacons.invalid) expect(verifyBeacon(b.round, hexToBytes(b.signature))).toBe(false)
  })

  it('a local beacon signature does not verify under the quicknet key', () => {
    const beacon = createLocalBeacon()
    expect(verifyBeacon(1000, beacon.sign(1000))).toBe(false)
    expect(verifyBeacon(1000, beacon.sign(1000), beacon.publicKey)).toBe(true)
  })

  it('rejects a malformed public key and round', () => {
    expect(codeOf(() => verifyBeacon(1000, sigOf(1000), new Uint8Array(96)))).toBe('MALFORMED')
    expect(codeOf(() => verifyBeacon(-1, sigOf(1000)))).toBe('BAD_ROUND')
    expect(codeOf(() => verifyBeacon(1n << 64n, sigOf(1000)))).toBe('BAD_ROUND')
  })
})

describe('encrypt / decrypt against the real quicknet rounds', () => {
  it('round 1000: the crate test message decrypts with the published signature', () => {
    const pt = enc.encode('this is a test')
    const ct = encrypt(pt, 1000)
    expect(ct.length).toBe(pt.length + CIPHERTEXT_OVERHEAD)
    expect(ct.length).toBe(258) // TIMELOCK.md: rev 5416406 gives 258 bytes for a 14-byte message
    expect(decrypt(ct, sigOf(1000))).toEqual(pt)
  })

  it('the signature of another round is refused as INVALID_SIGNATURE', () => {
    const ct = encrypt(enc.encode('x'), 1000)
    expect(codeOf(() => decrypt(ct, sigOf(2000)))).toBe('INVALID_SIGNATURE')
  })

  it('a tampered signature is refused', () => {
    const ct = encrypt(enc.encode('hello'), 2000)
    const bad = Uint8Array.from(sigOf(2000))
    flip(bad, 20, 0x40)
    expect(['MALFORMED', 'INVALID_SIGNATURE']).toContain(codeOf(() => decrypt(ct, bad)))
  })
})

describe('serialized TLECiphertext layout (arkworks compressed)', () => {
  const esk = new Uint8Array(32).fill(2)
  const sigma = new Uint8Array(32).fill(7)
  const nonce = Uint8Array.from({ length: 12 }, (_, i) => i)
  const pt = enc.encode('hello world!')
  const ct = encrypt(pt, 1000, QUICKNET.publicKey, { esk, sigma, nonce })
  const n = pt.length

  it('has the byte layout of TIMELOCK.md section 5', () => {
    expect(ct.length).toBe(244 + n)
    const le = (off: number): bigint => new DataView(ct.buffer, ct.byteOffset).getBigUint64(off, true)
    expect(ct[0]! & 0x80).toBe(0x80) // compressed flag on U
    expect(le(96)).toBe(32n)
    expect(le(136)).toBe(32n)
    expect(le(176)).toBe(BigInt(n + 44))
    expect(le(184)).toBe(BigInt(n + 16))
    expect(le(208 + n)).toBe(12n)
    expect(ct.subarray(216 + n, 228 + n)).toEqual(nonce)
    expect(bytesToHex(ct.subarray(228 + n))).toBe('08000000000000004145535f47434d5f')
  })

  it('is deterministic given the randomness, and W = esk xor SHA256(sigma)', async () => {
    const again = encrypt(pt, 1000, QUICKNET.publicKey, { esk, sigma, nonce })
    expect(again).toEqual(ct)
    const { sha256 } = await import('@noble/hashes/sha2.js')
    const h = sha256(sigma)
    const w = parseCiphertext(ct).w
    expect(w.map((b, i) => b ^ h[i]!)).toEqual(esk)
  })

  it('parses back into its fields', () => {
    const p = parseCiphertext(ct)
    expect(p.length).toBe(ct.length)
    expect(p.aesCiphertext.length).toBe(n + 16)
    expect(p.nonce).toEqual(nonce)
    expect(new TextDecoder().decode(p.cipherSuite)).toBe('AES_GCM_')
  })

  it('rejects truncated and inconsistent bytes as MALFORMED', () => {
    const sig = sigOf(1000)
    for (const cut of [0, 50, 96, 100, 150, 190, ct.length - 9]) {
      expect(codeOf(() => decrypt(ct.subarray(0, cut), sig))).toBe('MALFORMED')
    }
    const badLen = Uint8Array.from(ct)
    badLen[96] = 31 // V length 31
    expect(codeOf(() => decrypt(badLen, sig))).toBe('MALFORMED')
    const badU = Uint8Array.from(ct)
    flip(badU, 5, 0xff)
    expect(['MALFORMED', 'INVALID_SIGNATURE']).toContain(codeOf(() => decrypt(badU, sig)))
  })

  it('detects an altered header (V, W) or body', () => {
    const sig = sigOf(1000)
    const badV = Uint8Array.from(ct)
    flip(badV, 110, 1)
    expect(codeOf(() => decrypt(badV, sig))).toBe('INVALID_SIGNATURE')
    const badW = Uint8Array.from(ct)
    flip(badW, 150, 1)
    expect(codeOf(() => decrypt(badW, sig))).toBe('INVALID_SIGNATURE')
    const badBody = Uint8Array.from(ct)
    flip(badBody, 195, 1)
    expect(codeOf(() => decrypt(badBody, sig))).toBe('DECRYPTION_FAILED')
  })

  it('ignores trailing bytes after the struct, like the crate', () => {
    const padded = new Uint8Array(ct.length + 5)
    padded.set(ct)
    expect(decrypt(padded, sigOf(1000))).toEqual(pt)
  })
})

describe('local beacon (devnet) round trip', () => {
  it('encrypts to a future round and opens with that round only', () => {
    const beacon = createLocalBeacon(new Uint8Array(32).fill(9))
    expect(beacon.publicKey.length).toBe(96)
    const pt = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    const ct = encrypt(pt, 123456789n, beacon.publicKey)
    const sig = beacon.sign(123456789n)
    expect(sig.length).toBe(48)
    expect(verifyBeacon(123456789n, sig, beacon.publicKey)).toBe(true)
    expect(decrypt(ct, sig)).toEqual(pt)
    expect(codeOf(() => decrypt(ct, beacon.sign(123456788n)))).toBe('INVALID_SIGNATURE')
    // the same secret key gives the same beacon
    expect(createLocalBeacon(new Uint8Array(32).fill(9)).sign(5)).toEqual(beacon.sign(5))
  })

  it('handles the empty plaintext', () => {
    const beacon = createLocalBeacon()
    const ct = encrypt(new Uint8Array(0), 1, beacon.publicKey)
    expect(ct.length).toBe(244)
    expect(decrypt(ct, beacon.sign(1))).toEqual(new Uint8Array(0))
  })

  it('rejects bad secret keys', () => {
    expect(codeOf(() => createLocalBeacon(new Uint8Array(31)))).toBe('BAD_INPUT')
    expect(codeOf(() => createLocalBeacon(new Uint8Array(32)))).toBe('BAD_INPUT')
  })
})
