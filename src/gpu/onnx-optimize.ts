/**
 * Graph rewrites that ONNX Runtime does not do for models exported by paddle2onnx, applied to the
 * model bytes after their integrity check and before a session is created (the same rewritten
 * graph on every backend: onnxruntime-node, WASM and WebGPU see one model).
 *
 * PaddleOCR's PP-LCNetV3 backbone (PP-OCRv4 det and rec) follows every convolution with a
 * learnable scalar affine (`Mul a`, `Add b`), a hard-swish spelled out as four ops
 * (`Add 3`, `Clip 0..6`, `Mul x`, `Div 6`) and a second scalar affine (`Mul c`, `Add d`): eight
 * element-wise passes over each activation, about 40% of the recognizer's CPU time. ORT folds none
 * of them (the scalars are `Constant` nodes, and it has no hard-swish fusion before opset 14).
 * Here:
 *  - `Conv -> Mul a -> Add b` becomes one Conv (weights x a, bias x a + b);
 *  - `Add 3 -> Clip 0..6 -> Mul x -> Div 6` becomes `HardSigmoid(1/6, 1/2) -> Mul x` (HardSigmoid
 *    exists from opset 6; HardSwish needs 14);
 *  - `Mul c -> Add d -> Conv` folds c into the Conv's weights, and d into its bias where the Conv
 *    has no padding (with padding, the border would see d where it saw 0: the Add stays).
 * Each rewrite changes float rounding only (products and sums in another order); the tests compare
 * outputs with the original graph. Nodes whose outputs nothing reads any more are dropped.
 *
 * The protobuf handling is the minimum for ModelProto -> GraphProto -> NodeProto / TensorProto:
 * fields it does not rewrite are copied byte for byte.
 */

/** What {@link optimizeOnnx} changed. */
export interface OnnxRewriteReport {
  /** Conv + scalar Mul + scalar Add folded into the Conv. */
  convAffine: number
  /** Four-op hard-swishes turned into HardSigmoid + Mul. */
  hardSwish: number
  /** Scalar Mul (+ Add) before a Conv folded into it. */
  preAffine: number
  /** Nodes before and after. */
  nodesBefore: number
  nodesAfter: number
}

import { GpuError } from './errors.ts'

// ---- protobuf, minimal ----

interface Field { f: number; wt: number; v: bigint; s: number; e: number; from: number; to: number }

function* fields(buf: Uint8Array, start = 0, end = buf.length): Generator<Field> {
  let p = start
  const varint = (): bigint => {
    let r = 0n
    let s = 0n
    for (;;) {
      if (p >= end) throw new Error('truncated varint')
      const b = buf[p++]!
      r |= BigInt(b & 0x7f) << s
      s += 7n
      if (b < 0x80) return r
    }
  }
  while (p < end) {
    const from = p
    const key = Number(varint())
    const f = key >>> 3
    const wt = key & 7
    if (wt === 0) { const v = varint(); yield { f, wt, v, s: 0, e: 0, from, to: p } }
    else if (wt === 2) { const len = Number(varint()); const s = p; p += len; if (p > end) throw new Error('truncated field'); yield { f, wt, v: 0n, s, e: p, from, to: p } }
    else if (wt === 5) { const s = p; p += 4; yield { f, wt, v: 0n, s, e: p, from, to: p } }
    else if (wt === 1) { const s = p; p += 8; yield { f, wt, v: 0n, s, e: p, from, to: p } }
    else throw new Error(`unsupported protobuf wire type ${wt}`)
  }
}

const utf8 = new TextDecoder()
const enc = new TextEncoder()
const text = (buf: Uint8Array, x: Field): string => utf8.decode(buf.subarray(x.s, x.e))

