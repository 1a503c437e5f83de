/**
 * Coronal Cobb angle (Cobb 1948) with automatically chosen end vertebrae: the most tilted
 * vertebrae in the coronal plane (SRS terminology), tilt of the endplates' left–right lines along
 * each vertebra's own lateral axis (it turns with axial rotation); none below 5°. The result
 * carries the two endplate lines it was measured between, built from the very tilt it used.
 */
import { point2, unitVector } from './angleLineGeometry.js';
import { levelName } from './levelName.js';
import type { AngleLine, AngleLineSource, AngleMeasurement, VertebraResult } from './SpineAnalysisResult.js';

const DEG = 180 / Math.PI;
const MAX_ENDPLATE_RMS_MM = 1.5;
/** Smallest coronal curve reported (deg). */
const MIN_CURVE_DEG = 5;

export function measureCobbAngle(vertebrae: readonly VertebraResult[]): AngleMeasurement | null {
  // Coronal tilt of a vertebra: the angle of its endplates' left–right line (along the vertebra's
  // own lateral axis) on an AP view (Cobb 1948; end vertebrae = the most tilted, SRS terminology);
  // see coronalTiltDeg.
  let cobb: AngleMeasurement | null = null;
  // Only endplates fitted as planes (RMS residual ≤ 1.5 mm) count: a larger residual means the
  // fit mixed in another surface (rib head, osteophyte, the adjacent disc) and its normal is not
  // the endplate's. A vertebra's tilt is the mean of its reliable endplates.
  const measured: VertebraResult[] = [];
  const tilts: number[] = [];
  const tiltNormals: (readonly number[])[][] = [];
  for (const v of vertebrae) {
    if (v.truncated) continue;
    const ok = [v.superiorEndplate, v.inferiorEndplate].filter((e) => e.rmsResidualMm <= MAX_ENDPLATE_RMS_MM);
    if (ok.length === 0) continue;
    measured.push(v);
    tilts.push(ok.reduce((sum, e) => sum + coronalTiltDeg(e.normalLps, v.posteriorAxisLps), 0) / ok.length);
    tiltNormals.push(ok.map((e) => e.normalLps));
  }
  if (measured.length >= 3) {
    const tilt = despike(tilts);
    let best = 0;
    let bi = 0;
    let bj = 0;
    for (let i = 0; i < tilt.length; i++) {
      for (let j = i + 1; j < tilt.length; j++) {
        const diff = Math.abs(tilt[i]! - tilt[j]!);
        if (diff > best) {
          best = diff;
          bi = i;
          bj = j;
        }
      }
    }
    const conf = Math.min(...measured.map((v) => v.detectionConfidence));
    // A difference in tilt below 5° is no curve: it is within the Cobb method's own measurement
    // variability (±3–5°: Morrissy RT et al., J Bone Joint Surg Am 1990;72:320-7), and curves are
    // counted from 5° (the reference truth's findCobbAngles does the same).
    // The lines: the upper end vertebra's superior, the lower one's inferior endplate (Cobb 1948).
    const line = (k: number, which: 'superior' | 'inferior'): AngleLine => {
      const source: AngleLineSource = tilt[k] !== tilts[k] ? 'neighbour-median' : tiltNormals[k]!.length === 2 ? 'mean-of-endplates' : 'endplate-plane';
      return coronalAngleLine(measured[k]!, which, tilt[k]!, tiltNormals[k]!, source);
    };
    if (best >= MIN_CURVE_DEG) {
      cobb = { angleDeg: best, upperLevel: levelName(measured[bi]!), lowerLevel: levelName(measured[bj]!), confidence: conf, upperLine: line(bi, 'superior'), lowerLine: line(bj, 'inferior') };
    }
  }
  return cobb;
}

/**
 * The endplate line an AP view draws for the Cobb angle: through the endplate's centre, along the
 * vertebra's own left–right axis (the mean normal of its fitted endplates × its posterior axis)
 * with its cranio-caudal slope set to the measured tilt (coronalTiltDeg: the tilt of a line is
 * atan2(−d_z, d_x)), so that its coronal projection has exactly the tilt the angle used (the mean
 * of the endplates' tilts, or the neighbours' median); over the body's width, right → left.
 */
function coronalAngleLine(v: VertebraResult, which: 'superior' | 'inferior', tiltDeg: number, normals: readonly (readonly number[])[], source: AngleLineSource): AngleLine {
  const p = v.posteriorAxisLps ?? [0, 1, 0];
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
 * A single misread vertebra (a local extremum more than 15° beyond its two neighbours' median) is
 * replaced by that median; genuine end vertebrae of even a severe curve (≈ 8–10° per level beyond
 * their neighbours) are kept, unlike a plain running median, which flattens every end vertebra.
 */
function despike(raw: readonly number[]): number[] {
  return raw.map((x, i) => {
    if (i === 0 || i === raw.length - 1) return x;
    const m = [raw[i - 1]!, x, raw[i + 1]!].sort((p, q) => p - q)[1]!;
    return Math.abs(x - m) > 15 ? m : x;
  });
}
