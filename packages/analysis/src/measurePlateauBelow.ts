/**
 * The superior endplate (plateau) of the body below a disc, measured directly from the body
 * above: rays leave the upper body's inferior endplate plane along its caudal normal, cross the
 * disc and stop at the first bony edge beyond it (half-way between the disc minimum and the
 * cortical peak). The plateau is the longest straight run of such edges in the mid-sagittal
 * plane (RANSAC line, Fischler & Bolles, Commun ACM 1981;24:381-95), refined by a plane through
 * the runs at ±25 % of the width, then refitted (fitInnerPlane) on each row's edges from
 * RIM_MARGIN_MM inside where that row's edges end (rays along the body's wall find the rounded rim
 * and the wall's partial volume, not the endplate), the AP slope from the mid-sagittal row and the
 * coronal tilt from the side rows, with the stair-step of thick slices removed: an edge is only
 * resolved to the slice grid, and its error repeats with the surface's position between slice
 * centres (each slice is the mean over its thickness, Kalender WA, Computed Tomography, 3rd ed.
 * 2011, §2.3), fitted as one harmonic of that position when the slice grid is given, the position
 * taken on the concave endplate (a paraboloid dip between the rims, fitted with the plane: Panjabi
 * MM et al., Spine 1991;16:888-901; a 0.8 mm dip is a quarter of a 3 mm slice). Its corners
 * are where the bone 1 mm beneath it ends (so they are found even where a collapsed disc hides the
 * endplate from the rays).
 * The same measurement from the lower body (measureEndplateAbove) gives the inferior endplate of
 * the body above; measureSagittalEndplates.ts uses both for the kyphosis / lordosis endplates.
 * Used for the sacral plateau (S1 superior endplate), whose segment is the fused sacrum and has
 * no usable body frame of its own: sacral slope and lumbar lordosis L1–S1 are measured against
 * this endplate (Legaye J et al., Eur Spine J 1998;7:99-103), and the L5–S1 slip is the offset of
 * L5's postero-inferior corner along it, as a fraction of its AP length (Meyerding HW, Surg
 * Gynecol Obstet 1932;54:371-7).
 */

/** The rays start 0.5 mm beyond the upper endplate and give up this far beyond it (disc + wedge). */
const MAX_DEPTH_MM = 35;
const STEP_MM = 0.5;
const BONE_HU = 200;
/** A bony edge needs this rise from the disc minimum to the peak within 4 mm, and must reach EDGE_MIN_HU. */
const MIN_EDGE_RISE_HU = 100;
const EDGE_MIN_HU = 150;
/** Tissue below this between two bones is a gap (fat, CSF), not cancellous bone. */
const GAP_TISSUE_HU = 30;
/** Gaps (rays without an edge, e.g. the concave centre of an endplate) a run may bridge, mm. */
const MAX_RUN_GAP_MM = 3;
/** Edges within this distance of a candidate line are on it. */
const INLIER_MM = 1.0;
/** The plateau leans at most this much against the upper body's inferior endplate (disc wedge). */
const MAX_WEDGE_DEG = 35;
/**
 * Rays this close to where a row's edges end run along the body's wall: a 0.8 mm pixel and the
 * rounded rim put the wall's partial volume into their edge (up to +1 mm at the anterior rim of
 * the thoracic phantom bodies, where a 20 mm endplate makes that 2–3° of tilt).
 */
const RIM_MARGIN_MM = 2;
/**
 * Ridge weight of the slice-grid harmonic, per point: where the points cover little more than one
 * slice spacing the harmonic is nearly collinear with the tilt, and it is then shrunk towards none
 * rather than traded against the tilt.
 */
const HARMONIC_RIDGE_PER_POINT = 0.05;
/**
 * The harmonic is fitted only where the mid row spans this many slice spacings along the slice
 * axis: the sinusoid best aligned with a straight line correlates with it by 0.78 over one period,
 * by at most 0.4 from 1.5 periods on, and only then is the stair-step told apart from the tilt
 * (over one period a single step is, and the fit trades the one for the other).
 */
const MIN_HARMONIC_PERIODS = 1.5;

/**
 * The slice grid of the sampled volume: unit direction of its slice axis (k), a point on a slice
 * centre and the spacing between slice centres. Edges found across thick slices carry an error
 * that repeats with this spacing along the slice axis.
 */
export interface SliceGrid {
  readonly originLps: readonly number[];
  readonly axisLps: readonly number[];
  readonly spacingMm: number;
}