class Writer {
  private chunks: Uint8Array[] = []
  private size = 0
  raw(b: Uint8Array): this { this.chunks.push(b); this.size += b.length; return this }
  varint(n: number | bigint): this {
    let v = BigInt(n)
    if (v < 0n) v += 1n << 64n
    const out: number[] = []
    do { let b = Number(v & 0x7fn); v >>= 7n; if (v > 0n) b |= 0x80; out.push(b) } while (v > 0n)
    return this.raw(Uint8Array.from(out))
  }
  key(f: number, wt: number): this { return this.varint((f << 3) | wt) }
  bytes(f: number, b: Uint8Array): this { return this.key(f, 2).varint(b.length).raw(b) }
  string(f: number, s: string): this { return this.bytes(f, enc.encode(s)) }
  float(f: number, x: number): this { const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, x, true); return this.key(f, 5).raw(b) }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size)
    let o = 0
    for (const c of this.chunks) { out.set(c, o); o += c.length }
    return out
  }
}

// ---- graph model ----

interface Attr { name: string; raw: Uint8Array; f?: number; i?: bigint; ints?: bigint[]; t?: Tensor }
interface Node { inputs: string[]; outputs: string[]; name: string; op: string; domain: string; attrs: Attr[]; raw: Uint8Array | null }
interface Tensor { dims: number[]; dataType: number; data: Float32Array | null }

const FLOAT = 1

function parseTensor(buf: Uint8Array, s: number, e: number): Tensor & { name: string } {
  const dims: number[] = []
  let dataType = 0
  let name = ''
  let raw: Uint8Array | null = null
  const floats: number[] = []
  for (const x of fields(buf, s, e)) {
    if (x.f === 1 && x.wt === 0) dims.push(Number(x.v))
    else if (x.f === 1 && x.wt === 2) for (const y of packedVarints(buf, x)) dims.push(Number(y))
    else if (x.f === 2) dataType = Number(x.v)
    else if (x.f === 8) name = text(buf, x)
    else if (x.f === 9) raw = buf.subarray(x.s, x.e)
    else if (x.f === 4 && x.wt === 2) { const dv = new DataView(buf.buffer, buf.byteOffset + x.s, x.e - x.s); for (let o = 0; o + 4 <= x.e - x.s; o += 4) floats.push(dv.getFloat32(o, true)) }
    else if (x.f === 4 && x.wt === 5) floats.push(new DataView(buf.buffer, buf.byteOffset + x.s, 4).getFloat32(0, true))
  }
  let data: Float32Array | null = null
  if (dataType === FLOAT) {
    if (raw !== null) { data = new Float32Array(raw.length >> 2); new Uint8Array(data.buffer).set(raw.subarray(0, data.length * 4)) }
    else data = Float32Array.from(floats)
    if (data.length !== dims.reduce((a, b) => a * b, 1)) data = null
  }
  return { dims, dataType, data, name }
}

function* packedVarints(buf: Uint8Array, x: Field): Generator<bigint> {
  let p = x.s
  while (p < x.e) {
    let r = 0n
    let s = 0n
    for (;;) { const b = buf[p++]!; r |= BigInt(b & 0x7f) << s; s += 7n; if (b < 0x80) break }
    yield r
  }
}

function parseNode(buf: Uint8Array, s: number, e: number): Node {
  const n: Node = { inputs: [], outputs: [], name: '', op: '', domain: '', attrs: [], raw: buf.subarray(s, e) }
  for (const x of fields(buf, s, e)) {
    if (x.f === 1) n.inputs.push(text(buf, x))
    else if (x.f === 2) n.outputs.push(text(buf, x))
    else if (x.f === 3) n.name = text(buf, x)
    else if (x.f === 4) n.op = text(buf, x)
    else if (x.f === 7) n.domain = text(buf, x)
    else if (x.f === 5) {
      const a: Attr = { name: '', raw: buf.subarray(x.s, x.e) }
      for (const y of fields(buf, x.s, x.e)) {
        if (y.f === 1) a.name = text(buf, y)
        else if (y.f === 2 && y.wt === 5) a.f = new DataView(buf.buffer, buf.byteOffset + y.s, 4).getFloat32(0, true)
        else if (y.f === 3) a.i = y.v
        else if (y.f === 8 && y.wt === 0) (a.ints ??= []).push(y.v)
        else if (y.f === 8 && y.wt === 2) for (const v of packedVarints(buf, y)) (a.ints ??= []).push(v)
        else if (y.f === 5) a.t = parseTensor(buf, y.s, y.e)
      }
      n.attrs.push(a)
    }
  }
  return n
}

