/**
 * Intervertebral disc spaces as narrow minima of the bone profile along the body axis: a disc is
 * a minimum with bone (endplates) rising on both sides within 9 mm, which rejects the broad dip
 * inside an osteoporotic body whose endplates are 10–15 mm away; a minimum surrounded by a
 * cortical ring (≥ 92 % of directions) is a body interior and never a disc; where no cortical
 * ring surrounds the minimum (it cannot be a body interior) 14 mm and a shallower dip are allowed,
 * for discs next to wedged bodies, discs blurred by thick slices and the discs of osteoporotic
 * spines, which are brighter than their bodies' interiors (the annulus lacks a cortex; the method
 * follows the intensity-profile approach of Klinder T et al., Med Image Anal 2009;13:471–82).
 * Thin thoracic discs (4–5 mm) in 2.5–3 mm slices are lifted to 0.65–0.85 by partial volume and
 * have rib heads in their ring: they are accepted as sharp notches instead (both endplates rising
 * by ≥ 0.18 within 4 mm; a body interior is 10–25 mm wide).
 * Minima closer than 11 mm merge.
 * Segments between consecutive discs are vertebral bodies; the open segments at the ends are
 * kept as partial (truncated) bodies when they hold enough bone.
 */
import type { SpineAxis } from './buildSpineAxis.js';

export interface AxisSegment {
  /** Axis index of the disc (or axis end) above and below. */
  readonly upper: number;
  readonly lower: number;
  /** True when the segment is closed by a disc on both sides. */
  readonly complete: boolean;
  /** Profile contrast between body and adjacent discs, 0…1. */
  readonly contrast: number;
}

export function findDiscSpaces(axis: SpineAxis): number[] {
  const n = axis.length;
  // The profile is already a disc average at 1 mm steps: no further smoothing, so thin (5–6 mm)
  // cervical and thoracic discs keep their depth.
  const p = axis.profile;
  const found: { m: number; depth: number; ring: number }[] = [];
  for (let m = 1; m < n - 1; m++) {
    const v = p[m]!;
    const ring = axis.ring[m]!;
    // A cortical shell all around the minimum: the inside of a (low-density) body, never a disc.
    if (ring >= 0.92) continue;
    const classic = classicDisc(p, m, ring);
    const notch = classic === null ? thinDiscNotch(p, m) : null;
    if (classic === null && notch === null) continue;
    const depth = classic ?? notch!;
    const last = found[found.length - 1];
    if (last && m - last.m < 11) {
      // Of two nearby minima the one without a cortical ring is the disc; otherwise the deeper.
      const better = ring < last.ring - 0.3 || (!(last.ring < ring - 0.3) && depth > last.depth);
      if (better) found[found.length - 1] = { m, depth, ring };
      continue;
    }
    found.push({ m, depth, ring });
  }
  return found.map((f) => f.m);
}

/**
 * The classic test: a minimum over ±5 mm (±2 without any cortical ring) with bone rising on both
 * sides within 9 mm (14 without a ring) by 0.22 (0.12 without a ring), not brighter than 0.65
 * (0.85 without a ring); a bright minimum must be a 6 mm notch. Returns the depth, or null.
 */
function classicDisc(p: Float64Array, m: number, ring: number): number | null {
  const v = p[m]!;
  const ringless = ring < 0.7;
  const open = ring < 0.5;
  const w = open ? 2 : 5;
  for (let d = -w; d <= w; d++) {
    const x = p[m + d];
    if (x !== undefined && x < v) return null;
  }
  // Without a cortical ring the minimum cannot be inside a body: a shallow, narrow dip between two
  // endplates (the disc of an osteoporotic spine, whose body interiors are darker than its discs)
  // is accepted, and the endplates may sit further away (wedged or tilted neighbours).
  const reach = ringless ? 14 : 9;
  let left = -1;
  let right = -1;
  for (let d = 1; d <= reach; d++) {
    const l = p[m - d];
    const r = p[m + d];
    if (l !== undefined && l > left) left = l;
    if (r !== undefined && r > right) right = r;
  }
  if (left < 0 || right < 0) return null;
  const depth = Math.min(left, right) - v;
  // Thick slices (3 mm) blur thin discs: without a cortical ring a shallower dip is accepted.
  if (depth < (ringless ? 0.12 : 0.22) || v > (open ? 0.85 : 0.65)) return null;
  // A bright minimum (osteoporotic disc) must be a narrow notch: both endplates within 6 mm.
  if (v > 0.65) {
    let l6 = -1;
    let r6 = -1;
    for (let d = 1; d <= 6; d++) {
      l6 = Math.max(l6, p[m - d] ?? -1);
      r6 = Math.max(r6, p[m + d] ?? -1);
    }
    if (Math.min(l6, r6) - v < 0.12) return null;
  }
  return depth;
}

