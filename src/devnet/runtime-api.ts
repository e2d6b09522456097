/**
 * Runtime APIs served through `state_call`: arguments are decoded and results encoded with the
 * types the metadata declares for each method, so a stock client's `api.call.*` works unchanged.
 */
import type { Codec } from '@polkadot/types/types'
import { compactAddLength, hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util'
import type { ChainCodec } from './codec.ts'
import { alphaOf, ALPHA_PER_BLOCK } from './epoch.ts'
import { BadFormat, decodeExtrinsic, eraDeath, InvalidTransaction, type DecodedExtrinsic } from './extrinsic.ts'
import { BASE_FEE, BYTE_FEE, type BlockContext, type Runtime } from './runtime.ts'
import { nextEpochStartBlock } from './schedule.ts'
import { networkLockCost } from './subnets.ts'
import { DEFAULT_METADATA_VERSION, metadataAtVersion, METADATA_VERSIONS } from './metadata-versions.ts'
import type { State } from './state.ts'

const SM = 'SubtensorModule'

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())

/** A runtime API call that the devnet does not emulate, or whose arguments do not decode. */
export class RuntimeApiError extends Error {
  override name = 'RuntimeApiError'
}

interface Env {
  codec: ChainCodec
  runtime: Runtime
  state: State
  block: number
  /** The context of a transaction built on top of `block` (validity checks need block hashes). */
  ctx?: BlockContext
}

type Handler = (env: Env, args: Codec[]) => unknown

/** The per-subnet vectors a neuron row reads its entry of (one value per uid). */
const NEURON_VECTORS = ['Active', 'Emission', 'Incentive', 'Consensus', 'ValidatorTrust', 'Dividends', 'LastUpdate', 'ValidatorPermit'] as const
type NeuronVectors = Record<(typeof NEURON_VECTORS)[number], unknown[]>

/**
 * Each per-subnet vector decoded once: a neurons call used to decode all of them again for every
 * uid (O(N^2): at 256 neurons a `get_neurons_lite` decoded 524 288 elements, and 256 miners reading
 * the metagraph kept the devnet's one thread busy for minutes).
 */
function neuronVectors(env: Env, netuid: number): NeuronVectors {
  return Object.fromEntries(NEURON_VECTORS.map((item) => [item, env.state.vec(SM, item, [netuid])])) as NeuronVectors
}

function neuronLite(env: Env, netuid: number, uid: number, full: boolean, vectors: NeuronVectors): Record<string, unknown> {
  const { state } = env
  const hotkey = state.get(SM, 'Keys', [netuid, uid]).toHex()
  const coldkey = state.get(SM, 'Owner', [hotkey]).toHex()
  const at = <T>(item: keyof NeuronVectors, fill: T): T => (vectors[item][uid] as T | undefined) ?? fill
  const axon = state.has(SM, 'Axons', [netuid, hotkey]) ? state.get(SM, 'Axons', [netuid, hotkey]).toJSON() : {}
  const stakers = state.accounts(SM, 'StakingHotkeys', [coldkey]).includes(hotkey) ? [coldkey] : []
  const out: Record<string, unknown> = {
    hotkey,
    coldkey,
    uid,
    netuid,
    active: at('Active', false),
    axonInfo: axon,
    prometheusInfo: {},
    stake: stakers.map((c) => [c, alphaOf(state, hotkey, c, netuid)]),
    rank: 0,
    emission: BigInt(at<number | string>('Emission', 0)),
    incentive: at('Incentive', 0),
    consensus: at('Consensus', 0),
    trust: 0,
    validatorTrust: at('ValidatorTrust', 0),
    dividends: at('Dividends', 0),
    lastUpdate: BigInt(at<number | string>('LastUpdate', 0)),
    validatorPermit: at('ValidatorPermit', false),
    pruningScore: 65535,
  }
  if (full) {
    out.weights = state.get(SM, 'Weights', [netuid, uid]).toJSON()
    out.bonds = state.get(SM, 'Bonds', [netuid, uid]).toJSON()
  }
  return out
}

function exists(env: Env, netuid: number): boolean {
  return env.state.bool(SM, 'NetworksAdded', [netuid])
}