export interface PlateauBelow {
  /** Plateau centre (mid-sagittal, between the corners), LPS mm. */
  readonly pointLps: [number, number, number];
  /** Unit normal, pointing cranially. */
  readonly normalLps: [number, number, number];
  readonly rmsResidualMm: number;
  readonly anteriorCornerLps: [number, number, number];
  readonly posteriorCornerLps: [number, number, number];
  /** Distance between the corners (the endplate's AP length), mm. */
  readonly apLengthMm: number;
}

export interface UpperBodyForPlateau {
  readonly inferiorEndplate: { readonly pointLps: readonly number[]; readonly normalLps: readonly number[] };
  readonly apDepthMm: number;
  readonly widthMm: number;
}

/**
 * Depth (mm, ≥ 0 below the start) of the first bony edge beyond a non-bone gap along a ray, or
 * NaN. `values[k]` is the HU at depth (k + 1) · STEP_MM. A ray that starts in bone must leave it
 * within 6 mm (the upper endplate's cortex), else it never crossed a disc.
 */
export function firstEdgeBelowGap(values: ArrayLike<number>): number {
  const n = values.length;
  let k = 0;
  while (k < n && !(values[k]! < BONE_HU)) {
    if ((k + 1) * STEP_MM > 6) return Number.NaN;
    k++;
  }
  // The far side begins where the values rise 100 HU above the gap's minimum (and reach 150 HU):
  // on thick slices a thin endplate cortex blurs to little more than the trabecular bone behind it.
  let low = Infinity;
  for (; k < n; k++) {
    const x = values[k]!;
    if (!(x === x)) return Number.NaN;
    if (x < low) low = x;
    if (x >= Math.max(EDGE_MIN_HU, low + MIN_EDGE_RISE_HU)) break;
  }
  if (k >= n) return Number.NaN;
  let peak = -Infinity;
  for (let j = k; j < Math.min(n, k + Math.round(4 / STEP_MM) + 1); j++) if (values[j]! > peak) peak = values[j]!;
  if (peak - low < MIN_EDGE_RISE_HU) return Number.NaN;
  const half = (low + peak) / 2;
  let j = k;
  while (j > 0 && values[j - 1]! >= half) j--;
  while (j < n && values[j]! < half) j++;
  if (j >= n) return Number.NaN;
  const x1 = values[j]!;
  const x0 = j > 0 ? values[j - 1]! : x1;
  const frac = x1 > x0 ? (half - x0) / (x1 - x0) : 1;
  return (j + frac) * STEP_MM;
}

interface Run {
  readonly slope: number;
  readonly intercept: number;
  readonly from: number;
  readonly to: number;
}

/**
 * Longest straight run of (v, d) samples (v ascending, 1 sample per v step): RANSAC over all
 * pairs at least 8 mm apart, inliers within INLIER_MM, the longest contiguous inlier run (gaps of
 * at most MAX_RUN_GAP_MM) scored by its extent, then a least-squares refit on that run.
 */
export function longestStraightRun(vs: readonly number[], ds: readonly number[], maxSlope: number): Run | null {
  const n = vs.length;
  let best: Run | null = null;
  let bestLen = 0;
  const runFor = (slope: number, intercept: number): { from: number; to: number } | null => {
    let top: { from: number; to: number } | null = null;
    let start = -1;
    let last = -1;
    for (let i = 0; i <= n; i++) {
      const on = i < n && Math.abs(ds[i]! - (intercept + slope * vs[i]!)) <= INLIER_MM;
      if (on && start >= 0 && vs[i]! - vs[last]! > MAX_RUN_GAP_MM) {
        if (!top || vs[last]! - vs[start]! > vs[top.to]! - vs[top.from]!) top = { from: start, to: last };
        start = -1;
      }
      if (on) {
        if (start < 0) start = i;
        last = i;
      } else if (i === n && start >= 0) {
        if (!top || vs[last]! - vs[start]! > vs[top.to]! - vs[top.from]!) top = { from: start, to: last };
      }
    }
    return top;
  };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (vs[j]! - vs[i]! < 8) continue;
      const slope = (ds[j]! - ds[i]!) / (vs[j]! - vs[i]!);
      if (Math.abs(slope) > maxSlope) continue;
      const intercept = ds[i]! - slope * vs[i]!;
      const run = runFor(slope, intercept);
      if (!run) continue;
      const len = vs[run.to]! - vs[run.from]!;
      if (len > bestLen) {
        bestLen = len;
        best = { slope, intercept, ...run };
      }
    }
  }
  if (!best) return null;
  // Least-squares refit on the run, then the run again under the refitted line.
  const fit = (from: number, to: number): { slope: number; intercept: number } => {
    let sv = 0, sd = 0, svv = 0, svd = 0, m = 0;
    for (let i = from; i <= to; i++) {
      if (Math.abs(ds[i]! - (best!.intercept + best!.slope * vs[i]!)) > INLIER_MM) continue;
      sv += vs[i]!; sd += ds[i]!; svv += vs[i]! * vs[i]!; svd += vs[i]! * ds[i]!; m++;
    }
    const den = m * svv - sv * sv;
    if (m < 2 || Math.abs(den) < 1e-9) return best!;
    const slope = (m * svd - sv * sd) / den;
    return { slope, intercept: (sd - slope * sv) / m };
  };
  const refined = fit(best.from, best.to);
  const run = runFor(refined.slope, refined.intercept);
  if (!run || vs[run.to]! - vs[run.from]! < bestLen - 3) return best;
  return { ...refined, ...run };
}

