// helpers-check.wgsl: test-only kernel (not part of the epoch). Evaluates common.wgsl's 64-bit
// fixed-point helpers on operand pairs so tests can compare them with the BigInt oracle of
// fixed.ts (mulBig, divBig, fixedToU16Big): mulfx, mulfx_ceil, div_prop, div_small, to_u16,
// add64, sub64.
// Bindings used: hdr[0] = number of cases; uidIn = 4 words per case (a.lo, a.hi, b.lo, b.hi);
// outb = 12 words per case.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= hdr[0]) { return; }
  let a = u64at_in(i * 4u);
  let b = u64at_in(i * 4u + 2u);
  let m = mulfx(a, b);
  let mc = mulfx_ceil(a, b);
  var d = ZERO;
  if (le64(a, b) && b.y < 0x80000000u) { d = div_prop(a, b); }
  let ds = div_small(a, max(1u, b.x & 0xffffu));
  let s = add64(a, b);
  let t = sub64(a, b);
  let o = i * 12u;
  outb[o] = m.x; outb[o + 1u] = m.y;
  outb[o + 2u] = mc.x; outb[o + 3u] = mc.y;
  outb[o + 4u] = d.x; outb[o + 5u] = d.y;
  outb[o + 6u] = ds.x; outb[o + 7u] = ds.y;
  outb[o + 8u] = to_u16(a);
  outb[o + 9u] = s.x; outb[o + 10u] = s.y;
  outb[o + 11u] = t.x ^ t.y;
}
