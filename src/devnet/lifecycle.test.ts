/**
 * Lifecycle of `startDevnet`: timer-driven blocks, idempotent stop, abort signal, bad options and
 * a corrupt state file refused with a clear error.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { DevnetError, startDevnet } from './index.ts'

const dir = mkdtempSync(join(tmpdir(), 'webtensor-devnet-life-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('startDevnet lifecycle', () => {
  it('produces blocks on its timer, stops idempotently and refuses manual blocks after stop', async () => {
    const d = await startDevnet({ port: 0, blockTimeMs: 40 })
    expect(d.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    await vi.waitFor(() => expect(d.bestNumber()).toBeGreaterThanOrEqual(3))
    await d.stop()
    await d.stop()
    const n = d.bestNumber()
    await new Promise((r) => setTimeout(r, 150))
    expect(d.bestNumber()).toBe(n)
    expect(() => d.produceBlock()).toThrow(DevnetError)
    await expect(fetch(d.httpUrl, { method: 'POST', body: '{}' })).rejects.toThrow()
  })

  it('stops when its signal aborts', async () => {
    const ac = new AbortController()
    const d = await startDevnet({ port: 0, blockTimeMs: 0, signal: ac.signal })
    const ok = await fetch(d.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_chain', params: [] }) })
    expect(((await ok.json()) as { result: string }).result).toMatch(/emulator/)
    ac.abort()
    await vi.waitFor(async () => {
      await expect(fetch(d.httpUrl, { method: 'POST', body: '{}' })).rejects.toThrow()
    })
  })

  it('refuses bad options and a corrupt state file with DevnetError codes', async () => {
    await expect(startDevnet({ port: 0, blockTimeMs: -1 })).rejects.toMatchObject({ code: 'BAD_OPTIONS' })
    const corrupt = join(dir, 'corrupt.json')
    writeFileSync(corrupt, '{"version": 1, "blocks": [')
    writeFileSync(`${corrupt}.tmp-12345`, 'partial write of a killed process')
    await expect(startDevnet({ port: 0, blockTimeMs: 0, stateFile: corrupt })).rejects.toMatchObject({ name: 'DevnetError', code: 'BAD_STATE_FILE' })
    expect(existsSync(`${corrupt}.tmp-12345`)).toBe(false)
    const d = await startDevnet({ port: 0, blockTimeMs: 0 })
    await expect(startDevnet({ port: d.port, blockTimeMs: 0 })).rejects.toMatchObject({ code: 'LISTEN_FAILED' })
    expect(() => d.setHyperparams(1, { NotAThing: 1 })).toThrow(/not a settable hyperparameter/)
    expect(() => d.setHyperparams(42, { Tempo: 5 })).toThrow(/does not exist/)
    await d.stop()
  })

  it('runs each subnet epoch through the EpochEngine at the tempo boundary, and survives a failing engine', async () => {
    const seen: number[] = []
    const lines: string[] = []
    const d = await startDevnet({
      port: 0,
      blockTimeMs: 0,
      log: (l) => lines.push(l),
      epoch: {
        name: 'failing test engine',
        run: (input) => {
          seen.push(input.current_block)
          throw new Error('boom')
        },
      },
    })
    for (let i = 0; i < 25; i++) d.produceBlock()
    // Netuid 1, tempo 10, LastEpochBlock 0 at genesis: every 10 blocks (spec 424's schedule).
    expect(seen).toEqual([10, 20])
    expect(lines.filter((l) => /epoch netuid 1 at block \d+ failed/.test(l)).length).toBe(2)
    expect(d.bestNumber()).toBe(25)
    await d.stop()
  })
})