function neurons(env: Env, netuid: number, full: boolean): Record<string, unknown>[] {
  if (!exists(env, netuid)) return []
  const n = env.state.num(SM, 'SubnetworkN', [netuid])
  const vectors = neuronVectors(env, netuid)
  return Array.from({ length: n }, (_, uid) => neuronLite(env, netuid, uid, full, vectors))
}

function neuron(env: Env, netuid: number, uid: number, full: boolean): Record<string, unknown> | null {
  if (!exists(env, netuid) || uid >= env.state.num(SM, 'SubnetworkN', [netuid])) return null
  return neuronLite(env, netuid, uid, full, neuronVectors(env, netuid))
}

/** The hyperparameters as (snake_case name, storage value, kind) rows. */
function hyperparams(env: Env, netuid: number): Record<string, unknown> {
  const s = env.state
  const g = (item: string): Codec => s.get(SM, item, [netuid])
  const alpha = g('AlphaValues').toJSON() as [number, number]
  const tempo = s.num(SM, 'Tempo', [netuid])
  return {
    rho: 10,
    kappa: g('Kappa'),
    immunityPeriod: g('ImmunityPeriod'),
    minAllowedWeights: g('MinAllowedWeights'),
    maxWeightsLimit: g('MaxWeightsLimit'),
    tempo,
    minDifficulty: 0,
    maxDifficulty: 0,
    weightsVersion: g('WeightsVersionKey'),
    weightsRateLimit: g('WeightsSetRateLimit'),
    adjustmentInterval: g('AdjustmentInterval'),
    activityCutoff: Math.max(1, Math.floor((s.num(SM, 'ActivityCutoffFactorMilli', [netuid]) * tempo) / 1000)),
    registrationAllowed: g('NetworkRegistrationAllowed'),
    targetRegsPerInterval: g('TargetRegistrationsPerInterval'),
    minBurn: g('MinBurn'),
    maxBurn: g('MaxBurn'),
    bondsMovingAvg: g('BondsMovingAverage'),
    maxRegsPerBlock: g('MaxRegistrationsPerBlock'),
    servingRateLimit: g('ServingRateLimit'),
    maxValidators: g('MaxAllowedValidators'),
    adjustmentAlpha: 0,
    difficulty: g('Difficulty'),
    commitRevealPeriod: g('RevealPeriodEpochs'),
    commitRevealWeightsEnabled: g('CommitRevealWeightsEnabled'),
    alphaHigh: alpha[1],
    alphaLow: alpha[0],
    liquidAlphaEnabled: s.bool(SM, 'LiquidAlphaOn', [netuid]),
    alphaSigmoidSteepness: { bits: BigInt(s.num(SM, 'AlphaSigmoidSteepness', [netuid])) << 32n },
    yumaVersion: s.bool(SM, 'Yuma3On', [netuid]) ? 3 : 2,
    subnetIsActive: g('SubtokenEnabled'),
    transfersEnabled: g('TransferToggle'),
    bondsResetEnabled: g('BondsResetOn'),
    userLiquidityEnabled: false,
  }
}

const HYPER_KIND: Record<string, string> = {
  rho: 'U16', kappa: 'U16', immunityPeriod: 'U16', minAllowedWeights: 'U16', maxWeightsLimit: 'U16', tempo: 'U16',
  minDifficulty: 'U64', maxDifficulty: 'U64', weightsVersion: 'U64', weightsRateLimit: 'U64', adjustmentInterval: 'U16',
  activityCutoff: 'U64', registrationAllowed: 'Bool', targetRegsPerInterval: 'U16', minBurn: 'TaoBalance', maxBurn: 'TaoBalance',
  bondsMovingAvg: 'U64', maxRegsPerBlock: 'U16', servingRateLimit: 'U64', maxValidators: 'U16', adjustmentAlpha: 'U64',
  difficulty: 'U64', commitRevealPeriod: 'U64', commitRevealWeightsEnabled: 'Bool', alphaHigh: 'U16', alphaLow: 'U16',
  liquidAlphaEnabled: 'Bool', alphaSigmoidSteepness: 'I32F32', yumaVersion: 'U16', subnetIsActive: 'Bool',
  transfersEnabled: 'Bool', bondsResetEnabled: 'Bool', userLiquidityEnabled: 'Bool',
}

