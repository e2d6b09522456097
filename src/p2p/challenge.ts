/**
 * The challenge protocol, `/webtensor/challenge/2.0.0`: one stream per challenge, one
 * length-prefixed protobuf request (validator binding + challenge), one response (miner binding
 * + answer + the miner's libp2p peer key's Ed25519 signature over (validator, challenge id,
 * sha256(answer))), or a typed refusal. The binding, signed by the hotkey, names the peer id whose
 * key signs answers, so the pair is non-repudiable evidence of what the hotkey answered
 * ({@link verifyAnswerEvidence}); version 1 signed every answer with the hotkey (sr25519, pure JS:
 * most of the per-answer cost). Miners serve only bound validator-permit peers, within per-hotkey stream and rate
 * limits scaled by stake, and a bounded queue; offenders lose gossipsub score and are disconnected. Retries reuse the challenge id
 * and the miner answers them from its cache, so work is never computed or counted twice.
 */
import { answerMessage, bindingMessage, verifySignature, type Binding } from './binding.ts'
import { MeshConnectionError, MeshError, MeshProtocolError, MeshRefusedError, MeshTimeoutError } from './errors.ts'
import { ENVELOPE_BYTES, RateLimiter } from './limits.ts'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type Challenge } from './messages.ts'
import { FrameReader, readFrame, sendFrame, writeFrame, isRelayed, verifyPeerSignature, type Stream, type Connection } from './libp2p.ts'
import type { MeshNode, TransportPreference } from './node.ts'

/** The protocol id; the major version changes when the schema does (2: answers signed by the peer key). */
export const CHALLENGE_PROTOCOL = '/webtensor/challenge/2.0.0'

/**
 * The same request and response messages, many on one stream: request, response, request, ...,
 * strictly one in flight. A validator keeps the stream open between challenges to a miner, so a
 * challenge costs one round trip instead of a new stream each time (on WebRTC a new data channel:
 * 5.3 ms p50 for a 16 B echo against 0.9 ms on an open stream, browser to browser on loopback,
 * `npm run bench -- mesh`). Every limit applies per request as on {@link CHALLENGE_PROTOCOL}; the
 * miner ends a session after an offence or `sessionIdleMs` without a request. Validators fall back
 * to {@link CHALLENGE_PROTOCOL} for a miner that does not serve this one.
 */
export const CHALLENGE_SESSION_PROTOCOL = '/webtensor/challenge-session/2.0.0'

/** What a miner's handler receives. */
export interface IncomingChallenge {
  id: Uint8Array
  task: string
  payload: Uint8Array
  /** ms since the epoch. */
  deadline: number
  /** Who sent it. */
  validator: { peerId: string; hotkey: string }
}

/** A miner's task function: computes the answer bytes; `signal` aborts at the deadline. */
export type ChallengeHandler = (challenge: IncomingChallenge, options: { signal: AbortSignal }) => Promise<Uint8Array>

/** A running challenge server. */
export interface ChallengeServer {
  /** Challenges the handler has run (retries answered from cache are not counted). */
  readonly handled: number
  /** Unregisters the protocol. Idempotent. */
  stop(): Promise<void>
}

/** A validator's view of one answered challenge. */
export interface ChallengeResult {
  answer: Uint8Array
  /** The miner peer key's Ed25519 signature over answerMessage(validator peer, challenge id, answer). */
  signature: Uint8Array
  /** The miner's binding (hotkey-signed, names `peerId`): with `signature`, the evidence ({@link verifyAnswerEvidence}). */
  binding: Binding
  /** Always true: a result is returned only after the binding and signature verify. */
  verified: true
  /** Round trip of the attempt that succeeded, ms. */
  rttMs: number
  peerId: string
  hotkey: string
  /** True when the answer came over a direct (not relayed) connection. */
  direct: boolean
  /** 1 + retries used. */
  attempts: number
}

