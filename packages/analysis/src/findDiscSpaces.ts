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
 * Minima closer than 11 mm merge. In osteoporotic columns, whose dark body interiors pass as minima
 * and whose thin discs are bright notches between two endplates, rhythmic endplate bands replace
 * them (findEndplateBands); with the canal out of view (bodies cut by the field of view) the bands
 * alone give the discs.
 * Segments between consecutive discs are vertebral bodies; the open segments at the ends are
 * kept as partial (truncated) bodies when they hold enough bone over at least 12 mm in view (to the
 * edge of the imaged slab, half a slice beyond the last sample centre).
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

export interface FindDiscSpacesOptions {
  /**
   * The canal is out of view and only the anterior rim of the bodies is (traceBodyColumnAtEdge.ts):
   * discs are found as endplate bands (findEndplateBands) instead of profile minima.
   */
  readonly canalOutOfView?: boolean;
}

export function findDiscSpaces(axis: SpineAxis, options: FindDiscSpacesOptions = {}): number[] {
  if (options.canalOutOfView) return findEndplateBands(axis.profile);
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
    const classic = classicDisc(p, m, ring, axis.ring);
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
  let discs = found.map((f) => f.m);
  // Osteoporotic bodies (trabecular bone darker than the annulus) with thin thoracic discs: the
  // disc between two bright endplates is a notch too shallow for the tests above, and its ring
  // holds rib heads, while the dark body interiors beside it pass as minima. An endplate band (two
  // endplates resolved 2–9 mm apart, body interiors darker by BAND_PROMINENCE on both sides; in a
  // normally dense spine the interiors are as bright as the endplates and no band forms) is taken
  // as a disc only where the bands keep the column's rhythm: no other band within 14 mm and one
  // at 14–40 mm (a vertebral pitch, cervical to lumbar; Panjabi 1991/1992). The two endplates of a
  // crushed body also form a band, but alone and with a minimum (its discs) within 11 mm on both
  // sides: not taken. Only between the first and the last minimum. A band taken replaces any
  // minimum within 11 mm (a body interior).
  const bands = findEndplateBands(p, true);
  const classic = discs.slice();
  for (const b of bands) {
    // Bands split segments between minima; beyond the first and last minimum (the atlas and dens
    // above C2, the sacrum) the column's ends are left to the tests above.
    if (classic.length < 2 || b <= Math.min(...classic) || b >= Math.max(...classic)) continue;
    const gaps = bands.filter((c) => c !== b).map((c) => Math.abs(c - b));
    if (gaps.some((g) => g < 14) || !gaps.some((g) => g <= 40)) continue;
    const near = classic.filter((d) => Math.abs(d - b) < 11);
    if (near.some((d) => d < b) && near.some((d) => d > b)) continue;
    discs = discs.filter((d) => Math.abs(d - b) >= 11);
    discs.push(b);
  }
  return splitLongGaps(axis, discs.sort((x, y) => x - y));
}

/** An interior disc-to-disc gap longer than this multiple of its neighbours' median pitch holds two bodies. */
const LONG_GAP_RATIO = 1.6;
/** Fraction of the neighbours' pitch kept clear of either disc when searching a long gap for the missed one. */
const LONG_GAP_MARGIN = 0.6;

/**
 * Pitch rhythm: disc-to-disc pitch changes by less than ~25 % between adjacent levels in every
 * region (Panjabi MM et al., Spine 1991;16:888–901 and 1992;17:299–306). An interior gap (at
 * least one gap on each side) longer than LONG_GAP_RATIO × the median of its neighbouring gaps
 * (up to two on each side) holds two bodies whose disc the tests above missed: a disc plane tilted
 * against the axis in a rotated scoliotic segment leaves only a shallow dip, and an osteoporotic
 * body as dark as its disc, whose endplate fell between thick slices, leaves no dip at all. The
 * missed disc is searched between LONG_GAP_MARGIN × the neighbours' pitch from either disc, nearest
 * the middle of the gap (two bodies of similar height): a profile minimum (over ±2 mm) at least
 * 0.05 below the bone 3–8 mm away on both sides (the weak minimum of a residual disc, as in
 * segmentBetweenDiscs), else an opening of the cortical ring (the ring ≥ 0.2 lower than 3–8 mm
 * away on both sides: no cortical wall at a disc); without either the gap is left as it is
 * (findDetectionGaps reports it). One disc per gap, each gap judged against the discs found above
 * (a split gap never makes its neighbour look long).
 */
