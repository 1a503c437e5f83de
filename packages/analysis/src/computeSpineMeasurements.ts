/**
 * Level and global measurements from the per-vertebra endplate planes:
 * - disc height: distance between the inferior endplate of the upper body and the superior
 *   endplate of the lower body along the lower body's axis, at the body centres;
 * - levels between adjacent complete bodies (not cut by the field of view), neither of which
 *   spans a missed disc;
 * - slip: translation of the upper body's postero-inferior corner over the lower body's
 *   postero-superior corner along the lower superior endplate, as % of the lower body's AP
 *   depth (Meyerding 1932 grading input); at L5–S1 along the directly measured sacral plateau
 *   (measurePlateauBelow.ts), from its posterior towards its anterior corner, as % of its AP
 *   length (the sacrum is a truncated fused segment with no body depth of its own);
 * - coronal Cobb angle (Cobb 1948) with automatically chosen end vertebrae: the most tilted
 *   vertebrae in the coronal plane, tilt of the endplates' left–right lines along each vertebra's
 *   own lateral axis (it turns with axial rotation); none below 5°;
 * - sagittal angles between endplates: kyphosis T4 superior – T12 inferior, lordosis L1
 *   superior – S1 superior (SRS definitions), with the endplates measured across their discs
 *   where given (measureSagittalEndplates.ts; S1: the directly measured sacral plateau).
 */
import type { SacralPlateau } from './measurePlateauBelow.js';
import type { SagittalEndplate } from './measureSagittalEndplates.js';
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
/** Smallest coronal curve reported (deg). */
const MIN_CURVE_DEG = 5;

export function levelName(v: VertebraResult): string {
  return v.label ?? `#${v.index}`;
}

export interface SpineMeasurementOptions {
  /** The S1 plateau measured directly from L5 (measurePlateauBelow.ts), if found. */
  readonly sacralPlateau?: SacralPlateau | null;
  /** T4 superior, T12 inferior, L1 superior measured across their discs (measureSagittalEndplates.ts), used for the sagittal angles. */
  readonly sagittalEndplates?: readonly SagittalEndplate[];
}

