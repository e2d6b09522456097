// weights.wgsl: pass 2 of 8. Mirrors runEpochCpu's "Weights" stage: drop rows without a permit,
// the diagonal (owner's kept), outdated entries (last_update_i <= reg_j), commit-reveal entries
// (commit_i < reg_j); row-normalize w_ij = w / Σw (divFx).
// Reads hdr, uidIn, ent, csr; writes work per entry (E_W, flag bit0).

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let H = wg.x * META;
  let n = hdr[H + M_N];
  let uo = hdr[H + M_UID];
  let eo = hdr[H + M_ENT];
  let rp = hdr[H + M_ROWPTR];
  let flags = hdr[H + M_FLAGS];
  let owner = hdr[H + M_OWNER];
  let hasOwner = (flags & 8u) != 0u;
  for (var i = lid; i < n; i = i + WG) {
    let ui = (uo + i) * UI;
    let allowed = (uidIn[ui + U_FLAGS] & 2u) != 0u;
    let lu = u64at_in(ui + U_LU);
    let cb = u64at_in(ui + U_CB);
    let e0 = csr[rp + i];
    let e1 = csr[rp + i + 1u];
    var rowSum = 0u;
    for (var e = e0; e < e1; e = e + 1u) {
      let g = eo + e;
      let w = ent[g * 4u + 2u];
      var keep = allowed && (w & 0x10000u) != 0u;
      let j = ent[g * 4u + 1u];
      let reg = u64at_in((uo + j) * UI + U_REG);
      if (j == i && !(hasOwner && i == owner)) { keep = false; }
      if (le64(lu, reg)) { keep = false; }
      if (lt64(cb, reg)) { keep = false; }
      work[g * WE + E_FLAGS] = select(0u, 1u, keep);
      if (keep) { rowSum = rowSum + (w & 0xffffu); }
    }
    for (var e = e0; e < e1; e = e + 1u) {
      let g = eo + e;
      if ((work[g * WE + E_FLAGS] & 1u) != 0u) {
        let w = vec2<u32>(ent[g * 4u + 2u] & 0xffffu, 0u);
        set_work(g * WE + E_W, div_prop(w, vec2<u32>(rowSum, 0u)));
      }
    }
  }
}
