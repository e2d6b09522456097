// ema.wgsl: pass 6 of 8. Mirrors matEmaSparse (alpha * new + (1 - alpha) * old on the union of
// entries, kept when > 0; new = ΔB for Yuma1, W_b for Yuma3) and matEmaLiquid with alphaFromDiff /
// combinedDiff / expSafeBig (Yuma3 liquid alpha: per-cell alpha from the 30-term fixed-point exp;
// an entry exists only where W_b has one).
// Reads hdr, ent, csr, work; writes work per entry (E_EMA, flag bit5).

const E_CONST: vec2<u32> = vec2<u32>(3084997120u, 2u); // E_I9F23 << 9
const EXP_MAX: vec2<u32> = vec2<u32>(0u, 20u);          // 20.0

// substrate_fixed exp on |x| (x = ±op), I32F32.
fn exp_fixed(op: vec2<u32>, neg: bool) -> vec2<u32> {
  if (is0(op)) { return ONE; }
  if (!neg && op.x == ONE.x && op.y == ONE.y) { return E_CONST; }
  var result = add64(op, ONE);
  var term = op;
  for (var i = 2u; i < 32u; i = i + 1u) {
    term = div_small(mulfx(term, op), i);
    result = add64(result, term);
  }
  if (neg) { result = div_prop(ONE, result); }
  return result;
}

// alpha_sigmoid(C, W, B): x = W >= B ? clamp(W - C) : clamp(B - W);
// sig = 1 / (1 + exp_safe(slope * (x - 0.5))); alpha = clamp(low + sig * (high - low), low, high).
fn alpha_sigmoid(H: u32, c: vec2<u32>, w: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let low = u64at_hdr(H + M_LOW);
  let high = u64at_hdr(H + M_HIGH);
  if (lt64(high, low)) { return low; } // clamp(min(a, high), low) = low whenever low > high
  var x = ZERO;
  if (le64(b, w)) { if (lt64(c, w)) { x = sub64(w, c); } } else { x = sub64(b, w); }
  x = min64(x, ONE);
  let slope = u64at_hdr(H + M_SLOPE);
  let slopeNeg = hdr[H + M_SLOPE_NEG] != 0u;
  var d = ZERO;
  var dNeg = false;
  if (le64(HALF, x)) { d = sub64(x, HALF); } else { d = sub64(HALF, x); dNeg = true; }
  let neg = slopeNeg != dNeg;
  var mag = select(mulfx(slope, d), mulfx_ceil(slope, d), neg);
  mag = min64(mag, EXP_MAX);
  let e = exp_fixed(mag, neg && !is0(mag));
  let sig = div_prop(ONE, add64(ONE, e));
  let a = add64(low, mulfx(sig, sub64(high, low)));
  return max64(min64(a, high), low);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let H = wg.x * META;
  let n = hdr[H + M_N];
  let eo = hdr[H + M_ENT];
  let rp = hdr[H + M_ROWPTR];
  let wu = hdr[H + M_WORK_UID];
  let flags = hdr[H + M_FLAGS];
  let yuma3 = (flags & 1u) != 0u;
  let liquid = yuma3 && (flags & 2u) != 0u && work[hdr[H + M_SCAL] + S_ANYC] != 0u;
  let alpha = u64at_hdr(H + M_ALPHA);
  let oneMinus = sub64(ONE, alpha);
  for (var i = lid; i < n; i = i + WG) {
    for (var e = csr[rp + i]; e < csr[rp + i + 1u]; e = e + 1u) {
      let g = eo + e;
      var f = work[g * WE + E_FLAGS];
      let hasB = (f & 8u) != 0u;
      let b = select(ZERO, u64at_work(g * WE + E_B), hasB);
      var v = ZERO;
      var present = false;
      if (liquid) {
        if ((f & 4u) != 0u) {
          let wb = u64at_work(g * WE + E_WB);
          let c = u64at_work(wu + ent[g * 4u + 1u] * WU + W_C);
          let a = alpha_sigmoid(H, c, wb, b);
          var decayed = ZERO;
          if (hasB) { decayed = mulfx(sub64(ONE, a), b); }
          v = min64(add64(decayed, mulfx(a, wb)), ONE);
          present = !is0(v);
        }
      } else {
        let newBit = select(16u, 4u, yuma3);
        let newOff = select(E_DB, E_WB, yuma3);
        if ((f & newBit) != 0u) { v = mulfx(alpha, u64at_work(g * WE + newOff)); }
        if (hasB) { v = add64(v, mulfx(oneMinus, b)); }
        present = !is0(v);
      }
      if (present) { f = f | 32u; set_work(g * WE + E_EMA, v); }
      work[g * WE + E_FLAGS] = f;
    }
  }
}
