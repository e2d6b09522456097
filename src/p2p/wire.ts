// Generated from src/p2p/wire.proto by protons 9.0.2 (`npm run gen:wire`). Do not edit: change the .proto.
/* eslint-disable */
import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Binding {
  peerId: string
  hotkey: Uint8Array<ArrayBuffer>
  netuid: number
  expiry: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace Binding {
  let _codec: Codec<Binding>

  export const codec = (): Codec<Binding> => {
    if (_codec == null) {
      _codec = message<Binding>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if ((obj.hotkey != null && obj.hotkey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.hotkey)
        }

        if ((obj.netuid != null && obj.netuid !== 0)) {
          w.uint32(24)
          w.uint32(obj.netuid)
        }

        if ((obj.expiry != null && obj.expiry !== 0n)) {
          w.uint32(32)
          w.uint64(obj.expiry)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          hotkey: uint8ArrayAlloc(0),
          netuid: 0,
          expiry: 0n,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              obj.hotkey = reader.bytes()
              break
            }
            case 3: {
              obj.netuid = reader.uint32()
              break
            }
            case 4: {
              obj.expiry = reader.uint64()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.hotkey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.netuid`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.expiry`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BindingPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface BindingHotkeyFieldEvent {
    field: '$.hotkey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BindingNetuidFieldEvent {
    field: '$.netuid'
    value: number
  }

  export interface BindingExpiryFieldEvent {
    field: '$.expiry'
    value: bigint
  }

  export interface BindingSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Binding>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Binding.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Binding>): Binding {
    return decodeMessage(buf, Binding.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Binding>): Generator<BindingPeerIdFieldEvent | BindingHotkeyFieldEvent | BindingNetuidFieldEvent | BindingExpiryFieldEvent | BindingSignatureFieldEvent> {
    return streamMessage(buf, Binding.codec(), opts)
  }
}

export interface Challenge {
  id: Uint8Array<ArrayBuffer>
  task: string
  payload: Uint8Array<ArrayBuffer>
  deadline: bigint
}

export namespace Challenge {
  let _codec: Codec<Challenge>

  export const codec = (): Codec<Challenge> => {
    if (_codec == null) {
      _codec = message<Challenge>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.task != null && obj.task !== '')) {
          w.uint32(18)
          w.string(obj.task)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.payload)
        }

        if ((obj.deadline != null && obj.deadline !== 0n)) {
          w.uint32(32)
          w.uint64(obj.deadline)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          task: '',
          payload: uint8ArrayAlloc(0),
          deadline: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.task = reader.string()
              break
            }
            case 3: {
              obj.payload = reader.bytes()
              break
            }
            case 4: {
              obj.deadline = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.task`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.deadline`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChallengeIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeTaskFieldEvent {
    field: '$.task'
    value: string
  }

  export interface ChallengePayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeDeadlineFieldEvent {
    field: '$.deadline'
    value: bigint
  }

  export function encode (obj: Partial<Challenge>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Challenge.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Challenge>): Challenge {
    return decodeMessage(buf, Challenge.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Challenge>): Generator<ChallengeIdFieldEvent | ChallengeTaskFieldEvent | ChallengePayloadFieldEvent | ChallengeDeadlineFieldEvent> {
    return streamMessage(buf, Challenge.codec(), opts)
  }
}

export interface ChallengeRequest {
  binding?: Binding
  challenge?: Challenge
}

export namespace ChallengeRequest {
  let _codec: Codec<ChallengeRequest>

  export const codec = (): Codec<ChallengeRequest> => {
    if (_codec == null) {
      _codec = message<ChallengeRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.binding != null) {
          w.uint32(10)
          Binding.codec().encode(obj.binding, w)
        }

        if (obj.challenge != null) {
          w.uint32(18)
          Challenge.codec().encode(obj.challenge, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.binding = Binding.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.binding
              })
              break
            }
            case 2: {
              obj.challenge = Challenge.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.challenge
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Binding.codec().stream(reader, reader.uint32(), `${prefix}.binding`, {
                limits: opts.limits?.binding
              })

              break
            }
            case 2: {
              yield * Challenge.codec().stream(reader, reader.uint32(), `${prefix}.challenge`, {
                limits: opts.limits?.challenge
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChallengeRequestBindingPeerIdFieldEvent {
    field: '$.binding.peerId'
    value: string
  }

  export interface ChallengeRequestBindingHotkeyFieldEvent {
    field: '$.binding.hotkey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeRequestBindingNetuidFieldEvent {
    field: '$.binding.netuid'
    value: number
  }

  export interface ChallengeRequestBindingExpiryFieldEvent {
    field: '$.binding.expiry'
    value: bigint
  }

  export interface ChallengeRequestBindingSignatureFieldEvent {
    field: '$.binding.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeRequestChallengeIdFieldEvent {
    field: '$.challenge.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeRequestChallengeTaskFieldEvent {
    field: '$.challenge.task'
    value: string
  }

  export interface ChallengeRequestChallengePayloadFieldEvent {
    field: '$.challenge.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeRequestChallengeDeadlineFieldEvent {
    field: '$.challenge.deadline'
    value: bigint
  }

  export function encode (obj: Partial<ChallengeRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChallengeRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChallengeRequest>): ChallengeRequest {
    return decodeMessage(buf, ChallengeRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChallengeRequest>): Generator<ChallengeRequestBindingPeerIdFieldEvent | ChallengeRequestBindingHotkeyFieldEvent | ChallengeRequestBindingNetuidFieldEvent | ChallengeRequestBindingExpiryFieldEvent | ChallengeRequestBindingSignatureFieldEvent | ChallengeRequestChallengeIdFieldEvent | ChallengeRequestChallengeTaskFieldEvent | ChallengeRequestChallengePayloadFieldEvent | ChallengeRequestChallengeDeadlineFieldEvent> {
    return streamMessage(buf, ChallengeRequest.codec(), opts)
  }
}

export interface WireError {
  code: string
  message: string
}

export namespace WireError {
  let _codec: Codec<WireError>

  export const codec = (): Codec<WireError> => {
    if (_codec == null) {
      _codec = message<WireError>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(10)
          w.string(obj.code)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: '',
          message: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = reader.string()
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface WireErrorCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface WireErrorMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export function encode (obj: Partial<WireError>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WireError.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireError>): WireError {
    return decodeMessage(buf, WireError.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireError>): Generator<WireErrorCodeFieldEvent | WireErrorMessageFieldEvent> {
    return streamMessage(buf, WireError.codec(), opts)
  }
}

export interface ChallengeResponse {
  id: Uint8Array<ArrayBuffer>
  answer: Uint8Array<ArrayBuffer>
  binding?: Binding
  error?: WireError
  peerSignature: Uint8Array<ArrayBuffer>
}

export namespace ChallengeResponse {
  let _codec: Codec<ChallengeResponse>

  export const codec = (): Codec<ChallengeResponse> => {
    if (_codec == null) {
      _codec = message<ChallengeResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.answer != null && obj.answer.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.answer)
        }

        if (obj.binding != null) {
          w.uint32(34)
          Binding.codec().encode(obj.binding, w)
        }

        if (obj.error != null) {
          w.uint32(42)
          WireError.codec().encode(obj.error, w)
        }

        if ((obj.peerSignature != null && obj.peerSignature.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.peerSignature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          answer: uint8ArrayAlloc(0),
          peerSignature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.answer = reader.bytes()
              break
            }
            case 4: {
              obj.binding = Binding.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.binding
              })
              break
            }
            case 5: {
              obj.error = WireError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            case 6: {
              obj.peerSignature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.answer`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield * Binding.codec().stream(reader, reader.uint32(), `${prefix}.binding`, {
                limits: opts.limits?.binding
              })

              break
            }
            case 5: {
              yield * WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            case 6: {
              yield {
                field: `${prefix}.peerSignature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChallengeResponseIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeResponseAnswerFieldEvent {
    field: '$.answer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeResponseBindingPeerIdFieldEvent {
    field: '$.binding.peerId'
    value: string
  }

  export interface ChallengeResponseBindingHotkeyFieldEvent {
    field: '$.binding.hotkey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeResponseBindingNetuidFieldEvent {
    field: '$.binding.netuid'
    value: number
  }

  export interface ChallengeResponseBindingExpiryFieldEvent {
    field: '$.binding.expiry'
    value: bigint
  }

  export interface ChallengeResponseBindingSignatureFieldEvent {
    field: '$.binding.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeResponseErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface ChallengeResponseErrorMessageFieldEvent {
    field: '$.error.message'
    value: string
  }

  export interface ChallengeResponsePeerSignatureFieldEvent {
    field: '$.peerSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ChallengeResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChallengeResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChallengeResponse>): ChallengeResponse {
    return decodeMessage(buf, ChallengeResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChallengeResponse>): Generator<ChallengeResponseIdFieldEvent | ChallengeResponseAnswerFieldEvent | ChallengeResponseBindingPeerIdFieldEvent | ChallengeResponseBindingHotkeyFieldEvent | ChallengeResponseBindingNetuidFieldEvent | ChallengeResponseBindingExpiryFieldEvent | ChallengeResponseBindingSignatureFieldEvent | ChallengeResponseErrorCodeFieldEvent | ChallengeResponseErrorMessageFieldEvent | ChallengeResponsePeerSignatureFieldEvent> {
    return streamMessage(buf, ChallengeResponse.codec(), opts)
  }
}

export interface Presence {
  binding?: Binding
  model: string
  capacity: number
  ts: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace Presence {
  let _codec: Codec<Presence>

  export const codec = (): Codec<Presence> => {
    if (_codec == null) {
      _codec = message<Presence>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.binding != null) {
          w.uint32(10)
          Binding.codec().encode(obj.binding, w)
        }

        if ((obj.model != null && obj.model !== '')) {
          w.uint32(18)
          w.string(obj.model)
        }

        if ((obj.capacity != null && obj.capacity !== 0)) {
          w.uint32(24)
          w.uint32(obj.capacity)
        }

        if ((obj.ts != null && obj.ts !== 0n)) {
          w.uint32(32)
          w.uint64(obj.ts)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          model: '',
          capacity: 0,
          ts: 0n,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.binding = Binding.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.binding
              })
              break
            }
            case 2: {
              obj.model = reader.string()
              break
            }
            case 3: {
              obj.capacity = reader.uint32()
              break
            }
            case 4: {
              obj.ts = reader.uint64()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Binding.codec().stream(reader, reader.uint32(), `${prefix}.binding`, {
                limits: opts.limits?.binding
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.model`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ts`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PresenceBindingPeerIdFieldEvent {
    field: '$.binding.peerId'
    value: string
  }

  export interface PresenceBindingHotkeyFieldEvent {
    field: '$.binding.hotkey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PresenceBindingNetuidFieldEvent {
    field: '$.binding.netuid'
    value: number
  }

  export interface PresenceBindingExpiryFieldEvent {
    field: '$.binding.expiry'
    value: bigint
  }

  export interface PresenceBindingSignatureFieldEvent {
    field: '$.binding.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PresenceModelFieldEvent {
    field: '$.model'
    value: string
  }

  export interface PresenceCapacityFieldEvent {
    field: '$.capacity'
    value: number
  }

  export interface PresenceTsFieldEvent {
    field: '$.ts'
    value: bigint
  }

  export interface PresenceSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Presence>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Presence.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Presence>): Presence {
    return decodeMessage(buf, Presence.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Presence>): Generator<PresenceBindingPeerIdFieldEvent | PresenceBindingHotkeyFieldEvent | PresenceBindingNetuidFieldEvent | PresenceBindingExpiryFieldEvent | PresenceBindingSignatureFieldEvent | PresenceModelFieldEvent | PresenceCapacityFieldEvent | PresenceTsFieldEvent | PresenceSignatureFieldEvent> {
    return streamMessage(buf, Presence.codec(), opts)
  }
}