export function computeSpineMeasurements(vertebrae: readonly VertebraResult[], options: SpineMeasurementOptions = {}): SpineMeasurements {
  const levels: LevelMeasurement[] = [];
  const plateau = options.sacralPlateau ?? null;
  for (let i = 0; i + 1 < vertebrae.length; i++) {
    const up = vertebrae[i]!;
    const lo = vertebrae[i + 1]!;
    // Within the sacrum there are no mobile levels.
    if (up.isSacral) continue;
    // The lumbosacral level: the sacrum is cut by the field of view or the canal trace and has no
    // body depth, but its plateau was measured directly from the complete body above.
    const onPlateau = plateau !== null && plateau.index === lo.index;
    // A body cut by the field of view has no reliable AP depth, wall or endplates.
    if (up.truncated || (lo.truncated && !onPlateau)) continue;
    // A "body" taller than any vertebral body is two bodies with a missed disc between them, or
    // fused sacral segments found as one: its posterior wall and corners are not one body's (the
    // sacrum curves), so no slip is measured against it.
    if (tooTall(up) || (tooTall(lo) && !onPlateau)) continue;
    const ax = onPlateau ? lo.superiorEndplate.normalLps : lo.axisLps;
    const inf = up.inferiorEndplate.pointLps;
    const sup = lo.superiorEndplate.pointLps;
    const disc = (inf[0] - sup[0]) * ax[0] + (inf[1] - sup[1]) * ax[1] + (inf[2] - sup[2]) * ax[2];
    if (disc > 25 || disc < -2) continue; // not adjacent (a missed level)
    // Along the lower body's superior endplate: −y made perpendicular to that endplate's normal
    // (on the plateau: from its posterior to its anterior corner).
    const a = onPlateau ? unitVector(plateau.posteriorCornerLps, plateau.anteriorCornerLps) : perpendicularAnterior(lo.superiorEndplate.normalLps);
    const pu = (onPlateau ? plateau.upperPosteriorCornerLps : null) ?? up.posteriorInferiorCornerLps;
    const pl = onPlateau ? plateau.posteriorCornerLps : lo.posteriorSuperiorCornerLps;
    const d = [pu[0] - pl[0], pu[1] - pl[1], pu[2] - pl[2]];
    const slipMm = d[0]! * a[0] + d[1]! * a[1] + d[2]! * a[2];
    levels.push({
      level: `${levelName(up)}-${levelName(lo)}`,
      upperIndex: up.index,
      lowerIndex: lo.index,
      discHeightMm: Math.max(0, disc),
      slipPercent: (100 * slipMm) / Math.max(1, onPlateau ? plateau.apLengthMm : lo.apDepthMm),
      // At the lumbosacral level the canal is not graded (its AP was measured against a body
      // frame the sacrum does not have; as before the plateau, when this level was not measured).
      canalApMm: onPlateau ? null : up.canalApAtDiscBelowMm,
    });
  }

  // Coronal tilt of a vertebra: the angle of its endplates' left–right line (along the vertebra's
  // own lateral axis) on an AP view (Cobb 1948; end vertebrae = the most tilted, SRS terminology);
  // see coronalTiltDeg.
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
    tilts.push(ok.reduce((sum, e) => sum + coronalTiltDeg(e.normalLps, v.posteriorAxisLps), 0) / ok.length);
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
    if (best >= MIN_CURVE_DEG) cobb = { angleDeg: best, upperLevel: levelName(measured[bi]!), lowerLevel: levelName(measured[bj]!), confidence: conf };
  }

  const byLabel = (label: string): VertebraResult | undefined => vertebrae.find((v) => v.label === label);
  // The sagittal line follows the vertebra's own AP axis where it is measured reliably: not on a
  // rib-bearing vertebra, whose body outline takes in the rib heads at the costal facets (its
  // centroid, and so the centroid-to-canal direction, moves 2–3 mm sideways in a curve: scoliosis
  // phantom T4, 2026-11-27); there the patient's AP axis is used.
  const apAxis = (v: VertebraResult): readonly number[] | undefined => (v.hasRibs ? undefined : v.posteriorAxisLps);
  const sagittal = (v1: VertebraResult, n1: readonly number[], v2: VertebraResult, n2: readonly number[]): number =>
    Math.abs(sagittalLineDeg(n1, apAxis(v1)) - sagittalLineDeg(n2, apAxis(v2)));
  const sagittalNormal = (v: VertebraResult, which: 'superior' | 'inferior'): readonly number[] =>
    options.sagittalEndplates?.find((e) => e.index === v.index && e.which === which)?.normalLps ??
    (which === 'superior' ? v.superiorEndplate.normalLps : v.inferiorEndplate.normalLps);
  let kyphosisT4T12: AngleMeasurement | null = null;
  const t4 = byLabel('T4');
  const t12 = byLabel('T12');
  if (t4 && t12) {
    kyphosisT4T12 = {
      angleDeg: sagittal(t4, sagittalNormal(t4, 'superior'), t12, sagittalNormal(t12, 'inferior')),
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
      angleDeg: sagittal(l1, sagittalNormal(l1, 'superior'), s1, s1.superiorEndplate.normalLps),
      upperLevel: 'L1',
      lowerLevel: 'S1',
      confidence: Math.min(l1.confidence, s1.confidence),
    };
  }
  return { levels, cobb, kyphosisT4T12, lordosisL1S1 };
}

function unitVector(from: readonly number[], to: readonly number[]): [number, number, number] {
  const d = [to[0]! - from[0]!, to[1]! - from[1]!, to[2]! - from[2]!];
  const n = Math.hypot(d[0]!, d[1]!, d[2]!) || 1;
  return [d[0]! / n, d[1]! / n, d[2]! / n];
}

function perpendicularAnterior(ax: readonly number[]): [number, number, number] {
  const t = ax;
  const dotAy = -t[1]!;
  const a: [number, number, number] = [0 - dotAy * t[0]!, -1 - dotAy * t[1]!, 0 - dotAy * t[2]!];
  const n = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / n, a[1] / n, a[2] / n];
}

/**
 * Sagittal inclination (deg) of an endplate's anteroposterior line, the line a lateral view draws
 * from its anterior to its posterior corner: the vertebra's own AP axis `posterior` (default the
 * patient's +y) made perpendicular to the normal n, projected on the sagittal plane:
 * atan2(d_z, d_y) for d = r − (r·n) n; for r = +y, atan2(−n_y·n_z, 1 − n_y²). For an endplate
 * without coronal tilt this equals the inclination of its normal projected on the sagittal plane;
 * for one tilted coronally by θ that projection overstates the AP line's slope by 1/cos²θ (a 40°
 * scoliotic tilt nearly doubles it), the line does not. The corners lie on the vertebra's own
 * mid-sagittal plane: under axial rotation (and a tilted vertebra's frame) its AP axis turns away
 * from the patient's, and the coronal tilt then adds to the line's slope (tan θ · sin ρ: 3–4° for
 * θ = 25°, ρ = 8°). Independent of the normal's sign.
 */
export function sagittalLineDeg(n: readonly number[], posterior: readonly number[] = [0, 1, 0]): number {
  const rn = posterior[0]! * n[0]! + posterior[1]! * n[1]! + posterior[2]! * n[2]!;
  return Math.atan2(posterior[2]! - rn * n[2]!, posterior[1]! - rn * n[1]!) * DEG;
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
