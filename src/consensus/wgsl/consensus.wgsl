// consensus.wgsl: pass 3 of 8. Mirrors weightedMedianColSparse / weightedMedianClosed (epoch.ts):
// C_j = the smallest present score v with S<=(v) > minority, found as the smallest t in [0, 2^32]
// with G(t) = Σ use_stake[w_ij > t] < kappa (33-step binary search over the column), then the
// smallest present score >= t; the largest present score when kappa = 0.
// Reads hdr, ent, csr, work (E_W, W_US, S_M); writes work per uid (W_C). As scratch it packs each
// column's valid (score, use_stake) pairs into the E_EMA/E_EMAN slots of the entries at the
// column's own column-major positions (those slots are first written by a later pass).

fn col_g(base: u32, cnt: u32, t: vec2<u32>) -> vec2<u32> {
  var g = ZERO;
  for (var k = 0u; k < cnt; k = k + 1u) {
    let s = (base + k) * WE;
    if (lt64(t, u64at_work(s + E_EMA))) { g = add64(g, u64at_work(s + E_EMAN)); }
  }
  return g;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let H = wg.x * META;
  let n = hdr[H + M_N];
  let eo = hdr[H + M_ENT];
  let cp = hdr[H + M_COLPTR];
  let cs = hdr[H + M_CSC];
  let wu = hdr[H + M_WORK_UID];
  let m = work[hdr[H + M_SCAL] + S_M];
  let kappa = u64at_hdr(H + M_KAPPA);
  for (var j = lid; j < n; j = j + WG) {
    let c0 = cs + csr[cp + j];
    let c1 = cs + csr[cp + j + 1u];
    let base = eo + (c0 - cs);
    var result = ZERO;
    if (m > 0u) {
      // gather valid entries: kept weight > 0 from a validator with use_stake > 0
      var pos = 0u;
      var vmax = ZERO;
      for (var c = c0; c < c1; c = c + 1u) {
        let e = eo + csr[c];
        if ((work[e * WE + E_FLAGS] & 1u) != 0u) {
          let w = u64at_work(e * WE + E_W);
          let us = u64at_work(wu + ent[e * 4u] * WU + W_US);
          if (!is0(w) && !is0(us)) {
            let s = (base + pos) * WE;
            set_work(s + E_EMA, w);
            set_work(s + E_EMAN, us);
            pos = pos + 1u;
            vmax = max64(vmax, w);
          }
        }
      }
      let zeroPresent = pos < m;
      if (is0(kappa)) {
        result = vmax;
      } else {
        var lo = ZERO;
        var hi = vmax; // G(max score) = 0 < kappa
        for (var it = 0u; it < 34u; it = it + 1u) {
          if (!lt64(lo, hi)) { break; }
          let mid = add64(lo, shr1(sub64(hi, lo)));
          if (lt64(col_g(base, pos, mid), kappa)) { hi = mid; } else { lo = add64(mid, vec2<u32>(1u, 0u)); }
        }
        if (is0(lo) && zeroPresent) {
          result = ZERO;
        } else {
          var best = ONE;
          var found = false;
          for (var k = 0u; k < pos; k = k + 1u) {
            let w = u64at_work((base + k) * WE + E_EMA);
            if (le64(lo, w) && (!found || lt64(w, best))) { best = w; found = true; }
          }
          result = select(ZERO, best, found);
        }
      }
    }
    set_work(wu + j * WU + W_C, result);
  }
}
