/**
 * `webtensor tle encrypt|decrypt|verify`: timelock encryption to drand quicknet, byte-compatible
 * with subtensor's CRv4 decryptor. Hex in, hex out on stdout; any failure exits non-zero with a
 * message on stderr and prints nothing on stdout.
 */
import { parseArgs } from 'node:util'
import { QUICKNET, TimelockError, decrypt, encrypt, verifyBeacon } from '../../timelock/index.ts'

const USAGE = `usage:
  webtensor tle encrypt --round R --plaintext HEX [--public-key HEX]
      prints the commit bytes (hex) that open with the beacon signature of round R
  webtensor tle decrypt --signature HEX --ciphertext HEX
      prints the plaintext (hex)
  webtensor tle verify --round R --signature HEX [--public-key HEX]
      prints "valid" (exit 0) or says why not (exit 1)

The public key defaults to drand quicknet's (chain ${QUICKNET.chainHash}).
Hex may carry a 0x prefix.`

class UsageError extends Error {}

function hexArg(name: string, value: string | undefined): Uint8Array {
  if (value === undefined) throw new UsageError(`--${name} is required`)
  const h = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new UsageError(`--${name} is not valid hex`)
  const out = new Uint8Array(h.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16)
  return out
}

function roundArg(value: string | undefined): bigint {
  if (value === undefined) throw new UsageError('--round is required')
  if (!/^\d+$/.test(value)) throw new UsageError(`--round must be a non-negative integer, got "${value}"`)
  const r = BigInt(value)
  if (r >= 1n << 64n) throw new UsageError('--round must fit in a u64')
  return r
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

/** Runs `webtensor tle ...`; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE)
    return sub === undefined ? 2 : 0
  }
  try {
    const { values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        round: { type: 'string' },
        plaintext: { type: 'string' },
        ciphertext: { type: 'string' },
        signature: { type: 'string' },
        'public-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      console.log(USAGE)
      return 0
    }
    const pk = values['public-key'] === undefined ? QUICKNET.publicKey : hexArg('public-key', values['public-key'])
    switch (sub) {
      case 'encrypt': {
        const round = roundArg(values.round)
        const pt = hexArg('plaintext', values.plaintext)
        console.log(toHex(encrypt(pt, round, pk)))
        return 0
      }
      case 'decrypt': {
        const sig = hexArg('signature', values.signature)
        const ct = hexArg('ciphertext', values.ciphertext)
        console.log(toHex(decrypt(ct, sig)))
        return 0
      }
      case 'verify': {
        const round = roundArg(values.round)
        const sig = hexArg('signature', values.signature)
        if (verifyBeacon(round, sig, pk)) {
          console.log('valid')
          return 0
        }
        console.error(`webtensor tle verify: the signature is not the beacon signature of round ${round} under this public key`)
        return 1
      }
      default:
        throw new UsageError(`unknown subcommand "${sub}" (expected encrypt, decrypt or verify)`)
    }
  } catch (e) {
    if (e instanceof TimelockError) {
      console.error(`webtensor tle ${sub}: ${e.code}: ${e.message}`)
      return 1
    }
    const msg = (e as Error).message
    console.error(`webtensor tle ${sub}: ${msg}\n\n${USAGE}`)
    return 2
  }
}
