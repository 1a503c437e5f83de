/**
 * Spinal canal detection and centreline. On every axial slice of the LPS working grid the canal
 * appears, at pedicle level, as a soft-tissue hole enclosed by bone (vertebral foramen) with the
 * vertebral body directly anterior (findCanalHolesInPlane.ts); candidates are chained
 * cranio-caudally by dynamic programming (gaps at disc levels allowed; across a steep scoliotic
 * segment a step may follow the chain's own coronal trend, trendStep). A chain whose holes hold
 * 60 HU or more in median is not a canal (CSF 0–15 HU, cord 30–40 HU): enhanced myocardium or a
 * vessel wall between contrast-filled chambers in a cardiac / angiography crop.
 * Where the spine runs far off the z axis (hyperkyphosis, severe scoliosis, cervicothoracic
 * junction) axial slices cut the foramen obliquely and the chain ends: from the chain's cranial end
 * (optionally also the caudal one) the canal is then tracked in planes perpendicular to its
 * direction (trackCanalObliquely.ts; predict-and-correct tubular tracking after Aylward SR,
 * Bullitt E, IEEE Trans Med Imaging 2002;21:61–75; on by default on grids finer than 3 mm); a
 * track is kept when it has ≥ 3 centres, runs more than 30° off z and reaches more than 25 mm (a
 * vertebra and its disc) beyond the chain, i.e. only where the axial chain demonstrably stopped
 * short of a canal that goes on. With a track, the 3D centres are median-filtered, extrapolated (50 mm
 * of z caudally, 25 mm cranially, or 50 mm and up to 40 mm beyond the grid where the tracked canal
 * leaves it), smoothed over ±20 mm of arc and resampled every 1 mm. Without one, the chain is
 * interpolated slice by slice exactly as before (linear extrapolation 50 mm caudally to reach the
 * sacrum, 25 mm cranially; ±20 mm smoothing in z) and also given as 1 mm points. Works on the LPS
 * grid, so patient position does not matter.
 */
import { chainAcrossSlices, TREND_BACK_MM } from './chainAcrossSlices.js';
import { createGridSampler } from './createGridSampler.js';
import { createHoleWorkspace, findCanalHolesInPlane } from './findCanalHolesInPlane.js';
import type { LpsGrid } from './resampleToLpsGrid.js';
import { trackCanalObliquely } from './trackCanalObliquely.js';
import type { Point3 } from './trackCanalObliquely.js';

export interface CanalCandidate {
  readonly k: number;
  readonly x: number;
  readonly y: number;
  readonly areaMm2: number;
  readonly meanHu: number;
}

export interface CanalTrace {
  /** Centreline (LPS mm, x y z interleaved), caudal → cranial, 1 mm of arc length apart. */
  readonly pointsLps: Float64Array;
  /** Number of centreline points. */
  readonly length: number;
  /**
   * Without an oblique track: the per-slice centre x, y (LPS mm) for slices k0…k1 of the grid (the
   * axial-chain centreline before its conversion to 3D points; buildSpineAxis then works per slice).
   */
  readonly slices?: {
    readonly k0: number;
    readonly k1: number;
    readonly xMm: Float64Array;
    readonly yMm: Float64Array;
    /** Body centre y (LPS mm) and AP half-depth per slice where they are known without a ray from the canal (traceBodyColumnAtEdge.ts). */
    readonly bodyYMm?: Float64Array;
    readonly halfDepthMm?: Float64Array;
  };
  /** Centre x and y (LPS mm) per centreline point (views for bounding boxes). */
  readonly xMm: Float64Array;
  readonly yMm: Float64Array;
  /**
   * Box (LPS mm) the spine may occupy: the centreline and its cranial end continued along its
   * direction (anteriorly and laterally) towards the grid's cranial limit (at most 60 mm: two vertebrae), for cropping the working grid
   * when the canal leaves the traced part obliquely.
   */
  readonly reachLps: { readonly min: Point3; readonly max: Point3 };
  /** Chained axial candidates (the enclosed-canal slices). */
  readonly chain: readonly CanalCandidate[];
  /** Canal centres found by oblique tracking beyond the axial chain (caudal end first, then cranial). */
  readonly tracked: readonly Point3[];
  /** Centreline indices [first, last] between the first and last found canal centre (beyond them the centreline is extrapolated). */
  readonly foundRange: readonly [number, number];
  /** Fraction of the traced length (between the first and last enclosed canal) with an enclosed canal within 5 mm. */
  readonly enclosedFraction: number;
  /** True when the canal lies outside the field of view and the trace follows the bodies cut by its posterior edge (traceBodyColumnAtEdge.ts). */
  readonly canalOutOfView?: boolean;
}

