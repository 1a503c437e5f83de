/**
 * Coronal Cobb angles (Cobb 1948) of every curve, with automatically chosen end vertebrae: the
 * most tilted vertebrae in the coronal plane (SRS terminology), tilt of the endplates' left–right
 * lines along each vertebra's own lateral axis (it turns with axial rotation). Curves are split
 * where the tilt turns back (the end vertebra shared by two curves); none below 5°. Each curve
 * carries the two endplate lines it was measured between, built from the very tilt it used.
 * The lateral axis is read on the vertebra's own mid-sagittal plane found by mirror symmetry
 * (measureTiltAxes → measureMidSagittalAxis.ts) where given, else on its centroid → canal axis.
 */
import { point2, unitVector } from './angleLineGeometry.js';
import { levelName } from './levelName.js';
import { measureMidSagittalAxis, type MidSagittalAxis } from './measureMidSagittalAxis.js';
import type { AngleLine, AngleLineSource, AngleMeasurement, CoronalCurveMeasurement, VertebraResult } from './SpineAnalysisResult.js';

const DEG = 180 / Math.PI;
const MAX_ENDPLATE_RMS_MM = 1.5;
/** Smallest coronal curve reported (deg), and the smallest turn of the tilt that ends a curve. */
const MIN_CURVE_DEG = 5;
/** A local tilt extremum this far (deg) beyond its neighbours' median is a misread (despike). */
const SPIKE_TWO_ENDPLATES_DEG = 15;
const SPIKE_ONE_ENDPLATE_DEG = 10;
/** Coronal tilt (deg, along the centroid → canal axis) from which a vertebra's tilt is read along its mirror-symmetry axis (measureTiltAxes). */
const MIN_TILT_FOR_AXIS_DEG = 3;

/** A vertebra that entered the Cobb measurement, with its coronal tilt (deg). */
interface TiltedVertebra {
  readonly v: VertebraResult;
  /** Mean tilt of its reliable endplates (deg; positive: its left side lower). */
  readonly rawDeg: number;
  /** After despike: rawDeg, or its neighbours' median where rawDeg was a misread. */
  readonly tiltDeg: number;
  readonly normals: readonly (readonly number[])[];
  /** The posterior axis the tilt was read along (its lateral axis: normal × this). */
  readonly posterior: readonly number[] | undefined;
}

/**
 * Every coronal curve of at least 5°, cranial → caudal (SRS terminology; Cobb 1948). The end
 * vertebrae are the turning points of the tilt along the column: walking caudally, the tilt grows
 * monotonically into one side from an end vertebra through the apex to the next end vertebra and
 * turns back there, so each end vertebra is the most tilted of its run (the SRS definition: the
 * last vertebra tilted into the curve's concavity). A turn of less than 5° does not end a curve:
 * it is within the Cobb method's measurement variability (±3–5°: Morrissy RT et al., J Bone Joint
 * Surg Am 1990;72:320-7), and curves are counted from 5°, as the phantom's truth (findCobbAngles)
 * does. A curve spans at least three measured vertebrae (two adjacent ones make a segmental angle,
 * not a curve; the truth's rule too). C1 and C2 are left out: the atlas has no body and the axis'
 * superior "endplate" is the dens, so neither has an endplate line to draw (as the truth).
 */
