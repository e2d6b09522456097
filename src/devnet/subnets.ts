/**
 * Subnet-owner calls of spec 424: `register_network` (lock cost, rate limit, a new netuid with the
 * chain's initial parameters and the owner's hotkey at uid 0), `start_call` (emission starts the
 * next block), `set_tempo` (owner bounds, cooldown, cycle reset) and `trigger_epoch` (an epoch
 * `AdminFreezeWindow` blocks from now). Reimplemented from subtensor v3.4.9-424
 * `subnets/subnet.rs` (`do_register_network`, `init_new_network`, `do_start_call`),
 * `coinbase/root.rs` (`get_network_lock_cost`) and `coinbase/tempo_control.rs`.
 */
import type { Codec } from '@polkadot/types/types'
import { applyTempo, ensureAdminWindowOpen, ensureSigned, ensureSubnetOwner, passesOwnerRateLimit, recordOwnerRateLimit, type DispatchEnv, type OwnerTx } from './admin.ts'
import { blocksUntilNextAutoEpoch, MAX_TEMPO, MIN_TEMPO } from './schedule.ts'
import type { State } from './state.ts'

const SM = 'SubtensorModule'

/** `DefaultTempo` of a new subnet (`InitialTempo`). */
export const DEFAULT_TEMPO = 360

/** What these calls need from the runtime's balances and neurons. */
export interface SubnetRuntime {
  free(state: State, who: string): bigint
  /** Takes `amount` from `who`'s free balance (the caller checked it is there). */
  withdraw(state: State, who: string, amount: bigint): void
  /** `create_account_if_non_existent`. */
  ensureHotkeyOwner(state: State, coldkey: string, hotkey: string): void
  /** `append_neuron`; returns the uid. */
  registerNeuron(state: State, netuid: number, hotkey: string, block: number): number
}

/** `NetworkLastLockBlock` lives in `LastRateLimitedBlock[NetworkLastRegistered]`. */
const LAST_LOCK_BLOCK: [string, unknown[]] = ['LastRateLimitedBlock', [{ NetworkLastRegistered: null }]]

/** `get_network_lock_cost`: twice the last lock, decaying linearly over `NetworkLockReductionInterval`, at least the minimum. */
export function networkLockCost(state: State, block: number): bigint {
  const last = state.big(SM, 'NetworkLastLockCost')
  const min = state.big(SM, 'NetworkMinLockCost')
  const lastBlock = BigInt(state.num(SM, ...LAST_LOCK_BLOCK))
  const interval = state.big(SM, 'NetworkLockReductionInterval')
  const mult = lastBlock === 0n ? 1n : 2n
  const decay = (interval === 0n ? 0n : last / interval) * (BigInt(block) > lastBlock ? BigInt(block) - lastBlock : 0n)
  const cost = last * mult > decay ? last * mult - decay : 0n
  return cost < min ? min : cost
}

function subnetExists(state: State, netuid: number): boolean {
  return state.bool(SM, 'NetworksAdded', [netuid])
}

/** Every netuid that exists, root included. */
function netuids(state: State): number[] {
  const out: number[] = []
  for (let n = 0; n < 4096 && out.length < state.num(SM, 'TotalNetworks'); n++) if (subnetExists(state, n)) out.push(n)
  return out
}

/** `init_new_network`: the chain's explicit defaults for a new subnet, `LastEpochBlock` staggered by netuid. */
function initNewNetwork(state: State, netuid: number, tempo: number, block: number): void {
  state.set(SM, 'SubnetworkN', [netuid], 0)
  state.set(SM, 'NetworksAdded', [netuid], true)
  state.set(SM, 'Tempo', [netuid], tempo)
  state.set(SM, 'LastEpochBlock', [netuid], Math.max(0, block - (netuid % Math.max(1, tempo))))
  state.set(SM, 'TotalNetworks', [], state.num(SM, 'TotalNetworks') + 1)
  const defaults: Record<string, unknown> = {
    NetworkRegistrationAllowed: true, MaxAllowedUids: 256, MaxAllowedValidators: 64, MinAllowedWeights: 1,
    ImmunityPeriod: 5000, Yuma3On: true, Burn: state.codec.decodeStorageValue(SM, 'Burn', undefined).toJSON(), SubnetEmissionEnabled: true,
  }
  for (const [item, value] of Object.entries(defaults)) state.set(SM, item, [netuid], value)
  // "Make network parameters explicit": the defaults, written.
  for (const item of ['Kappa', 'RegistrationsThisInterval']) if (!state.has(SM, item, [netuid])) state.set(SM, item, [netuid], state.get(SM, item, [netuid]).toJSON())
}

