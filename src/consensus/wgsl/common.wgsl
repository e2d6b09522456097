// common.wgsl: shared declarations prepended to every epoch kernel (no entry point here).
//
// Bindings (one bind group, shared by all passes; one workgroup = one epoch of the batch):
//   @binding(0) hdr    : array<u32>  read        per-epoch header, META u32 each (see gpu-epoch.ts)
//   @binding(1) uidIn  : array<u32>  read        per-uid inputs, UI u32 each (S, flags, blocks)
//   @binding(2) ent    : array<u32>  read        per-entry inputs, 4 u32 each (row, col, w|present<<16, b|present<<16)
//   @binding(3) csr    : array<u32>  read        row pointers, column pointers, column-major entry lists
//   @binding(4) work   : array<u32>  read_write  per-entry (WE u32) and per-uid (WU u32) intermediates, per-epoch scalars
//   @binding(5) outb   : array<u32>  read_write  per-uid outputs (OU u32) then per-entry stored bonds
//
// Fixed point: an I32F32 value is its raw bits as an unsigned 64-bit integer in vec2<u32>
// (x = low word, y = high word). Every value in the epoch is >= 0 except inside the liquid-alpha
// sigmoid, which tracks the sign separately. Mirrors src/consensus/fixed.ts.

@group(0) @binding(0) var<storage, read> hdr: array<u32>;
@group(0) @binding(1) var<storage, read> uidIn: array<u32>;
@group(0) @binding(2) var<storage, read> ent: array<u32>;
@group(0) @binding(3) var<storage, read> csr: array<u32>;
@group(0) @binding(4) var<storage, read_write> work: array<u32>;
@group(0) @binding(5) var<storage, read_write> outb: array<u32>;

const WG: u32 = 256u;
const META: u32 = 32u;
const UI: u32 = 12u;
const WE: u32 = 16u;
const WU: u32 = 16u;
const OU: u32 = 12u;

// meta layout
const M_N: u32 = 0u;
const M_UID: u32 = 1u;
const M_ENT: u32 = 2u;
const M_NNZ: u32 = 3u;
const M_ROWPTR: u32 = 4u;
const M_COLPTR: u32 = 5u;
const M_CSC: u32 = 6u;
const M_FLAGS: u32 = 7u;   // bit0 yuma3, bit1 liquid alpha, bit3 has owner
const M_OWNER: u32 = 8u;
const M_K: u32 = 9u;
const M_KAPPA: u32 = 10u;
const M_BETA: u32 = 12u;
const M_ALPHA: u32 = 14u;
const M_LOW: u32 = 16u;
const M_HIGH: u32 = 18u;
const M_SLOPE: u32 = 20u;  // |steepness / -100| bits
const M_SLOPE_NEG: u32 = 22u;
const M_LAST_TEMPO: u32 = 23u;
const M_RAO: u32 = 25u;
const M_SCAL: u32 = 27u;   // index of this epoch's scalar block in work
const M_OUT_ENT: u32 = 28u; // index of this epoch's first stored-bond word in outb
const M_WORK_UID: u32 = 29u; // index of this epoch's first per-uid word in work

// uidIn layout
const U_S: u32 = 0u;
const U_FLAGS: u32 = 2u;   // bit0 active, bit1 row allowed (permit), bit2 stake masked by permit
const U_LU: u32 = 3u;
const U_REG: u32 = 5u;
const U_CB: u32 = 7u;

// work per entry
const E_W: u32 = 0u;
const E_CLIP: u32 = 2u;
const E_WB: u32 = 4u;
const E_B: u32 = 6u;
const E_DB: u32 = 8u;
const E_EMA: u32 = 10u;
const E_EMAN: u32 = 12u;
const E_FLAGS: u32 = 14u;  // bit0 W, bit1 clipped, bit2 W_b, bit3 B, bit4 dB, bit5 EMA
// work per uid
const W_A: u32 = 0u;
const W_US: u32 = 2u;
const W_C: u32 = 4u;
const W_VT: u32 = 6u;
const W_I: u32 = 8u;
const W_D: u32 = 10u;
const W_PERMIT: u32 = 12u;
// work per epoch scalars
const S_STAKESUM: u32 = 0u;
const S_M: u32 = 2u;
const S_ANYC: u32 = 3u;

const ONE: vec2<u32> = vec2<u32>(0u, 1u);
const HALF: vec2<u32> = vec2<u32>(0x80000000u, 0u);
const ZERO: vec2<u32> = vec2<u32>(0u, 0u);

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.x + b.x;
  return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}
fn sub64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}
fn lt64(a: vec2<u32>, b: vec2<u32>) -> bool { return a.y < b.y || (a.y == b.y && a.x < b.x); }
fn le64(a: vec2<u32>, b: vec2<u32>) -> bool { return !lt64(b, a); }
fn is0(a: vec2<u32>) -> bool { return a.x == 0u && a.y == 0u; }
fn shl1(a: vec2<u32>) -> vec2<u32> { return vec2<u32>(a.x << 1u, (a.y << 1u) | (a.x >> 31u)); }
fn shr1(a: vec2<u32>) -> vec2<u32> { return vec2<u32>((a.x >> 1u) | (a.y << 31u), a.y >> 1u); }
fn min64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> { return select(b, a, lt64(a, b)); }
fn max64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> { return select(a, b, lt64(a, b)); }

// 32 x 32 -> 64 bit product.
fn mul32(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu; let a1 = a >> 16u;
  let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0; let p01 = a0 * b1; let p10 = a1 * b0; let p11 = a1 * b1;
  let mid = p01 + p10;
  let midCarry = select(0u, 0x10000u, mid < p01);
  let lo = p00 + (mid << 16u);
  let hi = p11 + (mid >> 16u) + midCarry + select(0u, 1u, lo < p00);
  return vec2<u32>(lo, hi);
}