/** Options of {@link sendChallenge}. */
export interface SendChallengeOptions {
  signal?: AbortSignal
  /** Which connection to use (default 'auto': direct if open, else relayed). */
  transport?: TransportPreference
  /** Most retries after a dropped connection, with the same challenge id (default: as many as the deadline allows). */
  retries?: number
  /** Pause before the first retry, ms, doubling after each up to 2 s (default 250). */
  retryDelayMs?: number
}

/** What proves, to anyone, that a hotkey answered a challenge: keep it to show a miner's answer. */
export interface AnswerEvidence {
  /** The miner's binding: its hotkey's sr25519 signature naming the peer id. */
  binding: Binding
  /** The validator peer the answer was for. */
  validatorPeerId: string
  challengeId: Uint8Array
  answer: Uint8Array
  /** Ed25519 by the peer key of `binding.peerId` over answerMessage(validatorPeerId, challengeId, answer). */
  signature: Uint8Array
}

/**
 * Checks evidence offline (no chain, no clock): the binding's hotkey signature, then the answer
 * signature by the peer key that binding names. True only when both verify; never throws.
 */
export async function verifyAnswerEvidence(e: AnswerEvidence): Promise<boolean> {
  const b = e.binding
  if (!verifySignature(bindingMessage(b.peerId, b.netuid, b.expiry), b.signature, b.hotkey)) return false
  return await verifyPeerSignature(b.peerId, answerMessage(e.validatorPeerId, e.challengeId, e.answer), e.signature)
}

const servers = new WeakMap<MeshNode, ChallengeServer>()

function hex(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return s
}

/** A random challenge id (16 bytes). */
export function newChallengeId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16))
}

/**
 * Serves challenges on `node` with `handler`. One server per node; serving again replaces
 * nothing and throws `ERR_INVALID_ARGUMENT`.
 */
