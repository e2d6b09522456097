// emission.wgsl: pass 8 of 8. Mirrors runEpochCpu's dividends (Yuma1 D_i = Σ_j I_j * EMA_ij;
// Yuma3 D_i = (Σ_j EMA_norm_ij * I_j) * A_i), D = normalize(D), the emission split with the
// stake fallback, fixedTimesRao, and every u16 output (fixedToU16).
// Reads hdr, uidIn, ent, csr, work; writes outb per uid (OU words).

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let H = wg.x * META;
  let n = hdr[H + M_N];
  let uo = hdr[H + M_UID];
  let eo = hdr[H + M_ENT];
  let rp = hdr[H + M_ROWPTR];
  let wu = hdr[H + M_WORK_UID];
  let yuma3 = (hdr[H + M_FLAGS] & 1u) != 0u;
  let rao = u64at_hdr(H + M_RAO);
  var partD = ZERO;
  var partA = ZERO;
  for (var i = lid; i < n; i = i + WG) {
    var t = ZERO;
    for (var e = csr[rp + i]; e < csr[rp + i + 1u]; e = e + 1u) {
      let g = eo + e;
      if ((work[g * WE + E_FLAGS] & 32u) != 0u) {
        let ij = u64at_work(wu + ent[g * 4u + 1u] * WU + W_I);
        t = add64(t, mulfx(u64at_work(g * WE + E_EMAN), ij));
      }
    }
    let a = u64at_work(wu + i * WU + W_A);
    if (yuma3) { t = mulfx(t, a); }
    set_work(wu + i * WU + W_D, t);
    partD = add64(partD, t);
    partA = add64(partA, a);
  }
  let sumD = wg_sum(lid, partD);
  let sumA = wg_sum(lid, partA);
  var partE = ZERO;
  for (var i = lid; i < n; i = i + WG) {
    var d = u64at_work(wu + i * WU + W_D);
    if (!is0(sumD)) { d = div_prop(d, sumD); set_work(wu + i * WU + W_D, d); }
    partE = add64(partE, add64(u64at_work(wu + i * WU + W_I), d));
  }
  let esum = wg_sum(lid, partE);
  for (var i = lid; i < n; i = i + WG) {
    let inc = u64at_work(wu + i * WU + W_I);
    let d = u64at_work(wu + i * WU + W_D);
    var server = inc;
    var validator = d;
    var combined = add64(inc, d);
    if (!is0(esum)) {
      server = div_prop(inc, esum);
      validator = div_prop(d, esum);
      combined = div_prop(combined, esum);
    } else {
      // no weights: emission falls back to active stake, or to stake when no stake is active
      var src = u64at_work(wu + i * WU + W_A);
      if (is0(sumA)) { src = u64at_in((uo + i) * UI + U_S); }
      validator = src;
      combined = src;
    }
    let o = (uo + i) * OU;
    outb[o + 0u] = to_u16(u64at_in((uo + i) * UI + U_S));
    outb[o + 1u] = to_u16(u64at_work(wu + i * WU + W_C));
    outb[o + 2u] = to_u16(inc);
    outb[o + 3u] = to_u16(d);
    outb[o + 4u] = to_u16(u64at_work(wu + i * WU + W_VT));
    outb[o + 5u] = work[wu + i * WU + W_PERMIT];
    let se = mulfx(server, rao);
    let ve = mulfx(validator, rao);
    let ce = mulfx(combined, rao);
    outb[o + 6u] = se.x; outb[o + 7u] = se.y;
    outb[o + 8u] = ve.x; outb[o + 9u] = ve.y;
    outb[o + 10u] = ce.x; outb[o + 11u] = ce.y;
  }
}