export interface TraceSpinalCanalOptions {
  readonly boneHu?: number;
  /** Examine every n-th slice (default: every slice up to 2 mm apart, i.e. 1 at ≥ 2 mm, 2 below). */
  readonly sliceStep?: number;
  /**
   * Track the canal in oblique planes beyond the cranial end of the axial chain (default: on grids
   * finer than 3 mm; a 4 mm grid shows the foramen in 3–4 pixels, too few to track). A track is used
   * only where the axial chain demonstrably stopped short: it must reach more than
   * MIN_TRACK_REACH_MM beyond the chain's end and run more than 30° off z; otherwise the axial
   * centreline is kept unchanged.
   */
  readonly oblique?: boolean;
  /** Also track beyond the caudal end (default false: the sacrum). */
  readonly obliqueCaudal?: boolean;
}

/** Per-slice canal candidates (axial slices of the working grid). */
export function findCanalCandidates(grid: LpsGrid, options: TraceSpinalCanalOptions = {}): CanalCandidate[] {
  const boneHu = options.boneHu ?? 150;
  const [nx, ny, nz] = grid.dims;
  const s = grid.spacingMm;
  const plane = nx * ny;
  const work = createHoleWorkspace(plane);
  const out: CanalCandidate[] = [];
  const sliceStep = options.sliceStep ?? (s < 2 ? 2 : 1);
  for (let k = 0; k < nz; k += sliceStep) {
    const slice = grid.data.subarray(k * plane, (k + 1) * plane);
    for (const h of findCanalHolesInPlane(slice, nx, ny, s, boneHu, work)) {
      out.push({ k, x: grid.originLps[0] + h.i * s, y: grid.originLps[1] + h.j * s, areaMm2: h.areaMm2, meanHu: h.meanHu });
    }
  }
  return out;
}

/** In-plane travel per mm of z a step may make without a trend (≈ 31° off z). */
const PLAIN_STEP_SLOPE = 0.6;

/** Steepest chain trend (in-plane mm per mm of z) a step may follow: 45° off z. */
const MAX_TREND_SLOPE = 1;
/** Steepest step (in-plane mm per mm of z, beyond the 4 mm of centre noise) along a trend: 50° off z. */
const MAX_TREND_STEP_SLOPE = Math.tan((50 * Math.PI) / 180);
/** Deviation from the trend's prediction allowed per mm of z (beyond 4 mm of centre noise): the curve's change of slope. */
const TREND_TOLERANCE_SLOPE = 0.3;

/**
 * STEEP SEGMENT: a step that continues the chain's own direction. Where the spine runs 30–50° off
 * z (the lumbar limb of a severe thoracic scoliosis: 85° Cobb puts L1–L3 about 40° off z) the
 * canal moves 0.8–1.2 mm in plane per mm of z, and axial slices see its obliquely cut foramen as
 * an enclosed hole in only some slices (elsewhere the thin laminae, partial-volumed across a
 * 2.5 mm slice, stay under bone HU), so the gaps between candidates widen while the per-step
 * limit (4 + 0.6 mm per mm of z, ≈ 31°) stays fixed. A step is still accepted when it lands
 * within 4 + 0.3 mm per mm of z of the position predicted by the chain's trend over the last
 * vertebra (`back` → `from`, ≥ 15 mm of z, at most 45° off z, in the coronal plane) and stays
 * within 50° off z (a short run of holes, as in the sacral foramina, makes no trend). Returns the step's distance
 * from the predicted position (mm) and whether the trend itself runs steeper than a plain step
 * may (PLAIN_STEP_SLOPE), null where the step does not follow a trend.
 * Prediction along the track's own direction, as in tubular tracking (Aylward SR, Bullitt E, IEEE
 * Trans Med Imaging 2002;21:61–75).
 */
