/**
 * `webtensor ocr`: the OCR subnet task from the command line.
 *   make  --out DIR --count N   writes N challenges (DIR/<id>.jpg) and DIR/answers.json
 *   solve IMAGE...              prints the recognized words as JSON
 *   score ANSWERS SOLVED        scores solve output against answers.json
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { parseArgs } from 'node:util'

const USAGE = `usage:
  webtensor ocr make --out DIR --count N [--words K] [--width W] [--height H]
      Writes N fresh challenges as DIR/<id>.jpg and their truth as DIR/answers.json.
  webtensor ocr solve [--backend auto|native|wasm] [--threads T] [--alphabet model|challenge] IMAGE...
      Detects and recognizes words; prints JSON {backend, alphabet, results: [{image, id, words, latencyMs}]}.
      Backend auto: onnxruntime-node when installed, else onnxruntime-web's WASM in Node.
      Alphabet model (default): every character the model knows, digits and punctuation included;
      challenge: the letters a challenge word holds (what a miner answers with).
  webtensor ocr score ANSWERS.json SOLVED.json
      Scores the output of solve against answers.json; prints JSON {mean, results}.`

function fail(msg: string): number {
  console.error(`webtensor ocr: ${msg}`)
  return 2
}

function positiveInt(v: string | undefined, name: string, def: number): number {
  if (v === undefined) return def
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got '${v}'`)
  return n
}

/** Entry point. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE)
    return sub === undefined ? 2 : 0
  }
  try {
    if (sub === 'make') return await make(rest)
    if (sub === 'solve') return await solve(rest)
    if (sub === 'score') return await score(rest)
  } catch (err) {
    return fail((err as Error).message)
  }
  return fail(`unknown subcommand '${sub}' (make, solve, score)`)
}

async function make(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, count: { type: 'string' }, words: { type: 'string' }, width: { type: 'string' }, height: { type: 'string' } }, strict: true, allowPositionals: false })
  if (values.out === undefined) return fail('make needs --out DIR')
  const count = positiveInt(values.count, 'count', 1)
  const words = positiveInt(values.words, 'words', 8)
  const width = positiveInt(values.width, 'width', 640)
  const height = positiveInt(values.height, 'height', 480)
  const { makeOcrChallenge } = await import('../../subnet/node.ts')
  // Make everything first, then write: a failure leaves no partial set behind.
  const made = []
  for (let i = 0; i < count; i++) made.push(await makeOcrChallenge({ words, width, height }))
  mkdirSync(values.out, { recursive: true })
  const answers: Record<string, { file: string; words: string[]; issuedAt: number; deadline: number }> = {}
  for (const { challenge, truth } of made) {
    const file = `${challenge.id}.jpg`
    writeFileSync(join(values.out, file), challenge.image)
    answers[challenge.id] = { file, words: truth.words, issuedAt: truth.issuedAt, deadline: truth.deadline }
  }
  writeFileSync(join(values.out, 'answers.json'), JSON.stringify(answers, null, 2) + '\n')
  console.log(JSON.stringify({ out: values.out, count, files: made.map((m) => `${m.challenge.id}.jpg`) }))
  return 0
}

async function solve(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { backend: { type: 'string' }, threads: { type: 'string' }, alphabet: { type: 'string' } }, strict: true, allowPositionals: true })
  if (positionals.length === 0) return fail('solve needs at least one IMAGE')
  const backendArg = values.backend ?? 'auto'
  const backend = ({ auto: 'auto', native: 'onnxruntime-node', wasm: 'onnxruntime-web-wasm' } as const)[backendArg as 'auto' | 'native' | 'wasm']
  if (backend === undefined) return fail(`--backend must be auto, native or wasm, got '${backendArg}'`)
  const alphabet = values.alphabet ?? 'model'
  if (alphabet !== 'model' && alphabet !== 'challenge') return fail(`--alphabet must be model or challenge, got '${alphabet}'`)
  for (const p of positionals) if (!existsSync(p)) return fail(`no such image: ${p}`)
  const threads = values.threads !== undefined ? positiveInt(values.threads, 'threads', 1) : undefined
  const { createNodeRunner } = await import('../../gpu/node.ts')
  const { loadOcrModelFiles, ocrEngineFor, canvasPlatform } = await import('../../subnet/node.ts')
  const files = loadOcrModelFiles()
  const runner = await createNodeRunner({ backend, ...(threads !== undefined ? { threads } : {}) })
  try {
    const engine = await ocrEngineFor(runner, files)
    const results = []
    for (const image of positionals) {
      const t0 = performance.now()
      const pixels = await canvasPlatform.decodeImage(new Uint8Array(readFileSync(image)))
      const words = await engine.recognize(pixels, { alphabet })
      results.push({ image, id: basename(image, extname(image)), words, latencyMs: Math.round((performance.now() - t0) * 10) / 10 })
    }
    console.log(JSON.stringify({ backend: runner.backend, alphabet: engine.alphabet(alphabet), results }, null, 2))
  } finally {
    await runner.stop()
  }
  return 0
}

async function score(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
  const [answersPath, solvedPath] = positionals
  if (answersPath === undefined || solvedPath === undefined || positionals.length !== 2) return fail('score needs ANSWERS.json and SOLVED.json')
  const { scoreOcr } = await import('../../subnet/node.ts')
  const answers = JSON.parse(readFileSync(answersPath, 'utf8')) as Record<string, { words: string[] }>
  const solved = JSON.parse(readFileSync(solvedPath, 'utf8')) as { results?: { id: string; words: { text: string; confidence: number; box: { x: number; y: number; width: number; height: number } }[] }[] }
  if (!Array.isArray(solved.results)) return fail(`${solvedPath} is not the output of 'webtensor ocr solve'`)
  const results = []
  for (const r of solved.results) {
    const truth = answers[r.id]
    if (truth === undefined) return fail(`${answersPath} has no challenge '${r.id}'`)
    const s = scoreOcr(r.id, truth.words, { id: r.id, words: r.words })
    results.push({ id: r.id, score: s.score, exact: s.parts['exact'], words: truth.words.length, cer: s.parts['cer'] })
  }
  const mean = results.length > 0 ? results.reduce((a, r) => a + r.score, 0) / results.length : 0
  const exact = results.reduce((a, r) => a + (r.exact ?? 0), 0)
  const words = results.reduce((a, r) => a + r.words, 0)
  console.log(JSON.stringify({ mean, exact, words, results }, null, 2))
  return 0
}
