/**
 * Genesis state: funded dev accounts, the root network and subnet 1 with short-tempo
 * hyperparameters, the drand beacon config (the devnet's own key), runtime bookkeeping.
 */
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import type { ChainCodec } from './codec.ts'
import { SPEC_NAME, SPEC_VERSION } from './codec.ts'
import { creditAlpha } from './epoch.ts'
import type { Runtime } from './runtime.ts'
import { State } from './state.ts'

const SM = 'SubtensorModule'

/** The dev accounts funded at genesis. */
export const DEV_SEEDS = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'] as const

/** Each dev account's genesis balance: 1,000,000 TAO (rao). */
export const DEV_BALANCE = 1_000_000n * 1_000_000_000n

/** Hyperparameters of subnet 1 at genesis (storage item name → value). */
export const SUBNET1_PARAMS: Record<string, unknown> = {
  Tempo: 10,
  MaxAllowedUids: 64,
  MaxAllowedValidators: 16,
  MinAllowedWeights: 1,
  MaxWeightsLimit: 65535,
  ImmunityPeriod: 20,
  MaxRegistrationsPerBlock: 4,
  TargetRegistrationsPerInterval: 16,
  AdjustmentInterval: 100,
  Burn: 100_000_000n,
  MinBurn: 500_000n,
  MaxBurn: 100_000_000_000n,
  WeightsSetRateLimit: 2,
  WeightsVersionKey: 0,
  ActivityCutoffFactorMilli: 13889,
  Kappa: 32767,
  BondsMovingAverage: 900_000,
  BondsPenalty: 65535,
  ServingRateLimit: 2,
  NetworkRegistrationAllowed: true,
  SubtokenEnabled: true,
  RevealPeriodEpochs: 1,
}

/** `AdminFreezeWindow` at genesis (blocks before an epoch in which AdminUtils setters are refused). */
export const ADMIN_FREEZE_WINDOW = 2

/** Options for genesis. */
export interface GenesisOptions {
  /** `CommitRevealWeightsEnabled` of subnet 1 (finney's default is true). */
  commitReveal: boolean
  /** Genesis time (ms since epoch). */
  timeMs: number
  /** The devnet beacon's 96-byte public key, written into `Drand.BeaconConfig`. */
  beaconPublicKey?: Uint8Array
}

/** The keyring pair for a dev seed (sr25519, SS58 42). */
export function devPair(seed: string): ReturnType<Keyring['addFromUri']> {
  return new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(seed)
}

/** Builds the genesis state. */
export function buildGenesis(codec: ChainCodec, runtime: Runtime, opts: GenesisOptions): State {
  const s = new State(codec)
  s.set('System', 'Number', [], 0)
  // frame_system writes hash69 for block 0 at genesis; block 1 overwrites it with the real hash.
  s.set('System', 'BlockHash', [0], new Uint8Array(32).fill(69))
  s.set('System', 'LastRuntimeUpgrade', [], { specVersion: SPEC_VERSION, specName: SPEC_NAME })
  s.set('System', 'UpgradedToU32RefCount', [], true)
  s.set('System', 'UpgradedToTripleRefCount', [], true)
  s.set('Timestamp', 'Now', [], opts.timeMs)
  const accounts = DEV_SEEDS.map((seed) => u8aToHex(devPair(seed).publicKey))
  for (const a of accounts) runtime.mint(s, a, DEV_BALANCE)

  // //Alice is the sudo key, as on subtensor's localnets.
  s.set('Sudo', 'Key', [], accounts[0]!)
  // The admin freeze window (chain default 10 blocks) would close AdminUtils to a tempo-10 subnet
  // for all but one block of its epoch; the devnet's is 2 (named simplification, sudo can change it).
  s.set(SM, 'AdminFreezeWindow', [], ADMIN_FREEZE_WINDOW)

  // Root network (netuid 0) exists on every subtensor chain.
  s.set(SM, 'NetworksAdded', [0], true)
  s.set(SM, 'Tempo', [0], 100)
  s.set(SM, 'SubtokenEnabled', [0], true) // staking on root is open, as on finney
  // Subnet 1, owned by Alice, with her key as the owner hotkey at uid 0.
  const alice = accounts[0]!
  s.set(SM, 'NetworksAdded', [1], true)
  s.set(SM, 'NetworkRegisteredAt', [1], 0)
  s.set(SM, 'SubnetOwner', [1], alice)
  s.set(SM, 'SubnetOwnerHotkey', [1], alice)
  s.set(SM, 'SubnetMechanism', [1], 1)
  for (const [item, value] of Object.entries(SUBNET1_PARAMS)) s.set(SM, item, [1], value)
  // init_new_network at block 0: the schedule's anchor `max(0, 0 − netuid mod tempo)`; started
  // (start_call) so it emits from block 1.
  s.set(SM, 'LastEpochBlock', [1], 0)
  s.set(SM, 'FirstEmissionBlockNumber', [1], 1)
  s.set(SM, 'CommitRevealWeightsEnabled', [1], opts.commitReveal)
  s.set(SM, 'TotalNetworks', [], 2)
  s.set(SM, 'Owner', [alice], alice)
  s.set(SM, 'OwnedHotkeys', [alice], [alice])
  s.set(SM, 'StakingHotkeys', [alice], [alice])
  runtime.registerNeuron(s, 1, alice, 0)
  // The owner validates at genesis: a permit and some stake so a first epoch has a validator.
  s.set(SM, 'ValidatorPermit', [1], [true])
  creditAlpha(s, alice, alice, 1, 1_000n * 1_000_000_000n)
  s.set(SM, 'SubnetTAO', [1], 1_000n * 1_000_000_000n)

  if (opts.beaconPublicKey !== undefined) {
    try {
      const cfg = s.get('Drand', 'BeaconConfig').toJSON() as Record<string, unknown>
      s.set('Drand', 'BeaconConfig', [], { ...cfg, publicKey: opts.beaconPublicKey })
    } catch {
      // BeaconConfig keeps the quicknet default; devnet_drandInfo is the source of the key.
    }
  }
  return s
}
