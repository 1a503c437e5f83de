/**
 * The vertebral-body axis: the canal centreline shifted anteriorly onto the bodies, resampled by
 * arc length at 1 mm with smoothed tangents. For a canal traced on axial slices only, per slice the
 * body's posterior and anterior walls are found by an anterior (−y) ray from the canal centre, as
 * before. For an obliquely tracked canal, at every 1 mm of canal the ray runs along the anterior
 * direction perpendicular to the canal (so a kyphotic or scoliotic segment is handled like a
 * vertical one; the direction turns continuously with the canal, so the body axis never jumps);
 * where the canal is more than 30° off z the body is also centred laterally
 * (an axially rotated scoliotic vertebra is not straight anterior of its canal; Aaro S, Dahlborn M,
 * Spine 1981;6:460–7); the end where the body points leave the grid is trimmed. Offsets are
 * median-filtered along the spine. Along the axis, a bone-density profile in discs perpendicular
 * to the axis, read from the original volume (not the working grid) so thin discs keep their
 * contrast: its minima are the intervertebral disc spaces (a curved spine is followed because the
 * discs are sampled perpendicular to the local axis, not on axial slices; after Klinder T et al.,
 * Med Image Anal 2009;13:471–82).
 * Below the canal chain's caudal end (axial path) the canal is only extrapolated: where the body
 * line hung on it would run in front of the bone column (a slipped L5 carries its canal forward,
 * the sacrum lies behind it), the line follows the column's anterior cortex instead
 * (followBodyColumnBelow), so the L5–S1 disc and S1 are found.
 */
import { FAT_PLANE_GAP_MM, FAT_PLANE_HU } from './fatPlane.js';
import type { GridSampler } from './createGridSampler.js';
import type { LpsGrid } from './resampleToLpsGrid.js';
import type { CanalTrace } from './traceSpinalCanal.js';

export interface SpineAxis {
  /** Number of 1 mm samples. */
  readonly length: number;
  /** Positions (x, y, z interleaved), LPS mm, cranial → caudal. */
  readonly points: Float64Array;
  /** Unit tangents pointing cranially (interleaved). */
  readonly tangents: Float64Array;
  /** Canal centre at each sample (interleaved). */
  readonly canal: Float64Array;
  /** Estimated body AP half-depth, mm. */
  readonly halfDepthMm: Float64Array;
  /** Soft bone fraction (0…1) in a disc perpendicular to the axis. */
  readonly profile: Float64Array;
  /**
   * Fraction (0…1) of 16 directions that meet bone in the annulus where the body's cortex should
   * be (0.75–1.3 of the expected radius): ~1 inside any body, even an osteoporotic one; low in a
   * disc space.
   */
  readonly ring: Float64Array;
}

const BONE_HU = 150;
/** cos 30°: canal tangents closer to z than this get no lateral centring. */
const AXIAL_RAY_MIN_TZ = Math.cos(Math.PI / 6);

/**
 * `sample` reads the smoothed working grid (wall search); `fine` (default: the same) reads the
 * original volume for the disc profile and the cortical ring, so 4–5 mm thoracic and cervical
 * discs are not blurred away by the working grid's spacing.
 */
