import { describe, expect, it } from 'vitest'
import { parseConfig, wantsRandomTestMiner } from '../../src/ui/index.ts'

describe('page config', () => {
  it('keeps well-typed fields and drops the rest', () => {
    expect(parseConfig({ chain: 'ws://x', relay: ['/ip4/1'], netuid: 1, network: 'n', devnet: true })).toEqual({ chain: 'ws://x', relay: ['/ip4/1'], netuid: 1, network: 'n', devnet: true })
    expect(parseConfig({ chain: 1, relay: ['/ip4/1', 2], netuid: 70_000, devnet: 'yes' })).toEqual({})
    expect(parseConfig({ netuid: 1.5 })).toEqual({})
    expect(parseConfig({ task: 'textdet' })).toEqual({ task: 'textdet' })
    expect(parseConfig({ task: 5 })).toEqual({})
    expect(parseConfig({ task: 'Not A Name!' })).toEqual({})
    expect(parseConfig(null)).toEqual({})
    expect(parseConfig('chain')).toEqual({})
  })

  it('runs the random-answer test miner only on the devnet and only when asked by name', () => {
    expect(wantsRandomTestMiner({ devnet: true }, '?test-miner=random')).toBe(true)
    expect(wantsRandomTestMiner({ devnet: true }, '?a=1&test-miner=random')).toBe(true)
    expect(wantsRandomTestMiner({}, '?test-miner=random')).toBe(false)
    expect(wantsRandomTestMiner({ chain: 'finney' }, '?test-miner=random')).toBe(false)
    expect(wantsRandomTestMiner({ devnet: true }, '')).toBe(false)
    expect(wantsRandomTestMiner({ devnet: true }, '?test-miner=other')).toBe(false)
  })
})
