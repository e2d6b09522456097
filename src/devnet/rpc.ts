/**
 * The Substrate JSON-RPC surface over WebSocket and HTTP (same port): the methods @polkadot/api
 * calls, their subscriptions, and a few `devnet_*` extras. Every failure is a JSON-RPC error;
 * nothing a client sends can throw out of here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsHex, decodeAddress } from '@polkadot/util-crypto'
import { WebSocketServer, type WebSocket } from 'ws'
import { BadFormat, InvalidTransaction, PoolError, type BlockRecord, type Chain, type TxStatus } from './chain.ts'
import { specMethods, SpecError, type Follow } from './chainhead.ts'
import { rawStorage, runtimeCode, storageKeys } from './code.ts'
import { DevnetError } from './errors.ts'
import { DEFAULT_METADATA_VERSION, metadataAtVersion } from './metadata-versions.ts'
import { ADMIN_METHODS, TOKEN_HEADER, TOKEN_PARAM, type AdminGate, type RequestAuth } from './origin.ts'
import { runtimeVersionBytes, runtimeVersionJson, RuntimeApiError, stateCall } from './runtime-api.ts'
import { BLOCK_HASH_COUNT, type BlockContext } from './runtime.ts'
import type { State } from './state.ts'

/** JSON-RPC error with a code. */
export class RpcError extends Error {
  override name = 'RpcError'
  readonly code: number
  readonly data: unknown
  constructor(code: number, message: string, data?: unknown) {
    super(message)
    this.code = code
    this.data = data
  }
}

type Params = unknown[]
type Notify = (method: string, subscription: string, result: unknown) => void

interface Session {
  notify: Notify
  subs: Map<string, () => void>
  follows: Map<string, Follow>
  broadcasts: Set<string>
}

/** JSON-RPC error code of an admin method refused to the caller's origin. */
export const ADMIN_FORBIDDEN = -32001

/** Extra devnet-only hooks the RPC layer calls. */
export interface RpcHooks {
  faucet(address: string, amount: bigint): void
  setHyperparams(netuid: number, params: Record<string, unknown>): void
  produceBlock(): BlockRecord
  info(): Record<string, unknown>
  drandPulse(round: bigint): { round: string; signature: string; randomness: string } | null
}

/** Server options. */
export interface RpcServerOptions {
  chain: Chain
  hooks: RpcHooks
  host: string
  port: number
  maxRequestBytes: number
  log: (line: string) => void
  /** Who may call the admin methods (`devnet_faucet`, …). */
  gate: AdminGate
}

function authOf(req: IncomingMessage): RequestAuth {
  const origin = req.headers.origin
  const header = req.headers[TOKEN_HEADER]
  let token = typeof header === 'string' ? header : undefined
  try {
    token ??= new URL(req.url ?? '/', 'http://x').searchParams.get(TOKEN_PARAM) ?? undefined
  } catch {
    // an unparsable URL carries no token
  }
  return { origin: typeof origin === 'string' ? origin : undefined, host: req.headers.host, token }
}

const ALIASES: Record<string, string> = {
  chain_subscribeNewHead: 'chain_subscribeNewHeads',
  chain_unsubscribeNewHead: 'chain_unsubscribeNewHeads',
  chain_subscribeFinalisedHeads: 'chain_subscribeFinalizedHeads',
  chain_unsubscribeFinalisedHeads: 'chain_unsubscribeFinalizedHeads',
  chain_getFinalisedHead: 'chain_getFinalizedHead',
  chain_getRuntimeVersion: 'state_getRuntimeVersion',
  chain_subscribeRuntimeVersion: 'state_subscribeRuntimeVersion',
  chain_unsubscribeRuntimeVersion: 'state_unsubscribeRuntimeVersion',
  state_callAt: 'state_call',
  state_getKeysPagedAt: 'state_getKeysPaged',
  account_nextIndex: 'system_accountNextIndex',
}

/**
 * A hex parameter as a node parses it: `0x`-prefixed or not, `""` and `"0x"` are empty bytes;
 * an odd number of digits or a non-hex character is an error naming the field.
 */