function trendStep(pc: CanalCandidate, cc: CanalCandidate, dz: number, back: CanalCandidate | undefined, s: number): { deviationMm: number; steep: boolean } | null {
  if (!back) return null;
  const dzBack = (pc.k - back.k) * s;
  if (dzBack < TREND_BACK_MM) return null;
  const sx = (pc.x - back.x) / dzBack;
  const sy = (pc.y - back.y) / dzBack;
  // Coronal trends only (lateral travel at least twice the AP travel): a scoliotic segment. A canal
  // running steeply in the sagittal plane (hyperkyphosis, the cervicothoracic junction) is left
  // to oblique tracking beyond the chain's cranial end, which follows it in perpendicular planes
  // (axial holes drift there) and widens the crop anteriorly (analyzeSpineCt).
  if (Math.hypot(sx, sy) > MAX_TREND_SLOPE || Math.abs(sx) < 2 * Math.abs(sy)) return null;
  const dev = Math.hypot(cc.x - (pc.x + sx * dz), cc.y - (pc.y + sy * dz));
  if (dev > 4 + TREND_TOLERANCE_SLOPE * dz || Math.hypot(cc.x - pc.x, cc.y - pc.y) > 4 + MAX_TREND_STEP_SLOPE * dz) return null;
  return { deviationMm: dev, steep: Math.hypot(sx, sy) > PLAIN_STEP_SLOPE };
}

/** Shortest reach (mm) of an oblique track beyond the axial chain's end for it to be used: one vertebra and its disc. */
const MIN_TRACK_REACH_MM = 25;

/** Median HU of the chained canal candidates above which the chain is not a spinal canal. */
const MAX_CANAL_CONTENT_HU = 60;

