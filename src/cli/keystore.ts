/**
 * `--keystore FILE` for the commands that sign (`validate`, `weights`): the file read and handed
 * to the wallet's `keySignerFromKeyFile`, its password from an environment variable, every
 * refusal a usage error of the command (made by `usage`).
 */
import { readFile } from 'node:fs/promises'
import type { KeySigner } from '../wallet/index.ts'

/** The key in `path` (a polkadot{.js} JSON export, password in `$passwordEnv`, or a bittensor key file). */
export async function loadKeystoreFile(path: string, passwordEnv: string, usage: (message: string) => Error): Promise<KeySigner> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (e) {
    throw usage(`cannot read --keystore ${path}: ${(e as Error).message}`)
  }
  const { WalletError, keySignerFromKeyFile } = await import('../wallet/index.ts')
  const password = process.env[passwordEnv]
  try {
    return await keySignerFromKeyFile(json, password)
  } catch (e) {
    if (e instanceof WalletError && e.code === 'BAD_PASSWORD') throw usage('wrong keystore password')
    if (e instanceof WalletError) throw usage(`--keystore ${path}: ${e.message}${password === undefined ? ` (set ${passwordEnv} to its password if it is encrypted)` : ''}`)
    throw e
  }
}
