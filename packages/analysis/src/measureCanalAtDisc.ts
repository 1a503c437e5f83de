/**
 * Mid-sagittal antero-posterior diameter of the spinal canal at the intervertebral disc level,
 * where central stenosis arises (disc bulge in front, ligamentum flavum behind; Verbiest H,
 * J Bone Joint Surg Br 1954;36:230–7; Ullrich CG et al., Radiology 1980;134:137–43). On the disc's
 * mid-plane, from the disc centre posteriorly: the canal starts where the disc (annulus ≈ 90 HU)
 * gives way to epidural fat and CSF (≤ 10 HU), and ends at the next tissue denser than 50 HU
 * (ligamentum flavum ≈ 65 HU, lamina); both edges at the 50 HU crossing, interpolated. Where a
 * posterior epidural fat pad lies behind the dural sac, the canal ends where the profile rises
 * out of that fat (half-way to 50 HU): the fat pad lies between the dura and the ligamentum
 * flavum (Beaujeux R et al., Spine 1997;22:1264-8), whose attenuation may stay below 50 HU. The
 * disc's mid-plane is the bisector of the two endplates; at a slipped level the walk runs through
 * the more posterior of the two facing posterior corners instead (the canal's front there). Samples
 * are averaged over ±2 mm across and ±1 mm along the axis against noise. The cord (≈ 35 HU) stays
 * below the threshold. measureCanalAtDiscSegment also returns the two edges (LPS mm), the segment
 * a viewer draws.
 */
import type { GridSampler } from './createGridSampler.js';

export interface DiscCanalBody {
  readonly axis: readonly number[];
  readonly superior: { readonly point: readonly number[]; readonly normal?: readonly number[] };
  readonly inferior: { readonly point: readonly number[]; readonly normal?: readonly number[] };
  readonly apDepth: number;
  /** Posterior corners of the body (Meyerding's landmarks), where measured. */
  readonly posteriorSuperiorCorner?: readonly number[];
  readonly posteriorInferiorCorner?: readonly number[];
}

/**
 * A slip at least this large (mm) between the two posterior corners moves the walk's start: below
 * it the corners are in line within their own location noise (sagittal translation up to ~3 mm
 * is within normal motion; White AA, Panjabi MM, Clinical Biomechanics of the Spine, 1990).
 */
const SLIP_START_MM = 3;

const EDGE_HU = 50;
const STEP_MM = 0.5;
/** Epidural fat (−100…−50 HU) is below this; CSF (0–15 HU) and the cauda equina are above. */
const FAT_HU = -30;
/** CSF is 0–15 HU; partial volume of annulus and fat at the sac's front stays out of the sac run. */
const CSF_MAX_HU = 30;

/** A canal AP diameter and the segment it measures: from the front edge to the back edge, LPS mm. */
export interface CanalApSegment {
  readonly apMm: number;
  readonly fromLps: [number, number, number];
  readonly toLps: [number, number, number];
}

export function measureCanalAtDisc(sample: GridSampler, upper: DiscCanalBody, lower: DiscCanalBody): number | null {
  return measureCanalAtDiscSegment(sample, upper, lower)?.apMm ?? null;
}