export function hexParam(p: unknown, what: string): Uint8Array {
  if (typeof p !== 'string') throw new RpcError(-32602, `Invalid params: ${what} must be a hex string`)
  const body = p.startsWith('0x') || p.startsWith('0X') ? p.slice(2) : p
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) throw new RpcError(-32602, `Invalid params: ${what} must be hex (an even number of hex digits, 0x optional)`)
  return hexToU8a('0x' + body)
}

function optHash(p: unknown): string | undefined {
  if (p === undefined || p === null) return undefined
  const bytes = hexParam(p, 'block hash')
  if (bytes.length !== 32) throw new RpcError(-32602, 'Invalid params: block hash must be 32 bytes of hex')
  return u8aToHex(bytes)
}

/** The JSON-RPC server. */
export class RpcServer {
  readonly #opts: RpcServerOptions
  readonly #http: Server
  readonly #wss: WebSocketServer
  readonly #methods: Record<string, (params: Params, session: Session | undefined) => unknown>
  #nextSub = 1

  constructor(opts: RpcServerOptions) {
    this.#opts = opts
    this.#methods = this.#buildMethods()
    this.#http = createServer((req, res) => this.#onHttp(req, res))
    this.#wss = new WebSocketServer({ server: this.#http, maxPayload: opts.maxRequestBytes * 2 })
    this.#wss.on('connection', (ws, req) => this.#onWs(ws, authOf(req)))
    this.#wss.on('error', (e) => opts.log(`websocket server error: ${e.message}`))
  }

