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
 * - coronal Cobb angle with automatically chosen end vertebrae (measureCobbAngle.ts);
 * - sagittal angles between endplates: kyphosis T4 superior – T12 inferior, lordosis L1
 *   superior – S1 superior (SRS definitions), with the endplates measured across their discs
 *   where given (measureSagittalEndplates.ts; S1: the directly measured sacral plateau), each
 *   read as the line from its anterior to its posterior corner, i.e. along the vertebra's own
 *   mid-sagittal axis (from its mirror symmetry where found, measureMidSagittalAxis.ts).
 * Every angle carries the two endplate lines it was measured between (AngleLine, LPS mm), built
 * from the very normal, axis and tilt the angle used, so that a viewer drawing them shows the
 * reported angle: sagittal lines through the measured endplate's rims, Cobb lines across the
 * vertebra's width with its measured coronal tilt. The canal AP segment at each level is passed on
 * from its upper vertebra.
 */
import { point2, unitVector } from './angleLineGeometry.js';
import { levelName } from './levelName.js';
import { largestCurve, measureCobbCurves } from './measureCobbAngle.js';
import type { TiltAxes } from './measureCobbAngle.js';
import type { SacralPlateau } from './measurePlateauBelow.js';
import type { SagittalEndplate } from './measureSagittalEndplates.js';
import type { AngleLine, AngleLineSource, AngleMeasurement, LevelMeasurement, SpineMeasurements, VertebraResult } from './SpineAnalysisResult.js';

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
export interface SpineMeasurementOptions {
  /** The S1 plateau measured directly from L5 (measurePlateauBelow.ts), if found. */
  readonly sacralPlateau?: SacralPlateau | null;
  /** T4 superior, T12 inferior, L1 superior measured across their discs (measureSagittalEndplates.ts), used for the sagittal angles. */
  readonly sagittalEndplates?: readonly SagittalEndplate[];
  /** Posterior axes by vertebra index along which the coronal (Cobb) tilts are read (measureTiltAxes in measureCobbAngle.ts); else each vertebra's posteriorAxisLps. */
  readonly tiltAxes?: TiltAxes;
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
      ...(up.canalApAtDiscBelowSegmentLps === undefined ? {} : { canalApSegmentLps: onPlateau || up.canalApAtDiscBelowMm === null ? null : up.canalApAtDiscBelowSegmentLps }),
    });
  }

  // Every coronal curve, and the largest as `cobb` (as before).
  const cobbCurves = measureCobbCurves(vertebrae, options.tiltAxes);
  const cobb = largestCurve(cobbCurves);

  const byLabel = (label: string): VertebraResult | undefined => vertebrae.find((v) => v.label === label);
  const entry = (v: VertebraResult, which: 'superior' | 'inferior'): SagittalEndplate | undefined =>
    options.sagittalEndplates?.find((e) => e.index === v.index && e.which === which);
  // The sagittal line follows the vertebra's own AP axis: the mirror-symmetry axis found for the
  // angle's endplate (measureSagittalEndplates.ts), else the centroid → canal axis where that is
  // reliable: not on a rib-bearing vertebra, whose body outline takes in the rib heads at the costal
  // facets (its centroid, and so that direction, moves 2–3 mm sideways in a curve: scoliosis
  // phantom T4, 2026-11-27); there the patient's AP axis is used.
  const apAxis = (v: VertebraResult, which: 'superior' | 'inferior'): readonly number[] | undefined =>
    entry(v, which)?.posteriorAxisLps ?? (v.hasRibs ? undefined : v.posteriorAxisLps);
  const sagittal = (v1: VertebraResult, w1: 'superior' | 'inferior', n1: readonly number[], v2: VertebraResult, w2: 'superior' | 'inferior', n2: readonly number[]): number =>
    Math.abs(sagittalLineDeg(n1, apAxis(v1, w1)) - sagittalLineDeg(n2, apAxis(v2, w2)));
  const sagittalNormal = (v: VertebraResult, which: 'superior' | 'inferior'): readonly number[] =>
    entry(v, which)?.normalLps ?? (which === 'superior' ? v.superiorEndplate.normalLps : v.inferiorEndplate.normalLps);
  // The line of each sagittal angle's endplate: through the endplate measured across its disc (its
  // centre and rims), else the sacral plateau (S1), else the body's fitted plane (± half its depth).
  const sagittalLine = (v: VertebraResult, which: 'superior' | 'inferior', n: readonly number[]): AngleLine => {
    const e = entry(v, which);
    const direct = e?.normalLps ? e : undefined;
    const onPlateau = which === 'superior' && plateau !== null && plateau.index === v.index;
    const plane = which === 'superior' ? v.superiorEndplate : v.inferiorEndplate;
    const axis = apAxis(v, which);
    if (direct?.pointLps && direct.anteriorCornerLps && direct.posteriorCornerLps) {
      return sagittalAngleLine(v, which, n, axis, direct.pointLps, [direct.anteriorCornerLps, direct.posteriorCornerLps], 'across-disc');
    }
    if (!direct && onPlateau) return sagittalAngleLine(v, which, n, axis, plane.pointLps, [plateau.anteriorCornerLps, plateau.posteriorCornerLps], 'sacral-plateau');
    return sagittalAngleLine(v, which, n, axis, plane.pointLps, null, direct ? 'across-disc' : 'endplate-plane');
  };
  let kyphosisT4T12: AngleMeasurement | null = null;
  const t4 = byLabel('T4');
  const t12 = byLabel('T12');
  if (t4 && t12) {
    const n4 = sagittalNormal(t4, 'superior');
    const n12 = sagittalNormal(t12, 'inferior');
    kyphosisT4T12 = {
      angleDeg: sagittal(t4, 'superior', n4, t12, 'inferior', n12),
      upperLevel: 'T4',
      lowerLevel: 'T12',
      confidence: Math.min(t4.confidence, t12.confidence),
      upperLine: sagittalLine(t4, 'superior', n4),
      lowerLine: sagittalLine(t12, 'inferior', n12),
    };
  }
  let lordosisL1S1: AngleMeasurement | null = null;
  const l1 = byLabel('L1');
  const s1 = byLabel('S1');
  if (l1 && s1) {
    const n1 = sagittalNormal(l1, 'superior');
    lordosisL1S1 = {
      angleDeg: sagittal(l1, 'superior', n1, s1, 'superior', s1.superiorEndplate.normalLps),
      upperLevel: 'L1',
      lowerLevel: 'S1',
      confidence: Math.min(l1.confidence, s1.confidence),
      upperLine: sagittalLine(l1, 'superior', n1),
      // S1: the sacral plateau or its fitted plane (never a line across a disc above it).
      lowerLine: sagittalLine(s1, 'superior', s1.superiorEndplate.normalLps),
    };
  }
  return { levels, cobb, cobbCurves, kyphosisT4T12, lordosisL1S1 };
}

