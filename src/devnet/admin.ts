/**
 * The root side of the chain: `Sudo` (the key set at genesis, //Alice, dispatches any call as
 * Root) and the `AdminUtils` setters operator scripts use, with the chain's origin checks
 * (`ensure_root`, subnet owner or root with the owner's rate limits), admin freeze window and
 * errors. Reimplemented from pallet_sudo and subtensor v3.4.9-424 `pallets/admin-utils/src/lib.rs`,
 * `utils/misc.rs` (`ensure_subnet_owner_or_root`, `ensure_sn_owner_or_root_with_limits`,
 * `record_owner_rl`) and `utils/rate_limiting.rs`.
 */
import type { Codec } from '@polkadot/types/types'
import { isInAdminFreezeWindow } from './schedule.ts'
import { DEFAULT_MAX_ALLOWED_UIDS, mechanismCount, setEmissionSplit, setMaxMechanismCount, setMechanismCount, type Fail } from './mechanisms.ts'
import type { State } from './state.ts'

const SM = 'SubtensorModule'
const AU = 'AdminUtils'

/** Who dispatches a call: Root (through sudo) or a signed account (0x hex). */
export type Origin = { root: true } | { signed: string }

/** A decoded call: section and method in the client's camelCase, and its arguments. */
export interface CallLike {
  section: string
  method: string
  args: Codec[]
}

/** What a call handler gets from the runtime. */
export interface DispatchEnv {
  state: State
  origin: Origin
  block: number
  fail: Fail
  /** `DispatchError::BadOrigin`. */
  badOrigin(): never
  deposit(pallet: string, name: string, fields: unknown[]): void
}

/** The sudo key (`Sudo.Key`), or undefined when none is set. */
export function sudoKey(state: State): string | undefined {
  return state.has('Sudo', 'Key') ? state.get('Sudo', 'Key').toHex() : undefined
}

/** `ensure_signed`: the signer, or BadOrigin for Root. */
export function ensureSigned(env: DispatchEnv): string {
  if (!('signed' in env.origin)) env.badOrigin()
  return env.origin.signed
}

function ensureRoot(env: DispatchEnv): void {
  if (!('root' in env.origin)) env.badOrigin()
}

/** `ensure_subnet_owner`: the signer when it is `SubnetOwner[netuid]`, else BadOrigin. */
export function ensureSubnetOwner(env: DispatchEnv, netuid: number): string {
  const who = ensureSigned(env)
  if (env.state.get(SM, 'SubnetOwner', [netuid]).toHex() !== who) env.badOrigin()
  return who
}

/** `ensure_subnet_owner_or_root`: the owner (signed) or undefined for Root. */
function ensureOwnerOrRoot(env: DispatchEnv, netuid: number): string | undefined {
  if ('root' in env.origin) return undefined
  return ensureSubnetOwner(env, netuid)
}

/** Rate-limited owner actions (`TransactionType`) the emulated setters use. */
export type OwnerTx =
  | { kind: 'MechanismCountUpdate' }
  | { kind: 'MechanismEmission' }
  | { kind: 'SetWeightsVersionKey' }
  | { kind: 'TempoUpdate' }
  | { kind: 'OwnerHyperparamUpdate'; hparam: string }

/** `TransactionType` → its u16 (the `TransactionKeyLastBlock` key). */
const TX_CODE: Record<OwnerTx['kind'], number> = { SetWeightsVersionKey: 4, OwnerHyperparamUpdate: 6, MechanismCountUpdate: 7, MechanismEmission: 8, TempoUpdate: 11 }

/** `MechanismCountSetRateLimit` / `MechanismEmissionRateLimit` on a production runtime. */
const MECHANISM_RATE_LIMIT = 7_200

function rateLimit(state: State, tx: OwnerTx, netuid: number): number {
  const tempo = state.num(SM, 'Tempo', [netuid])
  switch (tx.kind) {
    case 'SetWeightsVersionKey': return tempo * state.num(SM, 'WeightsVersionKeyRateLimit')
    case 'OwnerHyperparamUpdate': return tempo * state.num(SM, 'OwnerHyperparamRateLimit')
    case 'TempoUpdate': return 360
    default: return MECHANISM_RATE_LIMIT
  }
}