export function measurePlateauBelow(sample: (x: number, y: number, z: number) => number, upper: UpperBodyForPlateau, slices?: SliceGrid): PlateauBelow | null {
  return measureAcrossDisc(sample, upper.inferiorEndplate.pointLps, upper.inferiorEndplate.normalLps, upper.apDepthMm, upper.widthMm, false, slices);
}

/**
 * The inferior endplate of the body above a disc, measured the same way from the lower body's
 * superior endplate (rays walking cranially); its normal still points cranially.
 */
export function measureEndplateAbove(
  sample: (x: number, y: number, z: number) => number,
  lower: { readonly superiorEndplate: { readonly pointLps: readonly number[]; readonly normalLps: readonly number[] }; readonly apDepthMm: number; readonly widthMm: number },
  slices?: SliceGrid,
): PlateauBelow | null {
  const m = lower.superiorEndplate.normalLps;
  return measureAcrossDisc(sample, lower.superiorEndplate.pointLps, [-m[0]!, -m[1]!, -m[2]!], lower.apDepthMm, lower.widthMm, true, slices);
}

/** Rays from the plane (point o, unit normal nAway pointing away from the disc) walk across the disc along −nAway. */
function measureAcrossDisc(
  sample: (x: number, y: number, z: number) => number,
  o: readonly number[],
  nAway: readonly number[],
  ap: number,
  widthMm: number,
  flipNormal: boolean,
  slices?: SliceGrid,
): PlateauBelow | null {
  const n = unit(nAway);
  if (!n) return null;
  // Anterior: −y made perpendicular to n; left = n × a.
  const a = unit([n[1] * n[0], -1 + n[1] * n[1], n[1] * n[2]]);
  if (!a) return null;
  const l = cross(n, a);
  if (!(ap > 5)) return null;
  const steps = Math.round(MAX_DEPTH_MM / STEP_MM);
  const values = new Float64Array(steps);
  const depthAt = (u: number, v: number): number => {
    for (let k = 0; k < steps; k++) {
      const d = (k + 1) * STEP_MM;
      values[k] = sample(o[0]! + u * l[0] + v * a[0] - d * n[0], o[1]! + u * l[1] + v * a[1] - d * n[1], o[2]! + u * l[2] + v * a[2] - d * n[2]);
    }
    return firstEdgeBelowGap(values);
  };
  // From 1.2 AP depths behind the upper body's centre (a slip of up to ~70 % moves the plateau
  // that far back) to 0.8 in front of it, every 1 mm.
  const row = (u: number): { vs: number[]; ds: number[] } => {
    const vs: number[] = [];
    const ds: number[] = [];
    for (let v = -1.2 * ap; v <= 0.8 * ap + 1e-9; v += 1) {
      const d = depthAt(u, v);
      if (d === d) {
        vs.push(v);
        ds.push(d);
      }
    }
    return { vs, ds };
  };
  const mid = row(0);
  const maxSlope = Math.tan((MAX_WEDGE_DEG * Math.PI) / 180);
  const longest = longestStraightRun(mid.vs, mid.ds, maxSlope);
  if (!longest) return null;
  let run: Run = longest;
  // The plateau is the first endplate beyond the disc: a straight run at least 3 mm nearer to the
  // upper body than the longest one, over 35 % of its depth, is taken instead. Under a slip only
  // the overlapping part of the plateau faces the upper body (about half of it at grade II), while
  // rays from behind the slipped body start inside the promontory and reach the next cortical
  // surface below, one sacral segment deeper and as long as a whole endplate
  // (listhesis-l5-50 phantom: 14 mm of plateau against 38 mm of surface 27 mm deeper).
  for (let iter = 0; iter < 3; iter++) {
    const best = run;
    const nearer = mid.vs.map((v, i) => mid.ds[i]! < best.intercept + best.slope * v - 3);
    const vs = mid.vs.filter((_, i) => nearer[i]);
    const ds = mid.ds.filter((_, i) => nearer[i]);
    const r = longestStraightRun(vs, ds, maxSlope);
    if (!r || vs[r.to]! - vs[r.from]! < 0.35 * ap) break;
    run = { ...r, from: mid.vs.indexOf(vs[r.from]!), to: mid.vs.indexOf(vs[r.to]!) };
  }
  const vPost = mid.vs[run.from]!;
  const vAnt = mid.vs[run.to]!;
  // A plateau shorter than 35 % of the upper body's depth is a fragment (osteophyte, facet), not an
  // endplate (half of it: a longest run; a nearer run may be shorter, see above).
  if (vAnt - vPost < 0.35 * ap) return null;
  // Plane through the mid-sagittal run and the same stretch at ±25 % of the width.
  const pts: [number, number, number][] = [];
  for (let i = run.from; i <= run.to; i++) {
    if (Math.abs(mid.ds[i]! - (run.intercept + run.slope * mid.vs[i]!)) <= INLIER_MM) pts.push([0, mid.vs[i]!, mid.ds[i]!]);
  }
  const side = 0.25 * Math.max(widthMm, ap);
  // Each row's edges near the run's line (within 2.5 mm: the stair-step of thick slices and the
  // endplate's concavity), between the run's ends.
  const rows: { u: number; vs: number[]; ds: number[] }[] = [];
  for (const [u, r] of [[0, mid], [-side, row(-side)], [side, row(side)]] as const) {
    const near = { u, vs: [] as number[], ds: [] as number[] };
    for (let i = 0; i < r.vs.length; i++) {
      const v = r.vs[i]!;
      if (v < vPost || v > vAnt || Math.abs(r.ds[i]! - (run.intercept + run.slope * v)) > 2.5) continue;
      near.vs.push(v);
      near.ds.push(r.ds[i]!);
      if (u !== 0) pts.push([u, v, r.ds[i]!]);
    }
    rows.push(near);
  }
  let plane = fitDepthPlane(pts);
  if (!plane) return null;
  // Refit away from the rims, with the endplate's concavity and the slice grid's stair-step (see the header).
  const inner: [number, number, number][] = [];
  for (const r of rows) {
    if (r.vs.length === 0) continue;
    const lo = r.vs[0]! + RIM_MARGIN_MM;
    const hi = r.vs[r.vs.length - 1]! - RIM_MARGIN_MM;
    for (let i = 0; i < r.vs.length; i++) if (r.vs[i]! >= lo && r.vs[i]! <= hi) inner.push([r.u, r.vs[i]!, r.ds[i]!]);
  }
  const midInner = inner.filter((p) => p[0] === 0);
  if (midInner.length >= 2 && midInner[midInner.length - 1]![1] - midInner[0]![1] >= 0.35 * ap) {
    // Position along the slice axis of the surface point (u, v, d): o + u l + v a − d n.
    const grid = slices && slices.spacingMm > 0 ? slices : null;
    const k = grid ? grid.axisLps : null;
    const phaseAt = grid && k
      ? (u: number, v: number, d: number): number => {
          const q = [o[0]! + u * l[0] + v * a[0] - d * n[0] - grid.originLps[0]!, o[1]! + u * l[1] + v * a[1] - d * n[1] - grid.originLps[1]!, o[2]! + u * l[2] + v * a[2] - d * n[2] - grid.originLps[2]!];
          return (2 * Math.PI * (q[0]! * k[0]! + q[1]! * k[1]! + q[2]! * k[2]!)) / grid.spacingMm;
        }
      : undefined;
    plane = fitInnerPlane(inner, { centre: (vPost + vAnt) / 2, half: (vAnt - vPost) / 2 }, phaseAt) ?? plane;
  }
  // Surface point at (u, v): o + u l + v a − d n; normal ∝ n + c1 l + c2 a (cranial).
  const at = (u: number, v: number): [number, number, number] => {
    const d = plane.c0 + plane.c1 * u + plane.c2 * v;
    return [o[0]! + u * l[0] + v * a[0] - d * n[0], o[1]! + u * l[1] + v * a[1] - d * n[1], o[2]! + u * l[2] + v * a[2] - d * n[2]];
  };
  const towards = unit([n[0] + plane.c1 * l[0] + plane.c2 * a[0], n[1] + plane.c1 * l[1] + plane.c2 * a[1], n[2] + plane.c1 * l[2] + plane.c2 * a[2]])!;
  // Unit normal of the found endplate pointing towards the disc; `inside` steps away from it.
  const normal: [number, number, number] = towards;
  // Corners: where the endplate, followed 1 mm beneath its surface, leaves the bone (half-way
  // between the cortex and what lies beyond). Where the disc is collapsed the rays from above
  // cannot see the endplate, but the bone beneath it still ends at the body's wall.
  // 1 mm deeper along the ray (not along the plateau's normal), so that a point keeps its v.
  const inside = (v: number): number => {
    const p = at(0, v);
    return sample(p[0] - n[0], p[1] - n[1], p[2] - n[2]);
  };
  const corner = (from: number, dir: 1 | -1): number => {
    let peak = -Infinity;
    for (let v = from; dir * (v - from) <= 25; v += dir * 0.25) {
      const x = inside(v);
      if (!(x === x)) return from;
      if (dir * (v - from) <= 5 && x > peak) peak = x;
      if (x >= BONE_HU) continue;
      // Out of the bone: the tissue 3 mm further on sets the half-way level. Where bone lies there
      // again but soft tissue (under GAP_TISSUE_HU, below any cancellous bone) lies between, the
      // body has ended and another bone follows across a gap: the gap's tissue sets the level (the
      // posterior arch of a slipped L5 lies 2 mm behind the promontory's posterior corner in the
      // listhesis-l5-50 phantom: the walk fell back to the run's end, 17 mm short of the corner).
      let beyond = inside(v + dir * 3);
      if (beyond >= BONE_HU) {
        let gap = Infinity;
        for (let e = 0; e <= 3; e += 0.25) gap = Math.min(gap, inside(v + dir * e));
        if (gap < GAP_TISSUE_HU) beyond = gap;
      }
      if (!(beyond === beyond) || beyond >= BONE_HU || peak - beyond < MIN_EDGE_RISE_HU) return from;
      const half = (peak + beyond) / 2;
      let e = v;
      while (dir * (e - from) > 0 && inside(e - dir * 0.25) < half) e -= dir * 0.25;
      // Between the last sample at or above half-way and the first below it.
      const xIn = inside(e - dir * 0.25);
      const xOut = inside(e);
      const frac = xIn > xOut ? Math.min(1, Math.max(0, (xIn - half) / (xIn - xOut))) : 0.5;
      return e - dir * 0.25 * (1 - frac);
    }
    return from;
  };
  // Where the rays saw the endplate up to within 2 mm of where the bone ends, the corner is half-way
  // between the last ray on the endplate and that end (the walk 1 mm beneath a rounded rim runs on
  // into the wall's cortex, ~1 mm beyond the corner); farther, the endplate was hidden from the
  // rays (a collapsed disc) and the bone's end is the corner.
  const settle = (run: number, walked: number): number => (Math.abs(walked - run) <= 2 ? (run + walked) / 2 : walked);
  const vA = settle(vAnt, corner(vAnt, 1));
  const vP = settle(vPost, corner(vPost, -1));
  const anterior = at(0, vA);
  const posterior = at(0, vP);
  return {
    pointLps: at(0, (vA + vP) / 2),
    normalLps: flipNormal ? [-normal[0], -normal[1], -normal[2]] : normal,
    rmsResidualMm: plane.rms,
    anteriorCornerLps: anterior,
    posteriorCornerLps: posterior,
    apLengthMm: Math.hypot(anterior[0] - posterior[0], anterior[1] - posterior[1], anterior[2] - posterior[2]),
  };
}