export function measureCanalAtDiscSegment(sample: GridSampler, upper: DiscCanalBody, lower: DiscCanalBody): CanalApSegment | null {
  const o = [0, 1, 2].map((k) => (upper.inferior.point[k]! + lower.superior.point[k]!) / 2);
  // The disc's mid-plane bisects the two endplates bounding it (at the lumbosacral junction the
  // body axes of L5 and of the sacral segment differ from the endplate normals).
  const tRaw = [0, 1, 2].map((k) => (upper.inferior.normal?.[k] ?? upper.axis[k]!) + (lower.superior.normal?.[k] ?? lower.axis[k]!));
  const tn = Math.hypot(tRaw[0]!, tRaw[1]!, tRaw[2]!);
  if (!(tn > 0)) return null;
  const t = tRaw.map((x) => x / tn);
  // Anterior: −y made perpendicular to the axis; left = t × a.
  const aRaw = [t[1]! * t[0]!, -1 + t[1]! * t[1]!, t[1]! * t[2]!];
  const an = Math.hypot(aRaw[0]!, aRaw[1]!, aRaw[2]!) || 1;
  const a = aRaw.map((x) => x / an);
  const l = [t[1]! * a[2]! - t[2]! * a[1]!, t[2]! * a[0]! - t[0]! * a[2]!, t[0]! * a[1]! - t[1]! * a[0]!];
  const at = (v: number): number => {
    let sum = 0;
    let count = 0;
    for (const u of [-2, 0, 2]) {
      for (const h of [-1, 0, 1]) {
        const x = sample(o[0]! + l[0]! * u + a[0]! * v + t[0]! * h, o[1]! + l[1]! * u + a[1]! * v + t[1]! * h, o[2]! + l[2]! * u + a[2]! * v + t[2]! * h);
        if (x === x) {
          sum += x;
          count++;
        }
      }
    }
    return count >= 5 ? sum / count : Number.NaN;
  };
  const halfDepth = Math.max(6, upper.apDepth / 2);
  // From inside the disc posteriorly to the canal's front edge. At a slipped level the canal's
  // front at the disc is the more posterior of the two facing posterior corners (the lower body's
  // postero-superior corner in anterolisthesis, the upper's postero-inferior one in
  // retrolisthesis): the mid-plane between offset bodies passes beside that corner, through the
  // canal of the other level, and its first soft tissue is a gap behind the other body's wall,
  // not the narrowing at the disc (listhesis phantom L4–L5: 2.9 mm read for 17.3 mm). The walk
  // then runs through that corner, 1.5 mm inside its endplate, from 2 mm inside its wall.
  let v = -0.3 * halfDepth;
  const along = (p: readonly number[], dir: readonly number[]): number =>
    (p[0]! - o[0]!) * dir[0]! + (p[1]! - o[1]!) * dir[1]! + (p[2]! - o[2]!) * dir[2]!;
  const pic = upper.posteriorInferiorCorner;
  const psc = lower.posteriorSuperiorCorner;
  if (pic && psc && Math.abs(along(pic, a) - along(psc, a)) >= SLIP_START_MM) {
    const lowerBehind = along(psc, a) < along(pic, a);
    const corner = lowerBehind ? psc : pic;
    const hShift = along(corner, t) + (lowerBehind ? -1.5 : 1.5);
    const start = along(corner, a) + 2;
    const discCentre = o.slice();
    for (let k = 0; k < 3; k++) o[k] = discCentre[k]! + t[k]! * hShift;
    if (at(start) >= EDGE_HU) v = start;
    else for (let k = 0; k < 3; k++) o[k] = discCentre[k]!; // not bone or disc there: the mid-plane walk
  }
  let prev = at(v);
  if (!(prev >= EDGE_HU)) return null;
  let front = Number.NaN;
  for (v -= STEP_MM; v >= -(halfDepth + 15); v -= STEP_MM) {
    const x = at(v);
    if (!(x === x)) return null;
    if (x < EDGE_HU) {
      front = v + STEP_MM - STEP_MM * ((prev - EDGE_HU) / (prev - x || 1));
      prev = x;
      break;
    }
    prev = x;
  }
  if (!(front === front)) return null;
  // Behind the dural sac (≥ 3 mm of CSF-like values, FAT_HU + 20 … CSF_MAX_HU) a posterior epidural fat pad (≥ 1 mm below FAT_HU) separates it
  // from the ligamentum flavum: where one is crossed, the canal ends where the profile rises out of
  // that fat half-way to EDGE_HU (the flavum of a lean phantom or patient may stay below EDGE_HU).
  let sawSac = false;
  let sacRun = 0;
  let fatRun = 0;
  let fatMin = Infinity;
  // The back edge is searched only once the profile is clearly inside the canal (below
  // EDGE_HU − 30): noise at the front edge itself must not end the canal at once.
  let inside = false;
  for (let w = front - STEP_MM; w >= front - 35; w -= STEP_MM) {
    const x = at(w);
    if (!(x === x)) return null;
    if (!inside) {
      inside = x < EDGE_HU - 30;
      prev = x;
      continue;
    }
    const fatEdge = (fatMin + EDGE_HU) / 2;
    if (x >= EDGE_HU || (fatRun >= 2 && x >= fatEdge)) {
      const thr = x >= EDGE_HU && !(fatRun >= 2 && prev < fatEdge) ? EDGE_HU : Math.min(EDGE_HU, fatEdge);
      const back = w + STEP_MM - STEP_MM * ((thr - prev) / (x - prev || 1));
      const point = (v: number): [number, number, number] => [o[0]! + a[0]! * v, o[1]! + a[1]! * v, o[2]! + a[2]! * v];
      return { apMm: front - back, fromLps: point(front), toLps: point(back) };
    }
    sacRun = x > FAT_HU + 20 && x < CSF_MAX_HU ? sacRun + 1 : 0;
    if (sacRun >= 6) sawSac = true;
    if (sawSac && x < FAT_HU) {
      fatRun++;
      fatMin = Math.min(fatMin, x);
    } else if (fatRun < 2) {
      fatRun = 0;
      fatMin = Infinity;
    }
    prev = x;
  }
  return null;
}

