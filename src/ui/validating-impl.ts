/**
 * The tab's validator: the validator role (src/roles) wired to this page's chain client, its own
 * session hotkey (a separate key from the miner's), the mesh and an IndexedDB commit store.
 * Loaded only when the user presses Start validating.
 */
import type { ValidatingImpl, ValidatingSession } from './validating.svelte.ts'
import { loadConfig } from './config.ts'
import { createChainClient, openSessionHotkeys, connectWallet, type ChainClient, type TxSigner } from '../wallet/index.ts'
import { createValidator, ensureRegistered, ensureValidator, type Validator, type ValidatorState } from '../roles/index.ts'
import { getTask } from '../subnet/index.ts'
import { createIdbCommitStore } from '../weights/index.ts'

export { VALIDATOR_HOTKEY_DB } from './validating.svelte.ts'
import { VALIDATOR_HOTKEY_DB } from './validating.svelte.ts'

const TAO = 1_000_000_000n

/** Creates the implementation behind the validator tab's ValidatingSession. */
export function createValidatingImpl(): ValidatingImpl {
  let client: ChainClient | null = null
  let validator: Validator | null = null
  let unsubscribe: (() => void) | null = null
  let abort: AbortController | null = null

  function render(session: ValidatingSession, s: ValidatorState): void {
    if (s.phase === 'error') {
      session.phase = 'error'
      session.error = s.error?.message ?? 'The validator stopped.'
    } else if (s.phase !== 'idle') {
      session.phase = s.phase
    }
    session.uid = s.uid
    session.peerId = s.peerId
    session.round = s.round
    session.miners = s.miners
    session.weights = s.weights
    session.lastEpoch = s.lastEpoch
    if (s.commits.length > 0) session.commits = s.commits
    session.persist()
  }

  return {
    async start(session) {
      abort = new AbortController()
      const signal = abort.signal
      const { config, error } = await loadConfig({ signal })
      if (config.chain === undefined || config.netuid === undefined || config.relay === undefined || config.relay.length === 0) {
        session.errorHelp = 'This page has no network configured (chain, relay and netuid in /config.json). Start the local stack with `npm ci && npm start` and open the URL it prints.'
        throw new Error(error ?? 'No chain, relay or subnet configured.')
      }
      // The subnet's task (config.json `task`, default OCR): an unknown name stops here, naming the known ones.
      const task = getTask(config.task)
      const hotkey = await openSessionHotkeys({ dbName: VALIDATOR_HOTKEY_DB }).getOrCreate()
      session.hotkey = hotkey.address
      session.persist()
      client = await createChainClient({ endpoint: config.chain, signal })
      const log = (line: string): void => session.note(line)
      if (config.devnet === true) {
        // The devnet faucet funds the session hotkey, which pays its own registration and the
        // stake that earns a validator permit at the next epoch: one click, no wallet.
        await ensureValidator({ client, netuid: config.netuid, hotkey: hotkey.address, coldkey: hotkey.signer, log, signal })
      } else {
        // A real network: the wallet's coldkey pays the burn after the user confirms the price.
        // Stake is the user's decision and is never moved from here: without a permit the role
        // waits and the tab says how much stake the subnet's validators hold.
        const wallet = await connectWallet({ appName: 'webtensor' })
        const account = wallet.selected ?? wallet.accounts[0]
        if (account === undefined) {
          session.errorHelp = 'Create or import an account in your wallet extension, allow this site, then press Start validating again.'
          throw new Error('The wallet extension offers no account.')
        }
        const coldkey: TxSigner = await wallet.signer(account.address)
        await ensureRegistered({
          client, netuid: config.netuid, hotkey: hotkey.address, coldkey, signal,
          onQuote: (q) => globalThis.confirm(`Registering this tab's validator hotkey on subnet ${config.netuid} burns ${Number(q.burn) / Number(TAO)} TAO (+${Number(q.fee) / Number(TAO)} TAO fee) from ${account.address}. Continue?`),
        })
      }
      validator = createValidator({
        client,
        netuid: config.netuid,
        hotkey: hotkey.signer,
        relays: config.relay,
        task,
        commitStore: createIdbCommitStore(),
        log,
      })
      unsubscribe = validator.subscribe((s) => render(session, s))
      await validator.start({ signal })
    },
    async stop() {
      abort?.abort()
      unsubscribe?.()
      unsubscribe = null
      await validator?.stop()
      await client?.stop()
      validator = null
      client = null
    },
    savedCommits: async (hotkey) => await createIdbCommitStore().list({ hotkey }),
  }
}