/**
 * The upper body's postero-inferior corner found the same way as the plateau's corners: its
 * inferior endplate followed 1 mm inside the body, from 6 mm inside the posterior wall (so that
 * trabecular bone of low density does not end the walk early) backwards until the bone ends.
 * Null when the walk finds no such end.
 */
export function posteriorInferiorCornerOf(sample: (x: number, y: number, z: number) => number, upper: UpperBodyForPlateau): [number, number, number] | null {
  const n = unit(upper.inferiorEndplate.normalLps);
  if (!n) return null;
  const a = unit([n[1] * n[0], -1 + n[1] * n[1], n[1] * n[2]]);
  if (!a) return null;
  const o = upper.inferiorEndplate.pointLps;
  const inside = (v: number): number => sample(o[0]! + v * a[0] + n[0], o[1]! + v * a[1] + n[1], o[2]! + v * a[2] + n[2]);
  const from = -0.5 * upper.apDepthMm + 6;
  let peak = -Infinity;
  for (let v = from; v >= from - 20; v -= 0.25) {
    const x = inside(v);
    if (!(x === x)) return null;
    if (x > peak) peak = x;
    if (x >= BONE_HU || v > from - 3) continue;
    const beyond = inside(v - 3);
    if (!(beyond === beyond) || beyond >= BONE_HU || peak - beyond < MIN_EDGE_RISE_HU) return null;
    const half = (peak + beyond) / 2;
    let e = v;
    while (e < from && inside(e + 0.25) < half) e += 0.25;
    const xIn = inside(e + 0.25);
    const xOut = inside(e);
    const frac = xIn > xOut ? Math.min(1, Math.max(0, (xIn - half) / (xIn - xOut))) : 0.5;
    e += 0.25 * (1 - frac);
    return [o[0]! + e * a[0], o[1]! + e * a[1], o[2]! + e * a[2]];
  }
  return null;
}

