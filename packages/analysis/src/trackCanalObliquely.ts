/**
 * Predict-and-correct tracking of the spinal canal beyond the axial chain, in planes
 * perpendicular to the current canal direction: where the spine runs far off the scanner's z axis
 * (hyperkyphosis, severe scoliosis, the cervicothoracic junction) an axial slice cuts the
 * vertebral foramen obliquely and the enclosed-hole test fails, while a cross-section
 * perpendicular to the canal still shows the foramen ring with the body in front. From the chain
 * end, each step predicts the next centre along the current direction, resamples an oblique plane
 * there (anterior = −y made orthogonal to the direction), finds canal holes in it
 * (findCanalHolesInPlane.ts), corrects the position to the nearest hole and re-estimates the
 * direction over the last 20 mm; disc levels (no enclosed ring) are crossed by prediction alone.
 * This is the classic tubular-structure tracking scheme (predict, resample the orthogonal
 * cross-section, correct; Aylward SR, Bullitt E, IEEE Trans Med Imaging 2002;21:61–75).
 */
import type { GridSampler } from './createGridSampler.js';
import { createHoleWorkspace, findCanalHolesInPlane } from './findCanalHolesInPlane.js';

export type Point3 = readonly [number, number, number];

export interface TrackCanalOptions {
  readonly boneHu?: number;
  /** Working grid spacing (mm): the plane's pixel size. */
  readonly spacingMm: number;
  /** Step along the canal (default max(3, spacing) mm). */
  readonly stepMm?: number;
  /** Longest stretch without an enclosed canal (mm) before tracking stops (default 32: a disc plus margin). */
  readonly maxGapMm?: number;
  /** Longest tracked length (mm; default 700: a whole spine). */
  readonly maxLengthMm?: number;
}

/** Plane extent around the predicted centre (mm): the body lies up to ~65 mm anterior of the canal centre. */
const LATERAL_MM = 40;
const ANTERIOR_MM = 72;
const POSTERIOR_MM = 30;
const BASELINE_MM = 20;

/**
 * Tracks from the last point of `history` (ordered along the travel direction, the chain's end
 * last) onwards. Returns the corrected canal centres found (not the predictions), in travel order.
 */
export function trackCanalObliquely(sample: GridSampler, history: readonly Point3[], options: TrackCanalOptions): Point3[] {
  const s = options.spacingMm;
  const boneHu = options.boneHu ?? 150;
  const step = options.stepMm ?? Math.max(3, s);
  const maxGap = options.maxGapMm ?? 32;
  const maxLength = options.maxLengthMm ?? 700;
  if (history.length < 2) return [];
  const nx = 2 * Math.round(LATERAL_MM / s) + 1;
  const ny = Math.round((ANTERIOR_MM + POSTERIOR_MM) / s) + 1;
  const half = (nx - 1) / 2;
  const data = new Float32Array(nx * ny);
  const work = createHoleWorkspace(nx * ny);
  const found: Point3[] = [];
  const trail: Point3[] = history.slice(-12);
  let dir = directionOf(trail);
  if (!dir) return [];
  let pos: Point3 = trail[trail.length - 1]!;
  let gap = 0;
  for (let travelled = 0; travelled < maxLength; travelled += step) {
    const pred: Point3 = [pos[0] + dir[0] * step, pos[1] + dir[1] * step, pos[2] + dir[2] * step];
    if (!(sample(pred[0], pred[1], pred[2]) === sample(pred[0], pred[1], pred[2]))) break; // left the grid
    // Anterior = −y orthogonal to the direction; lateral = direction × anterior.
    const ad = -dir[1];
    let a: [number, number, number] = [0 - ad * dir[0], -1 - ad * dir[1], 0 - ad * dir[2]];
    const an = Math.hypot(a[0], a[1], a[2]);
    if (an < 0.3) break; // canal running antero-posteriorly: not a spine
    a = [a[0] / an, a[1] / an, a[2] / an];
    const l: [number, number, number] = [dir[1] * a[2] - dir[2] * a[1], dir[2] * a[0] - dir[0] * a[2], dir[0] * a[1] - dir[1] * a[0]];
    for (let j = 0; j < ny; j++) {
      const v = ANTERIOR_MM - j * s;
      const bx = pred[0] + a[0] * v;
      const by = pred[1] + a[1] * v;
      const bz = pred[2] + a[2] * v;
      for (let i = 0; i < nx; i++) {
        const u = (i - half) * s;
        data[j * nx + i] = sample(bx + l[0] * u, by + l[1] * u, bz + l[2] * u);
      }
    }
    // The foramen ring and the body's posterior wall must lie inside the field of view: a plane
    // cut by the volume's edge shows spurious "holes".
    let cut = false;
    for (let j = Math.round((ANTERIOR_MM - 25) / s); j <= Math.round((ANTERIOR_MM + 12) / s) && !cut; j++) {
      for (let i = Math.round(half - 22 / s); i <= Math.round(half + 22 / s); i++) {
        const v = data[j * nx + i]!;
        if (!(v === v)) {
          cut = true;
          break;
        }
      }
    }
    if (cut) break;
    const holes = findCanalHolesInPlane(data, nx, ny, s, boneHu, work);
    gap += step;
    let best: Point3 | null = null;
    let bestD = 6 + 0.5 * gap;
    for (const h of holes) {
      const u = (h.i - half) * s;
      const v = ANTERIOR_MM - h.j * s;
      const d = Math.hypot(u, v);
      if (d <= bestD) {
        bestD = d;
        best = [pred[0] + l[0] * u + a[0] * v, pred[1] + l[1] * u + a[1] * v, pred[2] + l[2] * u + a[2] * v];
      }
    }
    if (best) {
      found.push(best);
      trail.push(best);
      pos = best;
      gap = 0;
      const d = directionOf(trail);
      if (d) dir = d;
    } else {
      pos = pred;
      if (gap > maxGap) break;
    }
  }
  return found;
}

/** Unit direction from the point ~20 mm back along `trail` to its last point (null when under 6 mm apart). */
function directionOf(trail: readonly Point3[]): [number, number, number] | null {
  const end = trail[trail.length - 1]!;
  let from = trail[trail.length - 2]!;
  for (let q = trail.length - 2; q >= 0; q--) {
    const p = trail[q]!;
    from = p;
    if (Math.hypot(end[0] - p[0], end[1] - p[1], end[2] - p[2]) >= BASELINE_MM) break;
  }
  const d: [number, number, number] = [end[0] - from[0], end[1] - from[1], end[2] - from[2]];
  const n = Math.hypot(d[0], d[1], d[2]);
  if (n < 6) return null;
  return [d[0] / n, d[1] / n, d[2] / n];
}