export function traceSpinalCanal(grid: LpsGrid, options: TraceSpinalCanalOptions = {}): CanalTrace | null {
  const candidates = findCanalCandidates(grid, options);
  if (candidates.length === 0) return null;
  const s = grid.spacingMm;
  const maxGapMm = 32;
  // Longest consistent chain over the candidates sorted by slice. Steps along a steep trend only
  // on grids finer than 3 mm (where oblique tracking is on by default): like the tracking they
  // follow the canal far off z, which the coarse 4 mm pass (it only places the crop; its 4 mm
  // holes' centres are too coarse for a trend) does not.
  const followTrends = s < 3;
  const rawChain = chainAcrossSlices(candidates, s, maxGapMm, (pc, cc, dz, back) => {
    const dxy = Math.hypot(cc.x - pc.x, cc.y - pc.y);
    // LISTHESIS: a slipped vertebra carries its canal forward or back with it (the canal steps in
    // AP, not sideways): a step with no lateral shift may reach 4 + 1.2 mm per mm of gap.
    const sagittalStep = Math.abs(cc.x - pc.x) <= 2 + 0.1 * dz && Math.abs(cc.y - pc.y) <= 4 + 1.2 * dz;
    const trend = followTrends ? trendStep(pc, cc, dz, back, s) : null;
    if (dxy > 4 + PLAIN_STEP_SLOPE * dz && !sagittalStep && trend === null) return null; // allows a listhesis step across a disc gap
    // Along a steep trend only the deviation from it is penalised: a steep canal's expected
    // in-plane travel (≈ 1 mm per mm of z) would otherwise make every link across a wide gap cost
    // more than the candidate adds, and the chain would end at the steep segment.
    return 0.1 * (trend?.steep ? Math.min(dxy, trend.deviationMm) : dxy);
  });
  // Median of x and y over ±2 chain neighbours removes single wrong candidates.
  const med = (vals: number[]): number => vals.sort((p, q) => p - q)[vals.length >> 1]!;
  const chain: CanalCandidate[] = rawChain.map((cc, q) => {
    const win = rawChain.slice(Math.max(0, q - 2), q + 3);
    return { ...cc, x: med(win.map((w) => w.x)), y: med(win.map((w) => w.y)) };
  });
  if (chain.length < 3) return null;
  // Canal content: CSF (0–15 HU), cord (30–40 HU) and epidural fat (< 0 HU). A "hole" of
  // 60 HU or more in median is enhanced myocardium or a vessel wall between contrast-filled
  // chambers (cardiac or CT-angiography crops), not a vertebral foramen.
  const contentHu = chain.map((cc) => cc.meanHu).sort((p, q) => p - q)[chain.length >> 1]!;
  // (On grids coarser than 2 mm the bony ring's partial volume raises the hole's mean: not tested.)
  if (s <= 2 && contentHu >= MAX_CANAL_CONTENT_HU) return null;
  const z0 = grid.originLps[2];
  const chainPts: Point3[] = chain.map((cc) => [cc.x, cc.y, z0 + cc.k * s]);
  // Oblique tracking beyond both chain ends (caudal: travel order is the chain reversed).
  let caudal: Point3[] = [];
  let cranial: Point3[] = [];
  let chainBody = chainPts;
  if (options.oblique ?? s < 3) {
    const sample = createGridSampler(grid);
    const opts = { spacingMm: s, ...(options.boneHu === undefined ? {} : { boneHu: options.boneHu }) };
    // A track of fewer than 3 centres (one stray hole in the sacrum or the skull base) is not a canal.
    // A track that stays within 30° of z adds nothing the axial slices could not see, and one that
    // ends within MIN_TRACK_REACH_MM of the chain (less than a vertebra and its disc) only bends the
    // centreline's end (a truncated body at the field of view's edge was then counted as one more
    // vertebra): both dropped.
    const track = (from: Point3[]): Point3[] => {
      const t = trackCanalObliquely(sample, from, opts);
      if (t.length < 3) return [];
      const a = from[from.length - 1]!;
      const b = t[t.length - 1]!;
      const d = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
      return d > MIN_TRACK_REACH_MM && Math.abs(b[2] - a[2]) / d < Math.cos(Math.PI / 6) ? t : [];
    };
    // Beyond 40° off z axial slices cut the foramen so obliquely that the chain's centres drift
    // (the ring is seen as an elongated hole): the track starts where the chain is still within 40°.
    const reliable = withinAxialReach(chainPts);
    cranial = track(reliable);
    if (cranial.length > 0) chainBody = reliable;
    // Caudally only on request: below the lumbar chain the canal enters the sacrum, turns
    // posteriorly and loses its ring; the linear extrapolation below reaches the L5/S1 disc and S1.
    if (options.obliqueCaudal) caudal = track(chainPts.slice().reverse());
  }
  const pts: Point3[] = [...caudal.slice().reverse(), ...chainBody, ...cranial];
  // Without an oblique track the axial chain is interpolated slice by slice exactly as before
  // (per-slice linear interpolation, z-based extrapolation, ±20 mm smoothing in z).
  const centre = caudal.length + cranial.length > 0 ? smoothCentreline(pts, grid, { caudal: caudal.length > 0, cranial: cranial.length > 0 }) : axialCentreline(chain, grid);
  if (!centre) return null;
  // Enclosed fraction: centreline points between the first and last found centre lying within 5 mm of one.
  const P = centre.pointsLps;
  const nearest = (p: Point3): number => {
    let bestQ = 0;
    let bestD = Infinity;
    for (let q = 0; q < centre.length; q++) {
      const d = Math.hypot(P[3 * q]! - p[0], P[3 * q + 1]! - p[1], P[3 * q + 2]! - p[2]);
      if (d < bestD) {
        bestD = d;
        bestQ = q;
      }
    }
    return bestQ;
  };
  const qa = nearest(pts[0]!);
  const qb = nearest(pts[pts.length - 1]!);
  const near = new Uint8Array(centre.length);
  for (const p of pts) {
    const q0 = nearest(p);
    for (let q = Math.max(0, q0 - 5); q <= Math.min(centre.length - 1, q0 + 5); q++) near[q] = 1;
  }
  let covered = 0;
  for (let q = Math.min(qa, qb); q <= Math.max(qa, qb); q++) covered += near[q]!;
  const enclosedFraction = covered / (Math.abs(qb - qa) + 1);
  // Without an oblique track the reach is the centreline's own box (the crop as it always was).
  const reachLps = caudal.length + cranial.length > 0 ? reachOf(centre.pointsLps, grid) : boxOf(centre.pointsLps);
  return { ...centre, foundRange: [Math.min(qa, qb), Math.max(qa, qb)], reachLps, chain, tracked: [...caudal, ...cranial], enclosedFraction };
}