/**
 * The refit of the plane on the rows' inner edges: d = c0 + c1 u + c2 v, where the mid-sagittal
 * row alone gives the AP slope c2 (the line a lateral view draws between the rim corners) and the
 * side rows, each side with the same AP offset and slope of their own, give the coronal tilt c1 by
 * their difference: the body's wall curves back from the mid-sagittal rims (kidney-shaped section),
 * so the side rows end nearer its centre and their ends carry the wall over a longer stretch (their
 * slope was 3° off the rim line at the phantom's T4, the mid row's under 1°). Null without three
 * points in each side row: the rim-trimmed mid row alone is no better than the first fit (on a
 * small rotated thoracic body its ends still meet the wall obliquely). Once trimmed of points beyond 3 robust SDs (at least 1 mm). With `phaseAt`
 * (the slice-grid phase of a surface point, radians) and a mid row spanning MIN_HARMONIC_PERIODS
 * slice spacings, a harmonic of the phase is added, s sin φ + c cos φ, φ taken on the previous fit's
 * surface (3 rounds), s and c ridge-shrunk (HARMONIC_RIDGE_PER_POINT). `rims`: the centre and half
 * length of the mid row's run, along v: the endplate's concavity is a further column, a paraboloid
 * −((v − centre) / half)² shared by all rows (the dip's v² term is the same on every sagittal row;
 * its constant goes into each row's offset), and the phase is taken on the surface with it: the
 * error of an edge repeats with where the concave surface, not its rim-to-rim plane, lies between
 * slice centres (in the phantom's 3 mm cases the error measured per edge against truth is one
 * function of that phase, and of the plane's phase it is not). Over points spread evenly between
 * the rims the dip does not move the AP slope (the slope of a least-squares line through a
 * parabola is its chord's). The rms is the plane's own, the side rows' offset, the concavity and
 * the harmonic removed.
 */