function lastBlockArgs(tx: OwnerTx, who: string, netuid: number): [string, unknown[]] {
  return tx.kind === 'OwnerHyperparamUpdate'
    ? ['LastRateLimitedBlock', [{ OwnerHyperparamUpdate: [netuid, tx.hparam] }]]
    : ['TransactionKeyLastBlock', [who, netuid, TX_CODE[tx.kind]]]
}

/** `passes_rate_limit_on_subnet`: first use, or `rate_limit` blocks since the last. */
export function passesOwnerRateLimit(state: State, tx: OwnerTx, who: string, netuid: number, block: number): boolean {
  const [item, args] = lastBlockArgs(tx, who, netuid)
  const last = state.num(SM, item, args)
  return last === 0 || block - last >= rateLimit(state, tx, netuid)
}

/** `set_last_block_on_subnet`. */
export function recordOwnerRateLimit(state: State, tx: OwnerTx, who: string, netuid: number, block: number): void {
  const [item, args] = lastBlockArgs(tx, who, netuid)
  state.set(SM, item, args, block)
}

/** `ensure_sn_owner_or_root_with_limits` then `ensure_admin_window_open`; returns the owner, undefined for Root. */
function ownerOrRootOpen(env: DispatchEnv, netuid: number, tx: OwnerTx): string | undefined {
  const who = ensureOwnerOrRoot(env, netuid)
  if (who !== undefined && !passesOwnerRateLimit(env.state, tx, who, netuid, env.block)) env.fail(SM, 'TxRateLimitExceeded')
  ensureAdminWindowOpen(env, netuid)
  return who
}

/** `ensure_admin_window_open`. */
export function ensureAdminWindowOpen(env: DispatchEnv, netuid: number): void {
  if (isInAdminFreezeWindow(env.state, netuid, env.block)) env.fail(SM, 'AdminActionProhibitedDuringWeightsWindow')
}

function subnetExists(state: State, netuid: number): boolean {
  return state.bool(SM, 'NetworksAdded', [netuid])
}

/** `apply_tempo_with_cycle_reset`: `Tempo`, `TempoSet`, and `LastEpochBlock = now`. */
export function applyTempo(env: DispatchEnv, netuid: number, tempo: number): void {
  env.state.set(SM, 'Tempo', [netuid], tempo)
  env.deposit(SM, 'TempoSet', [netuid, tempo])
  env.state.set(SM, 'LastEpochBlock', [netuid], env.block)
}

/** A root-only per-subnet setter: storage item, the event it deposits, and its checks (admin window, subnet exists). */
const ROOT_SUBNET_SETTERS: Record<string, [item: string, event: string, checks: { window: boolean; exists: boolean }]> = {
  sudoSetWeightsSetRateLimit: ['WeightsSetRateLimit', 'WeightsSetRateLimitSet', { window: false, exists: true }],
  sudoSetKappa: ['Kappa', 'KappaSet', { window: false, exists: true }],
  sudoSetMaxRegistrationsPerBlock: ['MaxRegistrationsPerBlock', 'MaxRegistrationsPerBlockSet', { window: true, exists: true }],
  sudoSetTargetRegistrationsPerInterval: ['TargetRegistrationsPerInterval', 'RegistrationPerIntervalSet', { window: true, exists: true }],
  sudoSetNetworkRegistrationAllowed: ['NetworkRegistrationAllowed', 'RegistrationAllowed', { window: false, exists: false }],
}

/** A root-only global setter: storage item and event (none when the chain deposits none). */
const ROOT_GLOBAL_SETTERS: Record<string, [item: string, event: string | undefined]> = {
  sudoSetStakeThreshold: ['StakeThreshold', 'StakeThresholdSet'],
  sudoSetCommitRevealVersion: ['CommitRevealWeightsVersion', 'CommitRevealVersionSet'],
  sudoSetAdminFreezeWindow: ['AdminFreezeWindow', 'AdminFreezeWindowSet'],
  sudoSetOwnerHparamRateLimit: ['OwnerHyperparamRateLimit', 'OwnerHyperparamRateLimitSet'],
  sudoSetStartCallDelay: ['StartCallDelay', 'StartCallDelaySet'],
  sudoSetNetworkRateLimit: ['NetworkRateLimit', 'NetworkRateLimitSet'],
  sudoSetNetworkMinLockCost: ['NetworkMinLockCost', 'NetworkMinLockCostSet'],
  sudoSetLockReductionInterval: ['NetworkLockReductionInterval', 'NetworkLockCostReductionIntervalSet'],
}