/** `is_valid_subnet_identity`: each field's byte limit (the total follows from them). */
const IDENTITY_LIMITS: Record<string, number> = {
  subnetName: 256, githubRepo: 1024, subnetContact: 1024, subnetUrl: 1024, discord: 256, description: 1024, logoUrl: 1024, additional: 1024,
}

function validIdentity(identity: Codec): boolean {
  const fields = identity as unknown as Record<string, Codec | undefined>
  return Object.entries(IDENTITY_LIMITS).every(([k, max]) => (fields[k]?.toU8a(true).length ?? 0) <= max)
}

function doRegisterNetwork(env: DispatchEnv, rt: SubnetRuntime, hotkey: string, identity?: Codec): void {
  const { state, block } = env
  const coldkey = ensureSigned(env)
  if (state.has(SM, 'Owner', [hotkey]) && state.get(SM, 'Owner', [hotkey]).toHex() !== coldkey) env.fail(SM, 'NonAssociatedColdKey')
  if (block < state.num(SM, 'NetworkRegistrationStartBlock')) env.fail(SM, 'SubNetRegistrationDisabled')
  const lastLock = state.num(SM, ...LAST_LOCK_BLOCK)
  if (lastLock !== 0 && block - lastLock < state.num(SM, 'NetworkRateLimit')) env.fail(SM, 'NetworkTxRateLimitExceeded')
  const existing = netuids(state)
  // No subnet is pruned to make room (named simplification): at the limit the call fails.
  if (existing.filter((n) => n !== 0).length >= state.num(SM, 'SubnetLimit')) env.fail(SM, 'SubnetLimitReached')
  const lock = networkLockCost(state, block)
  if (rt.free(state, coldkey) < lock) env.fail(SM, 'CannotAffordLockCost')
  let netuid = 1
  while (existing.includes(netuid)) netuid++
  initNewNetwork(state, netuid, DEFAULT_TEMPO, block)
  rt.withdraw(state, coldkey, lock)
  state.set(SM, 'NetworkLastLockCost', [], lock)
  state.set(SM, ...LAST_LOCK_BLOCK, block)
  rt.ensureHotkeyOwner(state, coldkey, hotkey)
  rt.registerNeuron(state, netuid, hotkey, block)
  state.set(SM, 'SubnetMechanism', [netuid], 1)
  state.set(SM, 'NetworkRegisteredAt', [netuid], block)
  state.set(SM, 'RegisteredSubnetCounter', [netuid], state.big(SM, 'RegisteredSubnetCounter', [netuid]) + 1n)
  // The pool keeps the whole lock (at least the minimum); alpha at the devnet's price 1.0.
  const min = state.big(SM, 'NetworkMinLockCost')
  const poolTao = lock >= min ? lock : min
  state.set(SM, 'SubnetTAO', [netuid], poolTao)
  state.set(SM, 'SubnetAlphaIn', [netuid], poolTao)
  state.set(SM, 'SubnetOwner', [netuid], coldkey)
  state.set(SM, 'SubnetOwnerHotkey', [netuid], hotkey)
  env.deposit(SM, 'SubnetOwnerHotkeySet', [netuid, hotkey])
  state.set(SM, 'SubnetLocked', [netuid], lock)
  state.set(SM, 'SubnetAlphaOut', [netuid], 0)
  state.set(SM, 'RAORecycledForRegistration', [netuid], 0)
  state.set(SM, 'TotalStake', [], state.big(SM, 'TotalStake') + poolTao)
  if (identity !== undefined) {
    if (!validIdentity(identity)) env.fail(SM, 'InvalidIdentity')
    state.set(SM, 'SubnetIdentitiesV3', [netuid], identity)
    env.deposit(SM, 'SubnetIdentitySet', [netuid])
  }
  env.deposit(SM, 'NetworkAdded', [netuid, 1])
  state.set(SM, 'SubnetEmissionEnabled', [netuid], false)
}