function fitInnerPlane(
  points: readonly [number, number, number][],
  rims: { readonly centre: number; readonly half: number },
  phaseAt?: (u: number, v: number, d: number) => number,
): { c0: number; c1: number; c2: number; rms: number } | null {
  const left = points.filter((p) => p[0] < 0).length;
  const right = points.filter((p) => p[0] > 0).length;
  if (left < 3 || right < 3) return null;
  let pts = points;
  // Columns: 1, v, u, side, side·v, the concavity, then sin φ, cos φ.
  const dip = (v: number): number => -(((v - rims.centre) / rims.half) ** 2);
  const columns = (u: number, v: number, phase: number | null, out: number[]): void => {
    out.length = 0;
    out.push(1, v, u, u === 0 ? 0 : 1, u === 0 ? 0 : v, dip(v));
    if (phase !== null) out.push(Math.sin(phase), Math.cos(phase));
  };
  type Fit = { coef: Float64Array; surface: (u: number, v: number) => number };
  const solve = (at: readonly [number, number, number][], phaseOf: ((u: number, v: number) => number) | null): Fit | null => {
    const row: number[] = [];
    columns(0, 0, phaseOf ? 0 : null, row);
    const m = row.length;
    const ata = new Float64Array(m * m);
    const atb = new Float64Array(m);
    for (const [u, v, d] of at) {
      columns(u, v, phaseOf ? phaseOf(u, v) : null, row);
      for (let i = 0; i < m; i++) {
        atb[i] = atb[i]! + row[i]! * d;
        for (let j = 0; j < m; j++) ata[m * i + j] = ata[m * i + j]! + row[i]! * row[j]!;
      }
    }
    if (phaseOf) for (const i of [m - 2, m - 1]) ata[m * i + i] = ata[m * i + i]! + HARMONIC_RIDGE_PER_POINT * at.length;
    const coef = solveLinear(ata, atb, m);
    if (!coef) return null;
    return { coef, surface: (u, v) => coef[0]! + coef[1]! * v + coef[2]! * u + coef[5]! * dip(v) };
  };
  const residual = (f: Fit, phaseOf: ((u: number, v: number) => number) | null, [u, v, d]: readonly number[]): number => {
    const row: number[] = [];
    columns(u!, v!, phaseOf ? phaseOf(u!, v!) : null, row);
    let x = 0;
    for (let i = 0; i < row.length; i++) x += row[i]! * f.coef[i]!;
    return d! - x;
  };
  if (pts.length < 6) return null;
  let fit = solve(pts, null);
  if (!fit) return null;
  let phaseOf: ((u: number, v: number) => number) | null = null;
  {
    const res = pts.map((p) => Math.abs(residual(fit!, null, p)));
    const sorted = [...res].sort((x, y) => x - y);
    const limit = Math.max(1, 3 * 1.4826 * sorted[sorted.length >> 1]!);
    pts = pts.filter((_, i) => res[i]! <= limit);
    if (pts.length < 6) return null;
    fit = solve(pts, null);
    if (!fit) return null;
  }
  if (phaseAt) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const [u, v] of pts) {
      if (u !== 0) continue;
      const f = phaseAt(u, v, fit.surface(u, v));
      lo = Math.min(lo, f);
      hi = Math.max(hi, f);
    }
    for (let round = 0; hi - lo >= MIN_HARMONIC_PERIODS * 2 * Math.PI && round < 3; round++) {
      const surface = fit.surface;
      const next = (u: number, v: number): number => phaseAt(u, v, surface(u, v));
      const f = solve(pts, next);
      if (!f) break;
      fit = f;
      phaseOf = next;
    }
  }
  let ss = 0;
  for (const p of pts) {
    // The plane's own residual: the side rows' offset and slope and the harmonic are not the plane's misfit.
    const r = residual(fit, phaseOf, p);
    ss += r * r;
  }
  return { c0: fit.coef[0]!, c1: fit.coef[2]!, c2: fit.coef[1]!, rms: Math.sqrt(ss / pts.length) };
}