export function measureCobbCurves(vertebrae: readonly VertebraResult[], tiltAxes?: TiltAxes): CoronalCurveMeasurement[] {
  const measured = tiltedVertebrae(vertebrae, tiltAxes);
  if (measured.length < 3) return [];
  const tilt = measured.map((m) => m.tiltDeg);
  const curves: CoronalCurveMeasurement[] = [];
  const ends = turningPoints(tilt, MIN_CURVE_DEG);
  for (let k = 0; k + 1 < ends.length; k++) {
    const a = ends[k]!;
    const b = ends[k + 1]!;
    const angleDeg = Math.abs(tilt[a]! - tilt[b]!);
    if (b - a < 2 || angleDeg < MIN_CURVE_DEG) continue;
    const span = measured.slice(a, b + 1);
    curves.push({
      angleDeg,
      upperLevel: levelName(measured[a]!.v),
      lowerLevel: levelName(measured[b]!.v),
      confidence: Math.min(...span.map((m) => m.v.detectionConfidence)),
      // The lines: the upper end vertebra's superior, the lower one's inferior endplate (Cobb 1948).
      upperLine: angleLine(measured[a]!, 'superior'),
      lowerLine: angleLine(measured[b]!, 'inferior'),
      // Convex to the right: the upper end vertebra tilted with its left side lower than the lower
      // end vertebra (the endplate lines converge on the concave, left side).
      convexity: tilt[a]! > tilt[b]! ? 'right' : 'left',
    });
  }
  return curves;
}

/** The largest coronal curve (measureCobbCurves), or null when there is none of 5° or more. */
export function measureCobbAngle(vertebrae: readonly VertebraResult[], tiltAxes?: TiltAxes): AngleMeasurement | null {
  return largestCurve(measureCobbCurves(vertebrae, tiltAxes));
}

/** Unit posterior axes, by vertebra index, along which the coronal tilts are read (measureTiltAxes). */
export type TiltAxes = ReadonlyMap<number, readonly number[]>;

/**
 * The mid-sagittal posterior axis (mirror symmetry, measureMidSagittalAxis.ts) of every vertebra
 * whose coronal tilt is measured and reads at least MIN_TILT_FOR_AXIS_DEG along its centroid →
 * canal axis, where found. The tilt of an endplate along n × posterior moves
 * with an error δ of that axis by about δ·sin φ for an endplate inclined φ sagittally (a cervical
 * or upper thoracic endplate: φ = 15–30°), whatever its coronal tilt; the centroid → canal axis is
 * 10–20° off on tilted vertebrae, where a rib head on one side enters the body's outline or the
 * outline is misread sideways (scoliosis phantoms, 2026-11-27: T1–T4 axes 8–15° off and T1/T2
 * tilts 4–9° off on scoliosis-right-thoracic, C5–C7 axes 11–19° off on scoliosis-severe, whose
 * C6/C7 centroids lie 4.7/6.5 mm sideways; the symmetry axes lie within 1° of the truth there, and
 * along them the T1/T2 tilts within 3°). An untilted vertebra's outline is not pulled sideways
 * (normal-whole, 2026-11-27: C2–L5 tilts move ≤ 1° along the symmetry axes) and is left on its
 * canal axis, which spares a whole normal spine ~100 ms (4–5 ms a vertebra). Sacral segments are
 * left out (no symmetric arch).
 */
export function measureTiltAxes(
  vertebrae: readonly VertebraResult[],
  sample: (x: number, y: number, z: number) => number,
  axisOf: (v: VertebraResult) => MidSagittalAxis | null = (v) => measureMidSagittalAxis(sample, v),
): Map<number, [number, number, number]> {
  const axes = new Map<number, [number, number, number]>();
  for (const v of vertebrae) {
    const ok = reliableEndplates(v);
    if (v.isSacral || ok.length === 0) continue;
    const canalTiltDeg = ok.reduce((sum, e) => sum + coronalTiltDeg(e.normalLps, v.posteriorAxisLps), 0) / ok.length;
    if (Math.abs(canalTiltDeg) < MIN_TILT_FOR_AXIS_DEG) continue;
    const axis = axisOf(v);
    if (axis) axes.set(v.index, axis.posteriorAxisLps);
  }
  return axes;
}

/** The curve with the largest angle (the first of equal ones), or null for none. */
export function largestCurve<T extends AngleMeasurement>(curves: readonly T[]): T | null {
  return curves.reduce<T | null>((best, c) => (best === null || c.angleDeg > best.angleDeg ? c : best), null);
}