export function buildSpineAxis(grid: LpsGrid, trace: CanalTrace, sample: GridSampler, fine: GridSampler = sample): SpineAxis | null {
  if (trace.slices) return buildFromSlices(grid, trace.slices, sample, fine, trace.chain.length > 0 ? Math.min(...trace.chain.map((c) => c.k)) : trace.slices.k0);
  const s = grid.spacingMm;
  const n = trace.length;
  const C = trace.pointsLps;
  const offset = new Float64Array(n).fill(Number.NaN);
  const half = new Float64Array(n).fill(Number.NaN);
  const lateral = new Float64Array(n).fill(Number.NaN);
  // Canal tangent (over ±8 mm of the 1 mm centreline) and the anterior direction perpendicular to it.
  const ant = new Float64Array(3 * n);
  const lat = new Float64Array(3 * n);
  const canalTangents = new Float64Array(3 * n);
  for (let q = 0; q < n; q++) {
    const qa = Math.max(0, q - 8);
    const qb = Math.min(n - 1, q + 8);
    // Points run caudal → cranial: the tangent points cranially.
    let tx = C[3 * qb]! - C[3 * qa]!;
    let ty = C[3 * qb + 1]! - C[3 * qa + 1]!;
    let tz = C[3 * qb + 2]! - C[3 * qa + 2]!;
    const len = Math.hypot(tx, ty, tz);
    if (len > 0) {
      tx /= len;
      ty /= len;
      tz /= len;
    } else {
      tx = 0;
      ty = 0;
      tz = 1;
    }
    canalTangents[3 * q] = tx;
    canalTangents[3 * q + 1] = ty;
    canalTangents[3 * q + 2] = tz;
  }
  const frame = new Float64Array(6);
  const step = 0.75;
  for (let q = 0; q < n; q++) {
    // The ray is perpendicular to the canal everywhere (anterior = −y made orthogonal to the
    // tangent: −y itself for a vertical canal). Keeping it in the axial plane within 30° of z and
    // switching to the perpendicular beyond made the body point jump by offset × sin 30° ≈ 15 mm
    // of z where the canal crossed 30°: the body axis doubled back there and the disc count
    // shifted by one level (osteoporosis, fracture-cervical).
    localFrame(canalTangents, q, frame);
    for (let c = 0; c < 3; c++) {
      lat[3 * q + c] = frame[c]!;
      ant[3 * q + c] = frame[3 + c]!;
    }
    const cx = C[3 * q]!;
    const cy = C[3 * q + 1]!;
    const cz = C[3 * q + 2]!;
    const [ax, ay, az] = [frame[3]!, frame[4]!, frame[5]!];
    const [lx, ly, lz] = [1.5 * frame[0]!, 1.5 * frame[1]!, 1.5 * frame[2]!];
    // Anterior ray in the plane perpendicular to the canal (the axial plane for a vertical canal).
    const bone = (d: number): boolean => {
      const x = cx + ax * d;
      const y = cy + ay * d;
      const z = cz + az * d;
      return sample(x, y, z) >= BONE_HU || sample(x - lx, y - ly, z - lz) >= BONE_HU || sample(x + lx, y + ly, z + lz) >= BONE_HU;
    };
    const fat = (d: number): boolean => {
      const x = cx + ax * d;
      const y = cy + ay * d;
      const z = cz + az * d;
      return fine(x, y, z) < FAT_PLANE_HU && fine(x - lx, y - ly, z - lz) < FAT_PLANE_HU && fine(x + lx, y + ly, z + lz) < FAT_PLANE_HU;
    };
    const extent = bodyExtentAlongRay(bone, step, fat);
    if (extent === null) continue;
    const { wall, depth } = extent;
    offset[q] = wall + depth / 2;
    half[q] = depth / 2;
    // Lateral centring at mid-depth: an axially rotated vertebra (scoliosis: the body turns
    // towards the convexity, up to 30–40° at the apex; Aaro & Dahlborn, Spine 1981) is not
    // straight anterior of its canal. The midpoint of the lateral chord lies on the body's
    // diameter; the outermost bone before a 4 mm gap.
    const mx = cx + ax * offset[q]!;
    const my = cy + ay * offset[q]!;
    const mz = cz + az * offset[q]!;
    const [tx, ty, tz] = [1.5 * canalTangents[3 * q]!, 1.5 * canalTangents[3 * q + 1]!, 1.5 * canalTangents[3 * q + 2]!];
    const cap = 1.7 * depth;
    const edge = (sign: number): number => {
      let last = -1;
      for (let d = 0; d <= cap + 4; d += step) {
        const x = mx + sign * frame[0]! * d;
        const y = my + sign * frame[1]! * d;
        const z = mz + sign * frame[2]! * d;
        const hit = sample(x, y, z) >= BONE_HU || sample(x - tx, y - ty, z - tz) >= BONE_HU || sample(x + tx, y + ty, z + tz) >= BONE_HU;
        if (hit) last = d;
        else if (last >= 0 && d - last >= 4) break;
      }
      return last;
    };
    const eL = edge(1);
    const eR = edge(-1);
    // A body chord: as wide as deep to 1.7 × deeper (Panjabi 1991/1992); wider is alae, ilium or
    // rib heads joined on. The shift stays within 0.4 × depth (≈ 35° of apical rotation). Only where
    // the canal was observed: beyond the traced canal (the sacrum below L5) the alae would pull it.
    // Only where the canal was observed and runs more than 30° off z (with the perpendicular ray).
    const observed = q >= trace.foundRange[0] && q <= trace.foundRange[1] && Math.abs(canalTangents[3 * q + 2]!) < AXIAL_RAY_MIN_TZ;
    if (observed && eL >= 0 && eR >= 0 && eL + eR >= depth && eL + eR <= cap && Math.abs(eL - eR) <= 0.8 * depth) lateral[q] = (eL - eR) / 2;
  }
  // Median over ±20 mm of the 1 mm centreline.
  const medOffset = medianFilter(offset, 20);
  const medHalf = medianFilter(half, 20);
  const medLateral = medianFilter(lateral, 20);
  for (let q = 0; q < n; q++) if (!(medLateral[q] === medLateral[q])) medLateral[q] = 0;
  if (medOffset.every((v) => Number.isNaN(v))) return null;
  fillNaN(medOffset);
  fillNaN(medHalf);

  // Body axis per centreline point, then arc-length resampling at 1 mm.
  const bx = new Float64Array(n);
  const by = new Float64Array(n);
  const bz = new Float64Array(n);
  const cxs = new Float64Array(n);
  const cys = new Float64Array(n);
  const czs = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    const o = medOffset[q]!;
    const ol = medLateral[q]!;
    bx[q] = C[3 * q]! + ant[3 * q]! * o + lat[3 * q]! * ol;
    by[q] = C[3 * q + 1]! + ant[3 * q + 1]! * o + lat[3 * q + 1]! * ol;
    bz[q] = C[3 * q + 2]! + ant[3 * q + 2]! * o + lat[3 * q + 2]! * ol;
    cxs[q] = C[3 * q]!;
    cys[q] = C[3 * q + 1]!;
    czs[q] = C[3 * q + 2]!;
  }
  // Ends where the body point lies outside the working grid carry no image: trimmed.
  const insideGrid = (q: number): boolean => sample(bx[q]!, by[q]!, bz[q]!) === sample(bx[q]!, by[q]!, bz[q]!);
  let qFirst = 0;
  let qLast = n - 1;
  while (qFirst < qLast && !insideGrid(qFirst)) qFirst++;
  while (qLast > qFirst && !insideGrid(qLast)) qLast--;
  if (qLast - qFirst < 2) return null;
  if (qFirst > 0 || qLast < n - 1) return buildFromBodyPoints(bx.subarray(qFirst, qLast + 1), by.subarray(qFirst, qLast + 1), bz.subarray(qFirst, qLast + 1), {
    canal: [cxs.subarray(qFirst, qLast + 1), cys.subarray(qFirst, qLast + 1), czs.subarray(qFirst, qLast + 1)],
    half: medHalf.subarray(qFirst, qLast + 1),
    fine,
  });
  return buildFromBodyPoints(bx, by, bz, { canal: [cxs, cys, czs], half: medHalf, fine });
}