function subnetInfo(env: Env, netuid: number): Record<string, unknown> | null {
  if (!exists(env, netuid)) return null
  const s = env.state
  const g = (item: string): Codec => s.get(SM, item, [netuid])
  return {
    netuid,
    rho: 10,
    kappa: g('Kappa'),
    difficulty: g('Difficulty'),
    immunityPeriod: g('ImmunityPeriod'),
    maxAllowedValidators: g('MaxAllowedValidators'),
    minAllowedWeights: g('MinAllowedWeights'),
    maxWeightsLimit: g('MaxWeightsLimit'),
    scalingLawPower: 50,
    subnetworkN: g('SubnetworkN'),
    maxAllowedUids: g('MaxAllowedUids'),
    blocksSinceLastStep: g('BlocksSinceLastStep'),
    tempo: g('Tempo'),
    networkModality: 0,
    networkConnect: [],
    emissionValues: ALPHA_PER_BLOCK,
    emissionValue: ALPHA_PER_BLOCK,
    burn: g('Burn'),
    owner: g('SubnetOwner'),
    identity: null,
  }
}

function metagraph(env: Env, netuid: number): Record<string, unknown> | null {
  if (!exists(env, netuid)) return null
  const s = env.state
  const hp = hyperparams(env, netuid)
  const list = neurons(env, netuid, false)
  const hotkeys = list.map((n) => n.hotkey as string)
  const name = [...new TextEncoder().encode(netuid === 1 ? 'webtensor devnet' : `subnet ${netuid}`)]
  return {
    ...hp,
    netuid,
    name,
    symbol: [...new TextEncoder().encode('α')],
    identity: null,
    networkRegisteredAt: s.get(SM, 'NetworkRegisteredAt', [netuid]),
    ownerHotkey: s.get(SM, 'SubnetOwnerHotkey', [netuid]),
    ownerColdkey: s.get(SM, 'SubnetOwner', [netuid]),
    block: env.block,
    lastStep: s.get(SM, 'LastMechansimStepBlock', [netuid]),
    blocksSinceLastStep: s.get(SM, 'BlocksSinceLastStep', [netuid]),
    subnetEmission: ALPHA_PER_BLOCK,
    alphaIn: s.get(SM, 'SubnetAlphaIn', [netuid]),
    alphaOut: s.get(SM, 'SubnetAlphaOut', [netuid]),
    taoIn: s.get(SM, 'SubnetTAO', [netuid]),
    movingPrice: { bits: 1n << 32n },
    numUids: list.length,
    maxUids: s.get(SM, 'MaxAllowedUids', [netuid]),
    burn: s.get(SM, 'Burn', [netuid]),
    powRegistrationAllowed: false,
    hotkeys,
    coldkeys: list.map((n) => n.coldkey),
    identities: list.map(() => null),
    axons: list.map((n) => n.axonInfo),
    active: list.map((n) => n.active),
    validatorPermit: list.map((n) => n.validatorPermit),
    pruningScore: list.map(() => 65535),
    lastUpdate: list.map((n) => n.lastUpdate),
    emission: list.map((n) => n.emission),
    dividends: list.map((n) => n.dividends),
    incentives: list.map((n) => n.incentive),
    consensus: list.map((n) => n.consensus),
    trust: list.map(() => 0),
    rank: list.map(() => 0),
    blockAtRegistration: list.map((_, uid) => s.big(SM, 'BlockAtRegistration', [netuid, uid])),
    alphaStake: hotkeys.map((h) => s.big(SM, 'TotalHotkeyAlpha', [h, netuid])),
    taoStake: hotkeys.map(() => 0),
    totalStake: hotkeys.map((h) => s.big(SM, 'TotalHotkeyAlpha', [h, netuid])),
    taoDividendsPerHotkey: [],
    alphaDividendsPerHotkey: [],
  }
}