/** Steepest canal (off z) at which the axial chain's centres are trusted as a start for tracking: 40°. */
const MAX_AXIAL_TAN = Math.tan((40 * Math.PI) / 180);

/**
 * Where the chain ends steep (a point within its cranial 15 mm runs more than 40° off z, direction
 * over ≥ 20 mm of z back along the chain), the chain cut before its first such point within the
 * cranial 60 mm; otherwise (the chain ends near-vertical, e.g. at C2 above the cervical lordosis)
 * the whole chain. At least 3 points are kept.
 */
function withinAxialReach(chainPts: readonly Point3[]): Point3[] {
  const n = chainPts.length;
  const top = chainPts[n - 1]![2];
  const steep = (q: number): boolean => {
    const p = chainPts[q]!;
    let r = q - 1;
    while (r > 0 && p[2] - chainPts[r]![2] < 20) r--;
    const dz = p[2] - chainPts[r]![2];
    return dz >= 20 && Math.hypot(p[0] - chainPts[r]![0], p[1] - chainPts[r]![1]) > MAX_AXIAL_TAN * dz;
  };
  let endsSteep = false;
  for (let q = n - 1; q >= 3 && top - chainPts[q]![2] <= 15 && !endsSteep; q--) endsSteep = steep(q);
  if (!endsSteep) return chainPts.slice();
  for (let q = 3; q < n; q++) if (top - chainPts[q]![2] <= 60 && steep(q)) return chainPts.slice(0, q);
  return chainPts.slice();
}

/** Bounding box of the centreline with its cranial end continued straight (direction over the last 30 mm) to the grid's z limits, at most 60 mm (two vertebrae). */
function reachOf(P: Float64Array, grid: LpsGrid): { min: Point3; max: Point3 } {
  const n = P.length / 3;
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  const add = (x: number, y: number, z: number): void => {
    min[0] = Math.min(min[0]!, x);
    min[1] = Math.min(min[1]!, y);
    min[2] = Math.min(min[2]!, z);
    max[0] = Math.max(max[0]!, x);
    max[1] = Math.max(max[1]!, y);
    max[2] = Math.max(max[2]!, z);
  };
  for (let q = 0; q < n; q++) add(P[3 * q]!, P[3 * q + 1]!, P[3 * q + 2]!);
  const zLo = grid.originLps[2];
  const zHi = zLo + (grid.dims[2] - 1) * grid.spacingMm;
  // Cranial end only: caudally the centreline is already extrapolated into the sacrum.
  for (const [q, back] of [[n - 1, Math.max(0, n - 31)]] as const) {
    const d = [P[3 * q]! - P[3 * back]!, P[3 * q + 1]! - P[3 * back + 1]!, P[3 * q + 2]! - P[3 * back + 2]!];
    const len = Math.hypot(d[0]!, d[1]!, d[2]!);
    if (len < 8) continue;
    for (let e = 5; e <= 60; e += 5) {
      const x = P[3 * q]! + (d[0]! / len) * e;
      const y = P[3 * q + 1]! + (d[1]! / len) * e;
      const z = P[3 * q + 2]! + (d[2]! / len) * e;
      if (z < zLo || z > zHi) break;
      // Only anteriorly and laterally: the bodies lie in front of the canal (a canal turning
      // posteriorly, as into the sacrum, needs no larger crop).
      add(x, Math.min(y, max[1]!), z);
    }
  }
  return { min: [min[0]!, min[1]!, min[2]!], max: [max[0]!, max[1]!, max[2]!] };
}

/**
 * Median (±2 neighbours) then moving-average (±20 mm of arc) smoothing of the found canal
 * centres, linear extrapolation beyond the ends (direction over the last 20 mm: 50 mm of z caudally,
 * 25 mm cranially), resampling every 1 mm of arc and clipping to the grid.
 */