/**
 * A canal traced on axial slices only (no oblique track): per slice, the body's walls by an
 * anterior (−y) ray in the axial plane, offsets median-filtered over ±20 mm of z. Where the trace
 * gives the body centre itself (canal out of view: traceBodyColumnAtEdge.ts) no ray is cast.
 */
function buildFromSlices(grid: LpsGrid, sl: NonNullable<CanalTrace['slices']>, sample: GridSampler, fine: GridSampler, chainStartK: number): SpineAxis | null {
  const s = grid.spacingMm;
  const n = sl.k1 - sl.k0 + 1;
  const offset = new Float64Array(n).fill(Number.NaN);
  const half = new Float64Array(n).fill(Number.NaN);
  const step = 0.75;
  for (let q = 0; q < n && !sl.bodyYMm; q++) {
    const z = grid.originLps[2] + (sl.k0 + q) * s;
    const cx = sl.xMm[q]!;
    const cy = sl.yMm[q]!;
    const bone = (d: number): boolean => {
      const y = cy - d;
      return sample(cx, y, z) >= BONE_HU || sample(cx - 1.5, y, z) >= BONE_HU || sample(cx + 1.5, y, z) >= BONE_HU;
    };
    const fat = (d: number): boolean => {
      const y = cy - d;
      return fine(cx, y, z) < FAT_PLANE_HU && fine(cx - 1.5, y, z) < FAT_PLANE_HU && fine(cx + 1.5, y, z) < FAT_PLANE_HU;
    };
    const extent = bodyExtentAlongRay(bone, step, fat);
    if (extent === null) continue;
    const { wall, depth } = extent;
    offset[q] = wall + depth / 2;
    half[q] = depth / 2;
  }
  // Body centre and half-depth given by the trace (canal out of view: traceBodyColumnAtEdge.ts).
  if (sl.bodyYMm && sl.halfDepthMm) {
    for (let q = 0; q < n; q++) {
      offset[q] = sl.yMm[q]! - sl.bodyYMm[q]!;
      half[q] = sl.halfDepthMm[q]!;
    }
  }
  const medOffset = medianFilter(offset, Math.round(20 / s));
  const medHalf = medianFilter(half, Math.round(20 / s));
  if (medOffset.every((v) => Number.isNaN(v))) return null;
  fillNaN(medOffset);
  fillNaN(medHalf);
  const bx = new Float64Array(n);
  const by = new Float64Array(n);
  const bz = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    bx[q] = sl.xMm[q]!;
    by[q] = sl.yMm[q]! - medOffset[q]!;
    bz[q] = grid.originLps[2] + (sl.k0 + q) * s;
  }
  const canal: [Float64Array, Float64Array, Float64Array] = [Float64Array.from(sl.xMm), Float64Array.from(sl.yMm), bz.slice()];
  // Below the canal chain's caudal end the canal is extrapolated (traceSpinalCanal.ts): where the
  // body line hung on it runs in front of the bone column there (a slipped L5 carried its canal
  // forward, the sacrum lies behind: spondylolisthesis), the column is followed by itself instead.
  const qc = Math.min(n - 1, Math.max(0, chainStartK - sl.k0));
  if (!sl.bodyYMm && qc >= 2 && runsInFrontOfColumn(sample, bx, by, bz, qc, Math.ceil(MIN_IN_FRONT_MM / s))) {
    const o = medOffset[qc]!;
    const ys = followBodyColumnBelow(sample, bx.subarray(0, qc), bz.subarray(0, qc), by[qc]!, medHalf[qc]!, s);
    for (let q = 0; q < qc; q++) {
      by[q] = ys[q]!;
      // The canal kept at the chain end's distance behind the body (measureVertebralBody's
      // posterior search range); the half-depth is the chain end's.
      canal[1][q] = ys[q]! + o;
      medHalf[q] = medHalf[qc]!;
    }
  }
  return buildFromBodyPoints(bx, by, bz, { canal, half: medHalf, fine });
}

