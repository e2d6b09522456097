import { describe, expect, it } from 'vitest'
import { SubnetError } from '../errors.ts'
import { makeOcrChallenge } from './challenge.ts'
import { decodeOcrAnswer, decodeOcrChallenge, decodeOcrChallengeWithReceipt, encodeOcrAnswer, encodeOcrChallenge } from './wire.ts'

const enc = new TextEncoder()
const codeOf = (f: () => unknown): string => {
  try { f() } catch (e) { expect(e).toBeInstanceOf(SubnetError); return (e as SubnetError).code }
  return 'ok'
}

describe('OCR wire codec', () => {
  it('a challenge survives the payload codec byte for byte', async () => {
    const { challenge } = await makeOcrChallenge({ words: 2, width: 200, height: 80 })
    const payload = encodeOcrChallenge(challenge)
    expect(decodeOcrChallenge(payload)).toEqual(challenge)
  })

  it('carries the verdict on the previous answer, and refuses a malformed one', async () => {
    const { challenge } = await makeOcrChallenge({ words: 1, width: 120, height: 60 })
    expect(decodeOcrChallengeWithReceipt(encodeOcrChallenge(challenge)).receipt).toBeNull()
    const withReceipt = decodeOcrChallengeWithReceipt(encodeOcrChallenge(challenge, { id: 'abcdef0123456789', score: 0.87654 }))
    expect(withReceipt.challenge).toEqual(challenge)
    expect(withReceipt.receipt).toEqual({ id: 'abcdef0123456789', score: 0.8765 })
    for (const bad of [{ id: 'abcdef0123456789', score: 1.5 }, { id: 'not hex!', score: 0.5 }, { id: 'abcdef0123456789', score: Number.NaN }]) {
      expect(codeOf(() => decodeOcrChallengeWithReceipt(encodeOcrChallenge(challenge, bad)))).toBe('MALFORMED')
    }
  })

  it('refuses malformed payloads with MALFORMED', async () => {
    const { challenge } = await makeOcrChallenge({ words: 1, width: 120, height: 60 })
    const good = encodeOcrChallenge(challenge)
    const header = (h: object, image = challenge.image): Uint8Array => {
      const j = enc.encode(JSON.stringify(h))
      const out = new Uint8Array(4 + j.byteLength + image.byteLength)
      new DataView(out.buffer).setUint32(0, j.byteLength, true)
      out.set(j, 4)
      out.set(image, 4 + j.byteLength)
      return out
    }
    const base = { v: 1, id: challenge.id, width: 120, height: 60, issuedAt: 1, deadline: 2, mime: 'image/jpeg' }
    for (const bad of [
      new Uint8Array(2),
      good.slice(0, 10),
      Uint8Array.of(255, 255, 0, 0, ...good.subarray(4)),
      header({ ...base, v: 2 }),
      header({ ...base, id: 'not hex!' }),
      header({ ...base, mime: 'image/png' }),
      header({ ...base, width: 0 }),
      header({ ...base, height: 5000 }),
      header({ ...base, deadline: -1 }),
      header(base, enc.encode('GIF89a not a jpeg')),
    ]) expect(codeOf(() => decodeOcrChallenge(bad))).toBe('MALFORMED')
  })

  it('answers round-trip (rounded) and malformed answers are refused', () => {
    const a = { id: 'ab'.repeat(16), words: [{ text: 'hello', confidence: 0.987654, box: { x: 1.234, y: 2, width: 30.05, height: 12 } }], latencyMs: 12.6, ep: 'wasm' }
    expect(decodeOcrAnswer(encodeOcrAnswer(a))).toEqual({ id: a.id, words: [{ text: 'hello', confidence: 0.9877, box: { x: 1.2, y: 2, width: 30.1, height: 12 } }], latencyMs: 13, ep: 'wasm' })
    for (const bad of ['not json', '[]', '{"id":5,"words":[]}', '{"id":"x","words":{}}', '{"id":"x","words":[{"confidence":1}]}', JSON.stringify({ id: 'x', words: Array.from({ length: 65 }, () => ({ text: 'a' })) })]) {
      expect(codeOf(() => decodeOcrAnswer(enc.encode(bad)))).toBe('MALFORMED')
    }
  })
})