export async function serveChallenges(node: MeshNode, handler: ChallengeHandler): Promise<ChallengeServer> {
  if (servers.has(node)) throw new MeshError('ERR_INVALID_ARGUMENT', 'this node already serves challenges: stop() the first server')
  const limits = node.limits
  const limiter = new RateLimiter(limits.ratePerSecond, limits.rateBurst, undefined, limits.maxTrackedPeers)
  /** Challenges in hand per validator hotkey, and over all (the queue). */
  const inflight = new Map<string, number>()
  let queued = 0
  const answers = new Map<string, { response: Promise<Uint8Array>; until: number }>()
  let handled = 0
  let stopped = false

  const refuse = async (stream: Stream, err: MeshError, drain = false): Promise<void> => {
    try {
      // Take the request off the wire first: the validator is then surely listening, and a
      // refusal written before its request could pass its reader by.
      if (drain) await readFrame(stream, limits.maxChallengeBytes + ENVELOPE_BYTES, AbortSignal.timeout(2_000)).catch(() => {})
      await writeFrame(stream, encodeResponse({ ok: false, code: err.code, message: err.message }), AbortSignal.timeout(2_000))
    } catch {
      stream.abort(err)
    }
  }

  const pruneAnswers = (now: number): void => {
    if (answers.size < 1000) return
    for (const [k, v] of answers) if (v.until < now) answers.delete(k)
    // Bounded even when every entry is fresh: the oldest go first.
    for (const k of answers.keys()) { if (answers.size <= limits.maxTrackedPeers) break; answers.delete(k) }
  }

  const compute = async (validator: string, req: ReturnType<typeof decodeRequest>): Promise<Uint8Array> => {
    const { challenge } = req
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(new MeshTimeoutError('ERR_DEADLINE', 'challenge deadline passed')), Math.max(0, challenge.deadline - Date.now()))
    let answer: Uint8Array
    try {
      handled++
      answer = await handler({ id: challenge.id, task: challenge.task, payload: challenge.payload, deadline: challenge.deadline, validator: { peerId: validator, hotkey: req.binding.hotkey } }, { signal: controller.signal })
    } catch (err) {
      if (err instanceof MeshError) throw err
      throw new MeshError('ERR_HANDLER', `the task failed: ${(err as Error)?.message ?? String(err)}`, { cause: err })
    } finally {
      clearTimeout(timer)
    }
    if (!(answer instanceof Uint8Array)) throw new MeshError('ERR_HANDLER', 'the task returned no bytes')
    if (answer.byteLength > limits.maxAnswerBytes) throw new MeshError('ERR_HANDLER', `the answer of ${answer.byteLength} bytes is above the limit of ${limits.maxAnswerBytes}`)
    const signature = await node.signAnswer(validator, challenge.id, answer)
    return encodeResponse({ ok: true, id: challenge.id, answer, signature, binding: await node.currentBinding() })
  }

  /**
   * Limits are keyed by the verified hotkey (a validator with many peer ids is one validator) and
   * scaled by its stake share: of the queue (`maxQueue` challenges held at once over all
   * validators) and of the rate. The request is read before they apply (a refusal drains it anyway).
   */
  /** Serves one request frame: the response to write and the challenge's deadline; a refusal or offence throws. */
  const serveRequest = async (frame: Uint8Array, peer: string): Promise<{ response: Uint8Array; deadline: number }> => {
    if (queued >= limits.maxQueue) throw new MeshRefusedError('ERR_BUSY', `the miner holds ${limits.maxQueue} challenges: try later`)
    queued++
    let key: string | undefined
    try {
      const req = decodeRequest(frame, limits.maxChallengeBytes)
      await node.verifyPeerBinding(req.binding, peer, { requirePermit: true })
      const hotkey = req.binding.hotkey
      if (node.isBanned(hotkey)) throw new MeshRefusedError('ERR_BANNED', `hotkey ${hotkey} is banned`)
      const share = await node.capacityShare(hotkey)
      if (!(share > 0)) throw new MeshProtocolError('ERR_NO_PERMIT', `hotkey ${hotkey} has no stake share on this subnet`)
      if (!limiter.take(hotkey, share)) throw new MeshProtocolError('ERR_RATE_LIMITED', `more than ${(limits.ratePerSecond * share).toFixed(2)} challenges/s for this validator's stake: slow down`)
      const cap = Math.max(1, Math.min(limits.maxConcurrentPerPeer, Math.round(limits.maxQueue * share)))
      const open = inflight.get(hotkey) ?? 0
      if (open >= cap) throw new MeshProtocolError('ERR_TOO_MANY_STREAMS', `more than ${cap} challenges at once for this validator's stake`)
      key = hotkey
      inflight.set(hotkey, open + 1)
      const now = Date.now()
      if (req.challenge.deadline <= now) throw new MeshRefusedError('ERR_DEADLINE', 'the challenge deadline has already passed (check the clocks)')
      if (req.challenge.deadline > now + limits.maxDeadlineMs) throw new MeshProtocolError('ERR_DEADLINE', `the challenge deadline is more than ${limits.maxDeadlineMs} ms away`)
      const cacheKey = `${hotkey}/${peer}/${hex(req.challenge.id)}`
      let entry = answers.get(cacheKey)
      if (entry === undefined) {
        entry = { response: compute(peer, req), until: now + limits.answerCacheMs }
        answers.set(cacheKey, entry)
        pruneAnswers(now)
        // A failed computation is not cached: the validator may retry it.
        entry.response.catch(() => { answers.delete(cacheKey) })
      }
      return { response: await entry.response, deadline: req.challenge.deadline }
    } finally {
      queued--
      if (key !== undefined) {
        const n = (inflight.get(key) ?? 1) - 1
        if (n <= 0) inflight.delete(key)
        else inflight.set(key, n)
      }
    }
  }

  const asMeshError = (err: unknown): MeshError => (err instanceof MeshError ? err : new MeshError('ERR_HANDLER', (err as Error)?.message ?? String(err)))

  /**
   * Limits are keyed by the verified hotkey (a validator with many peer ids is one validator) and
   * scaled by its stake share: of the queue (`maxQueue` challenges held at once over all
   * validators) and of the rate. The request is read before they apply (a refusal drains it anyway).
   */
  const onStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer.toString()
    if (node.isBanned(peer)) { stream.abort(new MeshError('ERR_BANNED', 'banned')); return }
    if (queued >= limits.maxQueue) {
      await refuse(stream, new MeshError('ERR_BUSY', `the miner holds ${limits.maxQueue} challenges: try later`), true)
      return
    }
    try {
      const frame = await readFrame(stream, limits.maxChallengeBytes + ENVELOPE_BYTES, AbortSignal.timeout(limits.requestTimeoutMs), connection)
      const { response, deadline } = await serveRequest(frame, peer)
      await writeFrame(stream, response, AbortSignal.timeout(Math.max(1_000, deadline - Date.now() + limits.deadlineGraceMs)))
    } catch (err) {
      const e = asMeshError(err)
      // Refuse first, then record: the offence that bans the peer also hangs up on it.
      if (e instanceof MeshConnectionError) stream.abort(e)
      else await refuse(stream, e)
      node.reportOffence(peer, e)
    }
  }

  /** A session: requests one after another on one stream, each served as {@link onStream} serves its one. */
  const onSession = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer.toString()
    if (node.isBanned(peer)) { stream.abort(new MeshError('ERR_BANNED', 'banned')); return }
    const reader = new FrameReader(stream, limits.maxChallengeBytes + ENVELOPE_BYTES, connection)
    try {
      for (let first = true; !stopped; first = false) {
        let frame: Uint8Array
        try {
          // The first request is due as on a one-shot stream; later ones may pause up to sessionIdleMs.
          frame = await reader.next(AbortSignal.timeout(first ? limits.requestTimeoutMs : limits.sessionIdleMs))
        } catch (err) {
          const e = asMeshError(err)
          if (e instanceof MeshProtocolError) { node.reportOffence(peer, e); stream.abort(e) } else if (e instanceof MeshTimeoutError && !first) await stream.close({ signal: AbortSignal.timeout(2_000) }).catch(() => stream.abort(e))
          else stream.abort(e)
          return
        }
        let response: Uint8Array
        let offence: MeshError | null = null
        let deadline = Date.now() + 2_000
        try {
          ;({ response, deadline } = await serveRequest(frame, peer))
        } catch (err) {
          offence = asMeshError(err)
          if (offence instanceof MeshConnectionError) { stream.abort(offence); node.reportOffence(peer, offence); return }
          response = encodeResponse({ ok: false, code: offence.code, message: offence.message })
        }
        await sendFrame(stream, response, AbortSignal.timeout(Math.max(1_000, deadline - Date.now() + limits.deadlineGraceMs)))
        if (offence !== null) {
          node.reportOffence(peer, offence)
          // An offence ends the session (a refusal that is no offence, such as ERR_BUSY, does not).
          if (offence instanceof MeshProtocolError) { await stream.close({ signal: AbortSignal.timeout(2_000) }).catch(() => stream.abort(offence!)); return }
        }
      }
    } catch (err) {
      stream.abort(asMeshError(err))
    } finally {
      reader.detach()
    }
  }

  await node.libp2p.handle(CHALLENGE_PROTOCOL, (stream, connection) => {
    onStream(stream, connection).catch((err: unknown) => { stream.abort(err as Error) })
  }, {
    runOnLimitedConnection: true,
    maxInboundStreams: limits.maxConcurrentPerPeer * 4,
  })
  await node.libp2p.handle(CHALLENGE_SESSION_PROTOCOL, (stream, connection) => {
    onSession(stream, connection).catch((err: unknown) => { stream.abort(err as Error) })
  }, {
    runOnLimitedConnection: true,
    maxInboundStreams: limits.maxConcurrentPerPeer * 2,
  })
  const server: ChallengeServer = {
    get handled() { return handled },
    async stop() {
      if (stopped) return
      stopped = true
      servers.delete(node)
      await node.libp2p.unhandle([CHALLENGE_PROTOCOL, CHALLENGE_SESSION_PROTOCOL])
    },
  }
  servers.set(node, server)
  return server
}