/** A body line this long (mm of z) in front of the bone column below the canal chain is re-found. */
const MIN_IN_FRONT_MM = 8;

/**
 * Whether the body points below slice qc (q < qc) include a run of `minRun` consecutive slices
 * lying in front of the bone column: no bone at the point nor within 22 mm anterior of it (the
 * gap bodyExtentAlongRay bridges), but bone within 30 mm behind it. A point in a disc space has
 * the body above or below within reach in front (the lordotic wedge) or is itself followed by bone
 * within a few slices; one beside a slipped vertebra's canal extrapolation has only the sacrum
 * behind it.
 */
function runsInFrontOfColumn(sample: GridSampler, bx: Float64Array, by: Float64Array, bz: Float64Array, qc: number, minRun: number): boolean {
  const bone = (x: number, y: number, z: number): boolean => sample(x, y, z) >= BONE_HU || sample(x - 1.5, y, z) >= BONE_HU || sample(x + 1.5, y, z) >= BONE_HU;
  let run = 0;
  for (let q = qc - 1; q >= 0; q--) {
    const [x, y, z] = [bx[q]!, by[q]!, bz[q]!];
    let front = false;
    if (!bone(x, y, z)) {
      let ahead = false;
      for (let d = 0.75; d <= 22 && !ahead; d += 0.75) ahead = bone(x, y - d, z);
      let behind = false;
      for (let d = 0.75; d <= 30 && !behind && !ahead; d += 0.75) behind = bone(x, y + d, z);
      front = !ahead && behind;
    }
    run = front ? run + 1 : 0;
    if (run >= minRun) return true;
  }
  return false;
}