function doStartCall(env: DispatchEnv, netuid: number): void {
  const { state, block } = env
  if (!subnetExists(state, netuid)) env.fail(SM, 'SubnetNotExists')
  ensureSubnetOwner(env, netuid)
  if (state.has(SM, 'FirstEmissionBlockNumber', [netuid])) env.fail(SM, 'FirstEmissionBlockNumberAlreadySet')
  if (block < state.num(SM, 'NetworkRegisteredAt', [netuid]) + state.num(SM, 'StartCallDelay')) env.fail(SM, 'NeedWaitingMoreBlocksToStarCall')
  state.set(SM, 'FirstEmissionBlockNumber', [netuid], block + 1)
  state.set(SM, 'SubtokenEnabled', [netuid], true)
  env.deposit(SM, 'FirstEmissionBlockNumberSet', [netuid, block + 1])
}

function doSetTempo(env: DispatchEnv, netuid: number, tempo: number): void {
  const who = ensureSubnetOwner(env, netuid)
  if (tempo < MIN_TEMPO || tempo > MAX_TEMPO) env.fail(SM, 'TempoOutOfBounds')
  ensureAdminWindowOpen(env, netuid)
  const tx: OwnerTx = { kind: 'TempoUpdate' }
  if (!passesOwnerRateLimit(env.state, tx, who, netuid, env.block)) env.fail(SM, 'TxRateLimitExceeded')
  applyTempo(env, netuid, tempo)
  recordOwnerRateLimit(env.state, tx, who, netuid, env.block)
}

function doTriggerEpoch(env: DispatchEnv, netuid: number): void {
  const { state, block } = env
  const who = ensureSubnetOwner(env, netuid)
  if (state.bool(SM, 'CommitRevealWeightsEnabled', [netuid])) env.fail(SM, 'DynamicTempoBlockedByCommitReveal')
  if (state.num(SM, 'PendingEpochAt', [netuid]) !== 0) env.fail(SM, 'EpochTriggerAlreadyPending')
  const window = state.num(SM, 'AdminFreezeWindow')
  if (blocksUntilNextAutoEpoch(state, netuid, block) < window) env.fail(SM, 'AutoEpochAlreadyImminent')
  const tx: OwnerTx = { kind: 'OwnerHyperparamUpdate', hparam: 'TriggerEpoch' }
  if (!passesOwnerRateLimit(state, tx, who, netuid, block)) env.fail(SM, 'TxRateLimitExceeded')
  state.set(SM, 'PendingEpochAt', [netuid], block + window)
  recordOwnerRateLimit(state, tx, who, netuid, block)
  env.deposit(SM, 'EpochTriggered', [netuid, who, block + window])
}

/** Dispatches the subnet-owner calls above; returns false for any other call. */
export function dispatchSubnetCall(env: DispatchEnv, rt: SubnetRuntime, name: string, a: Codec[]): boolean {
  const num = (i: number): number => Number(a[i]!.toString())
  switch (name) {
    case 'subtensorModule.registerNetwork':
      doRegisterNetwork(env, rt, a[0]!.toHex())
      return true
    case 'subtensorModule.registerNetworkWithIdentity': {
      const opt = a[1] as unknown as { isSome: boolean; unwrap(): Codec }
      doRegisterNetwork(env, rt, a[0]!.toHex(), opt.isSome ? opt.unwrap() : undefined)
      return true
    }
    case 'subtensorModule.startCall':
      doStartCall(env, num(0))
      return true
    case 'subtensorModule.setTempo':
      doSetTempo(env, num(0), num(1))
      return true
    case 'subtensorModule.triggerEpoch':
      doTriggerEpoch(env, num(0))
      return true
    default:
      return false
  }
}