function dynamicInfo(env: Env, netuid: number): Record<string, unknown> | null {
  if (!exists(env, netuid)) return null
  const s = env.state
  const enc = (t: string): number[] => [...new TextEncoder().encode(t)]
  return {
    netuid,
    ownerHotkey: s.get(SM, 'SubnetOwnerHotkey', [netuid]),
    ownerColdkey: s.get(SM, 'SubnetOwner', [netuid]),
    subnetName: enc(netuid === 1 ? 'webtensor devnet' : `subnet ${netuid}`),
    tokenSymbol: enc('α'),
    tempo: s.get(SM, 'Tempo', [netuid]),
    lastStep: s.get(SM, 'LastMechansimStepBlock', [netuid]),
    blocksSinceLastStep: s.get(SM, 'BlocksSinceLastStep', [netuid]),
    emission: ALPHA_PER_BLOCK,
    alphaIn: s.get(SM, 'SubnetAlphaIn', [netuid]),
    alphaOut: s.get(SM, 'SubnetAlphaOut', [netuid]),
    taoIn: s.get(SM, 'SubnetTAO', [netuid]),
    networkRegisteredAt: s.get(SM, 'NetworkRegisteredAt', [netuid]),
    subnetIdentity: null,
    // Price 1.0 (1 TAO per alpha, the devnet's staking simplification), as I96F32-like bits.
    movingPrice: { bits: 1n << 32n },
  }
}

function stakeInfos(env: Env, coldkey: string): Record<string, unknown>[] {
  const s = env.state
  const out: Record<string, unknown>[] = []
  const nets = env.runtime.subnets(s)
  for (const hotkey of s.accounts(SM, 'StakingHotkeys', [coldkey])) {
    for (const netuid of nets) {
      const stake = alphaOf(s, hotkey, coldkey, netuid)
      if (stake === 0n) continue
      out.push({ hotkey, coldkey, netuid, stake, locked: 0, emission: 0, taoEmission: 0, drain: 0, isRegistered: s.has(SM, 'Uids', [netuid, hotkey]) })
    }
  }
  return out
}

/**
 * `TaggedTransactionQueue_validate_transaction` as the runtime answers it: signature, era, nonce
 * (stale → `Stale`, ahead → valid with a `requires` tag) and the fee payer's balance, as a
 * `TransactionValidity` (`Ok(ValidTransaction)` or `Err(Invalid(InvalidTransaction))`).
 * Tags are CheckNonce's: `provides (who, nonce)`, `requires (who, nonce - 1)` when ahead.
 */
function validateTransaction(env: Env, uxt: Codec): unknown {
  if (env.ctx === undefined) throw new RuntimeApiError('validate_transaction needs the block context')
  let xt: DecodedExtrinsic
  try {
    xt = decodeExtrinsic(env.codec, compactAddLength(uxt.toU8a(true)))
  } catch (e) {
    throw new RuntimeApiError(`cannot decode the extrinsic: ${(e as Error).message}`)
  }
  try {
    const { who, future } = env.runtime.validate(env.state, xt, env.ctx)
    const tag = (nonce: number): Uint8Array => u8aConcat(hexToU8a(who), env.codec.encode('u32', nonce))
    const death = eraDeath(xt.era, env.ctx.number)
    return {
      Ok: {
        priority: xt.tip,
        requires: future ? [tag(xt.nonce - 1)] : [],
        provides: [tag(xt.nonce)],
        longevity: xt.era.mortal ? BigInt(Math.max(0, death - env.ctx.number)) : 2n ** 64n - 1n,
        propagate: true,
      },
    }
  } catch (e) {
    if (e instanceof InvalidTransaction) return { Err: { Invalid: e.reason } }
    throw e
  }
}

function feeOf(env: Env, uxt: Codec, len: Codec): { xt: DecodedExtrinsic; fee: bigint; refTime: bigint } {
  let xt: DecodedExtrinsic
  try {
    xt = decodeExtrinsic(env.codec, compactAddLength(uxt.toU8a(true)))
  } catch (e) {
    throw new RuntimeApiError(`cannot decode the extrinsic: ${(e as Error).message}`)
  }
  const info = env.runtime.callInfo(xt)
  return { xt, fee: env.runtime.fee(xt, Number(len.toString())), refTime: info.refTime }
}