/**
 * The vertebrae whose coronal tilt is measured, cranial → caudal. Only endplates fitted as planes
 * (RMS residual ≤ 1.5 mm) count: a larger residual means the fit mixed in another surface (rib
 * head, osteophyte, the adjacent disc) and its normal is not the endplate's. A vertebra's tilt is
 * the mean of its reliable endplates (coronalTiltDeg), then despiked.
 */
function tiltedVertebrae(vertebrae: readonly VertebraResult[], tiltAxes: TiltAxes | undefined): TiltedVertebra[] {
  const kept: { v: VertebraResult; rawDeg: number; normals: (readonly number[])[]; posterior: readonly number[] | undefined }[] = [];
  for (const v of vertebrae) {
    const ok = reliableEndplates(v);
    if (ok.length === 0) continue;
    const posterior = tiltAxes?.get(v.index) ?? v.posteriorAxisLps;
    kept.push({ v, rawDeg: ok.reduce((sum, e) => sum + coronalTiltDeg(e.normalLps, posterior), 0) / ok.length, normals: ok.map((e) => e.normalLps), posterior });
  }
  const tilt = despike(
    kept.map((k) => k.rawDeg),
    kept.map((k) => (k.normals.length === 2 ? SPIKE_TWO_ENDPLATES_DEG : SPIKE_ONE_ENDPLATE_DEG)),
  );
  return kept.map((k, i) => ({ ...k, tiltDeg: tilt[i]! }));
}

/** The endplates whose normals a vertebra's coronal tilt is read from (none: not measured; see tiltedVertebrae). */
function reliableEndplates(v: VertebraResult): VertebraResult['superiorEndplate'][] {
  if (v.truncated || v.label === 'C1' || v.label === 'C2') return [];
  return [v.superiorEndplate, v.inferiorEndplate].filter((e) => e.rmsResidualMm <= MAX_ENDPLATE_RMS_MM);
}

/**
 * Indices of the turning points of a sequence with hysteresis `minTurn` (a "zigzag"): each is the
 * extreme value of its run, confirmed by a later turn back of at least minTurn; the first and last
 * are the extremes of the first and last runs (the most tilted vertebrae at the ends of the view).
 * A run that never turns by minTurn from the start has no turning point but its ends.
 */
export function turningPoints(values: readonly number[], minTurn: number): number[] {
  if (values.length === 0) return [];
  // Before the first turn: the running low and high since the start; the first turn of minTurn
  // from one of them fixes it as the first end and the direction.
  let lo = 0;
  let hi = 0;
  let dir = 0;
  let cand = 0;
  const ends: number[] = [];
  for (let i = 1; i < values.length; i++) {
    const x = values[i]!;
    if (dir === 0) {
      if (x < values[lo]!) lo = i;
      if (x > values[hi]!) hi = i;
      if (x - values[lo]! >= minTurn && lo < i) {
        ends.push(lo);
        dir = 1;
        cand = i;
      } else if (values[hi]! - x >= minTurn && hi < i) {
        ends.push(hi);
        dir = -1;
        cand = i;
      }
      continue;
    }
    if (dir * (x - values[cand]!) > 0) cand = i;
    else if (dir * (values[cand]! - x) >= minTurn) {
      ends.push(cand);
      dir = -dir;
      cand = i;
    }
  }
  if (dir === 0) return values.length > 1 ? [0, values.length - 1] : [0];
  ends.push(cand);
  return ends;
}

/** The Cobb line of a measured vertebra's endplate, tilted as measured. */
function angleLine(m: TiltedVertebra, which: 'superior' | 'inferior'): AngleLine {
  const source: AngleLineSource = m.tiltDeg !== m.rawDeg ? 'neighbour-median' : m.normals.length === 2 ? 'mean-of-endplates' : 'endplate-plane';
  return coronalAngleLine(m.v, which, m.tiltDeg, m.normals, m.posterior, source);
}