// Bits [32, 96) of a * b, and whether bits [0, 32) are non-zero.
struct MulShr { q: vec2<u32>, frac: bool }
fn mul_shr32_full(a: vec2<u32>, b: vec2<u32>) -> MulShr {
  let p0 = mul32(a.x, b.x);
  let p1 = mul32(a.x, b.y);
  let p2 = mul32(a.y, b.x);
  let p3 = mul32(a.y, b.y);
  let s = p0.y + p1.x;
  let c1 = select(0u, 1u, s < p0.y);
  let s2 = s + p2.x;
  let c2 = select(0u, 1u, s2 < s);
  return MulShr(vec2<u32>(s2, p1.y + p2.y + p3.x + c1 + c2), p0.x != 0u);
}
// I32F32 multiply of non-negative values: floor(a * b / 2^32) (mulFx).
fn mulfx(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> { return mul_shr32_full(a, b).q; }
// ceil(a * b / 2^32): the magnitude of a floor-multiply whose true result is negative.
fn mulfx_ceil(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let m = mul_shr32_full(a, b);
  return select(m.q, add64(m.q, vec2<u32>(1u, 0u)), m.frac);
}

fn shl64(x: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) { return x; }
  if (s < 32u) { return vec2<u32>(x.x << s, (x.y << s) | (x.x >> (32u - s))); }
  return vec2<u32>(0u, x.x << (s - 32u));
}

// One base-2^16 digit of N / b for N = r * 2^16 (r < b, b normalized: top bit set):
// estimate from the top digits (Knuth D: at most 2 too large), correct, return (digit, N - digit*b).
struct DivStep { d: u32, r: vec2<u32> }
fn div_step(r: vec2<u32>, b: vec2<u32>) -> DivStep {
  // N = r << 16 as an 80-bit value (lo, mid, hi)
  let nlo = r.x << 16u;
  let nmid = (r.y << 16u) | (r.x >> 16u);
  let nhi = r.y >> 16u;
  var q = min(r.y / (b.y >> 16u), 0xffffu);
  // P = q * b (80 bits)
  let p0 = mul32(q, b.x);
  let p1 = mul32(q, b.y);
  var plo = p0.x;
  var pmid = p0.y + p1.x;
  var phi = p1.y + select(0u, 1u, pmid < p0.y);
  for (var k = 0u; k < 3u; k = k + 1u) {
    let over = phi > nhi || (phi == nhi && (pmid > nmid || (pmid == nmid && plo > nlo)));
    if (!over) { break; }
    q = q - 1u;
    let blo = plo - b.x;
    let borrow1 = select(0u, 1u, plo < b.x);
    let bmid = pmid - b.y - borrow1;
    let borrow2 = select(0u, 1u, pmid < b.y || (pmid == b.y && borrow1 == 1u));
    plo = blo;
    pmid = bmid;
    phi = phi - borrow2;
  }
  // R = N - P (< b, so it fits in 64 bits)
  let rlo = nlo - plo;
  let rmid = nmid - pmid - select(0u, 1u, nlo < plo);
  return DivStep(q, vec2<u32>(rlo, rmid));
}

// I32F32 safe_div for 0 <= a <= b < 2^63: trunc(a * 2^32 / b), 0 when b = 0 (divFx on proportions).
// Normalizes b to a set top bit and produces the two base-2^16 quotient digits.
fn div_prop(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  if (is0(b)) { return ZERO; }
  if (!lt64(a, b)) { return ONE; } // a == b (callers guarantee a <= b)
  let s = select(32u + countLeadingZeros(b.x), countLeadingZeros(b.y), b.y != 0u);
  let bn = shl64(b, s);
  let an = shl64(a, s);
  let d1 = div_step(an, bn);
  let d2 = div_step(d1.r, bn);
  return vec2<u32>((d1.d << 16u) | d2.d, 0u);
}

// trunc(a / d) for a small divisor 1 <= d < 2^16.
fn div_small(a: vec2<u32>, d: u32) -> vec2<u32> {
  var r = 0u;
  var cur = (r << 16u) | (a.y >> 16u); let q3 = cur / d; r = cur % d;
  cur = (r << 16u) | (a.y & 0xffffu); let q2 = cur / d; r = cur % d;
  cur = (r << 16u) | (a.x >> 16u); let q1 = cur / d; r = cur % d;
  cur = (r << 16u) | (a.x & 0xffffu); let q0 = cur / d;
  return vec2<u32>((q1 << 16u) | q0, (q3 << 16u) | q2);
}

// fixed_proportion_to_u16: floor(x * 65535 / 2^32) clamped to 65535 (x >= 0).
fn to_u16(x: vec2<u32>) -> u32 {
  if (x.y >= 65536u) { return 65535u; }
  let x16 = vec2<u32>(x.x << 16u, (x.y << 16u) | (x.x >> 16u));
  let t = sub64(x16, x);
  return min(t.y, 65535u);
}

fn u64at_hdr(i: u32) -> vec2<u32> { return vec2<u32>(hdr[i], hdr[i + 1u]); }
fn u64at_in(i: u32) -> vec2<u32> { return vec2<u32>(uidIn[i], uidIn[i + 1u]); }
fn u64at_work(i: u32) -> vec2<u32> { return vec2<u32>(work[i], work[i + 1u]); }
fn set_work(i: u32, v: vec2<u32>) { work[i] = v.x; work[i + 1u] = v.y; }

var<workgroup> red: array<vec2<u32>, 256>;

// Workgroup-wide u64 sum (call from uniform control flow).
fn wg_sum(lid: u32, v: vec2<u32>) -> vec2<u32> {
  workgroupBarrier();
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = add64(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
