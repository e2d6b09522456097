#!/usr/bin/env node
// Keeps package-lock.json complete and strict for `npm ci` on every platform. When `npm install`
// ran against a registry mirror that lacks the other-platform builds of optional native packages
// (rollup, @napi-rs/canvas, cbor-extract, ...), npm leaves them out of the lock, and `npm ci`
// elsewhere refuses the lock as "not in sync". For each optional dependency with no lock entry
// (and for each earlier entry that lacks an integrity hash), this asks the registry for that exact
// version (`npm view NAME@VERSION dist.integrity dist.tarball os cpu libc`) and writes a full entry:
// `resolved`, `integrity` (the registry's sha512), and the platform fields as the package itself
// declares them. `npm ci` then verifies every tarball it installs against the lock, as for any
// other package. A version the registry cannot give (or gives without a sha512) stops the script:
// nothing is written without a hash, except for the versions listed in ABSENT below.
// Run after every `npm install`: `node scripts/lock-platform-stubs.mjs [package-lock.json]`.
import { execFileSync } from 'node:child_process'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'netbsd', 'win32', 'sunos', 'aix', 'openharmony']
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'riscv64', 'loong64', 'ppc64', 's390x', 'mips64el', 'wasm32', 'universal']

/**
 * Platform builds that a dependency names but that were never published (the registry answers
 * E404 for every one of them), so no machine can install them and there are no bytes to hash.
 * Their lock entries carry the platform fields only, which `npm ci` needs to call the lock in
 * sync; on their platform npm tries, gets 404 and skips them as failed optional packages.
 * Safe because: nothing is installed from them today; only the owner of the package's npm scope
 * could publish them later, the same party whose code (cbor-extract, with its install script)
 * the lock already trusts; and this script refuses any other entry without a hash.
 * - @cbor-extract/cbor-extract-*@2.2.3: optionalDependencies of cbor-extract@2.2.3 (dev-only,
 *   via @bitgo/sdk-coin-tao > ... > cbor-x, which falls back to JavaScript without them); the
 *   registry's newest builds are 2.2.2 (checked with `npm view`).
 */
const ABSENT = new Set([
  '@cbor-extract/cbor-extract-darwin-arm64@2.2.3', '@cbor-extract/cbor-extract-darwin-x64@2.2.3', '@cbor-extract/cbor-extract-linux-arm@2.2.3',
  '@cbor-extract/cbor-extract-linux-arm64@2.2.3', '@cbor-extract/cbor-extract-linux-x64@2.2.3', '@cbor-extract/cbor-extract-win32-x64@2.2.3',
])

/** The platform fields read from a package name, for ABSENT entries only (nothing else to read them from). */
function platformOf(name) {
  const parts = name.split('/').pop().split('-')
  const os = parts.find((p) => OS.includes(p))
  const cpu = parts.find((p) => CPU.includes(p))
  return { ...(cpu ? { cpu: [cpu] } : {}), ...(os ? { os: [os] } : {}) }
}

/** Whether a package name looks like a platform build (the only kind npm may leave out). */
function isPlatformBuild(name) {
  const parts = name.split('/').pop().split('-')
  return name === 'fsevents' || parts.some((p) => OS.includes(p) || CPU.includes(p) || p === 'armv7' || p.startsWith('gnueabi') || p.startsWith('musleabi'))
}

/** What the registry says about NAME@VERSION. Throws when it has no sha512 integrity for it. */
function registryEntry(name, version) {
  let out
  try {
    out = execFileSync('npm', ['view', `${name}@${version}`, 'dist.integrity', 'dist.tarball', 'os', 'cpu', 'libc', 'license', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    throw new Error(`lock-platform-stubs: the registry has no ${name}@${version} (${String(e.stderr ?? e.message).trim().split('\n')[0]}); not writing an entry without a hash`)
  }
  const v = out.trim() === '' ? {} : JSON.parse(out)
  const integrity = v['dist.integrity']
  const resolved = v['dist.tarball']
  if (typeof integrity !== 'string' || !integrity.startsWith('sha512-') || typeof resolved !== 'string') {
    throw new Error(`lock-platform-stubs: ${name}@${version} has no sha512 integrity or tarball in the registry; not writing an entry without a hash`)
  }
  const list = (x) => (x === undefined ? undefined : Array.isArray(x) ? x : [x])
  return { resolved, integrity, license: v.license, os: list(v.os), cpu: list(v.cpu), libc: list(v.libc) }
}

const path = process.argv[2] ?? 'package-lock.json'
const lock = JSON.parse(readFileSync(path, 'utf8'))
const pkgs = lock.packages
let added = 0
let hashed = 0

/** A full lock entry for NAME@VERSION, optional (and dev when its dependent is). */
function entryFor(name, version, dev) {
  if (ABSENT.has(`${name}@${version}`)) {
    return { version, ...(dev ? { dev: true } : {}), optional: true, ...platformOf(name) }
  }
  const r = registryEntry(name, version)
  return {
    version,
    resolved: r.resolved,
    integrity: r.integrity,
    ...(dev ? { dev: true } : {}),
    ...(r.license === undefined ? {} : { license: r.license }),
    optional: true,
    ...(r.cpu ? { cpu: r.cpu } : {}),
    ...(r.os ? { os: r.os } : {}),
    ...(r.libc ? { libc: r.libc } : {}),
  }
}

for (const [key, entry] of Object.entries(pkgs)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    // Resolution as node does it: nested node_modules first, then the root.
    const nested = `${key === '' ? '' : key + '/'}node_modules/${dep}`
    if (pkgs[nested] !== undefined || pkgs[`node_modules/${dep}`] !== undefined) continue
    if (!isPlatformBuild(dep)) continue // not a platform build: leave it to npm
    if (!/^[~^=]?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(String(range))) throw new Error(`lock-platform-stubs: ${key || 'root'} wants ${dep}@${range}, not one exact version; run npm install on a registry that has it`)
    pkgs[`node_modules/${dep}`] = entryFor(dep, String(range).replace(/^[~^=]/, ''), entry.dev === true)
    added++
  }
}
// Entries an earlier version of this script wrote without a hash get one now.
for (const [key, entry] of Object.entries(pkgs)) {
  if (key === '' || entry.link === true || entry.integrity !== undefined || entry.optional !== true) continue
  const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)
  if (!isPlatformBuild(name) || ABSENT.has(`${name}@${entry.version}`)) continue
  pkgs[key] = entryFor(name, entry.version, entry.dev === true)
  hashed++
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)))
const absent = Object.entries(lock.packages).filter(([k, e]) => e.integrity === undefined && ABSENT.has(`${k.slice(k.lastIndexOf('node_modules/') + 13)}@${e.version}`)).length
const missing = Object.entries(lock.packages).filter(([k, e]) => k !== '' && e.link !== true && e.integrity === undefined && !ABSENT.has(`${k.slice(k.lastIndexOf('node_modules/') + 13)}@${e.version}`)).map(([k]) => k)
writeFileSync(`${path}.tmp`, JSON.stringify(lock, null, 2) + '\n')
renameSync(`${path}.tmp`, path)
console.log(`lock-platform-stubs: ${added} platform entr${added === 1 ? 'y' : 'ies'} added, ${hashed} given their registry hash, ${absent} kept without a hash (ABSENT: never published), in ${path}`)
if (missing.length > 0) {
  console.error(`lock-platform-stubs: entries still without integrity: ${missing.join(', ')}`)
  process.exitCode = 1
}
