/**
 * Level and global measurements from the per-vertebra endplate planes:
 * - disc height: distance between the inferior endplate of the upper body and the superior
 *   endplate of the lower body along the lower body's axis, at the body centres;
 * - levels between adjacent complete bodies (not cut by the field of view), neither of which
 *   spans a missed disc;
 * - slip: translation of the upper body's postero-inferior corner over the lower body's
 *   postero-superior corner along the lower superior endplate, as % of the lower body's AP
 *   depth (Meyerding 1932 grading input);
 * - coronal Cobb angle (Cobb 1948) with automatically chosen end vertebrae: the most tilted
 *   vertebrae in the coronal plane, tilt from the mean endplate normal;
 * - sagittal angles between endplates: kyphosis T4 superior – T12 inferior, lordosis L1
 *   superior – S1 superior (SRS definitions).
 */
import type { AngleMeasurement, LevelMeasurement, SpineMeasurements, VertebraResult } from './SpineAnalysisResult.js';

const DEG = 180 / Math.PI;
/**
 * No adult vertebral body is taller than this (lumbar body heights ≈ 25–30 mm: Panjabi MM et al.,
 * Spine 1992;17:299-306); a measured segment above it spans a missed disc.
 */
export const MAX_BODY_HEIGHT_MM = 40;

function tooTall(v: VertebraResult): boolean {
  const h = [v.heightsMm.anterior, v.heightsMm.middle, v.heightsMm.posterior].filter((x): x is number => x !== null);
  return h.length > 0 && Math.max(...h) > MAX_BODY_HEIGHT_MM;
}
const MAX_ENDPLATE_RMS_MM = 1.5;

export function levelName(v: VertebraResult): string {
  return v.label ?? `#${v.index}`;
}

export function computeSpineMeasurements(vertebrae: readonly VertebraResult[]): SpineMeasurements {
  const levels: LevelMeasurement[] = [];
  for (let i = 0; i + 1 < vertebrae.length; i++) {
    const up = vertebrae[i]!;
    const lo = vertebrae[i + 1]!;
    // Within the sacrum there are no mobile levels.
    if (up.isSacral) continue;
    // A body cut by the field of view has no reliable AP depth, wall or endplates.
    if (up.truncated || lo.truncated) continue;
    // A "body" taller than any vertebral body is two bodies with a missed disc between them, or
    // fused sacral segments found as one: its posterior wall and corners are not one body's (the
    // sacrum curves), so no slip is measured against it.
    if (tooTall(up) || tooTall(lo)) continue;
    const ax = lo.axisLps;
    const inf = up.inferiorEndplate.pointLps;
    const sup = lo.superiorEndplate.pointLps;
    const disc = (inf[0] - sup[0]) * ax[0] + (inf[1] - sup[1]) * ax[1] + (inf[2] - sup[2]) * ax[2];
    if (disc > 25 || disc < -2) continue; // not adjacent (a missed level)
    // Along the lower body's superior endplate: −y made perpendicular to that endplate's normal.
    const a = perpendicularAnterior(lo.superiorEndplate.normalLps);
    const pu = up.posteriorInferiorCornerLps;
    const pl = lo.posteriorSuperiorCornerLps;
    const d = [pu[0] - pl[0], pu[1] - pl[1], pu[2] - pl[2]];
    const slipMm = d[0]! * a[0] + d[1]! * a[1] + d[2]! * a[2];
    levels.push({
      level: `${levelName(up)}-${levelName(lo)}`,
      upperIndex: up.index,
      lowerIndex: lo.index,
      discHeightMm: Math.max(0, disc),
      slipPercent: (100 * slipMm) / Math.max(1, lo.apDepthMm),
      canalApMm: up.canalApAtDiscBelowMm,
    });
  }

  // Coronal tilt of a vertebra: the inclination of its endplate normals out of the
  // mid-sagittal plane, asin(n·x). For a purely coronal tilt this equals the angle of the endplate
  // line on an AP radiograph (Cobb 1948; end vertebrae = the most tilted, SRS terminology); unlike
  // the radiographic x–z projection it is not inflated for a vertebra leaning far forward
  // (hyperkyphosis: an endplate seen almost en face on an AP projection), where a small lateral
  // error of the normal would otherwise become a large apparent tilt.
  let cobb: AngleMeasurement | null = null;
  // Only endplates fitted as planes (RMS residual ≤ 1.5 mm) count: a larger residual means the
  // fit mixed in another surface (rib head, osteophyte, the adjacent disc) and its normal is not
  // the endplate's. A vertebra's tilt is the mean of its reliable endplates.
  const measured: VertebraResult[] = [];
  const tilts: number[] = [];
  for (const v of vertebrae) {
    if (v.truncated) continue;
    const ok = [v.superiorEndplate, v.inferiorEndplate].filter((e) => e.rmsResidualMm <= MAX_ENDPLATE_RMS_MM);
    if (ok.length === 0) continue;
    measured.push(v);
    tilts.push(ok.reduce((sum, e) => sum + coronalTiltDeg(e.normalLps), 0) / ok.length);
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
    cobb = { angleDeg: best, upperLevel: levelName(measured[bi]!), lowerLevel: levelName(measured[bj]!), confidence: conf };
  }

  const byLabel = (label: string): VertebraResult | undefined => vertebrae.find((v) => v.label === label);
  const sagittal = (n1: readonly number[], n2: readonly number[]): number => {
    // Angle between normals projected on the sagittal (y–z) plane.
    const a1 = Math.atan2(n1[1]!, n1[2]!);
    const a2 = Math.atan2(n2[1]!, n2[2]!);
    return Math.abs(a1 - a2) * DEG;
  };
  let kyphosisT4T12: AngleMeasurement | null = null;
  const t4 = byLabel('T4');
  const t12 = byLabel('T12');
  if (t4 && t12) {
    kyphosisT4T12 = {
      angleDeg: sagittal(t4.superiorEndplate.normalLps, t12.inferiorEndplate.normalLps),
      upperLevel: 'T4',
      lowerLevel: 'T12',
      confidence: Math.min(t4.confidence, t12.confidence),
    };
  }
  let lordosisL1S1: AngleMeasurement | null = null;
  const l1 = byLabel('L1');
  const s1 = byLabel('S1');
  if (l1 && s1) {
    lordosisL1S1 = {
      angleDeg: sagittal(l1.superiorEndplate.normalLps, s1.superiorEndplate.normalLps),
      upperLevel: 'L1',
      lowerLevel: 'S1',
      confidence: Math.min(l1.confidence, s1.confidence),
    };
  }
  return { levels, cobb, kyphosisT4T12, lordosisL1S1 };
}

function perpendicularAnterior(ax: readonly number[]): [number, number, number] {
  const t = ax;
  const dotAy = -t[1]!;
  const a: [number, number, number] = [0 - dotAy * t[0]!, -1 - dotAy * t[1]!, 0 - dotAy * t[2]!];
  const n = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / n, a[1] / n, a[2] / n];
}

/** Coronal tilt (deg) of a vertebra with unit axis n: its inclination out of the sagittal plane, asin(n·x) (the sign of n does not matter for differences along one spine when axes point cranially). */
export function coronalTiltDeg(n: readonly number[]): number {
  const sx = n[2]! < 0 ? -n[0]! : n[0]!;
  return Math.asin(Math.max(-1, Math.min(1, sx))) * DEG;
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
