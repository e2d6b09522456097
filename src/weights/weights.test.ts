import { describe, expect, it } from 'vitest'
import { fc, test as fcTest } from '@fast-check/vitest'
import { TypeRegistry } from '@polkadot/types'
import { blake2AsU8a } from '@polkadot/util-crypto'
import { u8aToHex } from '@polkadot/util'
import { createLocalBeacon, decrypt, parseCiphertext } from '../timelock/index.ts'
import { WeightsError, epochAt, prepareWeights, revealRound, storageIndex, type WeightLimits } from './index.ts'
import { MAX_COMMIT_BYTES, commitHash, commitPreimage, decodeTlockPayload, encodeTlockPayload, encryptWeights, makeSalt } from './commit.ts'
import { checkWeights, isMaxWeightLimited, maxUpscaleU16, scoresToU16 } from './prepare.ts'
import sdk from './fixtures/sdk-weight-conversion.json' with { type: 'json' }

const registry = new TypeRegistry()
const ALICE = Uint8Array.from(Buffer.from('d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d', 'hex'))

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError)
    return (e as WeightsError).code
  }
  throw new Error('expected a WeightsError')
}

describe('scores → u16 weights (bittensor SDK convert_weights_and_uids_for_emit)', () => {
  for (const [i, c] of sdk.cases.entries()) {
    it(`SDK case ${i}: ${c.uids.length} uids`, () => {
      const r = scoresToU16(c.uids, c.scores)
      expect(r.uids).toEqual(c.expectedUids)
      expect(r.values).toEqual(c.expectedValues)
    })
  }

  it('rejects negative, NaN and infinite scores, mismatched lengths and non-u16 uids', () => {
    expect(codeOf(() => scoresToU16([0, 1], [0.5, -0.1]))).toBe('BAD_INPUT')
    expect(codeOf(() => scoresToU16([0, 1], [0.5, Number.NaN]))).toBe('BAD_INPUT')
    expect(codeOf(() => scoresToU16([0], [Number.POSITIVE_INFINITY]))).toBe('BAD_INPUT')
    expect(codeOf(() => scoresToU16([0, 1], [0.5]))).toBe('BAD_INPUT')
    expect(codeOf(() => scoresToU16([70000], [1]))).toBe('BAD_INPUT')
  })

  it('all-zero scores give nothing; keepZeros keeps zero weights', () => {
    expect(scoresToU16([0, 1], [0, 0])).toEqual({ uids: [], values: [] })
    expect(scoresToU16([0, 1, 2], [1, 0, 0.5], true)).toEqual({ uids: [0, 1, 2], values: [65535, 0, 32768] })
  })
})

describe('chain weight rules', () => {
  const limits: WeightLimits = { n: 8, minAllowedWeights: 3, maxWeightsLimit: 65535, weightsVersionKey: 5n, ownUid: 2, validatorPermit: true }

  it('prepareWeights returns checked weights and the subnet version key', () => {
    expect(prepareWeights([0, 1, 2], [1, 2, 4], limits)).toEqual({ uids: [0, 1, 2], values: [16384, 32768, 65535], versionKey: 5n })
    expect(prepareWeights([0, 1, 2], [1, 2, 4], limits, { versionKey: 9n }).versionKey).toBe(9n)
  })

  it('names the first failing rule before anything is signed', () => {
    expect(codeOf(() => prepareWeights([0, 1], [0, 0], limits))).toBe('NO_WEIGHTS')
    expect(codeOf(() => prepareWeights([0, 1, 2], [1, 1, 1], limits, { versionKey: 4n }))).toBe('VERSION_KEY_TOO_LOW')
    expect(codeOf(() => prepareWeights([0, 1, 1], [1, 1, 1], limits))).toBe('DUPLICATE_UIDS')
    expect(codeOf(() => prepareWeights([0, 1, 8], [1, 1, 1], limits))).toBe('UID_NOT_FOUND')
    expect(codeOf(() => prepareWeights([0, 1], [1, 1], limits))).toBe('TOO_FEW_WEIGHTS')
    expect(codeOf(() => prepareWeights([...Array(9).keys()], Array(9).fill(1), limits))).toBe('TOO_MANY_UIDS')
    expect(codeOf(() => prepareWeights([0, 1, 2], [1, 1, 1], { ...limits, validatorPermit: false }))).toBe('NO_VALIDATOR_PERMIT')
    expect(codeOf(() => prepareWeights([0, 1, 2], [10, 1, 1], { ...limits, maxWeightsLimit: 32768 }))).toBe('MAX_WEIGHT_EXCEEDED')
  })

  it('a self-weight is exempt from the length, permit and max-limit rules', () => {
    const noPermit = { ...limits, validatorPermit: false, maxWeightsLimit: 100 }
    expect(prepareWeights([2], [1], noPermit).values).toEqual([65535])
    expect(codeOf(() => prepareWeights([3], [1], noPermit))).toBe('NO_VALIDATOR_PERMIT')
  })

  it('min(MinAllowedWeights, n): on a small subnet n is the minimum', () => {
    const small = { ...limits, n: 2, minAllowedWeights: 1024 }
    expect(prepareWeights([0, 1], [1, 1], small).uids).toEqual([0, 1])
    expect(codeOf(() => checkWeights([0], [1], small))).toBe('TOO_FEW_WEIGHTS')
  })

  it('max-upscale and the max-weight limit follow the chain fixed point', () => {
    expect(maxUpscaleU16([1, 2, 4])).toEqual([16384, 32768, 65535])
    expect(maxUpscaleU16([65535, 100, 0])).toEqual([65535, 100, 0])
    expect(maxUpscaleU16([0, 0])).toEqual([0, 0])
    expect(maxUpscaleU16([3])).toEqual([65535])
    // two equal weights normalize to 0.5; 32768/65535 > 0.5 >= 32767/65535
    expect(isMaxWeightLimited([65535, 65535], 32768)).toBe(true)
    expect(isMaxWeightLimited([65535, 65535], 32767)).toBe(false)
    expect(isMaxWeightLimited([1, 0, 0], 65535)).toBe(true)
  })
})