/**
 * Sends `challenge` to the miner `peer` (PeerId or multiaddr) and returns its verified, signed
 * answer. A connection that drops mid-request is re-established and the same challenge retried
 * (`retries`); any other failure throws at once: `MeshRefusedError` (the miner said no, with its
 * code), `MeshProtocolError` (the miner misbehaved: bad binding, signature or replay; recorded
 * as an offence), `MeshTimeoutError`, `MeshConnectionError`.
 */
export async function sendChallenge(node: MeshNode, peer: string, challenge: Challenge, options: SendChallengeOptions = {}): Promise<ChallengeResult> {
  const limits = node.limits
  if (challenge.payload.byteLength > limits.maxChallengeBytes) throw new MeshError('ERR_FRAME_TOO_LARGE', `challenge payload of ${challenge.payload.byteLength} bytes is above the limit of ${limits.maxChallengeBytes}`)
  if (challenge.id.byteLength < 8 || challenge.id.byteLength > 64) throw new MeshError('ERR_INVALID_ARGUMENT', 'challenge id must be 8..64 random bytes (see newChallengeId)')
  const transport = options.transport ?? 'auto'
  const retries = options.retries ?? Number.POSITIVE_INFINITY
  let retryDelay = options.retryDelayMs ?? 250
  const request = encodeRequest({ binding: await node.currentBinding(), challenge })
  const info = await node.connect(peer, { transport, ...(options.signal !== undefined ? { signal: options.signal } : {}) })
  const peerId = info.peerId
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await attemptOnce(node, peerId, challenge, request, transport, options.signal)), attempts: attempt }
    } catch (err) {
      const retryable = err instanceof MeshConnectionError && attempt <= retries && Date.now() < challenge.deadline
      if (!retryable) throw err
      await sleep(retryDelay, options.signal)
      retryDelay = Math.min(2_000, retryDelay * 2)
      try {
        await node.connect(peerId, { transport, signal: untilDeadline(challenge.deadline, options.signal) })
      } catch (e) {
        if (attempt >= retries || Date.now() >= challenge.deadline) throw e
      }
    }
  }
}

