// ema-columns.wgsl: pass 7 of 8. Mirrors colNormalize(EMA) and, for Yuma1, the storage column
// max-upscale (x / colmax) of runEpochCpu; writes the stored bonds (fixed_proportion_to_u16:
// Yuma1 of the upscaled values, Yuma3 of the raw EMA).
// Reads hdr, ent, csr, work; writes work per entry (E_EMAN) and outb stored-bond words
// (u16 | present << 16).

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let H = wg.x * META;
  let n = hdr[H + M_N];
  let eo = hdr[H + M_ENT];
  let cp = hdr[H + M_COLPTR];
  let cs = hdr[H + M_CSC];
  let ob = hdr[H + M_OUT_ENT];
  let yuma3 = (hdr[H + M_FLAGS] & 1u) != 0u;
  for (var j = lid; j < n; j = j + WG) {
    let c0 = cs + csr[cp + j];
    let c1 = cs + csr[cp + j + 1u];
    var s = ZERO;
    for (var c = c0; c < c1; c = c + 1u) {
      let e = eo + csr[c];
      if ((work[e * WE + E_FLAGS] & 32u) != 0u) { s = add64(s, u64at_work(e * WE + E_EMA)); }
    }
    var mx = ZERO;
    for (var c = c0; c < c1; c = c + 1u) {
      let e = eo + csr[c];
      if ((work[e * WE + E_FLAGS] & 32u) != 0u) {
        var v = u64at_work(e * WE + E_EMA);
        if (!is0(s)) { v = div_prop(v, s); }
        set_work(e * WE + E_EMAN, v);
        mx = max64(mx, v);
      }
    }
    for (var c = c0; c < c1; c = c + 1u) {
      let le = csr[c];
      let e = eo + le;
      var word = 0u;
      if ((work[e * WE + E_FLAGS] & 32u) != 0u) {
        var st = u64at_work(e * WE + E_EMA);
        if (!yuma3) {
          st = u64at_work(e * WE + E_EMAN);
          if (!is0(mx)) { st = div_prop(st, mx); }
        }
        word = to_u16(st) | 0x10000u;
      }
      outb[ob + le] = word;
    }
  }
}