function encodeNode(n: Node): Uint8Array {
  if (n.raw !== null) return n.raw
  const w = new Writer()
  for (const i of n.inputs) w.string(1, i)
  for (const o of n.outputs) w.string(2, o)
  if (n.name !== '') w.string(3, n.name)
  w.string(4, n.op)
  for (const a of n.attrs) w.bytes(5, a.raw)
  if (n.domain !== '') w.string(7, n.domain)
  return w.finish()
}

function floatAttr(name: string, f: number): Attr {
  const raw = new Writer().string(1, name).float(2, f).key(20, 0).varint(1).finish()
  return { name, raw, f }
}

function encodeTensor(name: string, dims: readonly number[], data: Float32Array): Uint8Array {
  const w = new Writer()
  for (const d of dims) w.key(1, 0).varint(d)
  w.key(2, 0).varint(FLOAT)
  w.string(8, name)
  w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  return w.finish()
}

/** Rewrites `model` (ONNX bytes) as described in the file comment; a model without the patterns comes back unchanged (same bytes). */
export function optimizeOnnx(model: Uint8Array): { bytes: Uint8Array; report: OnnxRewriteReport } {
  try {
    return rewrite(model)
  } catch (err) {
    throw new GpuError('MODEL_INVALID', `not an ONNX model this rewrite can read: ${(err as Error).message}`, { cause: err })
  }
}