/** A validator's open session stream to a miner, idle between challenges. */
interface Session { stream: Stream; reader: FrameReader; idleSince: number }
/** Idle sessions per connection (a few: concurrent challenges to one miner each take one). */
const idleSessions = new WeakMap<Connection, Session[]>()
const MAX_IDLE_SESSIONS = 4
/** Miners (per validator node) that do not serve the session protocol: one stream per challenge for them. */
const noSession = new WeakMap<MeshNode, Set<string>>()

function takeSession(conn: Connection, limits: MeshNode['limits']): Session | undefined {
  const list = idleSessions.get(conn)
  const now = Date.now()
  while (list !== undefined && list.length > 0) {
    const s = list.pop()!
    // Reuse well inside the miner's idle limit, so it does not close the stream under our request.
    if (!s.reader.failed && s.stream.status === 'open' && now - s.idleSince < limits.sessionIdleMs / 2) return s
    s.reader.detach()
    s.stream.abort(new MeshError('ERR_ABORTED', 'idle session dropped'))
  }
  return undefined
}

function putSession(conn: Connection, s: Session): void {
  let list = idleSessions.get(conn)
  if (list === undefined) idleSessions.set(conn, list = [])
  if (conn.status !== 'open' || list.length >= MAX_IDLE_SESSIONS) { s.reader.detach(); void s.stream.close().catch(() => {}); return }
  s.idleSince = Date.now()
  list.push(s)
}