const HANDLERS: Record<string, Handler> = {
  Core_version: (env) => env.codec.registry.createType(env.codec.runtimeApi('Core_version')!.output, runtimeVersionBytes(env.codec)),
  // A runtime's default metadata is V14; V15 and V16 are asked for by version.
  Metadata_metadata: (env) => metadataAtVersion(env.codec, DEFAULT_METADATA_VERSION),
  Metadata_metadata_versions: () => METADATA_VERSIONS,
  Metadata_metadata_at_version: (env, [v]) => metadataAtVersion(env.codec, Number(v!.toString())) ?? null,
  TaggedTransactionQueue_validate_transaction: (env, [, uxt]) => validateTransaction(env, uxt!),
  AccountNonceApi_account_nonce: (env, [who]) => env.runtime.nonce(env.state, who!.toHex()),
  TransactionPaymentApi_query_info: (env, [uxt, len]) => {
    const { fee, refTime } = feeOf(env, uxt!, len!)
    return { weight: { refTime, proofSize: 0 }, class: 'Normal', partialFee: fee }
  },
  TransactionPaymentApi_query_fee_details: (env, [uxt, len]) => {
    const { xt, fee } = feeOf(env, uxt!, len!)
    if (fee === 0n) return { inclusionFee: null, tip: xt.tip }
    return { inclusionFee: { baseFee: BASE_FEE, lenFee: fee - BASE_FEE, adjustedWeightFee: 0 }, tip: xt.tip }
  },
  TransactionPaymentApi_query_weight_to_fee: () => 0,
  TransactionPaymentApi_query_length_to_fee: (_env, [len]) => BYTE_FEE * BigInt(len!.toString()),
  NeuronInfoRuntimeApi_get_neurons_lite: (env, [netuid]) => neurons(env, Number(netuid!.toString()), false),
  NeuronInfoRuntimeApi_get_neurons: (env, [netuid]) => neurons(env, Number(netuid!.toString()), true),
  NeuronInfoRuntimeApi_get_neuron_lite: (env, [netuid, uid]) => neuron(env, Number(netuid!.toString()), Number(uid!.toString()), false),
  NeuronInfoRuntimeApi_get_neuron: (env, [netuid, uid]) => neuron(env, Number(netuid!.toString()), Number(uid!.toString()), true),
  SubnetInfoRuntimeApi_get_subnet_info: (env, [netuid]) => subnetInfo(env, Number(netuid!.toString())),
  SubnetInfoRuntimeApi_get_subnet_info_v2: (env, [netuid]) => subnetInfo(env, Number(netuid!.toString())),
  SubnetInfoRuntimeApi_get_subnets_info: (env) => env.runtime.subnets(env.state).map((n) => subnetInfo(env, n)),
  SubnetInfoRuntimeApi_get_subnets_info_v2: (env) => env.runtime.subnets(env.state).map((n) => subnetInfo(env, n)),
  SubnetInfoRuntimeApi_get_subnet_hyperparams: (env, [netuid]) => (exists(env, Number(netuid!.toString())) ? hyperparams(env, Number(netuid!.toString())) : null),
  SubnetInfoRuntimeApi_get_subnet_hyperparams_v2: (env, [netuid]) => (exists(env, Number(netuid!.toString())) ? hyperparams(env, Number(netuid!.toString())) : null),
  SubnetInfoRuntimeApi_get_subnet_hyperparams_v3: (env, [netuid]) => {
    const n = Number(netuid!.toString())
    if (!exists(env, n)) return null
    const hp = hyperparams(env, n)
    return Object.entries(HYPER_KIND).map(([k, kind]) => ({ name: new TextEncoder().encode(snake(k)), value: { [kind]: hp[k] } }))
  },
  SubnetInfoRuntimeApi_get_metagraph: (env, [netuid]) => metagraph(env, Number(netuid!.toString())),
  SubnetInfoRuntimeApi_get_all_metagraphs: (env) => env.runtime.subnets(env.state).map((n) => metagraph(env, n)),
  SubnetInfoRuntimeApi_get_dynamic_info: (env, [netuid]) => dynamicInfo(env, Number(netuid!.toString())),
  SubnetInfoRuntimeApi_get_all_dynamic_info: (env) => env.runtime.subnets(env.state).map((n) => dynamicInfo(env, n)),
  SubnetInfoRuntimeApi_get_next_epoch_start_block: (env, [netuid]) => {
    const n = Number(netuid!.toString())
    if (!exists(env, n)) return null
    // Spec 424's get_next_epoch_start_block: min(LastEpochBlock + tempo, PendingEpochAt).
    return nextEpochStartBlock(env.state, n) ?? null
  },
  SubnetRegistrationRuntimeApi_get_network_registration_cost: (env) => networkLockCost(env.state, env.block),
  StakeInfoRuntimeApi_get_stake_info_for_coldkey: (env, [c]) => stakeInfos(env, c!.toHex()),
  StakeInfoRuntimeApi_get_stake_info_for_coldkeys: (env, [cs]) => (cs as unknown as Codec[]).map((c) => [c.toHex(), stakeInfos(env, c.toHex())]),
  StakeInfoRuntimeApi_get_stake_info_for_hotkey_coldkey_netuid: (env, [h, c, n]) => {
    const netuid = Number(n!.toString())
    const stake = alphaOf(env.state, h!.toHex(), c!.toHex(), netuid)
    return { hotkey: h!.toHex(), coldkey: c!.toHex(), netuid, stake, locked: 0, emission: 0, taoEmission: 0, drain: 0, isRegistered: env.state.has(SM, 'Uids', [netuid, h!.toHex()]) }
  },
  StakeInfoRuntimeApi_get_stake_fee: () => 0,
}

