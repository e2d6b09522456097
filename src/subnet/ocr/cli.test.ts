import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// Real round trip through the CLI: make (Node canvas) -> solve (onnxruntime-node when present,
// else ORT-web WASM) -> score.
const dir = mkdtempSync(join(tmpdir(), 'webtensor-ocr-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['bin/webtensor.js', 'ocr', ...args], { encoding: 'utf8', timeout: 240_000 })
}

describe('webtensor ocr CLI', () => {
  it('make -> solve -> score reads back the rendered words', () => {
    const out = join(dir, 'set')
    const made = cli('make', '--out', out, '--count', '3')
    expect(made.status, made.stderr).toBe(0)
    const images = readdirSync(out).filter((f) => f.endsWith('.jpg')).map((f) => join(out, f))
    expect(images).toHaveLength(3)
    const solved = cli('solve', ...images)
    expect(solved.status, solved.stderr).toBe(0)
    const parsed = JSON.parse(solved.stdout) as { backend: string; results: { id: string; words: { text: string; confidence: number }[] }[] }
    expect(['onnxruntime-node', 'onnxruntime-web-wasm']).toContain(parsed.backend)
    expect(parsed.results).toHaveLength(3)
    for (const r of parsed.results) for (const w of r.words) expect(w.confidence).toBeGreaterThan(0)
    writeFileSync(join(dir, 'solved.json'), solved.stdout)
    const scored = cli('score', join(out, 'answers.json'), join(dir, 'solved.json'))
    expect(scored.status, scored.stderr).toBe(0)
    const s = JSON.parse(scored.stdout) as { mean: number; exact: number; words: number }
    expect(s.words).toBe(24)
    // Native PP-OCRv4 reads these synthetic words almost always; allow one miss in 24.
    expect(s.exact / s.words).toBeGreaterThanOrEqual(23 / 24)
    expect(s.mean).toBeGreaterThan(0.9)
  })

  it('bad input exits 2 naming the problem, writing nothing', () => {
    const out = join(dir, 'never')
    const r = cli('make', '--out', out, '--count', 'zero')
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('--count must be a positive integer')
    expect(existsSync(out)).toBe(false)
    const s = cli('solve', join(dir, 'missing.jpg'))
    expect(s.status).toBe(2)
    expect(s.stderr).toContain('no such image')
    expect(s.stdout).toBe('')
  })

  it('--help prints usage and exits 0', () => {
    const r = cli('--help')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('webtensor ocr make --out DIR --count N')
  })
})
