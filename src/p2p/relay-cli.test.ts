import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'

describe('webtensor relay', () => {
  it('prints its multiaddrs and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/webtensor.js', 'relay', '--open', '--port', '0', '--netuid', '3'], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(out.split('\n')[0]!) })
        child.on('exit', (code) => reject(new Error(`relay exited early with ${code}`)))
      })
      expect(line).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3KooW\w+$/)
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      child.kill('SIGTERM')
      expect(await exit).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('refuses to start without --chain or --open (it could not check who reserves)', () => {
    const r = spawnSync(process.execPath, ['bin/webtensor.js', 'relay', '--port', '0'], { encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('--chain')
  })

  it('refuses a bad port with a message and exit 2', () => {
    const r = spawnSync(process.execPath, ['bin/webtensor.js', 'relay', '--port', '99999'], { encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('--port')
    expect(r.stdout).toBe('')
  })
})