describe('v2 commit hash', () => {
  const tupleType = '(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)'
  const oracle = (c: { hotkey: Uint8Array; netuidIndex: number; uids: number[]; values: number[]; salt: number[]; versionKey: bigint }): Uint8Array =>
    registry.createType(tupleType, [c.hotkey, c.netuidIndex, c.uids, c.values, c.salt, c.versionKey]).toU8a()

  it('is BlakeTwo256 of the SCALE tuple (known inputs, checked against @polkadot/types + util-crypto)', () => {
    const c = { hotkey: ALICE, netuidIndex: 1, uids: [0, 1, 2], values: [65535, 32768, 1], salt: [1, 2, 3, 4, 5, 6, 7, 8], versionKey: 1_002_003n }
    const pre = commitPreimage(c)
    expect(u8aToHex(pre)).toBe(u8aToHex(oracle(c)))
    // hand layout: 32-byte key, u16 netuid, compact(3)=0x0c + 3 u16, compact(3) + 3 u16, compact(8)=0x20 + 8 u16, u64
    expect(pre.length).toBe(32 + 2 + 7 + 7 + 17 + 8)
    expect(u8aToHex(commitHash(c))).toBe(u8aToHex(blake2AsU8a(oracle(c), 256)))
  })

  fcTest.prop([
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.integer({ min: 0, max: 65535 }),
    fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 300 }),
    fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 70 }),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  ], { numRuns: 60 })('matches the @polkadot oracle for any input', (hotkey, netuidIndex, uids, salt, versionKey) => {
    const c = { hotkey, netuidIndex, uids, values: uids.map((u) => 65535 - u), salt, versionKey }
    expect(u8aToHex(commitHash(c))).toBe(u8aToHex(blake2AsU8a(oracle(c), 256)))
  })

  it('salts are random u16 words and change the hash', () => {
    const s1 = makeSalt()
    const s2 = makeSalt()
    expect(s1).toHaveLength(8)
    expect(s1.every((x) => Number.isInteger(x) && x >= 0 && x <= 65535)).toBe(true)
    expect(s1).not.toEqual(s2)
    const base = { hotkey: ALICE, netuidIndex: 1, uids: [0], values: [65535], versionKey: 0n }
    expect(commitHash({ ...base, salt: s1 })).not.toEqual(commitHash({ ...base, salt: s2 }))
  })

  it('storage index = mecid * 4096 + netuid', () => {
    expect(storageIndex(7)).toBe(7)
    expect(storageIndex(7, 1)).toBe(4103)
    expect(codeOf(() => storageIndex(7, 16))).toBe('BAD_INPUT')
  })
})