/**
 * The endplate line an AP view draws for the Cobb angle: through the endplate's centre, along the
 * vertebra's own left–right axis (the mean normal of its fitted endplates × the posterior axis
 * its tilt was read along) with its cranio-caudal slope set to the measured tilt (coronalTiltDeg: the tilt of a line is
 * atan2(−d_z, d_x)), so that its coronal projection has exactly the tilt the angle used (the mean
 * of the endplates' tilts, or the neighbours' median); over the body's width, right → left.
 */
function coronalAngleLine(v: VertebraResult, which: 'superior' | 'inferior', tiltDeg: number, normals: readonly (readonly number[])[], posterior: readonly number[] | undefined, source: AngleLineSource): AngleLine {
  const p = posterior ?? [0, 1, 0];
  const n = normals.reduce<number[]>((sum, e) => [sum[0]! + e[0]!, sum[1]! + e[1]!, sum[2]! + e[2]!], [0, 0, 0]);
  let l = [n[1]! * p[2]! - n[2]! * p[1]!, n[2]! * p[0]! - n[0]! * p[2]!, n[0]! * p[1]! - n[1]! * p[0]!];
  if (l[0]! < 0) l = l.map((x) => -x);
  if (!(l[0]! > 1e-6)) l = [1, 0, 0];
  const d = unitVector([0, 0, 0], [l[0]!, l[1]!, -l[0]! * Math.tan(tiltDeg / DEG)]);
  const centre = which === 'superior' ? v.superiorEndplate.pointLps : v.inferiorEndplate.pointLps;
  return { vertebraIndex: v.index, endplate: which, fromLps: point2(centre, d, -v.widthMm / 2), toLps: point2(centre, d, v.widthMm / 2), source };
}

/**
 * Coronal tilt (deg) of an endplate with unit normal n: the angle of its left–right line out of
 * the horizontal on an AP view, the line the Cobb method draws along the endplate (Cobb 1948).
 * The line is the vertebra's own lateral axis n × `posterior` (its posterior axis; default the
 * patient's +y), which turns with the vertebra's axial rotation: in a rotated lumbar curve the
 * patient's x axis is not along the endplate's left–right line and asin(n·x) then mixes the
 * endplate's sagittal slope into its coronal tilt (scoliosis phantom L1–L4, 2026-11-27: 25.1° for
 * a 21.5° curve). For posterior = +y and no rotation this is asin(n·x). Being a 3D axis, it is not
 * inflated for a vertebra leaning far forward (an endplate seen almost en face on an AP projection).
 * Independent of the normal's sign.
 */
export function coronalTiltDeg(n: readonly number[], posterior: readonly number[] = [0, 1, 0]): number {
  const lx = n[1]! * posterior[2]! - n[2]! * posterior[1]!;
  const lz = n[0]! * posterior[1]! - n[1]! * posterior[0]!;
  const s = lx < 0 ? -1 : 1;
  return Math.atan2(-s * lz, s * lx) * DEG;
}

/**
 * A single misread vertebra (a local extremum more than `limitDeg` beyond its two neighbours'
 * median) is replaced by that median; genuine end vertebrae of even a severe curve (≈ 8–10° per
 * level beyond their neighbours) are kept, unlike a plain running median, which flattens every end
 * vertebra. The limit is 15° for a vertebra measured on both endplates, 10° for one measured on a
 * single endplate: its other endplate failed the plane fit, so nothing confirms the one left
 * (scoliosis-severe, 2026-11-27: T2, split from a merged T1/T2 body, superior endplate 1.7 mm RMS,
 * inferior 1.4 mm read 47.5° for a true 32.3°, 14.3° beyond its neighbours' median; the curve's
 * genuine end vertebrae T4 and L1 lie 3.7° and 7.0° beyond theirs).
 */
function despike(raw: readonly number[], limitDeg: readonly number[]): number[] {
  return raw.map((x, i) => {
    if (i === 0 || i === raw.length - 1) return x;
    const m = [raw[i - 1]!, x, raw[i + 1]!].sort((p, q) => p - q)[1]!;
    return Math.abs(x - m) > limitDeg[i]! ? m : x;
  });
}