/** Gaussian elimination with partial pivoting of the n×n system m x = b (row-major); null when singular. */
function solveLinear(m: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const q = Float64Array.from(m);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(q[r * n + c]!) > Math.abs(q[p * n + c]!)) p = r;
    if (Math.abs(q[p * n + c]!) < 1e-9) return null;
    if (p !== c) {
      for (let j = 0; j < n; j++) [q[c * n + j], q[p * n + j]] = [q[p * n + j]!, q[c * n + j]!];
      [x[c], x[p]] = [x[p]!, x[c]!];
    }
    for (let r = c + 1; r < n; r++) {
      const f = q[r * n + c]! / q[c * n + c]!;
      for (let j = c; j < n; j++) q[r * n + j] = q[r * n + j]! - f * q[c * n + j]!;
      x[r] = x[r]! - f * x[c]!;
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let j = c + 1; j < n; j++) s -= q[c * n + j]! * x[j]!;
    x[c] = s / q[c * n + c]!;
  }
  return x;
}

/** Least-squares plane d = c0 + c1 u + c2 v, once trimmed of points beyond 3 robust SDs (at least 1 mm). */
function fitDepthPlane(points: readonly [number, number, number][]): { c0: number; c1: number; c2: number; rms: number } | null {
  let pts = points;
  let plane: { c0: number; c1: number; c2: number; rms: number } | null = null;
  for (let pass = 0; pass < 2; pass++) {
    if (pts.length < 4) return plane;
    let s1 = 0, su = 0, sv = 0, suu = 0, svv = 0, suv = 0, sd = 0, sud = 0, svd = 0;
    for (const [u, v, d] of pts) {
      s1++; su += u; sv += v; suu += u * u; svv += v * v; suv += u * v; sd += d; sud += u * d; svd += v * d;
    }
    const m = [s1, su, sv, su, suu, suv, sv, suv, svv];
    const det3 = (q: readonly number[]): number => q[0]! * (q[4]! * q[8]! - q[5]! * q[7]!) - q[1]! * (q[3]! * q[8]! - q[5]! * q[6]!) + q[2]! * (q[3]! * q[7]! - q[4]! * q[6]!);
    const det = det3(m);
    if (Math.abs(det) < 1e-9) return plane;
    const solve = (col: number): number => {
      const q = m.slice();
      q[col] = sd;
      q[3 + col] = sud;
      q[6 + col] = svd;
      return det3(q) / det;
    };
    const c0 = solve(0);
    const c1 = solve(1);
    const c2 = solve(2);
    const res = pts.map(([u, v, d]) => Math.abs(d - (c0 + c1 * u + c2 * v)));
    plane = { c0, c1, c2, rms: Math.sqrt(res.reduce((s, r) => s + r * r, 0) / res.length) };
    const sorted = [...res].sort((x, y) => x - y);
    const limit = Math.max(1, 3 * 1.4826 * sorted[sorted.length >> 1]!);
    pts = pts.filter((_, i) => res[i]! <= limit);
  }
  return plane;
}