function rewrite(model: Uint8Array): { bytes: Uint8Array; report: OnnxRewriteReport } {
  let graphField: Field | undefined
  for (const x of fields(model)) if (x.f === 7 && x.wt === 2) graphField = x
  if (graphField === undefined) throw new Error('no graph (ModelProto field 7)')
  const nodes: Node[] = []
  const graphOther: Uint8Array[] = [] // every graph field but nodes and initializers, as is
  const inits = new Map<string, Uint8Array>() // name -> TensorProto bytes
  const consts = new Map<string, Tensor>()
  const graphOutputs = new Set<string>()
  for (const x of fields(model, graphField.s, graphField.e)) {
    if (x.f === 1) nodes.push(parseNode(model, x.s, x.e))
    else if (x.f === 5) { const t = parseTensor(model, x.s, x.e); inits.set(t.name, model.subarray(x.s, x.e)); consts.set(t.name, t) }
    else {
      graphOther.push(model.subarray(x.from, x.to))
      if (x.f === 12) for (const y of fields(model, x.s, x.e)) if (y.f === 1) graphOutputs.add(text(model, y))
    }
  }
  for (const n of nodes) {
    if (n.op === 'Constant' && n.domain === '' && n.outputs.length === 1) {
      const t = n.attrs.find((a) => a.name === 'value')?.t
      if (t !== undefined) consts.set(n.outputs[0]!, t)
    }
  }
  const report: OnnxRewriteReport = { convAffine: 0, hardSwish: 0, preAffine: 0, nodesBefore: nodes.length, nodesAfter: nodes.length }

  let alive = nodes.slice()
  const consumers = (): Map<string, Node[]> => {
    const m = new Map<string, Node[]>()
    for (const n of alive) for (const i of n.inputs) if (i !== '') { let l = m.get(i); if (l === undefined) m.set(i, l = []); l.push(n) }
    return m
  }
  const scalarOf = (name: string | undefined): number | null => {
    if (name === undefined) return null
    const t = consts.get(name)
    return t?.data != null && t.data.length === 1 ? t.data[0]! : null
  }
  /** `n` is a binary op with one scalar-constant operand: the other operand and the scalar. */
  const scalarOperand = (n: Node): { other: string; k: number } | null => {
    if (n.inputs.length !== 2) return null
    const a = scalarOf(n.inputs[0])
    const b = scalarOf(n.inputs[1])
    if (b !== null && a === null) return { other: n.inputs[0]!, k: b }
    if (a !== null && b === null) return { other: n.inputs[1]!, k: a }
    return null
  }
  const only = (uses: Map<string, Node[]>, name: string): Node | null => {
    const l = uses.get(name)
    return l !== undefined && l.length === 1 && !graphOutputs.has(name) ? l[0]! : null
  }
  let fresh = 0
  const newConst = (base: string, dims: readonly number[], data: Float32Array): string => {
    const name = `${base}__wt_opt_${fresh++}`
    inits.set(name, encodeTensor(name, dims, data))
    consts.set(name, { dims: [...dims], dataType: FLOAT, data })
    return name
  }
  const convParts = (conv: Node): { w: Tensor & { data: Float32Array }; b: Float32Array; outC: number } | null => {
    if (conv.op !== 'Conv' || conv.domain !== '' || conv.inputs.length < 2) return null
    const w = consts.get(conv.inputs[1]!)
    if (w?.data == null || w.dims.length !== 4) return null
    const outC = w.dims[0]!
    let b = new Float32Array(outC)
    if (conv.inputs.length > 2 && conv.inputs[2] !== '') {
      const bt = consts.get(conv.inputs[2]!)
      if (bt?.data == null || bt.data.length !== outC) return null
      b = bt.data.slice()
    }
    return { w: w as Tensor & { data: Float32Array }, b, outC }
  }
  const setConv = (conv: Node, w: Float32Array, dims: readonly number[], b: Float32Array): void => {
    const wn = newConst(conv.inputs[1]!, dims, w)
    const bn = newConst(conv.inputs[1]!.replace(/w_0$/, 'b_0'), [b.length], b)
    conv.inputs = [conv.inputs[0]!, wn, bn]
    conv.raw = null
  }

  // 1. Conv -> Mul a -> Add b  =>  Conv'.
  let uses = consumers()
  for (const conv of alive) {
    const parts = convParts(conv)
    if (parts === null) continue
    const mul = only(uses, conv.outputs[0]!)
    if (mul?.op !== 'Mul') continue
    const m = scalarOperand(mul)
    if (m === null || m.other !== conv.outputs[0]) continue
    const add = only(uses, mul.outputs[0]!)
    const a = add?.op === 'Add' ? scalarOperand(add) : null
    if (add === null || a === null || a.other !== mul.outputs[0]) continue
    const w = parts.w.data.map((x) => x * m.k)
    const b = parts.b.map((x) => x * m.k + a.k)
    setConv(conv, w, parts.w.dims, b)
    conv.outputs = [add.outputs[0]!]
    alive = alive.filter((n) => n !== mul && n !== add)
    report.convAffine++
  }

  // 2. Add 3 -> Clip 0..6 -> Mul x -> Div 6  =>  HardSigmoid(1/6, 1/2) -> Mul x.
  uses = consumers()
  for (const add of alive.slice()) {
    if (add.op !== 'Add') continue
    const a = scalarOperand(add)
    if (a === null || a.k !== 3) continue
    const x = a.other
    const clip = only(uses, add.outputs[0]!)
    if (clip?.op !== 'Clip' || clip.inputs[0] !== add.outputs[0]) continue
    const attr = (k: string): number | undefined => clip.attrs.find((t) => t.name === k)?.f
    const lo = clip.inputs.length > 1 ? scalarOf(clip.inputs[1]) : attr('min')
    const hi = clip.inputs.length > 2 ? scalarOf(clip.inputs[2]) : attr('max')
    if (lo !== 0 || hi !== 6) continue
    const mul = only(uses, clip.outputs[0]!)
    if (mul?.op !== 'Mul' || !mul.inputs.includes(x) || !mul.inputs.includes(clip.outputs[0]!)) continue
    const div = only(uses, mul.outputs[0]!)
    if (div?.op !== 'Div' || div.inputs[0] !== mul.outputs[0] || scalarOf(div.inputs[1]) !== 6) continue
    const hs: Node = { inputs: [x], outputs: [clip.outputs[0]!], name: `${clip.name || clip.outputs[0]}__hsig`, op: 'HardSigmoid', domain: '', attrs: [floatAttr('alpha', 1 / 6), floatAttr('beta', 0.5)], raw: null }
    const out: Node = { inputs: [x, clip.outputs[0]!], outputs: [div.outputs[0]!], name: `${mul.name || mul.outputs[0]}__hswish`, op: 'Mul', domain: '', attrs: [], raw: null }
    alive = alive.flatMap((n) => (n === add ? [hs] : n === clip ? [out] : n === mul || n === div ? [] : [n]))
    report.hardSwish++
  }

  // 3. Mul c -> [Add d] -> Conv  =>  Conv' (d folded only without padding).
  uses = consumers()
  for (const mul of alive.slice()) {
    if (mul.op !== 'Mul') continue
    const m = scalarOperand(mul)
    if (m === null || m.k === 0) continue
    let tail: Node = mul
    let d = 0
    const next = only(uses, mul.outputs[0]!)
    if (next?.op === 'Add') {
      const a = scalarOperand(next)
      if (a !== null && a.other === mul.outputs[0]) { tail = next; d = a.k }
    }
    const conv = only(uses, tail.outputs[0]!)
    if (conv === null || conv.inputs[0] !== tail.outputs[0]) continue
    const parts = convParts(conv)
    if (parts === null) continue
    const pads = conv.attrs.find((t) => t.name === 'pads')?.ints ?? []
    const autoPad = conv.attrs.find((t) => t.name === 'auto_pad')
    const unpadded = pads.every((p) => p === 0n) && (autoPad === undefined || utf8.decode(autoPad.raw).includes('NOTSET') || utf8.decode(autoPad.raw).includes('VALID'))
    const foldD = tail !== mul && unpadded
    const w = parts.w.data.map((x) => x * m.k)
    const b = parts.b.slice()
    if (foldD) {
      const per = parts.w.data.length / parts.outC
      for (let o = 0; o < parts.outC; o++) {
        let s = 0
        for (let i = 0; i < per; i++) s += parts.w.data[o * per + i]!
        b[o] = b[o]! + d * s
      }
    }
    setConv(conv, w, parts.w.dims, b)
    if (foldD) {
      conv.inputs[0] = m.other
      alive = alive.filter((n) => n !== mul && n !== tail)
    } else {
      // Keep an Add of d / c (now on the Mul's input: c (x + d / c) = c x + d); drop the Mul.
      if (tail !== mul) {
        const dc = newConst(`${tail.outputs[0]}_d`, [1], Float32Array.of(d / m.k))
        tail.inputs = [m.other, dc]
        tail.raw = null
      } else conv.inputs[0] = m.other
      alive = alive.filter((n) => n !== mul)
    }
    report.preAffine++
  }

  if (report.convAffine + report.hardSwish + report.preAffine === 0) return { bytes: model, report }

  // Drop nodes nothing reads (constants left behind), then initializers nothing reads.
  for (;;) {
    const read = new Set<string>(graphOutputs)
    for (const n of alive) for (const i of n.inputs) read.add(i)
    const next = alive.filter((n) => n.outputs.some((o) => read.has(o)))
    if (next.length === alive.length) break
    alive = next
  }
  const read = new Set<string>(graphOutputs)
  for (const n of alive) for (const i of n.inputs) read.add(i)
  report.nodesAfter = alive.length

  const g = new Writer()
  for (const n of alive) g.bytes(1, encodeNode(n))
  for (const [name, t] of inits) if (read.has(name)) g.bytes(5, t)
  for (const o of graphOther) g.raw(o)
  const graphBytes = g.finish()
  const out = new Writer()
  for (const x of fields(model)) {
    if (x === graphField || (x.f === 7 && x.wt === 2)) out.bytes(7, graphBytes)
    else out.raw(model.subarray(x.from, x.to))
  }
  return { bytes: out.finish(), report }
}