function smoothCentreline(pts: readonly Point3[], grid: LpsGrid, trackedEnds: { caudal: boolean; cranial: boolean }): { pointsLps: Float64Array; length: number; xMm: Float64Array; yMm: Float64Array } | null {
  const n = pts.length;
  const med = (vals: number[]): number => vals.sort((p, q) => p - q)[vals.length >> 1]!;
  // Windows of 5, shrinking to 3 at the ends (a stray end point must not steer the extrapolation).
  const m: Point3[] = pts.map((_, q) => {
    const h = Math.max(1, Math.min(2, q, n - 1 - q));
    const win = pts.slice(Math.max(0, q - h), q + h + 1);
    return [med(win.map((w) => w[0])), med(win.map((w) => w[1])), med(win.map((w) => w[2]))];
  });
  const arcOf = (list: readonly Point3[]): Float64Array => {
    const a = new Float64Array(list.length);
    for (let q = 1; q < list.length; q++) a[q] = a[q - 1]! + Math.hypot(list[q]![0] - list[q - 1]![0], list[q]![1] - list[q - 1]![1], list[q]![2] - list[q - 1]![2]);
    return a;
  };
  const arc = arcOf(m);
  // End directions over the last 20 mm of arc. At an end of the axial chain (no oblique track
  // beyond it) the slopes per mm of z are clamped to ±1 (45°) and taken as 0 over less than 8 mm of
  // z: the canal below L5 turns posteriorly into the sacrum, not along a lumbar curve. At a tracked
  // end the tracked 3D direction is followed.
  const endDir = (atStart: boolean): [number, number, number] => {
    const ref = atStart ? m[0]! : m[n - 1]!;
    const refArc = atStart ? 0 : arc[n - 1]!;
    let far = ref;
    for (let q = 0; q < n; q++) {
      const d = Math.abs(arc[q]! - refArc);
      if (d <= 20 && d > 0) {
        const cand = m[q]!;
        if (Math.hypot(cand[0] - ref[0], cand[1] - ref[1], cand[2] - ref[2]) > Math.hypot(far[0] - ref[0], far[1] - ref[1], far[2] - ref[2])) far = cand;
      }
    }
    const v: [number, number, number] = [ref[0] - far[0], ref[1] - far[1], ref[2] - far[2]];
    const out = atStart ? -1 : 1;
    if (atStart ? trackedEnds.caudal : trackedEnds.cranial) {
      // Tracked centres jitter by a few mm: the direction joins the mean of the last 10 mm to the
      // mean of the 20–30 mm before it.
      const mean = (lo: number, hi: number): Point3 | null => {
        let sx = 0;
        let sy = 0;
        let sz = 0;
        let c = 0;
        for (let q = 0; q < n; q++) {
          const d = Math.abs(arc[q]! - refArc);
          if (d >= lo && d <= hi) {
            sx += m[q]![0];
            sy += m[q]![1];
            sz += m[q]![2];
            c++;
          }
        }
        return c ? [sx / c, sy / c, sz / c] : null;
      };
      const a = mean(0, 10);
      const b = mean(20, 30);
      if (a && b) {
        const u = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
        const len = Math.hypot(u[0]!, u[1]!, u[2]!);
        if (len >= 8) return [u[0]! / len, u[1]! / len, u[2]! / len];
      }
    }
    if (Math.abs(v[2]) < 8) return [0, 0, out];
    const clamp = (x: number): number => Math.max(-1, Math.min(1, x));
    const sx = clamp(v[0] / v[2]);
    const sy = clamp(v[1] / v[2]);
    const len = Math.hypot(sx, sy, 1);
    return [(sx * out) / len, (sy * out) / len, out / len];
  };
  const d0 = endDir(true);
  const d1 = endDir(false);
  const ext: Point3[] = [];
  // Extrapolation lengths are in z (50 mm caudally, to reach the L5/S1 disc and the sacrum, whose
  // canal is not an enclosed ring at S1 in many scans), converted to arc length. Each end is
  // extrapolated 20 mm further than kept: the ±20 mm moving average below then acts on full
  // windows up to the kept ends, and the extra 20 mm are cut off afterwards.
  const caudalArc = 50 / Math.max(0.4, Math.abs(d0[2])) + 20;
  for (let e = caudalArc; e > 0; e -= 2) ext.push([m[0]![0] + d0[0] * e, m[0]![1] + d0[1] * e, m[0]![2] + d0[2] * e]);
  ext.push(...m);
  // Cranially 25 mm (beyond the last enclosed canal lie the dens and the skull base), or 50 mm
  // where the tracked canal ran out of the grid (the spine continues out of view; bodies in front of an
  // oblique canal are still inside).
  const [gx, gy, gz] = grid.dims;
  const g = grid.originLps;
  const e1 = m[n - 1]!;
  const edgeDist = Math.min(e1[0] - g[0], g[0] + (gx - 1) * grid.spacingMm - e1[0], e1[1] - g[1], g[1] + (gy - 1) * grid.spacingMm - e1[1], e1[2] - g[2], g[2] + (gz - 1) * grid.spacingMm - e1[2]);
  const cranialArc = (trackedEnds.cranial && edgeDist < 20 ? 50 : 25) / Math.max(0.4, Math.abs(d1[2])) + 20;
  for (let e = 2; e <= cranialArc; e += 2) ext.push([m[n - 1]![0] + d1[0] * e, m[n - 1]![1] + d1[1] * e, m[n - 1]![2] + d1[2] * e]);
  // Linear interpolation every 1 mm of arc (gaps at disc levels filled evenly), then a moving
  // average over ±20 mm (the canal is smooth at this scale; candidates are noisy).
  const uniform = resampleByArc(ext);
  const w = 20;
  const smooth: Point3[] = [];
  for (let q = 0; q < uniform.length; q++) {
    let sx = 0;
    let sy = 0;
    let sz = 0;
    let c = 0;
    for (let r = Math.max(0, q - w); r <= Math.min(uniform.length - 1, q + w); r++) {
      sx += uniform[r]![0];
      sy += uniform[r]![1];
      sz += uniform[r]![2];
      c++;
    }
    smooth.push([sx / c, sy / c, sz / c]);
  }
  const [nx, ny, nz] = grid.dims;
  const o = grid.originLps;
  const sp = grid.spacingMm;
  // Up to 40 mm outside the grid is kept: where the spine runs obliquely out of the field of view,
  // the canal leaves it before the bodies in front of it do (buildSpineAxis trims the body axis).
  // (Only at a tracked end: an axial chain end is clipped to the grid as it always was.)
  const margin = 40;
  const zLow = o[2] - (trackedEnds.caudal ? margin : 0);
  const zHigh = o[2] + (nz - 1) * sp + (trackedEnds.cranial ? margin : 0);
  const inside = (x: number, y: number, z: number): boolean =>
    x >= o[0] - margin && x <= o[0] + (nx - 1) * sp + margin && y >= o[1] - margin && y <= o[1] + (ny - 1) * sp + margin && z >= zLow && z <= zHigh;
  const out: number[] = [];
  const kept = resampleByArc(smooth.slice(w, Math.max(w, smooth.length - w)));
  for (const p of kept) {
    if (inside(p[0], p[1], p[2])) out.push(p[0], p[1], p[2]);
    else if (out.length > 0) break;
  }
  const length = out.length / 3;
  if (length < 2) return null;
  const pointsLps = Float64Array.from(out);
  const xMm = new Float64Array(length);
  const yMm = new Float64Array(length);
  for (let p = 0; p < length; p++) {
    xMm[p] = pointsLps[3 * p]!;
    yMm[p] = pointsLps[3 * p + 1]!;
  }
  return { pointsLps, length, xMm, yMm };
}