/** True when `err` says the remote does not serve the protocol asked for. */
function isUnsupported(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    if (e.name === 'UnsupportedProtocolError' || /protocol selection failed|not supported/iu.test(e.message)) return true
  }
  return false
}

async function attemptOnce(node: MeshNode, peerId: string, challenge: Challenge, request: Uint8Array, transport: TransportPreference, signal: AbortSignal | undefined): Promise<Omit<ChallengeResult, 'attempts'>> {
  const limits = node.limits
  const conn = node.connectionTo(peerId, transport)
  if (conn === undefined) throw new MeshConnectionError('ERR_CONNECTION', `no ${transport === 'auto' ? '' : transport + ' '}connection to ${peerId}`)
  const timeout = AbortSignal.timeout(Math.max(1, challenge.deadline - Date.now() + limits.deadlineGraceMs))
  const s = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
  let skip = noSession.get(node)
  if (skip?.has(peerId) !== true) {
    try {
      return await sessionAttempt(node, conn, peerId, challenge, request, s)
    } catch (err) {
      if (!isUnsupported(err)) throw err
      if (skip === undefined) noSession.set(node, skip = new Set())
      if (skip.size > limits.maxTrackedPeers) skip.clear()
      skip.add(peerId)
    }
  }
  return await oneShotAttempt(node, conn, peerId, challenge, request, s)
}

/** One challenge on a session stream (an idle one reused, else a new one); the stream goes back idle after a verified answer. */
async function sessionAttempt(node: MeshNode, conn: Connection, peerId: string, challenge: Challenge, request: Uint8Array, s: AbortSignal): Promise<Omit<ChallengeResult, 'attempts'>> {
  const limits = node.limits
  let session = takeSession(conn, limits)
  let reused = session !== undefined
  let frame: Uint8Array
  let start: number
  for (;;) {
    if (session === undefined) {
      const stream = await openChallengeStream(conn, CHALLENGE_SESSION_PROTOCOL, peerId, s)
      session = { stream, reader: new FrameReader(stream, limits.maxAnswerBytes + ENVELOPE_BYTES, conn), idleSince: 0 }
    }
    start = performance.now()
    try {
      const reading = session.reader.next(s)
      reading.catch(() => {})
      await sendFrame(session.stream, request, s)
      frame = await reading
      break
    } catch (err) {
      session.reader.detach()
      session.stream.abort(err as Error)
      // An idle stream the miner had just ended: open a fresh one for this challenge.
      if (reused && err instanceof MeshConnectionError && !s.aborted) { session = undefined; reused = false; continue }
      if (err instanceof MeshProtocolError) node.reportOffence(peerId, err)
      throw attemptError(err, s, peerId)
    }
  }
  try {
    const result = await verifyResponse(node, peerId, challenge, frame, performance.now() - start, conn)
    putSession(conn, session)
    return result
  } catch (err) {
    session.reader.detach()
    session.stream.abort(err as Error)
    throw err
  }
}

