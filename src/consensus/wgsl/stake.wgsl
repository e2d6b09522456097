// stake.wgsl: pass 1 of 8. Mirrors runEpochCpu's "Validator permits" and "Active stake" stages
// (epoch.ts: isTopkNonzero, inplaceNormalize) and the use_stake normalization of
// weightedMedianColSparse.
// Reads hdr, uidIn; writes work (per uid: A, use_stake, new permit; per epoch: Σuse_stake, m).
// One workgroup per epoch (workgroup_id.x), threads stride over uids.

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let H = wg.x * META;
  let n = hdr[H + M_N];
  let uo = hdr[H + M_UID];
  let wu = hdr[H + M_WORK_UID];
  let sc = hdr[H + M_SCAL];

  // A_i = S_i, zeroed when inactive or (permit vector written and) not permitted
  var part = ZERO;
  for (var i = lid; i < n; i = i + WG) {
    let ui = (uo + i) * UI;
    let f = uidIn[ui + U_FLAGS];
    var a = u64at_in(ui + U_S);
    if ((f & 1u) == 0u || (f & 4u) != 0u) { a = ZERO; }
    set_work(wu + i * WU + W_A, a);
    part = add64(part, a);
  }
  let sumA = wg_sum(lid, part);

  // A = normalize(A); use_stake = A_i where A_i > 0
  var partU = ZERO;
  var cnt = 0u;
  for (var i = lid; i < n; i = i + WG) {
    var a = u64at_work(wu + i * WU + W_A);
    if (!is0(sumA)) { a = div_prop(a, sumA); }
    set_work(wu + i * WU + W_A, a);
    partU = add64(partU, a);
    if (!is0(a)) { cnt = cnt + 1u; }
  }
  let sumU = wg_sum(lid, partU);
  let m = wg_sum(lid, vec2<u32>(cnt, 0u)).x;

  // use_stake = normalize(use_stake); stake_sum = Σ use_stake
  var partS = ZERO;
  for (var i = lid; i < n; i = i + WG) {
    var u = u64at_work(wu + i * WU + W_A);
    if (!is0(sumU)) { u = div_prop(u, sumU); }
    set_work(wu + i * WU + W_US, u);
    partS = add64(partS, u);
  }
  let stakeSum = wg_sum(lid, partS);
  if (lid == 0u) {
    set_work(sc + S_STAKESUM, stakeSum);
    work[sc + S_M] = m;
  }

  // new_permit = is_topk_nonzero(S, k): S_i != 0, cleared when its stable ascending rank < n - k
  let k = hdr[H + M_K];
  let flags = hdr[H + M_FLAGS];
  let owner = hdr[H + M_OWNER];
  for (var i = lid; i < n; i = i + WG) {
    let si = u64at_in((uo + i) * UI + U_S);
    var p = !is0(si);
    if (n >= k) {
      var rank = 0u;
      for (var j = 0u; j < n; j = j + 1u) {
        let sj = u64at_in((uo + j) * UI + U_S);
        if (lt64(sj, si) || (j < i && sj.x == si.x && sj.y == si.y)) { rank = rank + 1u; }
      }
      if (rank < n - k) { p = false; }
    }
    if ((flags & 8u) != 0u && i == owner) { p = true; }
    work[wu + i * WU + W_PERMIT] = select(0u, 1u, p);
  }
}