function unit(p: readonly number[]): [number, number, number] | null {
  const m = Math.hypot(p[0]!, p[1]!, p[2]!);
  return m > 1e-12 ? [p[0]! / m, p[1]! / m, p[2]! / m] : null;
}

function cross(p: readonly number[], q: readonly number[]): [number, number, number] {
  return [p[1]! * q[2]! - p[2]! * q[1]!, p[2]! * q[0]! - p[0]! * q[2]!, p[0]! * q[1]! - p[1]! * q[0]!];
}

/** The directly measured S1 plateau of a column: which vertebra carries it, and its corners. */
export interface SacralPlateau {
  readonly index: number;
  readonly anteriorCornerLps: readonly [number, number, number];
  readonly posteriorCornerLps: readonly [number, number, number];
  readonly apLengthMm: number;
  /** The postero-inferior corner of the body above, found the same way (null: use its own). */
  readonly upperPosteriorCornerLps: readonly [number, number, number] | null;
}

interface ColumnVertebra extends UpperBodyForPlateau {
  readonly index: number;
  readonly isSacral: boolean;
  readonly truncated: boolean;
  readonly inferiorEndplate: { readonly pointLps: readonly number[]; readonly normalLps: readonly number[]; readonly rmsResidualMm: number };
}

/**
 * The first sacral vertebra's superior endplate and postero-superior corner replaced by the plateau
 * measured from the complete, well-fitted (RMS ≤ 1.5 mm) vertebra above it; the column unchanged
 * when there is none or no plateau is found.
 */
export function withSacralPlateau<V extends ColumnVertebra & { superiorEndplate: unknown; posteriorSuperiorCornerLps: unknown }>(
  vertebrae: readonly V[],
  sample: (x: number, y: number, z: number) => number,
  slices?: SliceGrid,
): { vertebrae: V[]; sacralPlateau: SacralPlateau | null } {
  const s = vertebrae.findIndex((v) => v.isSacral);
  const upper = s > 0 ? vertebrae[s - 1]! : null;
  if (!upper || upper.isSacral || upper.truncated || upper.inferiorEndplate.rmsResidualMm > 1.5) return { vertebrae: [...vertebrae], sacralPlateau: null };
  const p = measurePlateauBelow(sample, upper, slices);
  if (!p) return { vertebrae: [...vertebrae], sacralPlateau: null };
  const upperCorner = posteriorInferiorCornerOf(sample, upper);
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  const r3 = (q: readonly number[]): [number, number, number] => [r1(q[0]!), r1(q[1]!), r1(q[2]!)];
  const u4 = (q: readonly number[]): [number, number, number] => [Math.round(q[0]! * 1e4) / 1e4, Math.round(q[1]! * 1e4) / 1e4, Math.round(q[2]! * 1e4) / 1e4];
  const out = [...vertebrae];
  out[s] = {
    ...vertebrae[s]!,
    superiorEndplate: { pointLps: r3(p.pointLps), normalLps: u4(p.normalLps), rmsResidualMm: r1(p.rmsResidualMm) },
    posteriorSuperiorCornerLps: r3(p.posteriorCornerLps),
  };
  return {
    vertebrae: out,
    sacralPlateau: { index: vertebrae[s]!.index, anteriorCornerLps: r3(p.anteriorCornerLps), posteriorCornerLps: r3(p.posteriorCornerLps), apLengthMm: r1(p.apLengthMm), upperPosteriorCornerLps: upperCorner ? r3(upperCorner) : null },
  };
}
