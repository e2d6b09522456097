// columns.wgsl: pass 5 of 8. Mirrors runEpochCpu's ranks R_j = Σ_i A_i * clipped_ij with
// I = normalize(R), and Yuma1's column normalization of B and ΔB (colNormalize).
// Reads hdr, ent, csr, work; writes work per uid (W_I), per entry (E_B, E_DB), scalar S_ANYC.

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let H = wg.x * META;
  let n = hdr[H + M_N];
  let eo = hdr[H + M_ENT];
  let cp = hdr[H + M_COLPTR];
  let cs = hdr[H + M_CSC];
  let wu = hdr[H + M_WORK_UID];
  let yuma3 = (hdr[H + M_FLAGS] & 1u) != 0u;
  var partR = ZERO;
  var anyC = 0u;
  for (var j = lid; j < n; j = j + WG) {
    let c0 = cs + csr[cp + j];
    let c1 = cs + csr[cp + j + 1u];
    var r = ZERO;
    var sb = ZERO;
    var sd = ZERO;
    for (var c = c0; c < c1; c = c + 1u) {
      let e = eo + csr[c];
      let f = work[e * WE + E_FLAGS];
      if ((f & 2u) != 0u) {
        let a = u64at_work(wu + ent[e * 4u] * WU + W_A);
        r = add64(r, mulfx(a, u64at_work(e * WE + E_CLIP)));
      }
      if ((f & 8u) != 0u) { sb = add64(sb, u64at_work(e * WE + E_B)); }
      if ((f & 16u) != 0u) { sd = add64(sd, u64at_work(e * WE + E_DB)); }
    }
    if (!yuma3) {
      for (var c = c0; c < c1; c = c + 1u) {
        let e = eo + csr[c];
        let f = work[e * WE + E_FLAGS];
        if ((f & 8u) != 0u && !is0(sb)) { set_work(e * WE + E_B, div_prop(u64at_work(e * WE + E_B), sb)); }
        if ((f & 16u) != 0u && !is0(sd)) { set_work(e * WE + E_DB, div_prop(u64at_work(e * WE + E_DB), sd)); }
      }
    }
    set_work(wu + j * WU + W_I, r);
    partR = add64(partR, r);
    if (!is0(u64at_work(wu + j * WU + W_C))) { anyC = 1u; }
  }
  let sumR = wg_sum(lid, partR);
  let nC = wg_sum(lid, vec2<u32>(anyC, 0u)).x;
  if (lid == 0u) { work[hdr[H + M_SCAL] + S_ANYC] = nC; }
  if (!is0(sumR)) {
    for (var j = lid; j < n; j = j + WG) {
      set_work(wu + j * WU + W_I, div_prop(u64at_work(wu + j * WU + W_I), sumR));
    }
  }
}
