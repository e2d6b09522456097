import { describe, expect, it } from 'vitest'
import { HOST_SOURCE, isNonce, parseHostMessage, parseStatusMessage, statusMessage } from './protocol.ts'

const NONCE = '0123456789abcdef0123456789abcdef'

describe('widget protocol v1', () => {
  it('accepts only hello and ping from the host, with the right nonce and version', () => {
    expect(parseHostMessage({ source: HOST_SOURCE, v: 1, type: 'hello', nonce: NONCE }, NONCE)?.type).toBe('hello')
    expect(parseHostMessage({ source: HOST_SOURCE, v: 1, type: 'ping', nonce: NONCE }, NONCE)?.type).toBe('ping')
    for (const bad of [
      { source: HOST_SOURCE, v: 1, type: 'start', nonce: NONCE },
      { source: HOST_SOURCE, v: 1, type: 'resume', nonce: NONCE },
      { source: HOST_SOURCE, v: 1, type: 'setDutyCycle', nonce: NONCE, value: 1 },
      { source: HOST_SOURCE, v: 2, type: 'hello', nonce: NONCE },
      { source: 'webtensor', v: 1, type: 'hello', nonce: NONCE },
      { source: HOST_SOURCE, v: 1, type: 'hello', nonce: 'other-nonce-123' },
      { type: 'start' }, 'start', null, 42,
    ]) expect(parseHostMessage(bad, NONCE)).toBeNull()
  })

  it('round-trips a status message and rejects malformed ones', () => {
    const msg = statusMessage({ nonce: NONCE, phase: 'mining', answered: 3, accepted: 2, dutyCycle: 0.25, consent: true, error: null })
    expect(msg).toMatchObject({ source: 'webtensor', v: 1, type: 'status' })
    expect(parseStatusMessage(structuredClone(msg), NONCE)).toEqual(msg)
    expect(parseStatusMessage({ ...msg, nonce: 'x'.repeat(32) }, NONCE)).toBeNull()
    expect(parseStatusMessage({ ...msg, phase: 'hacked' }, NONCE)).toBeNull()
    expect(parseStatusMessage({ ...msg, v: 2 }, NONCE)).toBeNull()
    expect(parseStatusMessage({ ...msg, answered: 'lots' }, NONCE)?.answered).toBe(0)
  })

  it('bounds error text and checks nonce shape', () => {
    const msg = statusMessage({ nonce: NONCE, phase: 'error', answered: 0, accepted: 0, dutyCycle: 0.25, consent: false, error: 'e'.repeat(1000) })
    expect(msg.error).toHaveLength(200)
    expect(isNonce(NONCE)).toBe(true)
    expect(isNonce('short')).toBe(false)
    expect(isNonce('has space in it!')).toBe(false)
  })
})