  /** Starts listening; resolves to the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject)
      this.#http.listen(this.#opts.port, this.#opts.host, () => {
        this.#http.off('error', reject)
        const addr = this.#http.address()
        resolve(typeof addr === 'object' && addr !== null ? addr.port : this.#opts.port)
      })
    })
  }

  /** Closes every connection and the listener. */
  close(): Promise<void> {
    for (const c of this.#wss.clients) c.terminate()
    return new Promise((resolve) => {
      this.#wss.close(() => {
        this.#http.closeAllConnections?.()
        this.#http.close(() => resolve())
      })
    })
  }

  /** Names of all methods, for `rpc_methods`. */
  get methodNames(): string[] {
    return [...Object.keys(this.#methods), ...Object.keys(ALIASES)].sort()
  }

  #onHttp(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'OPTIONS') {
      // CORS preflight, so a page on another local origin can POST JSON-RPC.
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'POST, GET, OPTIONS',
        'access-control-allow-headers': `content-type, ${TOKEN_HEADER}`,
        'access-control-max-age': '600',
      })
      res.end()
      return
    }
    if (req.method !== 'POST') {
      res.writeHead(req.method === 'GET' ? 200 : 405, { 'content-type': 'text/plain' })
      res.end('webtensor devnet: a subtensor emulator. POST JSON-RPC here, or connect with a WebSocket.\n')
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let tooBig = false
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > this.#opts.maxRequestBytes) tooBig = true
      else chunks.push(c)
    })
    req.on('end', () => {
      const reply = tooBig ? JSON.stringify(this.#error(null, new RpcError(-32007, 'Request is too big'))) : this.#handleText(Buffer.concat(chunks).toString('utf8'), undefined, authOf(req))
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
      res.end(reply ?? '')
    })
    req.on('error', () => res.destroy())
  }

  #onWs(ws: WebSocket, auth: RequestAuth): void {
    const session: Session = {
      subs: new Map(),
      follows: new Map(),
      broadcasts: new Set(),
      notify: (method, subscription, result) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ jsonrpc: '2.0', method, params: { subscription, result } }))
      },
    }
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = isBinary ? null : data.toString('utf8')
      let reply: string | undefined
      if (data.length > this.#opts.maxRequestBytes) reply = JSON.stringify(this.#error(null, new RpcError(-32007, 'Request is too big')))
      else if (text === null) reply = JSON.stringify(this.#error(null, new RpcError(-32700, 'Parse error: binary frames are not JSON-RPC')))
      else reply = this.#handleText(text, session, auth)
      if (reply !== undefined && ws.readyState === ws.OPEN) ws.send(reply)
    })
    ws.on('close', () => {
      for (const u of session.subs.values()) u()
      session.subs.clear()
    })
    ws.on('error', () => ws.terminate())
  }

  #error(id: unknown, e: unknown): Record<string, unknown> {
    const err = e instanceof RpcError ? e : new RpcError(-32603, `Internal error: ${(e as Error)?.message ?? String(e)}`)
    const body: Record<string, unknown> = { code: err.code, message: err.message }
    if (err.data !== undefined) body.data = err.data
    return { jsonrpc: '2.0', id: id ?? null, error: body }
  }

  #handleText(text: string, session: Session | undefined, auth: RequestAuth): string | undefined {
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch {
      return JSON.stringify(this.#error(null, new RpcError(-32700, 'Parse error')))
    }
    if (Array.isArray(msg)) {
      if (msg.length === 0) return JSON.stringify(this.#error(null, new RpcError(-32600, 'Invalid request: empty batch')))
      const out = msg.map((m) => this.#handleOne(m, session, auth)).filter((r) => r !== undefined)
      return out.length === 0 ? undefined : JSON.stringify(out)
    }
    const r = this.#handleOne(msg, session, auth)
    return r === undefined ? undefined : JSON.stringify(r)
  }

  #handleOne(msg: unknown, session: Session | undefined, auth: RequestAuth): Record<string, unknown> | undefined {
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return this.#error(null, new RpcError(-32600, 'Invalid request'))
    const { id, method, params, jsonrpc } = msg as { id?: unknown; method?: unknown; params?: unknown; jsonrpc?: unknown }
    const isNotification = !('id' in (msg as object))
    if (jsonrpc !== '2.0' || typeof method !== 'string' || (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number')) {
      return this.#error(id, new RpcError(-32600, 'Invalid request'))
    }
    const name = ALIASES[method] ?? method
    const fn = this.#methods[name]
    if (fn === undefined) return isNotification ? undefined : this.#error(id, new RpcError(-32601, `Method not found: ${method}`))
    const list: Params = params === undefined || params === null ? [] : Array.isArray(params) ? params : null!
    if (list === null) return this.#error(id, new RpcError(-32602, 'Invalid params: positional params (an array) are expected'))
    if (ADMIN_METHODS.has(name) && !this.#opts.gate.admits(auth)) {
      this.#opts.log(`refused ${name} from origin ${auth.origin ?? '(none)'}`)
      return isNotification ? undefined : this.#error(id, new RpcError(ADMIN_FORBIDDEN, `${name} is a devnet admin method: refused to origin ${auth.origin ?? '(none)'}, which is not the app this stack serves; non-browser clients, the stack's own app, or the admin token printed at start (${TOKEN_HEADER} header or ?${TOKEN_PARAM}=) may call it`))
    }
    try {
      const result = fn(list, session)
      return isNotification ? undefined : { jsonrpc: '2.0', id, result: result === undefined ? null : result }
    } catch (e) {
      if (!(e instanceof RpcError)) this.#opts.log(`rpc ${method} failed: ${(e as Error)?.stack ?? String(e)}`)
      return this.#error(id, this.#mapError(e))
    }
  }

  #mapError(e: unknown): unknown {
    if (e instanceof RpcError) return e
    if (e instanceof SpecError) return new RpcError(e.code, e.message)
    if (e instanceof BadFormat) return new RpcError(1001, `Extrinsic has invalid format: ${e.message}`)
    if (e instanceof InvalidTransaction) return new RpcError(1010, 'Invalid Transaction', e.message)
    if (e instanceof PoolError) return e.reason === 'ImmediatelyDropped' ? new RpcError(1016, e.message, e.detail) : new RpcError(1013, e.message)
    if (e instanceof RuntimeApiError) return new RpcError(4003, `Client error: Execution failed: ${e.message}`)
    if (e instanceof DevnetError && e.code === 'UNKNOWN_BLOCK') return new RpcError(4003, `Client error: ${e.message}`)
    return e
  }

  #sub(session: Session | undefined, method: string, start: (id: string) => () => void): string {
    if (session === undefined) throw new RpcError(-32603, `${method} needs a WebSocket connection (subscriptions are not available over HTTP)`)
    const id = `devnet-${this.#nextSub++}`
    session.subs.set(id, start(id))
    return id
  }

  #unsub(session: Session | undefined, params: Params): boolean {
    const id = String(params[0])
    const u = session?.subs.get(id)
    if (u === undefined) return false
    u()
    session!.subs.delete(id)
    return true
  }

  #buildMethods(): Record<string, (params: Params, session: Session | undefined) => unknown> {
    const { chain, hooks } = this.#opts
    const codec = chain.codec
    const header = (at: unknown): unknown => {
      const b = chain.block(optHash(at))
      return b === undefined ? null : b.header
    }
    const storageAt = (at: unknown) => {
      try {
        return chain.stateAt(optHash(at))
      } catch (e) {
        throw this.#mapError(e)
      }
    }
    const blockNumberAt = (at: unknown): number => chain.block(optHash(at))?.number ?? chain.best.number
    const code = runtimeCode(codec, runtimeVersionBytes(codec))
    const raw = (st: State, key: unknown): string | undefined => rawStorage(st, u8aToHex(hexParam(key, 'key')), code)
    const genesis = hexToU8a(chain.genesisHash)
    /** The context of a transaction built on top of block `parent` (for validity checks). */
    const ctxAbove = (parent: number): BlockContext => ({
      number: parent + 1,
      genesisHash: genesis,
      blockHash: (n) => {
        if (n === 0) return genesis
        if (n > parent || parent + 1 - n > BLOCK_HASH_COUNT) return undefined
        const h = chain.block(n)?.hash
        return h === undefined ? undefined : hexToU8a(h)
      },
    })
    const call = (st: State, number: number, method: string, data: Uint8Array): string => stateCall(codec, chain.runtime, st, number, method, data, ctxAbove(number))
    const properties = { ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO' }
    const chainName = 'webtensor devnet (subtensor emulator)'
    const spec = specMethods(
      {
        chain,
        code,
        runtimeSpec: () => {
          const v = runtimeVersionJson(codec)
          return { specName: v.specName, implName: v.implName, specVersion: v.specVersion, implVersion: v.implVersion, transactionVersion: v.transactionVersion, apis: Object.fromEntries(v.apis as [string, number][]) }
        },
        call,
        hex: hexParam,
        chainName,
        properties,
        log: this.#opts.log,
      },
      () => `devnet-${this.#nextSub++}`,
    )
    const methods: Record<string, (params: Params, session: Session | undefined) => unknown> = {
      rpc_methods: () => ({ version: 1, methods: this.methodNames }),

      system_name: () => 'webtensor-devnet (subtensor emulator, not a real node)',
      system_version: () => '0.1.0-emulator',
      system_chain: () => chainName,
      system_chainType: () => 'Development',
      system_properties: () => properties,
      system_health: () => ({ peers: 0, isSyncing: false, shouldHavePeers: false }),
      system_peers: () => [],
      system_localPeerId: () => '12D3KooWDevnetEmulatorNotARealPeer',
      system_localListenAddresses: () => [],
      system_nodeRoles: () => ['Authority'],
      system_syncState: () => ({ startingBlock: 0, currentBlock: chain.best.number, highestBlock: chain.best.number }),
      system_accountNextIndex: ([addr]) => {
        let who: string
        try {
          who = u8aToHex(decodeAddress(String(addr)))
        } catch {
          throw new RpcError(-32602, 'Invalid params: not an SS58 address or public key')
        }
        return chain.nextNonce(who)
      },

      chain_getBlockHash: ([n]) => {
        const one = (x: unknown): string | null => {
          if (x === undefined || x === null) return chain.best.hash
          const num = typeof x === 'string' ? Number(x) : x
          if (typeof num !== 'number' || !Number.isInteger(num) || num < 0) throw new RpcError(-32602, 'Invalid params: block number')
          return chain.block(num)?.hash ?? null
        }
        return Array.isArray(n) ? n.map(one) : one(n)
      },
      chain_getHeader: ([at]) => header(at),
      chain_getBlock: ([at]) => {
        const b = chain.block(optHash(at))
        return b === undefined ? null : { block: { header: b.header, extrinsics: b.extrinsics }, justifications: null }
      },
      chain_getFinalizedHead: () => chain.finalized.hash,
      chain_subscribeNewHeads: (_p, s) =>
        this.#sub(s, 'chain_subscribeNewHeads', (id) => {
          queueMicrotask(() => s!.notify('chain_newHead', id, chain.best.header))
          return chain.onBlock((b) => s!.notify('chain_newHead', id, b.header))
        }),
      chain_subscribeAllHeads: (_p, s) =>
        this.#sub(s, 'chain_subscribeAllHeads', (id) => {
          queueMicrotask(() => s!.notify('chain_allHead', id, chain.best.header))
          return chain.onBlock((b) => s!.notify('chain_allHead', id, b.header))
        }),
      chain_subscribeFinalizedHeads: (_p, s) =>
        this.#sub(s, 'chain_subscribeFinalizedHeads', (id) => {
          queueMicrotask(() => s!.notify('chain_finalizedHead', id, chain.finalized.header))
          return chain.onFinalized((b) => s!.notify('chain_finalizedHead', id, b.header))
        }),
      chain_unsubscribeNewHeads: (p, s) => this.#unsub(s, p),
      chain_unsubscribeAllHeads: (p, s) => this.#unsub(s, p),
      chain_unsubscribeFinalizedHeads: (p, s) => this.#unsub(s, p),

      state_getRuntimeVersion: () => runtimeVersionJson(codec),
      state_subscribeRuntimeVersion: (_p, s) =>
        this.#sub(s, 'state_subscribeRuntimeVersion', (id) => {
          queueMicrotask(() => s!.notify('state_runtimeVersion', id, runtimeVersionJson(codec)))
          return () => {}
        }),
      state_unsubscribeRuntimeVersion: (p, s) => this.#unsub(s, p),
      // V14, as a node answers (clients that want V15/V16 ask Metadata_metadata_at_version).
      state_getMetadata: () => u8aToHex(metadataAtVersion(codec, DEFAULT_METADATA_VERSION)!),
      state_getStorage: ([key, at]) => raw(storageAt(at), key) ?? null,
      state_getStorageAt: ([key, at]) => raw(storageAt(at), key) ?? null,
      state_getStorageHash: ([key, at]) => {
        const v = raw(storageAt(at), key)
        return v === undefined ? null : blake2AsHex(hexToU8a(v), 256)
      },
      state_getStorageSize: ([key, at]) => {
        const v = raw(storageAt(at), key)
        return v === undefined ? null : hexToU8a(v).length
      },
      state_queryStorageAt: ([keys, at]) => {
        if (!Array.isArray(keys)) throw new RpcError(-32602, 'Invalid params: keys must be an array')
        const st = storageAt(at)
        const block = chain.block(optHash(at))!.hash
        return [{ block, changes: keys.map((k) => [String(k), raw(st, k) ?? null]) }]
      },
      // No trie, so no real proof: the "proof" lists the SCALE `(key, value)` pairs asked for.
      // It cannot be checked against `stateRoot` (a digest on the devnet; see README).
      state_getReadProof: ([keys, at]) => {
        if (!Array.isArray(keys)) throw new RpcError(-32602, 'Invalid params: keys must be an array')
        const st = storageAt(at)
        const block = chain.block(optHash(at))!.hash
        const proof = keys.flatMap((k, i) => {
          const key = hexParam(k, `keys[${i}]`)
          const v = rawStorage(st, u8aToHex(key), code)
          return v === undefined ? [] : [u8aToHex(codec.encode('(Bytes, Bytes)', [u8aToHex(key), v]))]
        })
        return { at: block, proof }
      },
      state_getKeysPaged: ([prefix, count, startKey, at]) => {
        const p = prefix === undefined || prefix === null ? '0x' : u8aToHex(hexParam(prefix, 'prefix'))
        const n = Number(count)
        if (!Number.isInteger(n) || n < 0 || n > 1000) throw new RpcError(-32602, 'Invalid params: count must be 0..1000')
        const start = startKey === undefined || startKey === null ? '' : u8aToHex(hexParam(startKey, 'startKey'))
        return storageKeys(storageAt(at), p).filter((k) => k > start).slice(0, n)
      },
      state_getKeys: ([prefix, at]) => storageKeys(storageAt(at), u8aToHex(hexParam(prefix, 'prefix'))),
      state_getPairs: ([prefix, at]) => {
        const st = storageAt(at)
        return storageKeys(st, u8aToHex(hexParam(prefix, 'prefix'))).map((k) => [k, rawStorage(st, k, code)])
      },
      state_subscribeStorage: ([keys], s) => {
        if (keys !== undefined && keys !== null && !Array.isArray(keys)) throw new RpcError(-32602, 'Invalid params: keys must be an array')
        const list = keys === undefined || keys === null ? undefined : (keys as unknown[]).map((k) => u8aToHex(hexParam(k, 'key')))
        return this.#sub(s, 'state_subscribeStorage', (id) => {
          if (list === undefined) {
            // No keys: every change of every block (as a node does for an empty key list).
            let prev = chain.bestState.kv
            return chain.onBlock((b) => {
              const now = b.state?.kv ?? new Map<string, string>()
              const changes: [string, string | null][] = []
              for (const [k, v] of now) if (prev.get(k) !== v) changes.push([k, v])
              for (const k of prev.keys()) if (!now.has(k)) changes.push([k, null])
              prev = now
              if (changes.length > 0) s!.notify('state_storage', id, { block: b.hash, changes })
            })
          }
          let last = new Map(list.map((k) => [k, rawStorage(chain.bestState, k, code) ?? null]))
          queueMicrotask(() => s!.notify('state_storage', id, { block: chain.best.hash, changes: list.map((k) => [k, last.get(k) ?? null]) }))
          return chain.onBlock((b) => {
            const now = new Map(list.map((k) => [k, (b.state === undefined ? undefined : rawStorage(b.state, k, code)) ?? null]))
            const changes = list.filter((k) => now.get(k) !== last.get(k)).map((k) => [k, now.get(k) ?? null])
            last = now
            if (changes.length > 0) s!.notify('state_storage', id, { block: b.hash, changes })
          })
        })
      },
      state_unsubscribeStorage: (p, s) => this.#unsub(s, p),
      state_call: ([method, data, at]) => {
        if (typeof method !== 'string') throw new RpcError(-32602, 'Invalid params: method name')
        const bytes = hexParam(data ?? '0x', 'data')
        return call(storageAt(at), blockNumberAt(at), method, bytes)
      },

      // The extrinsic's own encoding (compact length + body) is already the `uxt` argument.
      payment_queryInfo: ([xt, at]) => {
        const bytes = hexParam(xt, 'extrinsic')
        const r = stateCall(codec, chain.runtime, storageAt(at), blockNumberAt(at), 'TransactionPaymentApi_query_info', new Uint8Array([...bytes, ...codec.encode('u32', bytes.length)]))
        const v = codec.registry.createType(codec.runtimeApi('TransactionPaymentApi_query_info')!.output, hexToU8a(r)).toJSON() as Record<string, unknown>
        return { ...v, partialFee: String(v.partialFee) }
      },
      payment_queryFeeDetails: ([xt, at]) => {
        const bytes = hexParam(xt, 'extrinsic')
        const r = stateCall(codec, chain.runtime, storageAt(at), blockNumberAt(at), 'TransactionPaymentApi_query_fee_details', new Uint8Array([...bytes, ...codec.encode('u32', bytes.length)]))
        return codec.registry.createType(codec.runtimeApi('TransactionPaymentApi_query_fee_details')!.output, hexToU8a(r)).toJSON()
      },

      author_submitExtrinsic: ([xt]) => chain.submit(hexParam(xt, 'extrinsic')),
      author_submitAndWatchExtrinsic: ([xt], s) => {
        const bytes = hexParam(xt, 'extrinsic')
        if (s === undefined) throw new RpcError(-32603, 'author_submitAndWatchExtrinsic needs a WebSocket connection')
        const id = `devnet-${this.#nextSub++}`
        let live = true
        const statuses: TxStatus[] = []
        let ready = false
        const watcher = (st: TxStatus) => {
          if (!live) return
          if (!ready) statuses.push(st)
          else s.notify('author_extrinsicUpdate', id, st)
          if (typeof st === 'object' && 'finalized' in st) live = false
          if (st === 'invalid' || st === 'dropped') live = false
        }
        chain.submit(bytes, watcher) // throws → JSON-RPC error, no subscription
        s.subs.set(id, () => {
          live = false
        })
        // Statuses are sent after the subscription id has reached the client.
        queueMicrotask(() => {
          ready = true
          for (const st of statuses) s.notify('author_extrinsicUpdate', id, st)
        })
        return id
      },
      author_unwatchExtrinsic: (p, s) => this.#unsub(s, p),
      author_pendingExtrinsics: () => chain.pending(),
      author_rotateKeys: () => {
        throw new RpcError(-32601, 'author_rotateKeys is not available on the emulator')
      },

      ...spec,

      // ---- devnet-only extras (not on a real node) ----
      devnet_info: () => hooks.info(),
      devnet_faucet: ([addr, amount]) => {
        let who: string
        try {
          who = u8aToHex(decodeAddress(String(addr)))
        } catch {
          throw new RpcError(-32602, 'Invalid params: not an SS58 address or public key')
        }
        let amt: bigint
        try {
          amt = BigInt(amount === undefined || amount === null ? 1_000_000_000_000 : (amount as string | number))
        } catch {
          throw new RpcError(-32602, 'Invalid params: amount must be an integer (rao)')
        }
        if (amt <= 0n || amt > 10n ** 18n) throw new RpcError(-32602, 'Invalid params: amount must be 1..1e18 rao')
        hooks.faucet(who, amt)
        return { address: String(addr), amount: amt.toString(), free: chain.runtime.free(chain.bestState, who).toString() }
      },
      devnet_setHyperparams: ([netuid, params]) => {
        const n = Number(netuid)
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RpcError(-32602, 'Invalid params: netuid')
        if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new RpcError(-32602, 'Invalid params: an object of storage item names to values')
        try {
          hooks.setHyperparams(n, params as Record<string, unknown>)
        } catch (e) {
          throw new RpcError(-32602, `Invalid params: ${(e as Error).message}`)
        }
        return true
      },
      devnet_produceBlock: ([count]) => {
        const c = count === undefined || count === null ? 1 : Number(count)
        if (!Number.isInteger(c) || c < 1 || c > 1000) throw new RpcError(-32602, 'Invalid params: count must be 1..1000')
        let b = chain.best
        for (let i = 0; i < c; i++) b = hooks.produceBlock()
        return { number: b.number, hash: b.hash }
      },
      devnet_drandInfo: () => ({
        publicKey: u8aToHex(chain.beacon.publicKey),
        period: 3,
        genesisTime: 1692803367,
        scheme: 'bls-unchained-g1-rfc9380',
        note: 'devnet-local beacon on the quicknet schedule; its key is not drand’s',
        lastStoredRound: chain.bestState.big('Drand', 'LastStoredRound').toString(),
      }),
      devnet_drandPulse: ([round]) => {
        let r: bigint
        try {
          r = BigInt(round as string | number)
        } catch {
          throw new RpcError(-32602, 'Invalid params: round must be an integer')
        }
        if (r < 1n) throw new RpcError(-32602, 'Invalid params: rounds start at 1')
        return hooks.drandPulse(r)
      },
    }
    return methods
  }
}