/** The response frame checked as every answer is: binding, id, signature, replay. Offences are recorded. */
async function verifyResponse(node: MeshNode, peerId: string, challenge: Challenge, frame: Uint8Array, rttMs: number, conn: Connection): Promise<Omit<ChallengeResult, 'attempts'>> {
  try {
    const res = decodeResponse(frame, node.limits.maxAnswerBytes)
    if (!res.ok) throw new MeshRefusedError(res.code, `miner ${peerId} refused: ${res.message}`)
    await node.verifyPeerBinding(res.binding, peerId)
    if (!equal(res.id, challenge.id)) throw new MeshProtocolError('ERR_REPLAY', `miner ${peerId} answered another challenge (replayed answer)`)
    // The binding verified for this connection's peer, so its peer id (and the key it embeds) is the remote's.
    if (!(await verifyPeerSignature(res.binding.peerId, answerMessage(node.peerId, challenge.id, res.answer), res.signature))) throw new MeshProtocolError('ERR_BAD_SIGNATURE', `the answer signature of miner ${peerId} does not verify for its bound peer key (hotkey ${res.binding.hotkey})`)
    if (!node.markAnswered(`${peerId}/${hex(challenge.id)}`)) throw new MeshProtocolError('ERR_REPLAY', `challenge ${hex(challenge.id)} was already answered by ${peerId} (replayed answer)`)
    return { answer: res.answer, signature: res.signature, binding: res.binding, verified: true, rttMs, peerId, hotkey: res.binding.hotkey, direct: !isRelayed(conn) }
  } catch (err) {
    if (err instanceof MeshProtocolError) node.reportOffence(peerId, err)
    throw err
  }
}

/** One challenge on a stream of its own ({@link CHALLENGE_PROTOCOL}). */
async function oneShotAttempt(node: MeshNode, conn: Connection, peerId: string, challenge: Challenge, request: Uint8Array, s: AbortSignal): Promise<Omit<ChallengeResult, 'attempts'>> {
  const limits = node.limits
  const start = performance.now()
  const stream = await openChallengeStream(conn, CHALLENGE_PROTOCOL, peerId, s)
  try {
    const reading = readFrame(stream, limits.maxAnswerBytes + ENVELOPE_BYTES, s, conn)
    reading.catch(() => {})
    // A miner may refuse before reading the request (rate limit, too many streams) and close:
    // its refusal is the answer even when our write then fails.
    const writing = writeFrame(stream, request, s).then(() => undefined, (err: unknown) => err)
    let frame: Uint8Array
    try {
      frame = await reading
    } catch (err) {
      if (err instanceof MeshProtocolError) node.reportOffence(peerId, err)
      throw err
    }
    void writing
    return await verifyResponse(node, peerId, challenge, frame, performance.now() - start, conn)
  } catch (err) {
    stream.abort(err as Error)
    throw attemptError(err, s, peerId)
  }
}

/**
 * Opens a challenge stream of `protocol`. negotiateFully false: multistream-select's protocol
 * line goes out with the request instead of a round trip of its own before it (one protocol, so
 * nothing to choose between). A miner without the protocol still refuses it: the read fails and
 * it surfaces as a connection error.
 */
async function openChallengeStream(conn: Connection, protocol: string, peerId: string, s: AbortSignal): Promise<Stream> {
  try {
    return await conn.newStream(protocol, { signal: s, runOnLimitedConnection: true, negotiateFully: false })
  } catch (err) {
    if (s.aborted) throw abortError(s)
    throw new MeshConnectionError('ERR_CONNECTION', `could not open a ${protocol} stream to ${peerId}: ${(err as Error).message}`, { cause: err })
  }
}

/** A failed attempt's error as callers see it: a MeshError as it is, else the abort or a connection error. */
function attemptError(err: unknown, s: AbortSignal, peerId: string): MeshError {
  if (err instanceof MeshError) return err
  if (s.aborted) return abortError(s)
  return new MeshConnectionError('ERR_CONNECTION', `challenge to ${peerId} failed: ${(err as Error).message}`, { cause: err })
}

function untilDeadline(deadline: number, signal: AbortSignal | undefined): AbortSignal {
  const t = AbortSignal.timeout(Math.max(1, deadline - Date.now()))
  return signal === undefined ? t : AbortSignal.any([signal, t])
}

function abortError(s: AbortSignal): MeshError {
  const r: unknown = s.reason
  if (r instanceof DOMException && r.name === 'TimeoutError') return new MeshTimeoutError('ERR_TIMEOUT', 'no answer before the deadline')
  return new MeshError('ERR_ABORTED', 'aborted')
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(t); reject(new MeshError('ERR_ABORTED', 'aborted')) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