function splitLongGaps(axis: SpineAxis, discs: readonly number[]): number[] {
  const p = axis.profile;
  const ring = axis.ring;
  const out = discs.slice();
  /** Height of `arr` 3–8 mm away from m on both sides: max over d of the lower side. */
  const around = (arr: Float64Array, m: number): number => {
    let best = -Infinity;
    for (let d = 3; d <= 8; d++) best = Math.max(best, Math.min(arr[m - d] ?? -Infinity, arr[m + d] ?? -Infinity));
    return best;
  };
  for (let q = 1; q + 2 < discs.length; q++) {
    const gap = discs[q + 1]! - discs[q]!;
    const near: number[] = [];
    for (let r = Math.max(0, q - 2); r <= Math.min(discs.length - 2, q + 2); r++) if (r !== q) near.push(discs[r + 1]! - discs[r]!);
    near.sort((x, y) => x - y);
    const median = near.length % 2 ? near[near.length >> 1]! : (near[near.length / 2 - 1]! + near[near.length / 2]!) / 2;
    if (gap <= LONG_GAP_RATIO * median) continue;
    const lo = Math.ceil(discs[q]! + LONG_GAP_MARGIN * median);
    const hi = Math.floor(discs[q + 1]! - LONG_GAP_MARGIN * median);
    const mid = (discs[q]! + discs[q + 1]!) / 2;
    const nearestMid = (ok: (m: number) => boolean): number => {
      let best = -1;
      for (let m = lo; m <= hi; m++) if (ok(m) && (best < 0 || Math.abs(m - mid) < Math.abs(best - mid))) best = m;
      return best;
    };
    const localMin = (arr: Float64Array, m: number): boolean => {
      for (let d = -2; d <= 2; d++) if ((arr[m + d] ?? Infinity) < arr[m]!) return false;
      return true;
    };
    let disc = nearestMid((m) => localMin(p, m) && around(p, m) - p[m]! >= 0.05);
    if (disc < 0) disc = nearestMid((m) => localMin(ring, m) && around(ring, m) - ring[m]! >= 0.2);
    if (disc >= 0) out.push(disc);
  }
  return out.sort((x, y) => x - y);
}

/**
 * The classic test: a minimum over ±5 mm (±2 without any cortical ring) with bone rising on both
 * sides within 9 mm (14 without a ring) by 0.22 (0.12 without a ring), not brighter than 0.65
 * (0.85 without a ring); a bright minimum must be a 6 mm notch. Returns the depth, or null.
 */
