/**
 * `webtensor yuma --input FILE [--gpu|--cpu] [--epochs] [--pretty]`: runs Yuma Consensus epochs
 * (chain-exact) and prints the outputs as JSON with the vectors' `reference_output` field names.
 *
 * FILE holds one `epochs[].input` object, a JSON array of them, or a vectors file
 * (`{ epochs: [{ input }, ...] }`, each epoch's input run in order). All epochs run as one batch.
 * Nothing is printed on stdout unless every epoch ran; bad input exits 1 naming the field.
 */
import { existsSync, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import {
  ConsensusError, consensusDawnEnv, epochOutputToJson, hasMechanisms, parseEpochInput, parseJsonExact, parseSubnetEpochInput,
  releaseConsensusGpu, runEpochWithMechanismsBatch, subnetOutputToJson, type EpochInput, type SubnetEpochInput,
} from '../../consensus/index.ts'

/**
 * Dawn reads LD_LIBRARY_PATH at process start, so `--gpu` on a machine whose only Vulkan driver
 * is Chromium's SwiftShader re-runs this command once in a child with that environment.
 */
function needsDawnReexec(): boolean {
  const env = consensusDawnEnv()
  if (process.env['WEBTENSOR_YUMA_DAWN_CHILD'] === '1') return false
  if ((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined) return false
  if (!existsSync(env['VK_ICD_FILENAMES']!)) return false
  return !(process.env['LD_LIBRARY_PATH'] ?? '').split(':').includes(env['LD_LIBRARY_PATH']!)
}

const USAGE = `usage: webtensor yuma --input FILE [--gpu|--cpu] [--epochs] [--pretty]
       webtensor yuma --chain URL --netuid N [--block B] [--json]   (replay a chain's epoch; --chain --help)

Runs subtensor's Yuma Consensus epoch (sparse epoch_mechanism, bit-exact) on FILE and prints the
output JSON (fields: active, stake_weight_u16, consensus_u16, incentive_u16, dividends_u16,
validator_trust_u16, server_emission, validator_emission, emission, new_validator_permit,
bonds_u16; u64 amounts as numbers when exact in JSON, else decimal strings).

FILE: one epochs[].input object -> one output object;
      a JSON array of inputs, or a vectors file ({"epochs":[{"input":...},...]}) -> an array of
      outputs, in order.
      An input with "mechanisms": [{last_update, weights, bonds}, ...] (and optional
      "mechanism_emission_split") is a subnet with K mechanisms (spec 424 epoch_with_mechanisms);
      its output is {"mechanisms":[{mechanism, rao_emission, sub_weight_u64f64, output}], and the
      per-netuid fields active, stake_weight_u16, consensus_u16, dividends_u16,
      validator_trust_u16, emission, new_validator_permit, server_emission, validator_emission}.
      Integers are read exactly (u64 given as JSON numbers keep every digit).

options:
  --input FILE  the input JSON (required; "-" reads stdin)
  --gpu         require the WebGPU path (exit 3 if no adapter)
  --cpu         run the CPU reference only
                (default: WebGPU when this process can open an adapter, else the CPU; the path
                and the reason are reported on stderr. With --gpu and no GPU driver but
                Chromium's SwiftShader installed, the command re-runs itself with Dawn's
                VK_ICD_FILENAMES/LD_LIBRARY_PATH set.)
  --epochs      always print an array, one output per epoch, even for a single input object
  --pretty      indent the JSON
  -h, --help    this text`

function fail(message: string, code = 1): number {
  console.error(`webtensor yuma: ${message}`)
  return code
}

/** Splits FILE's JSON into epoch inputs, each with the JSON path used in error messages. */
function extractInputs(doc: unknown): { inputs: Array<{ at: string; value: unknown }>; single: boolean } {
  if (Array.isArray(doc)) return { inputs: doc.map((value, k) => ({ at: `[${k}]`, value })), single: false }
  if (typeof doc === 'object' && doc !== null && 'epochs' in doc) {
    const epochs = (doc as { epochs: unknown }).epochs
    if (!Array.isArray(epochs)) throw new ConsensusError('INVALID_INPUT', "field 'epochs' must be an array", { field: 'epochs' })
    return {
      inputs: epochs.map((e, k) => {
        if (typeof e !== 'object' || e === null || !('input' in e)) throw new ConsensusError('INVALID_INPUT', `field 'epochs[${k}].input' is missing`, { field: `epochs[${k}].input` })
        return { at: `epochs[${k}].input.`, value: (e as { input: unknown }).input }
      }),
      single: false,
    }
  }
  return { inputs: [{ at: '', value: doc }], single: true }
}

/** Runs the command; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  // `--chain URL --netuid N [--block B] [--json]`: replay a chain's epoch (yuma-replay.ts).
  if (argv.some((a) => a === '--chain' || a.startsWith('--chain='))) return await (await import('./yuma-replay.ts')).runReplay(argv)
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        input: { type: 'string', short: 'i' },
        gpu: { type: 'boolean' },
        cpu: { type: 'boolean' },
        epochs: { type: 'boolean' },
        pretty: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${USAGE}`, 2)
  }
  if (values.help === true) {
    console.log(USAGE)
    return 0
  }
  if (values.input === undefined) return fail(`--input FILE is required\n\n${USAGE}`, 2)
  if (values.gpu === true && values.cpu === true) return fail('--gpu and --cpu are exclusive', 2)
  if (values.gpu === true && needsDawnReexec()) {
    const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, ...consensusDawnEnv(), WEBTENSOR_YUMA_DAWN_CHILD: '1' },
    })
    return r.status ?? 1
  }

  let text: string
  try {
    text = readFileSync(values.input === '-' ? 0 : values.input, 'utf8')
  } catch (err) {
    return fail(`cannot read --input ${values.input}: ${(err as Error).message}`)
  }
  let doc: unknown
  try {
    doc = parseJsonExact(text) // u64 fields written as plain numbers keep every digit
  } catch (err) {
    return fail(`--input ${values.input} is not valid JSON: ${(err as Error).message}`)
  }

  let inputs: Array<EpochInput | SubnetEpochInput>
  let single: boolean
  try {
    const ex = extractInputs(doc)
    single = ex.single
    if (ex.inputs.length === 0) return fail('the input holds no epochs')
    inputs = ex.inputs.map(({ at, value }) => {
      try {
        return hasMechanisms(value) ? parseSubnetEpochInput(value) : parseEpochInput(value)
      } catch (err) {
        if (err instanceof ConsensusError && at !== '') {
          const field = `${at}${err.field ?? ''}`
          throw new ConsensusError(err.code, err.message.replace(`field '${err.field}'`, `field '${field}'`), { field })
        }
        throw err
      }
    })
  } catch (err) {
    return fail((err as Error).message)
  }

  const prefer = values.cpu === true ? 'cpu' : 'gpu'
  let res
  try {
    // every mechanism of every input is one epoch of the same batch
    res = await runEpochWithMechanismsBatch(inputs, { prefer, requireGpu: values.gpu === true })
  } catch (err) {
    if (err instanceof ConsensusError && err.code === 'GPU_UNAVAILABLE') return fail(err.message, 3)
    return fail((err as Error).message)
  } finally {
    await releaseConsensusGpu()
  }
  // a plain input prints its one epoch's output (K = 1: the same as the plain epoch), a subnet its aggregate
  const outs = res.outputs.map((o, k) => ('mechanisms' in inputs[k]! ? subnetOutputToJson(o) : epochOutputToJson(o.mechanisms[0]!.output)))
  const payload = single && values.epochs !== true ? outs[0] : outs
  const text_out = values.pretty === true ? JSON.stringify(payload, null, 2) : JSON.stringify(payload)
  process.stdout.write(text_out + '\n')
  const mechs = res.outputs.reduce((a, o) => a + o.mechanisms.length, 0)
  console.error(`webtensor yuma: ${inputs.length} epoch(s)${mechs !== inputs.length ? ` (${mechs} mechanism epochs)` : ''} on ${res.path}${res.passes !== undefined ? ` (${res.passes} GPU passes)` : ''}${res.reason !== undefined ? ` (GPU not used: ${res.reason})` : ''}`)
  return 0
}