/** The SCALE runtime version (`Core_version`), from the metadata's `System.Version` constant. */
export function runtimeVersionBytes(codec: ChainCodec): Uint8Array {
  const system = codec.metadata.asLatest.pallets.find((p) => p.name.toString() === 'System')!
  const c = system.constants.find((k) => k.name.toString() === 'Version')!
  return c.value.toU8a(true)
}

/** The runtime version as `state_getRuntimeVersion` returns it (JSON). */
export function runtimeVersionJson(codec: ChainCodec): Record<string, unknown> {
  const v = codec.registry.createType(codec.runtimeApi('Core_version')!.output, runtimeVersionBytes(codec)).toJSON() as Record<string, unknown>
  return { ...v, stateVersion: v.systemVersion ?? 1 }
}

/** Names of the runtime API methods the devnet answers. */
export const EMULATED_RUNTIME_APIS = Object.keys(HANDLERS)

/** Executes `state_call(name, data)` on `state`; returns the encoded result. */
export function stateCall(codec: ChainCodec, runtime: Runtime, state: State, block: number, name: string, data: Uint8Array, ctx?: BlockContext): string {
  const m = codec.runtimeApi(name)
  const h = HANDLERS[name]
  if (m === undefined || h === undefined) throw new RuntimeApiError(`Exported method ${name} is not found`)
  const args: Codec[] = []
  let off = 0
  try {
    for (const i of m.inputs) {
      const v = codec.registry.createType(i.type, data.subarray(off))
      off += v.encodedLength
      args.push(v)
    }
  } catch (e) {
    throw new RuntimeApiError(`cannot decode the arguments of ${name}: ${(e as Error).message}`)
  }
  if (off !== data.length) throw new RuntimeApiError(`${name}: ${data.length - off} bytes left after the arguments`)
  const env: Env = { codec, runtime, state, block, ctx }
  let value: unknown
  try {
    value = h(env, args)
  } catch (e) {
    if (e instanceof RuntimeApiError || e instanceof BadFormat) throw e
    throw new RuntimeApiError(`${name} failed: ${(e as Error).message}`)
  }
  if (name === 'Metadata_metadata') return u8aToHex(compactAddLength(value as Uint8Array))
  if (name === 'Metadata_metadata_at_version') return value === null ? '0x00' : u8aToHex(u8aConcat(new Uint8Array([1]), compactAddLength(value as Uint8Array)))
  return u8aToHex(codec.encode(m.output, value))
}