/** Points every 1 mm of arc length along the polyline `list` (linear interpolation). */
function resampleByArc(list: readonly Point3[]): Point3[] {
  const out: Point3[] = [];
  if (list.length === 0) return out;
  out.push(list[0]!);
  let carried = 0;
  for (let q = 1; q < list.length; q++) {
    const a = list[q - 1]!;
    const b = list[q]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
    let t = 1 - carried;
    while (t <= len) {
      const f = t / len;
      out.push([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]);
      t += 1;
    }
    carried = len - (t - 1);
  }
  return out;
}

/**
 * The centreline of an axial chain alone, per slice: linear interpolation between chain slices,
 * linear extrapolation beyond them (slope over the last 20 mm of chain, clamped to 45°; 50 mm
 * caudally, 25 mm cranially, inside the grid), moving average over ±20 mm of z; then as 3D points
 * every 1 mm of arc.
 */
function axialCentreline(
  chain: readonly CanalCandidate[],
  grid: LpsGrid,
): { pointsLps: Float64Array; length: number; xMm: Float64Array; yMm: Float64Array; slices: NonNullable<CanalTrace['slices']> } | null {
  const s = grid.spacingMm;
  const first = chain[0]!;
  const last = chain[chain.length - 1]!;
  const nz = grid.dims[2];
  const k0 = Math.max(0, first.k - Math.min(first.k, Math.round(50 / s)));
  const k1 = Math.min(nz - 1, last.k + Math.round(25 / s));
  const slope = (fromStart: boolean): [number, number] => {
    const ref = fromStart ? first : last;
    const near = chain.filter((cc) => Math.abs(cc.k - ref.k) * s <= 20);
    const far = near.reduce((a, b) => (Math.abs(b.k - ref.k) > Math.abs(a.k - ref.k) ? b : a), ref);
    const dk = ref.k - far.k;
    if (Math.abs(dk) * s < 8) return [0, 0];
    const clamp = (v: number): number => Math.max(-1, Math.min(1, v));
    return [clamp((ref.x - far.x) / dk), clamp((ref.y - far.y) / dk)];
  };
  const [sx0, sy0] = slope(true);
  const [sx1, sy1] = slope(false);
  const len = k1 - k0 + 1;
  const rawX = new Float64Array(len);
  const rawY = new Float64Array(len);
  let c = 0;
  for (let k = k0; k <= k1; k++) {
    if (k < first.k) {
      rawX[k - k0] = first.x + sx0 * (k - first.k);
      rawY[k - k0] = first.y + sy0 * (k - first.k);
      continue;
    }
    if (k > last.k) {
      rawX[k - k0] = last.x + sx1 * (k - last.k);
      rawY[k - k0] = last.y + sy1 * (k - last.k);
      continue;
    }
    while (c + 1 < chain.length && chain[c + 1]!.k <= k) c++;
    const a = chain[c]!;
    const b = chain[Math.min(c + 1, chain.length - 1)]!;
    let t = b.k === a.k ? 0 : (k - a.k) / (b.k - a.k);
    t = Math.max(0, Math.min(1, t));
    rawX[k - k0] = a.x + (b.x - a.x) * t;
    rawY[k - k0] = a.y + (b.y - a.y) * t;
  }
  const w = Math.max(1, Math.round(20 / s));
  const perSlice: Point3[] = [];
  const sliceX = new Float64Array(len);
  const sliceY = new Float64Array(len);
  for (let q = 0; q < len; q++) {
    let ax = 0;
    let ay = 0;
    let m = 0;
    for (let d = -w; d <= w; d++) {
      const r = q + d;
      if (r < 0 || r >= len) continue;
      ax += rawX[r]!;
      ay += rawY[r]!;
      m++;
    }
    sliceX[q] = ax / m;
    sliceY[q] = ay / m;
    perSlice.push([ax / m, ay / m, grid.originLps[2] + (k0 + q) * s]);
  }
  const pts = resampleByArc(perSlice);
  if (pts.length < 2) return null;
  const pointsLps = new Float64Array(3 * pts.length);
  const xMm = new Float64Array(pts.length);
  const yMm = new Float64Array(pts.length);
  pts.forEach((p, q) => {
    pointsLps[3 * q] = p[0];
    pointsLps[3 * q + 1] = p[1];
    pointsLps[3 * q + 2] = p[2];
    xMm[q] = p[0];
    yMm[q] = p[1];
  });
  return { pointsLps, length: pts.length, xMm: sliceX, yMm: sliceY, slices: { k0, k1, xMm: sliceX, yMm: sliceY } };
}

/** Bounding box of the centreline points. */
function boxOf(P: Float64Array): { min: Point3; max: Point3 } {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let q = 0; q < P.length; q++) {
    const ax = q % 3;
    min[ax] = Math.min(min[ax]!, P[q]!);
    max[ax] = Math.max(max[ax]!, P[q]!);
  }
  return { min: [min[0]!, min[1]!, min[2]!], max: [max[0]!, max[1]!, max[2]!] };
}