/** Rise of both endplates within 4 mm above a thin disc's minimum (profile units, bone fraction 0…1). */
const THIN_NOTCH_DEPTH = 0.18;

/**
 * A thin disc (thoracic, 4–5 mm) in thick slices (2.5–3 mm): partial volume with both endplates
 * lifts its minimum to 0.65–0.85 and rib heads at the disc level put bone into part of the ring, so
 * the classic test misses it. It is still a sharp notch: a minimum over ±2 mm with both endplates
 * rising by at least THIN_NOTCH_DEPTH within 4 mm (a body interior is 10–25 mm wide, so its
 * endplates are not both within 4 mm). Returns the notch depth, or null.
 */
function thinDiscNotch(p: Float64Array, m: number): number | null {
  const v = p[m]!;
  if (v > 0.85) return null;
  for (let d = -2; d <= 2; d++) {
    const x = p[m + d];
    if (x !== undefined && x < v) return null;
  }
  let left = -1;
  let right = -1;
  for (let d = 1; d <= 4; d++) {
    left = Math.max(left, p[m - d] ?? -1);
    right = Math.max(right, p[m + d] ?? -1);
  }
  const depth = Math.min(left, right) - v;
  return depth >= THIN_NOTCH_DEPTH ? depth : null;
}

export function segmentBetweenDiscs(axis: SpineAxis, discs: readonly number[]): AxisSegment[] {
  const segments: AxisSegment[] = [];
  const bodyMean = (a: number, b: number): number => {
    let s = 0;
    let c = 0;
    for (let m = a; m <= b; m++) {
      s += axis.profile[m]!;
      c++;
    }
    return c ? s / c : 0;
  };
  const contrastOf = (a: number, b: number): number => {
    const lo = Math.min(axis.profile[a] ?? 0, axis.profile[b] ?? 0);
    return Math.max(0, Math.min(1, bodyMean(a, b) - lo));
  };
  if (discs.length === 0) return segments;
  // Typical pitch (disc to disc) for capping long open end segments (e.g. the fused sacrum).
  const pitches = discs.slice(1).map((d, q) => d - discs[q]!).sort((x, y) => x - y);
  const pitch = pitches.length ? pitches[pitches.length >> 1]! : 30;
  /** Weak minimum (residual disc, e.g. S1/S2) between 0.6 and 1.4 pitches from `from`, in direction dir. */
  const weakMinimum = (from: number, dir: 1 | -1): number => {
    let best = -1;
    let bestVal = Infinity;
    for (let d = Math.round(0.6 * pitch); d <= Math.round(1.4 * pitch); d++) {
      const m = from + dir * d;
      if (m <= 2 || m >= axis.length - 3) break;
      const v = axis.profile[m]!;
      if (v < bestVal) {
        bestVal = v;
        best = m;
      }
    }
    if (best < 0) return -1;
    let around = -Infinity;
    for (let d = 3; d <= 8; d++) {
      around = Math.max(around, Math.min(axis.profile[best - d] ?? -Infinity, axis.profile[best + d] ?? -Infinity));
    }
    return around - bestVal >= 0.05 ? best : -1;
  };
  const first = discs[0]!;
  if (first >= 12 && bodyMean(0, first) >= 0.2) {
    if (first > 1.5 * pitch) {
      const cut = weakMinimum(first, -1);
      const upper = cut >= 0 ? cut : Math.max(0, first - pitch);
      segments.push({ upper, lower: first, complete: cut >= 0, contrast: contrastOf(upper, first) });
    } else segments.push({ upper: 0, lower: first, complete: false, contrast: contrastOf(0, first) });
  }
  for (let q = 0; q + 1 < discs.length; q++) {
    const a = discs[q]!;
    const b = discs[q + 1]!;
    segments.push({ upper: a, lower: b, complete: true, contrast: contrastOf(a, b) });
  }
  const lastDisc = discs[discs.length - 1]!;
  const end = axis.length - 1;
  if (end - lastDisc >= 12 && bodyMean(lastDisc, end) >= 0.2) {
    if (end - lastDisc > 1.5 * pitch) {
      const cut = weakMinimum(lastDisc, 1);
      const lower = cut >= 0 ? cut : Math.min(end, lastDisc + pitch);
      segments.push({ upper: lastDisc, lower, complete: cut >= 0, contrast: contrastOf(lastDisc, lower) });
    } else segments.push({ upper: lastDisc, lower: end, complete: false, contrast: contrastOf(lastDisc, end) });
  }
  return segments;
}