describe('v4 payload and commit', () => {
  const payloadType = '{"hotkey":"Vec<u8>","uids":"Vec<u16>","values":"Vec<u16>","version_key":"u64"}'

  it('WeightsTlockPayload SCALE matches @polkadot/types and decodes back', () => {
    const p = { hotkey: ALICE, uids: [0, 1, 2, 3], values: [65535, 32768, 1, 0], versionKey: 7n }
    const bytes = encodeTlockPayload(p)
    const oracle = registry.createType(payloadType, { hotkey: Array.from(ALICE), uids: p.uids, values: p.values, version_key: p.versionKey }).toU8a()
    expect(u8aToHex(bytes)).toBe(u8aToHex(oracle))
    expect(bytes.length).toBe(59) // TIMELOCK.md section 6: 4 uids give 59 bytes
    expect(bytes[0]).toBe(0x80)
    expect(decodeTlockPayload(bytes)).toEqual(p)
  })

  it('encrypts to a 303-byte commit for 4 uids that the round signature opens', () => {
    const beacon = createLocalBeacon()
    const p = { hotkey: ALICE, uids: [0, 1, 2, 3], values: [65535, 32768, 1, 0], versionKey: 7n }
    const commit = encryptWeights(p, 1234n, beacon.publicKey)
    expect(commit.length).toBe(303)
    expect(parseCiphertext(commit).aesCiphertext.length).toBe(59 + 16)
    expect(decodeTlockPayload(decrypt(commit, beacon.sign(1234n)))).toEqual(p)
  })

  it('refuses a commit over the chain bound before encrypting', () => {
    // commit = 244 + payload; payload = 33 + (2 + 2n) + (2 + 2n) + 8 = 45 + 4n: n = 1177 gives 4997, n = 1178 gives 5001
    const uids = [...Array(1178).keys()]
    expect(codeOf(() => encryptWeights({ hotkey: ALICE, uids, values: uids.map(() => 1), versionKey: 0n }, 1n))).toBe('COMMIT_TOO_LARGE')
    const ok = uids.slice(0, 1177)
    expect(encodeTlockPayload({ hotkey: ALICE, uids: ok, values: ok, versionKey: 0n }).length + 244).toBe(MAX_COMMIT_BYTES - 3)
  })
})

describe('reveal round (bittensor-drand 1.2.0 generate_commit)', () => {
  const genesis = 1692803367
  it('targets the pulse 3 blocks into the reveal epoch, rounded down', () => {
    // tempo 360, netuid 1, block 1000: epoch = floor(1002/361) = 2; reveal epoch 3;
    // first block = 3·361 − 2 = 1081; target 1084; 84 blocks · 12 s = 1008 s after now.
    const now = (genesis + 3000) * 1000
    expect(revealRound({ tempo: 360, currentBlock: 1000, netuidIndex: 1, revealPeriodEpochs: 1, blockTimeSec: 12, nowMs: now })).toBe(BigInt(Math.floor((3000 + 1008) / 3)))
    // two-epoch reveal period: reveal epoch 4 → first block 1442, target 1445 → 445 blocks
    expect(revealRound({ tempo: 360, currentBlock: 1000, netuidIndex: 1, revealPeriodEpochs: 2, blockTimeSec: 12, nowMs: now })).toBe(BigInt(Math.floor((3000 + 445 * 12) / 3)))
  })

  it('fast blocks and fractional seconds', () => {
    const now = (genesis + 100) * 1000 + 500
    // tempo 10, netuid 3, block 50: epoch floor(54/11)=4, reveal 5, first 55−4=51, target 54, 4 blocks · 0.25 s
    expect(revealRound({ tempo: 10, currentBlock: 50, netuidIndex: 3, revealPeriodEpochs: 1, blockTimeSec: 0.25, nowMs: now })).toBe(BigInt(Math.floor((100.5 + 1) / 3)))
  })

  it('is at least 1', () => {
    expect(revealRound({ tempo: 10, currentBlock: 0, netuidIndex: 0, revealPeriodEpochs: 1, blockTimeSec: 1, nowMs: 0 })).toBe(1n)
  })
})

describe('epoch of a block (current_epoch_with_lookahead)', () => {
  const base = { netuid: 1, mecid: 0, netuidIndex: 1, block: 0, genesisHash: '0x', weightsSetRateLimit: 0, commitRevealEnabled: true, revealPeriodEpochs: 1, commitRevealVersion: 4, lastUpdate: 0, n: 4, minAllowedWeights: 1, maxWeightsLimit: 65535, weightsVersionKey: 0n }
  const beacon = { publicKey: new Uint8Array(96), genesisTime: 0, period: 3, chainHash: '' }

  it('stateful counter: +1 once tempo blocks have passed since the last epoch, or at a pending manual epoch', () => {
    const s = { ...base, beacon, tempo: 10, epochIndex: 7, lastEpochBlock: 100, pendingEpochAt: 0 }
    expect(epochAt(s, 109)).toBe(7)
    expect(epochAt(s, 110)).toBe(8)
    expect(epochAt({ ...s, pendingEpochAt: 105 }, 105)).toBe(8)
    expect(epochAt({ ...s, tempo: 0 }, 1000)).toBe(7)
    // The wallet's one schedule: past MAX_TEMPO blocks since the last step the epoch fires regardless.
    expect(epochAt({ ...s, blocksSinceLastStep: 50_401 }, 101)).toBe(8)
    expect(epochAt({ ...s, blocksSinceLastStep: 50_400 }, 101)).toBe(7)
  })

  it('legacy modulo epoch on runtimes without the counter', () => {
    const s = { ...base, beacon, tempo: 360 }
    expect(epochAt(s, 1000)).toBe(Math.floor(1002 / 361))
    expect(epochAt(s, 359)).toBe(1)
    expect(epochAt(s, 358)).toBe(0)
  })
})
