/**
 * Pending-commit store: v2 salts (and v4 bookkeeping) must survive a page reload or a process
 * restart until the commit is revealed in its window, so a v2 salt is stored before its commit is
 * sent (status `submitted`); expired commits stay, marked, until the
 * caller removes them, so they are reported rather than silently dropped.
 * Implementations: memory (tests), file (Node), IndexedDB (browser, ./store-idb.ts).
 */
import { WeightsError } from './errors.ts'

/**
 * Lifecycle of a commit we made. `submitted`: recorded (v2: with its salt) before it was sent, its
 * inclusion not yet seen; `revealWeights` settles it from the chain (pending, or failed when it
 * never arrived), so a process stopped between sending and inclusion loses nothing.
 */
export type CommitStatus = 'submitted' | 'pending' | 'revealed' | 'expired' | 'failed'

/** One commit we made, with what is needed to reveal it or to report it. */
export interface PendingCommit {
  /** `0x`-hex: the v2 commit hash, or BlakeTwo256 of the v4 commit bytes (the chain's event hash). */
  id: string
  /** `v2` = hash commit (we reveal), `v4` = timelocked (the chain reveals). */
  kind: 'v2' | 'v4'
  /** Genesis hash of the chain it was made on (`0x`-hex), so stores shared across chains never mix. */
  genesisHash: string
  /** The committing hotkey (SS58). */
  hotkey: string
  netuid: number
  mecid: number
  uids: number[]
  values: number[]
  /** v2 only: the salt, needed to reveal. */
  salt?: number[]
  /** Decimal string of the u64 version key. */
  versionKey: string
  /** Block the commit was included in. */
  commitBlock: number
  /** The epoch the chain tagged the commit with (`current_epoch_with_lookahead`). */
  commitEpoch: number
  /** The epoch in which the commit must be revealed (`commitEpoch + RevealPeriodEpochs`). */
  revealEpoch: number
  /**
   * v2 on runtimes that store reveal windows as blocks (older subtensor, and the devnet):
   * first and last block in which the reveal is accepted. Absent on epoch-counter runtimes.
   */
  revealFromBlock?: number
  revealUntilBlock?: number
  /** v4 only: the drand round the commit is encrypted to (decimal string). */
  revealRound?: string
  status: CommitStatus
  /** Why it expired or failed, or the reveal's block hash. */
  note?: string
  /** Unix ms when recorded. */
  createdAt: number
  /** Unix ms of the last status change. */
  updatedAt: number
}

/** Filter of {@link PendingCommitStore.list}. */
export interface CommitFilter {
  genesisHash?: string
  hotkey?: string
  netuid?: number
  status?: CommitStatus
  kind?: 'v2' | 'v4'
}

/** Where pending commits live between commit and reveal. All methods are async and idempotent. */
export interface PendingCommitStore {
  /** Inserts or replaces the commit with this `id`. */
  put(commit: PendingCommit): Promise<void>
  /** The commit with this `id`, if any. */
  get(id: string): Promise<PendingCommit | undefined>
  /** Commits matching `filter`, oldest first. */
  list(filter?: CommitFilter): Promise<PendingCommit[]>
  /** Removes the commit with this `id` (no-op when absent). */
  delete(id: string): Promise<void>
  /** Releases resources (closes the database); safe to call twice. */
  close(): Promise<void>
}

/** True when `c` passes `f`. */
export function matchesFilter(c: PendingCommit, f: CommitFilter = {}): boolean {
  return (
    (f.genesisHash === undefined || c.genesisHash === f.genesisHash) &&
    (f.hotkey === undefined || c.hotkey === f.hotkey) &&
    (f.netuid === undefined || c.netuid === f.netuid) &&
    (f.status === undefined || c.status === f.status) &&
    (f.kind === undefined || c.kind === f.kind)
  )
}

function sortOldest(list: PendingCommit[]): PendingCommit[] {
  return list.sort((a, b) => a.commitBlock - b.commitBlock || a.createdAt - b.createdAt)
}

const clone = (c: PendingCommit): PendingCommit => JSON.parse(JSON.stringify(c)) as PendingCommit

/** An in-memory store (tests, short-lived processes). */
export function createMemoryCommitStore(): PendingCommitStore {
  const map = new Map<string, PendingCommit>()
  return {
    put: async (c) => void map.set(c.id, clone(c)),
    get: async (id) => {
      const c = map.get(id)
      return c && clone(c)
    },
    list: async (f) => sortOldest([...map.values()].filter((c) => matchesFilter(c, f)).map(clone)),
    delete: async (id) => void map.delete(id),
    close: async () => {},
  }
}

/**
 * A JSON-file store for Node (the CLI's default). Writes go to a temporary file then rename, so a
 * crash never leaves a half-written file. Uses `node:fs` lazily so this module stays browser-safe.
 */
export function createFileCommitStore(path: string): PendingCommitStore {
  let queue: Promise<unknown> = Promise.resolve()
  const fs = async () => await import('node:fs/promises')
  const load = async (): Promise<Record<string, PendingCommit>> => {
    try {
      const text = await (await fs()).readFile(path, 'utf8')
      const data = JSON.parse(text) as { commits?: Record<string, PendingCommit> }
      return data.commits ?? {}
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw new WeightsError('STORE', `cannot read the pending-commit file ${path}: ${(e as Error).message}`)
    }
  }
  const save = async (commits: Record<string, PendingCommit>): Promise<void> => {
    const f = await fs()
    const { dirname } = await import('node:path')
    await f.mkdir(dirname(path), { recursive: true })
    const tmp = `${path}.${process.pid}.tmp`
    await f.writeFile(tmp, JSON.stringify({ version: 1, commits }, null, 2), { mode: 0o600 })
    await f.rename(tmp, path)
  }
  // Serialize read-modify-write cycles within this process.
  const locked = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => {})
    return run
  }
  return {
    put: (c) =>
      locked(async () => {
        const all = await load()
        all[c.id] = clone(c)
        await save(all)
      }),
    get: async (id) => (await load())[id],
    list: async (f) => sortOldest(Object.values(await load()).filter((c) => matchesFilter(c, f))),
    delete: (id) =>
      locked(async () => {
        const all = await load()
        if (!(id in all)) return
        delete all[id]
        await save(all)
      }),
    close: async () => {
      await queue
    },
  }
}