/**
 * An owner-or-root per-subnet setter (owner rate limit by its `Hyperparameter`, freeze window):
 * storage item, hyperparameter, whether the pallet checks the subnet exists, and its event.
 */
interface OwnerSetter {
  item: string
  hparam: string
  exists: boolean
  event?: [pallet: string, name: string]
}
const OWNER_SUBNET_SETTERS: Record<string, OwnerSetter> = {
  sudoSetImmunityPeriod: { item: 'ImmunityPeriod', hparam: 'ImmunityPeriod', exists: true, event: [SM, 'ImmunityPeriodSet'] },
  sudoSetMinAllowedWeights: { item: 'MinAllowedWeights', hparam: 'MinAllowedWeights', exists: true, event: [SM, 'MinAllowedWeightSet'] },
  sudoSetMaxAllowedUids: { item: 'MaxAllowedUids', hparam: 'MaxAllowedUids', exists: true, event: [SM, 'MaxAllowedUidsSet'] },
  sudoSetYuma3Enabled: { item: 'Yuma3On', hparam: 'Yuma3Enabled', exists: false, event: [AU, 'Yuma3EnableToggled'] },
  sudoSetLiquidAlphaEnabled: { item: 'LiquidAlphaOn', hparam: 'LiquidAlphaEnabled', exists: false },
}

/** `sudo_set_max_allowed_uids`'s bounds: at least `MinAllowedUids` and the current n, at most 256, and 256 over all mechanisms. */
function checkMaxAllowedUids(env: DispatchEnv, netuid: number, max: number): void {
  const { state } = env
  if (max < state.num(SM, 'MinAllowedUids', [netuid])) env.fail(AU, 'MaxAllowedUidsLessThanMinAllowedUids')
  if (state.num(SM, 'SubnetworkN', [netuid]) > max) env.fail(AU, 'MaxAllowedUIdsLessThanCurrentUIds')
  if (max > DEFAULT_MAX_ALLOWED_UIDS) env.fail(AU, 'MaxAllowedUidsGreaterThanDefaultMaxAllowedUids')
  if (max * mechanismCount(state, netuid) > DEFAULT_MAX_ALLOWED_UIDS) env.fail(SM, 'TooManyUIDsPerMechanism')
}

/** The emulated `AdminUtils` calls (method names as the client writes them). */
export const ADMIN_CALLS = [
  'sudoSetTempo', 'sudoSetMechanismCount', 'sudoSetMechanismEmissionSplit', 'sudoSetMaxMechanismCount',
  'sudoSetMaxEpochsPerBlock', 'sudoSetCommitRevealWeightsEnabled', 'sudoSetWeightsVersionKey',
  'sudoSetCommitRevealWeightsInterval', ...Object.keys(ROOT_SUBNET_SETTERS), ...Object.keys(ROOT_GLOBAL_SETTERS),
  ...Object.keys(OWNER_SUBNET_SETTERS),
]