/**
 * Steepest slope (mm of y per mm of z, 76°) of the body line followed below the canal chain: a
 * grade II slip moves the body line by up to half a body depth (~20 mm) between the slipped
 * body's lower end and the promontory behind it, which overlap by only a few mm of z. (A slope
 * of 2.5 left the phantom's S1 segment too oblique to be measured.)
 */
const MAX_FOLLOW_SLOPE = 4;
/** Bone over this fraction of the 10 mm behind a candidate front makes it the column's front (not a calcified vessel or a body's thin rim). */
const FRONT_RUN_MM = 10;
const FRONT_RUN_FILL = 0.8;

/**
 * The body line below the canal chain, found from the bone column itself: slice by slice
 * caudally (index q − 1 below q; `xs`, `zs` per slice, the last one next to the chain), the
 * column's anterior cortex is searched on the −y line (the most anterior bone with bone over 80 %
 * of the 10 mm behind it, within a body depth and 25 mm of the line above) and the line is set
 * half a body depth behind it, moving at most MAX_FOLLOW_SLOPE mm per mm of z. So the line leaves
 * a slipped L5 for the sacrum behind it through the L5–S1 disc (the promontory lies behind a
 * slipped L5: Meyerding HW, Surg Gynecol Obstet 1932;54:371-7) instead of running on in front of
 * the sacrum. Where no front is found the line goes straight on. Returns y per slice.
 */
export function followBodyColumnBelow(sample: GridSampler, xs: Float64Array, zs: Float64Array, yStart: number, halfDepthMm: number, sliceMm: number): Float64Array {
  const n = xs.length;
  const out = new Float64Array(n);
  const step = 0.75;
  let y = yStart;
  for (let q = n - 1; q >= 0; q--) {
    const x = xs[q]!;
    const z = zs[q]!;
    const bone = (yy: number): boolean => sample(x, yy, z) >= BONE_HU || sample(x - 1.5, yy, z) >= BONE_HU || sample(x + 1.5, yy, z) >= BONE_HU;
    let front = Number.NaN;
    for (let f = y - halfDepthMm - 25; f <= y + halfDepthMm + 25 && !(front === front); f += step) {
      if (!bone(f)) continue;
      let hits = 0;
      let count = 0;
      for (let e = 0; e <= FRONT_RUN_MM; e += step, count++) if (bone(f + e)) hits++;
      if (hits >= FRONT_RUN_FILL * count) front = f;
    }
    if (front === front) {
      const maxMove = MAX_FOLLOW_SLOPE * sliceMm;
      y += Math.max(-maxMove, Math.min(maxMove, front + halfDepthMm - y));
    }
    out[q] = y;
  }
  return out;
}

