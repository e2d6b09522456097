#!/usr/bin/env node
// Generates src/p2p/wire.ts from src/p2p/wire.proto with protons (the version in package.json,
// paired with the protons-runtime the project and libp2p use), adding only a header. Never edit
// wire.ts by hand: change wire.proto and run `npm run gen:wire`. `--check` exits 1 when wire.ts
// is not what the generator makes from wire.proto (a unit test runs it).
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
const PROTO = 'src/p2p/wire.proto'
const OUT = 'src/p2p/wire.ts'

export function generateWire() {
  const dir = mkdtempSync(join(tmpdir(), 'webtensor-wire-'))
  try {
    copyFileSync(PROTO, join(dir, 'wire.proto'))
    execFileSync(process.execPath, ['node_modules/protons/dist/bin/protons.js', join(dir, 'wire.proto')], { stdio: 'pipe' })
    const version = JSON.parse(readFileSync('node_modules/protons/package.json', 'utf8')).version
    const header = `// Generated from ${PROTO} by protons ${version} (\`npm run gen:wire\`). Do not edit: change the .proto.\n/* eslint-disable */\n`
    return header + readFileSync(join(dir, 'wire.ts'), 'utf8')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = generateWire()
  if (process.argv.includes('--check')) {
    if (readFileSync(OUT, 'utf8') !== text) {
      console.error(`${OUT} is not what protons generates from ${PROTO}: run npm run gen:wire`)
      process.exit(1)
    }
    console.log(`${OUT} matches ${PROTO}`)
  } else {
    writeFileSync(OUT, text)
    console.log(`wrote ${OUT}`)
  }
}
