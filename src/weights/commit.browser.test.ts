import { describe, expect, it } from 'vitest'
import { hexToBytes, bytesToHex } from '@noble/hashes/utils.js'
import { createLocalBeacon, decrypt, verifyBeacon } from '../timelock/index.ts'
import { decodeTlockPayload, encryptWeights } from './commit.ts'
import vectors from '../timelock/fixtures/rust-crate-vectors.json' with { type: 'json' }
import beacons from '../timelock/fixtures/quicknet-beacons.json' with { type: 'json' }

describe('timelock in the browser (real Chromium)', () => {
  it('opens a Rust-crate ciphertext with the published quicknet signature', () => {
    const v = vectors.fromRustCrate.find((x) => x.round === 12040883)!
    const sig = hexToBytes(beacons.beacons.find((b) => b.round === 12040883)!.signature)
    expect(verifyBeacon(12040883, sig)).toBe(true)
    expect(bytesToHex(decrypt(hexToBytes(v.ciphertext), sig))).toBe(v.plaintext)
  })

  it('round-trips a weights commit with a local beacon', () => {
    const beacon = createLocalBeacon()
    const p = { hotkey: new Uint8Array(32).fill(7), uids: [0, 5, 9], values: [65535, 3, 0], versionKey: 42n }
    const commit = encryptWeights(p, 99n, beacon.publicKey)
    expect(decodeTlockPayload(decrypt(commit, beacon.sign(99n)))).toEqual(p)
  })
})