/** Arc-length resampling of the body points (caudal → cranial), tangents, profile and ring. */
function buildFromBodyPoints(
  bx: Float64Array,
  by: Float64Array,
  bz: Float64Array,
  o: { canal: [Float64Array, Float64Array, Float64Array]; half: Float64Array; fine: GridSampler },
): SpineAxis {
  const n = bx.length;
  const [cxs, cys, czs] = o.canal;
  const medHalf = o.half;
  const fine = o.fine;
  const frame = new Float64Array(6);
  // Arc length from the cranial end: the centreline runs caudal → cranial, so the last point is the most cranial.
  const cum = new Float64Array(n);
  for (let q = n - 2; q >= 0; q--) {
    cum[q] = cum[q + 1]! + Math.hypot(bx[q]! - bx[q + 1]!, by[q]! - by[q + 1]!, bz[q]! - bz[q + 1]!);
  }
  const total = cum[0]!;
  const length = Math.max(1, Math.floor(total) + 1);
  const points = new Float64Array(3 * length);
  const canal = new Float64Array(3 * length);
  const halfDepthMm = new Float64Array(length);
  let q = n - 1;
  for (let m = 0; m < length; m++) {
    // m = arc length from the cranial end (cum[n - 1] = 0 at the most cranial point).
    const target = m;
    while (q > 0 && cum[q - 1]! <= target) q--;
    const qa = q;
    const qb = Math.max(0, q - 1);
    const span = cum[qb]! - cum[qa]!;
    const t = span > 0 ? Math.min(1, Math.max(0, (target - cum[qa]!) / span)) : 0;
    const lerp = (arr: Float64Array): number => arr[qa]! + (arr[qb]! - arr[qa]!) * t;
    points[3 * m] = lerp(bx);
    points[3 * m + 1] = lerp(by);
    points[3 * m + 2] = lerp(bz);
    canal[3 * m] = lerp(cxs);
    canal[3 * m + 1] = lerp(cys);
    canal[3 * m + 2] = lerp(czs);
    halfDepthMm[m] = Math.min(22, Math.max(6, lerp(medHalf)));
  }
  const tangents = new Float64Array(3 * length);
  const w = 8;
  for (let m = 0; m < length; m++) {
    const a = Math.max(0, m - w);
    const b = Math.min(length - 1, m + w);
    let tx = points[3 * a]! - points[3 * b]!;
    let ty = points[3 * a + 1]! - points[3 * b + 1]!;
    let tz = points[3 * a + 2]! - points[3 * b + 2]!;
    const len = Math.hypot(tx, ty, tz) || 1;
    tx /= len;
    ty /= len;
    tz /= len;
    if (len === 1 && a === b) {
      tx = 0;
      ty = 0;
      tz = 1;
    }
    tangents[3 * m] = tx;
    tangents[3 * m + 1] = ty;
    tangents[3 * m + 2] = tz;
  }
  // Profile: mean soft bone fraction inside an elliptic disc perpendicular to the axis (rings of
  // samples at 0, 0.35, 0.7 and 0.92 of the expected body radii), on the original volume.
  const profile = new Float64Array(length);
  for (let m = 0; m < length; m++) {
    localFrame(tangents, m, frame);
    const px = points[3 * m]!;
    const py = points[3 * m + 1]!;
    const pz = points[3 * m + 2]!;
    const r = halfDepthMm[m]!;
    let sum = 0;
    let count = 0;
    for (const [rf, ns] of RINGS) {
      for (let a = 0; a < ns; a++) {
        const th = (2 * Math.PI * a) / ns;
        const u = Math.cos(th) * rf * r * 0.9;
        const v = Math.sin(th) * rf * r * 0.8;
        const hu = fine(px + frame[0]! * u + frame[3]! * v, py + frame[1]! * u + frame[4]! * v, pz + frame[2]! * u + frame[5]! * v);
        if (hu !== hu) continue;
        const f = (hu - 60) / 160;
        sum += f < 0 ? 0 : f > 1 ? 1 : f;
        count++;
      }
    }
    const interior = count > 0 ? sum / count : Number.NaN;
    profile[m] = interior;
  }
  fillNaN(profile);
  // Light [1 2 1]/4 smoothing along the axis (1 mm steps): the original volume's noise is averaged
  // out while 4–5 mm discs keep their depth.
  const raw = profile.slice();
  for (let m = 1; m + 1 < length; m++) profile[m] = 0.25 * raw[m - 1]! + 0.5 * raw[m]! + 0.25 * raw[m + 1]!;
  const ring = new Float64Array(length);
  for (let m = 0; m < length; m++) {
    localFrame(tangents, m, frame);
    const px = points[3 * m]!;
    const py = points[3 * m + 1]!;
    const pz = points[3 * m + 2]!;
    const r = halfDepthMm[m]!;
    let hits = 0;
    let valid = 0;
    for (let a = 0; a < 16; a++) {
      const th = (2 * Math.PI * a) / 16;
      const c = Math.cos(th) * 1.35 * r;
      const sn = Math.sin(th) * r;
      let hit = false;
      let seen = false;
      for (let f = 0.75; f <= 1.3; f += 0.08) {
        const u = c * f;
        const v = sn * f;
        const hu = fine(px + frame[0]! * u + frame[3]! * v, py + frame[1]! * u + frame[4]! * v, pz + frame[2]! * u + frame[5]! * v);
        if (hu !== hu) continue;
        seen = true;
        if (hu >= BONE_HU) {
          hit = true;
          break;
        }
      }
      if (seen) valid++;
      if (hit) hits++;
    }
    ring[m] = valid ? hits / valid : 0;
  }
  return { length, points, tangents, canal, halfDepthMm, profile, ring };
}

