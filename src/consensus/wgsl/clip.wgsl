// clip.wgsl: pass 4 of 8. Mirrors runEpochCpu's "Clip", "Validator trust", the W_b interpolation
// (bonds penalty), the bonds mask (drop (i, j) when last_tempo <= reg_j), the Yuma3 proportion
// B = u16 / 65535, and Yuma1's ΔB = W_b ∘ A.
// Reads hdr, uidIn, ent, csr, work (E_W, W_C, W_A); writes work per entry (E_CLIP, E_WB, E_B,
// E_DB, flags bits 1-4) and per uid (W_VT).

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let H = wg.x * META;
  let n = hdr[H + M_N];
  let uo = hdr[H + M_UID];
  let eo = hdr[H + M_ENT];
  let rp = hdr[H + M_ROWPTR];
  let wu = hdr[H + M_WORK_UID];
  let yuma3 = (hdr[H + M_FLAGS] & 1u) != 0u;
  let beta = u64at_hdr(H + M_BETA);
  let lastTempo = u64at_hdr(H + M_LAST_TEMPO);
  for (var i = lid; i < n; i = i + WG) {
    let a = u64at_work(wu + i * WU + W_A);
    var vt = ZERO;
    for (var e = csr[rp + i]; e < csr[rp + i + 1u]; e = e + 1u) {
      let g = eo + e;
      var f = work[g * WE + E_FLAGS] & 1u;
      let j = ent[g * 4u + 1u];
      // clip: w > C_j -> C_j (dropped when C_j = 0), else w (explicit zeros kept)
      var clip = ZERO;
      let w = u64at_work(g * WE + E_W);
      if (f != 0u) {
        let th = u64at_work(wu + j * WU + W_C);
        if (lt64(th, w)) {
          if (!is0(th)) { clip = th; f = f | 2u; }
        } else { clip = w; f = f | 2u; }
        if ((f & 2u) != 0u) { vt = add64(vt, clip); set_work(g * WE + E_CLIP, clip); }
      }
      // W_b = W + beta * (clipped - W): beta = 0 -> W, beta = 1 -> clipped, else entries > 0
      var wb = ZERO;
      var hasWb = false;
      if (is0(beta)) {
        hasWb = (f & 1u) != 0u; wb = w;
      } else if (beta.x == ONE.x && beta.y == ONE.y) {
        hasWb = (f & 2u) != 0u; wb = clip;
      } else if ((f & 1u) != 0u) {
        // clip <= w, so beta * (clip - w) is a floor of a negative product: w - ceil(beta * (w - clip))
        wb = sub64(w, mulfx_ceil(beta, sub64(w, clip)));
        hasWb = !is0(wb);
      }
      if (hasWb) { f = f | 4u; set_work(g * WE + E_WB, wb); }
      // bonds: mask, scale
      let b = ent[g * 4u + 3u];
      let reg = u64at_in((uo + j) * UI + U_REG);
      if ((b & 0x10000u) != 0u && !le64(lastTempo, reg)) {
        f = f | 8u;
        let raw = vec2<u32>(b & 0xffffu, 0u);
        set_work(g * WE + E_B, select(raw, div_prop(raw, vec2<u32>(65535u, 0u)), yuma3));
      }
      // Yuma1: ΔB = W_b * A_i
      if (!yuma3 && hasWb) { f = f | 16u; set_work(g * WE + E_DB, mulfx(wb, a)); }
      work[g * WE + E_FLAGS] = f;
    }
    set_work(wu + i * WU + W_VT, vt);
  }
}