/**
 * The endplate line a lateral view draws for a sagittal angle: through `centre`, along the
 * vertebra's AP axis `posterior` (default the patient's +y) made perpendicular to the normal n —
 * the very line whose sagittal projection sagittalLineDeg measures — from the anterior to the
 * posterior rim (the measured corners projected on it), or ± half the body's depth without rims.
 * Ends to 0.01 mm, so that the angle between two drawn lines is the reported one within 0.05°.
 */
function sagittalAngleLine(
  v: VertebraResult,
  which: 'superior' | 'inferior',
  n: readonly number[],
  posterior: readonly number[] | undefined,
  centre: readonly number[],
  rims: readonly [anterior: readonly number[], posterior: readonly number[]] | null,
  source: AngleLineSource,
): AngleLine {
  const r = posterior ?? [0, 1, 0];
  const rn = r[0]! * n[0]! + r[1]! * n[1]! + r[2]! * n[2]!;
  const d = unitVector([0, 0, 0], [r[0]! - rn * n[0]!, r[1]! - rn * n[1]!, r[2]! - rn * n[2]!]);
  const along = (p: readonly number[]): number => (p[0]! - centre[0]!) * d[0] + (p[1]! - centre[1]!) * d[1] + (p[2]! - centre[2]!) * d[2];
  let tAnterior = -v.apDepthMm / 2;
  let tPosterior = v.apDepthMm / 2;
  if (rims !== null && along(rims[1]) - along(rims[0]) > 1) {
    tAnterior = along(rims[0]);
    tPosterior = along(rims[1]);
  }
  return { vertebraIndex: v.index, endplate: which, fromLps: point2(centre, d, tAnterior), toLps: point2(centre, d, tPosterior), source };
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

export { levelName };