const RINGS: readonly (readonly [number, number])[] = [
  [0, 1],
  [0.35, 8],
  [0.7, 12],
  [0.92, 16],
];

/** Lateral (left) and anterior unit vectors perpendicular to the tangent at m, into out[0..2], out[3..5]. */
/**
 * The vertebral body along a ray anterior from the canal centre: the posterior wall is the first
 * bone within 20 mm, the front the last bone within 60 mm of the wall before a gap of more than
 * 22 mm (the dark interior of an osteoporotic body is crossed) or, once 12 mm deep, before
 * FAT_PLANE_GAP_MM of fat on the original image (`fat`): bone beyond a fat plane is not this body but a
 * calcified aortic wall or an osteophyte in front of it (real abdomen series, T12: depth read
 * 46 mm instead of 30 mm across the 4 mm fat plane in front of its cortex, 2026-11-27). Null
 * without a wall or for a depth under 12 mm. Both the axial and the tracked path use it.
 */
function bodyExtentAlongRay(bone: (dMm: number) => boolean, stepMm: number, fat: (dMm: number) => boolean): { wall: number; depth: number } | null {
  let wall = -1;
  for (let d = 0; d <= 20; d += stepMm) {
    if (bone(d)) {
      wall = d;
      break;
    }
  }
  if (wall < 0) return null;
  let front = wall;
  let fatMm = 0;
  for (let d = wall; d <= wall + 60; d += stepMm) {
    fatMm = fat(d) ? fatMm + stepMm : 0;
    if (bone(d)) front = d;
    else if (d - front > 22) break;
    else if (front - wall >= 12 && fatMm >= FAT_PLANE_GAP_MM) break;
  }
  const depth = front - wall;
  return depth < 12 ? null : { wall, depth };
}

export function localFrame(tangents: Float64Array, m: number, out: Float64Array): void {
  const tx = tangents[3 * m]!;
  const ty = tangents[3 * m + 1]!;
  const tz = tangents[3 * m + 2]!;
  // Anterior = −y made orthogonal to the tangent.
  let ax = ty * tx;
  let ay = -1 + ty * ty;
  let az = ty * tz;
  const al = Math.hypot(ax, ay, az) || 1;
  ax /= al;
  ay /= al;
  az /= al;
  // Left = tangent × anterior (+x for a straight spine).
  const lx = ty * az - tz * ay;
  const ly = tz * ax - tx * az;
  const lz = tx * ay - ty * ax;
  out[0] = lx;
  out[1] = ly;
  out[2] = lz;
  out[3] = ax;
  out[4] = ay;
  out[5] = az;
}

function medianFilter(values: Float64Array, w: number): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  const buf: number[] = [];
  for (let q = 0; q < values.length; q++) {
    buf.length = 0;
    for (let d = -w; d <= w; d++) {
      const v = values[q + d];
      if (v !== undefined && v === v) buf.push(v);
    }
    if (buf.length === 0) continue;
    buf.sort((a, b) => a - b);
    out[q] = buf[buf.length >> 1]!;
  }
  return out;
}

function fillNaN(values: Float64Array): void {
  let last = Number.NaN;
  for (let q = 0; q < values.length; q++) {
    if (values[q] === values[q]) last = values[q]!;
    else values[q] = last;
  }
  last = Number.NaN;
  for (let q = values.length - 1; q >= 0; q--) {
    if (values[q] === values[q]) last = values[q]!;
    else values[q] = last;
  }
}
