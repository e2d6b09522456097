import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { textImage } from './text-image.ts'

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
    const solved = cli('solve', '--alphabet', 'challenge', ...images)
    expect(solved.status, solved.stderr).toBe(0)
    const parsed = JSON.parse(solved.stdout) as { backend: string; alphabet: { name: string }; results: { id: string; words: { text: string; confidence: number }[] }[] }
    expect(['onnxruntime-node', 'onnxruntime-web-wasm']).toContain(parsed.backend)
    expect(parsed.alphabet.name).toBe('challenge')
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

  it('solve reads every character the model knows by default (digits too) and says which alphabet it used', async () => {
    // A general image, not a challenge: words with digits, drawn with the challenge fonts.
    const image = join(dir, 'digits.jpg')
    writeFileSync(image, await textImage(480, 160, '40px wt-noto-sans-400', [{ text: '2026', x: 30, y: 50 }, { text: 'Room 42', x: 220, y: 50 }, { text: '31415', x: 30, y: 115 }]))

    const general = cli('solve', image)
    expect(general.status, general.stderr).toBe(0)
    const g = JSON.parse(general.stdout) as { alphabet: { name: string; characters: number }; results: { words: { text: string }[] }[] }
    expect(g.alphabet.name).toBe('model')
    expect(g.alphabet.characters).toBeGreaterThan(6000)
    const read = g.results[0]!.words.map((w) => w.text)
    expect(read).toContain('2026')
    expect(read).toContain('31415')
    expect(read.join(' ')).toContain('42')

    // The challenge alphabet drops the digits (what the challenge path does, and only it).
    const letters = cli('solve', '--alphabet', 'challenge', image)
    expect(letters.status, letters.stderr).toBe(0)
    const c = JSON.parse(letters.stdout) as { alphabet: { name: string; characters: number }; results: { words: { text: string }[] }[] }
    expect(c.alphabet).toMatchObject({ name: 'challenge', characters: 52 })
    expect(c.results[0]!.words.map((w) => w.text).join(' ')).not.toMatch(/[0-9]/u)
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
    const a = cli('solve', '--alphabet', 'digits', join(dir, 'missing.jpg'))
    expect(a.status).toBe(2)
    expect(a.stderr).toContain('--alphabet must be model or challenge')
  })

  it('--help prints usage and exits 0', () => {
    const r = cli('--help')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('webtensor ocr make --out DIR --count N')
  })
})
