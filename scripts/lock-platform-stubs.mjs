#!/usr/bin/env node
// Keeps package-lock.json valid for `npm ci` when the registry mirror in use lacks the
// other-platform builds of optional native packages (rollup, esbuild, @napi-rs/canvas, ...).
// npm then leaves them out of the lock, and `npm ci` refuses the lock as "not in sync". For each
// optional dependency with no lock entry, this adds an entry carrying only the platform fields
// (os/cpu/libc, read from the package name), so npm skips it on other machines as it should.
// Run after every `npm install`: `node scripts/lock-platform-stubs.mjs`.
import { readFileSync, writeFileSync } from 'node:fs'

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'netbsd', 'win32', 'sunos', 'aix', 'openharmony']
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'riscv64', 'loong64', 'ppc64', 's390x', 'mips64el', 'wasm32', 'universal']

function platformOf(name) {
  const parts = name.split('/').pop().split('-')
  const os = parts.find((p) => OS.includes(p)) ?? (name === 'fsevents' ? 'darwin' : undefined)
  let cpu = parts.find((p) => CPU.includes(p)) ?? (parts.includes('arm') ? 'arm' : undefined)
  if (parts.includes('armv7') || parts.includes('eabi') || parts.includes('gnueabihf') || parts.includes('musleabihf')) cpu ??= 'arm'
  if (cpu === 'universal') cpu = undefined
  const libc = parts.some((p) => p.startsWith('musl')) ? 'musl' : parts.some((p) => p === 'gnu' || p.startsWith('gnueabi')) ? 'glibc' : undefined
  return { os, cpu, libc }
}

const path = process.argv[2] ?? 'package-lock.json'
const lock = JSON.parse(readFileSync(path, 'utf8'))
const pkgs = lock.packages
let added = 0
for (const [key, entry] of Object.entries(pkgs)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    // Resolution as node does it: nested node_modules first, then the root.
    const nested = `${key === '' ? '' : key + '/'}node_modules/${dep}`
    if (pkgs[nested] !== undefined || pkgs[`node_modules/${dep}`] !== undefined) continue
    const { os, cpu, libc } = platformOf(dep)
    if (os === undefined && cpu === undefined) continue // not a platform build: leave it to npm
    const version = String(range).replace(/^[~^=]/, '')
    pkgs[`node_modules/${dep}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(os ? { os: [os] } : {}),
      ...(libc ? { libc: [libc] } : {}),
    }
    added++
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)))
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n')
console.log(`lock-platform-stubs: ${added} platform stub entr${added === 1 ? 'y' : 'ies'} added to ${path}`)