function classicDisc(p: Float64Array, m: number, ring: number, rings: Float64Array): number | null {
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
  // A partial ring (half or more of the directions meet bone) leaves the minimum ambiguous: a disc
  // with rib heads or endplate rims beside it, or a body interior whose cortex lies inside the
  // expected radius (the radius is overestimated where an osteophyte or a calcified aorta in front
  // of the body extended the ray). The relaxed test then also needs a narrow dip: at half depth at
  // most PARTIAL_RING_MAX_WIDTH_MM wide (a disc and its blurred endplates), where the dim
  // trabecular interior of a low-density body is a plateau 15–25 mm long (real abdomen series:
  // 16 mm inside T12).
  if (ringless && !open && dipWidth(p, m, v + depth / 2) > PARTIAL_RING_MAX_WIDTH_MM) return null;
  // Under a partial ring, the shallow dip must also open the ring: a disc's ring (rib heads,
  // endplate rims) is lower than the cortical rings of the bodies on both sides 3–8 mm away. A
  // dip inside a low-density body keeps the body's ring on one side (fracture-wedge-g3, 2026-11-27:
  // the dim interior of the wedged L1 cut by the field of view, ring 0.56 as above it, 0.12 deep).
  if (ringless && !open && depth < 0.22 && !(ringBelowBothSides(rings, m, PARTIAL_RING_OPENING))) return null;
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

/** How much lower (fraction of directions) a shallow dip's partial ring must be than the rings beside it. */
const PARTIAL_RING_OPENING = 0.1;

/** The ring at m is lower by `by` than the highest ring 3–8 mm away, on both sides (the axis end counts as lower). */
function ringBelowBothSides(rings: Float64Array, m: number, by: number): boolean {
  let left = -Infinity;
  let right = -Infinity;
  for (let d = 3; d <= 8; d++) {
    left = Math.max(left, rings[m - d] ?? -Infinity);
    right = Math.max(right, rings[m + d] ?? -Infinity);
  }
  const r = rings[m]!;
  return (left === -Infinity || left >= r + by) && (right === -Infinity || right >= r + by);
}

/** Widest dip (mm, at half depth) accepted as a disc by the relaxed test under a partial ring. */
const PARTIAL_RING_MAX_WIDTH_MM = 12;

/** Length (mm, 1 mm samples) of the run of profile values below `level` around the minimum m. */
function dipWidth(p: Float64Array, m: number, level: number): number {
  let a = m;
  let b = m;
  while (a > 0 && p[a - 1]! < level) a--;
  while (b < p.length - 1 && p[b + 1]! < level) b++;
  return b - a + 1;
}

/** Smallest rise (profile units) of an endplate band above the body interiors on both sides. */
const BAND_PROMINENCE = 0.15;
/** Half-width (mm) of the endplate band: a 4–6 mm disc and its two endplates lie within ±5 mm of the disc centre. */
const BAND_HALF_MM = 5;
/** Reach (mm) of the body interiors beyond the band: the middle of a 15–25 mm thoracic body. */
const INTERIOR_REACH_MM = 14;

/**
 * Discs seen only through the anterior rim of the bodies (the field of view cuts the bodies; the
 * canal is out of view, so there is no cortical ring to tell a body interior from a disc, and a
 * trabecular interior less dense than the disc annulus makes the classic minimum test pick body
 * interiors). The endplates are the one reliable feature: every disc lies between the inferior
 * endplate above and the superior endplate below, 4–6 mm apart in the thoracic spine, while a body's
 * two endplates are 15–25 mm apart (Panjabi MM et al., Spine 1991). A point is scored by how far
 * the brightest profile value within ±BAND_HALF_MM (an endplate) stands above the upper quartile of
 * the profile 5–14 mm away on each side (the body interiors), the lower side counting; high only
 * across a disc.
 * Discs are the maxima of that score over ±8 mm reaching BAND_PROMINENCE (the centre of a plateau),
 * placed at the darkest point between the band's two endplate peaks (the disc itself) where they
 * are resolved, else at its one peak. Points without 5 mm of interior on both sides (the axis ends) are not scored; discs
 * closer than 11 mm merge.
 */
function findEndplateBands(p: Float64Array, resolvedOnly = false): number[] {
  const n = p.length;
  const score = new Float64Array(n).fill(-Infinity);
  // Upper quartile: a neighbouring disc's dip inside the window (short thoracic pitch) must not
  // pass for a dark body interior.
  const upperQuartile = (a: number, b: number): number => {
    const v = Array.from(p.subarray(Math.max(0, a), Math.min(n, b + 1))).sort((x, y) => x - y);
    return v[Math.floor(0.75 * (v.length - 1))]!;
  };
  for (let m = BAND_HALF_MM + 5; m + BAND_HALF_MM + 5 < n; m++) {
    let hi = -Infinity;
    for (let d = -BAND_HALF_MM; d <= BAND_HALF_MM; d++) hi = Math.max(hi, p[m + d]!);
    const above = upperQuartile(m - INTERIOR_REACH_MM, m - BAND_HALF_MM - 1);
    const below = upperQuartile(m + BAND_HALF_MM + 1, m + INTERIOR_REACH_MM);
    score[m] = hi - Math.max(above, below);
  }
  const found: number[] = [];
  for (let m = 0; m < n; m++) {
    const sc = score[m]!;
    if (sc < BAND_PROMINENCE) continue;
    let isMax = true;
    for (let d = -8; d <= 8 && isMax; d++) {
      const v = score[m + d];
      // The first point of a plateau stands for it.
      if (v !== undefined && (v > sc || (d < 0 && v === sc))) isMax = false;
    }
    if (!isMax) continue;
    // The two endplates: the brightest point within ±BAND_HALF_MM (one endplate), and the
    // brightest peak 2–9 mm from it that also stands BAND_PROMINENCE / 2 above the interiors (the
    // other); the disc is the darkest point between them; with one endplate, the disc next to it
    // when darker than the interiors, else the endplate (partial volume merged the two).
    let a = m;
    for (let q = Math.max(0, m - BAND_HALF_MM); q <= Math.min(n - 1, m + BAND_HALF_MM); q++) if (p[q]! > p[a]!) a = q;
    const interior = p[a]! - sc;
    let b = -1;
    for (let q = Math.max(1, a - 9); q <= Math.min(n - 2, a + 9); q++) {
      if (Math.abs(q - a) < 2 || p[q]! < p[q - 1]! || p[q]! < p[q + 1]! || p[q]! < interior + BAND_PROMINENCE / 2) continue;
      if (b < 0 || p[q]! > p[b]!) b = q;
    }
    if (resolvedOnly && b < 0) continue;
    let disc = a;
    if (b >= 0) {
      for (let q = Math.min(a, b); q <= Math.max(a, b); q++) if (p[q]! < p[disc]!) disc = q;
    } else {
      // One endplate seen: a disc darker than the body interiors lies next to it (within 6 mm).
      let dark = a;
      for (let q = Math.max(0, a - 6); q <= Math.min(n - 1, a + 6); q++) if (p[q]! < p[dark]!) dark = q;
      if (p[dark]! < interior - 0.1) disc = dark;
    }
    const last = found[found.length - 1];
    if (last !== undefined && disc - last < 11) continue;
    found.push(disc);
  }
  return found;
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

/** Least length (mm along the axis, from the disc to the edge of the imaged volume) of an open end segment kept as a cut body. */
const MIN_CUT_BODY_MM = 12;

export interface SegmentBetweenDiscsOptions {
  /**
   * Imaged length (mm along the axis) beyond the axis's cranial and caudal end samples: where the
   * axis reaches the first or last slice, that slice still images the half of its slab beyond its
   * centre (axisViewMargins in analyzeSpineCt.ts). Default none.
   */
  readonly viewBeyondEndsMm?: readonly [number, number];
}

export function segmentBetweenDiscs(axis: SpineAxis, discs: readonly number[], options: SegmentBetweenDiscsOptions = {}): AxisSegment[] {
  const segments: AxisSegment[] = [];
  const [beyondCranial, beyondCaudal] = options.viewBeyondEndsMm ?? [0, 0];
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
  // An open end segment is a body cut by the field of view when at least MIN_CUT_BODY_MM of it,
  // from the disc to the edge of the imaged volume, is in view (the limit as before: about half a
  // lumbar body, 24–28 mm tall; Panjabi 1992). Its length runs to the edge of the image, not to the
  // last sample centre, so the decision does not depend on the slice thickness: a CT slice images
  // its whole slab (thickness ≈ spacing), so the first and last slices see half a slice beyond
  // their centres (3 mm slices: 1.5 mm of the body, which a slice-averaged edge slice shows as
  // partial volume).
  const first = discs[0]!;
  if (first + beyondCranial >= MIN_CUT_BODY_MM && bodyMean(0, first) >= 0.2) {
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
  if (end - lastDisc + beyondCaudal >= MIN_CUT_BODY_MM && bodyMean(lastDisc, end) >= 0.2) {
    if (end - lastDisc > 1.5 * pitch) {
      const cut = weakMinimum(lastDisc, 1);
      const lower = cut >= 0 ? cut : Math.min(end, lastDisc + pitch);
      segments.push({ upper: lastDisc, lower, complete: cut >= 0, contrast: contrastOf(lastDisc, lower) });
    } else segments.push({ upper: lastDisc, lower: end, complete: false, contrast: contrastOf(lastDisc, end) });
  }
  return segments;
}
