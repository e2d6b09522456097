/**
 * `webtensor devnet --allow-origin`: a browser origin the operator names (the Vite dev server, a
 * page served elsewhere) may call the admin methods; other pages may not, unless they send the
 * admin token the command prints at start. A malformed origin is refused before anything starts.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const BIN = fileURLToPath(new URL('../../../bin/webtensor.js', import.meta.url))
const children = new Set<ChildProcess>()
afterAll(() => { for (const c of children) c.kill('SIGKILL') })

function start(args: string[]): { child: ChildProcess; line: Promise<string>; exit: Promise<{ code: number | null; err: string }> } {
  const child = spawn(process.execPath, [BIN, 'devnet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const line = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('\n')) resolve(out.split('\n')[0]!)
    })
    child.once('exit', () => reject(new Error(`devnet exited: ${err}`)))
  })
  line.catch(() => {})
  const exit = new Promise<{ code: number | null; err: string }>((resolve) => child.once('exit', (code) => resolve({ code, err })))
  return { child, line, exit }
}

async function call(http: string, method: string, headers: Record<string, string>): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(http, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }) })
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } }
}

describe('webtensor devnet --allow-origin', () => {
  it('lets the named origin and the printed token call admin methods, and no other page', async () => {
    const d = start(['--port', '0', '--block-time', '0', '--quiet', '--allow-origin', 'http://localhost:5173'])
    const line = await d.line
    const http = /and (http:\/\/\S+?);/.exec(line)?.[1]
    const token = /admin token (\S+)/.exec(line)?.[1]
    expect(http).toBeDefined()
    expect(token).toBeDefined()
    expect((await call(http!, 'devnet_produceBlock', { origin: 'http://localhost:5173' })).error).toBeUndefined()
    const evil = await call(http!, 'devnet_produceBlock', { origin: 'https://evil.example' })
    expect(evil.error?.message).toMatch(/evil\.example/)
    expect((await call(http!, 'devnet_produceBlock', { origin: 'https://evil.example', 'x-devnet-token': token! })).error).toBeUndefined()
    d.child.kill('SIGTERM')
    expect((await d.exit).code).toBe(0)
  }, 60_000)

  it('refuses a value that is not an origin, naming the option', async () => {
    for (const bad of ['localhost:5173', 'http://localhost:5173/app', 'ftp://x.example']) {
      const d = start(['--port', '0', '--allow-origin', bad])
      const r = await d.exit
      expect(r.code).toBe(2)
      expect(r.err).toMatch(/--allow-origin must be an origin/)
    }
  }, 60_000)
})