/** Dispatches an `AdminUtils` call; returns false when the call is not emulated. */
export function dispatchAdmin(env: DispatchEnv, method: string, a: Codec[]): boolean {
  const { state } = env
  const num = (i: number): number => Number(a[i]!.toString())
  const big = (i: number): bigint => BigInt(a[i]!.toString())
  const requireSubnet = (netuid: number): void => {
    if (!subnetExists(state, netuid)) env.fail(AU, 'SubnetDoesNotExist')
  }
  const rootSubnet = ROOT_SUBNET_SETTERS[method]
  if (rootSubnet !== undefined) {
    ensureRoot(env)
    if (rootSubnet[2].window) ensureAdminWindowOpen(env, num(0))
    if (rootSubnet[2].exists) requireSubnet(num(0))
    state.set(SM, rootSubnet[0], [num(0)], a[1]!.toJSON())
    env.deposit(SM, rootSubnet[1], [num(0), a[1]!.toJSON()])
    return true
  }
  const rootGlobal = ROOT_GLOBAL_SETTERS[method]
  if (rootGlobal !== undefined) {
    ensureRoot(env)
    state.set(SM, rootGlobal[0], [], a[0]!.toJSON())
    if (rootGlobal[1] !== undefined) env.deposit(SM, rootGlobal[1], [a[0]!.toJSON()])
    return true
  }
  const ownerSubnet = OWNER_SUBNET_SETTERS[method]
  if (ownerSubnet !== undefined) {
    const tx: OwnerTx = { kind: 'OwnerHyperparamUpdate', hparam: ownerSubnet.hparam }
    const who = ownerOrRootOpen(env, num(0), tx)
    if (ownerSubnet.exists) requireSubnet(num(0))
    if (method === 'sudoSetMaxAllowedUids') checkMaxAllowedUids(env, num(0), num(1))
    const value = a[1]!.toJSON()
    state.set(SM, ownerSubnet.item, [num(0)], value)
    if (ownerSubnet.event !== undefined) env.deposit(ownerSubnet.event[0], ownerSubnet.event[1], [num(0), value])
    if (who !== undefined) recordOwnerRateLimit(state, tx, who, num(0), env.block)
    return true
  }
  switch (method) {
    case 'sudoSetTempo': {
      ensureRoot(env)
      ensureAdminWindowOpen(env, num(0))
      requireSubnet(num(0))
      applyTempo(env, num(0), num(1))
      return true
    }
    case 'sudoSetMechanismCount': {
      const tx: OwnerTx = { kind: 'MechanismCountUpdate' }
      const who = ownerOrRootOpen(env, num(0), tx)
      setMechanismCount(state, num(0), num(1), env.fail)
      if (who !== undefined) recordOwnerRateLimit(state, tx, who, num(0), env.block)
      return true
    }
    case 'sudoSetMechanismEmissionSplit': {
      const tx: OwnerTx = { kind: 'MechanismEmission' }
      const who = ownerOrRootOpen(env, num(0), tx)
      const opt = a[1] as unknown as { isSome: boolean; unwrap(): Codec }
      setEmissionSplit(state, num(0), opt.isSome ? (opt.unwrap().toJSON() as number[]) : null, env.fail)
      if (who !== undefined) recordOwnerRateLimit(state, tx, who, num(0), env.block)
      return true
    }
    case 'sudoSetMaxMechanismCount':
      ensureRoot(env)
      setMaxMechanismCount(state, num(0), env.fail)
      return true
    case 'sudoSetMaxEpochsPerBlock':
      ensureRoot(env)
      if (num(0) < 1) env.fail(AU, 'ValueNotInBounds')
      state.set(SM, 'MaxEpochsPerBlock', [], num(0))
      env.deposit(SM, 'MaxEpochsPerBlockSet', [num(0)])
      return true
    case 'sudoSetCommitRevealWeightsEnabled': {
      const tx: OwnerTx = { kind: 'OwnerHyperparamUpdate', hparam: 'CommitRevealEnabled' }
      const who = ownerOrRootOpen(env, num(0), tx)
      requireSubnet(num(0))
      state.set(SM, 'CommitRevealWeightsEnabled', [num(0)], a[1]!.toJSON())
      env.deposit(SM, 'CommitRevealEnabled', [num(0), a[1]!.toJSON()])
      if (who !== undefined) recordOwnerRateLimit(state, tx, who, num(0), env.block)
      return true
    }
    case 'sudoSetWeightsVersionKey': {
      const tx: OwnerTx = { kind: 'SetWeightsVersionKey' }
      const who = ownerOrRootOpen(env, num(0), tx)
      requireSubnet(num(0))
      if (who !== undefined) recordOwnerRateLimit(state, tx, who, num(0), env.block)
      state.set(SM, 'WeightsVersionKey', [num(0)], big(1))
      env.deposit(SM, 'WeightsVersionKeySet', [num(0), big(1)])
      return true
    }
    case 'sudoSetCommitRevealWeightsInterval': {
      const tx: OwnerTx = { kind: 'OwnerHyperparamUpdate', hparam: 'WeightCommitInterval' }
      const who = ownerOrRootOpen(env, num(0), tx)
      requireSubnet(num(0))
      if (big(1) > 100n) env.fail(SM, 'RevealPeriodTooLarge')
      if (big(1) < 1n) env.fail(SM, 'RevealPeriodTooSmall')
      state.set(SM, 'RevealPeriodEpochs', [num(0)], big(1))
      env.deposit(SM, 'CommitRevealPeriodsSet', [num(0), big(1)])
      if (who !== undefined) recordOwnerRateLimit(state, tx, who, num(0), env.block)
      return true
    }
    default:
      return false
  }
}
