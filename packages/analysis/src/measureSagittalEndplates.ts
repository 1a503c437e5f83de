/**
 * The endplates that define the sagittal angles (thoracic kyphosis T4 superior – T12 inferior,
 * lumbar lordosis L1 superior – S1 superior; SRS definitions), measured a second way: across the
 * disc from the neighbouring body, as the mid-sagittal rim-to-rim line of the endplate
 * (measurePlateauBelow.ts, given the volume's slice grid so that the stair-step of thick slices
 * is removed from it), which is how the angle is drawn on a lateral view. The per-body plane
 * fit samples only the central 60 % of the endplate, where rib heads (thoracic) and the blur of
 * thick slices tilt it; the direct line is used when it agrees with the fit within 6° (a larger
 * disagreement means the rays crossed into another structure), or alone when the fit is poor.
 * Each endplate keeps its centre and rim corners so that the result can carry the line drawn.
 * Each also carries its vertebra's mid-sagittal AP axis from the mirror symmetry of its sections
 * (measureMidSagittalAxis.ts), the plane the rim corners lie on: on a coronally tilted endplate
 * (a scoliotic end vertebra) the AP line's slope depends on it (tan θ per radian of axial turn),
 * and neither the patient's AP axis nor the centroid → canal direction (moved by rib heads) is
 * it. An endplate not measured across its disc is still listed when that axis was found, without
 * a normal (the body's plane fit is then used).
 */
import { measureMidSagittalAxis, type MidSagittalAxis } from './measureMidSagittalAxis.js';
import { measureEndplateAbove, measurePlateauBelow, type SliceGrid } from './measurePlateauBelow.js';
import type { VertebraResult } from './SpineAnalysisResult.js';

export interface SagittalEndplate {
  readonly index: number;
  readonly which: 'superior' | 'inferior';
  /** Unit normal measured across the disc, pointing cranially; absent where not measured so. */
  readonly normalLps?: [number, number, number];
  /** The vertebra's unit posterior axis on its mid-sagittal plane (mirror symmetry), if found. */
  readonly posteriorAxisLps?: [number, number, number];
  /** The measured endplate's centre and its anterior / posterior rim (mid-sagittal corners), LPS mm; the result draws the angle's line through them. */
  readonly pointLps?: [number, number, number];
  readonly anteriorCornerLps?: [number, number, number];
  readonly posteriorCornerLps?: [number, number, number];
}

const TARGETS: readonly { readonly label: string; readonly which: 'superior' | 'inferior' }[] = [
  { label: 'T4', which: 'superior' },
  { label: 'T12', which: 'inferior' },
  { label: 'L1', which: 'superior' },
];
const MAX_DISAGREEMENT_DEG = 6;
const MAX_FIT_RMS_MM = 1.5;
const MIN_RUN_OF_DEPTH = 0.75;
/** Coronal tilt of the endplate (its normal out of the patient's sagittal plane) from which its AP line depends on the axis. */
const MIN_CORONAL_TILT_DEG = 2;

/**
 * `axisOf`: the vertebra's mid-sagittal axis (default: searched here; analyzeSpineCt shares one
 * cache with measureTiltAxes). `slices`: the sampled volume's slice grid, whose stair-step the
 * across-disc fit removes (measurePlateauBelow.ts).
 */
export function measureSagittalEndplates(
  vertebrae: readonly VertebraResult[],
  sample: (x: number, y: number, z: number) => number,
  axisOf: (v: VertebraResult) => MidSagittalAxis | null = (v) => measureMidSagittalAxis(sample, v),
  slices?: SliceGrid,
): SagittalEndplate[] {
  const out: SagittalEndplate[] = [];
  for (const { label, which } of TARGETS) {
    const i = vertebrae.findIndex((v) => v.label === label);
    if (i < 0) continue;
    const v = vertebrae[i]!;
    const direct = acrossDisc(v, which, which === 'superior' ? vertebrae[i - 1] : vertebrae[i + 1], sample, slices);
    // The AP line of an endplate without coronal tilt has the same sagittal slope along any AP
    // axis (−n_y / n_z); below MIN_CORONAL_TILT_DEG a 10° error of axis changes it < 0.4°, and no
    // axis is searched. A body cut by the field of view has no reliable centroid or sections.
    const n = direct?.normalLps ?? (which === 'superior' ? v.superiorEndplate.normalLps : v.inferiorEndplate.normalLps);
    const tilted = Math.abs(n[0]) >= Math.sin((MIN_CORONAL_TILT_DEG * Math.PI) / 180);
    const axis = tilted && !v.isSacral && !v.truncated ? axisOf(v) : null;
    const withAxis = axis ? { posteriorAxisLps: axis.posteriorAxisLps } : {};
    if (direct) out.push({ index: v.index, which, ...direct, ...withAxis });
    else if (axis) out.push({ index: v.index, which, ...withAxis });
  }
  return out;
}

/** The endplate measured across its disc from the neighbour, when it passes the checks above. */
function acrossDisc(
  v: VertebraResult,
  which: 'superior' | 'inferior',
  neighbour: VertebraResult | undefined,
  sample: (x: number, y: number, z: number) => number,
  slices: SliceGrid | undefined,
): Pick<SagittalEndplate, 'normalLps' | 'pointLps' | 'anteriorCornerLps' | 'posteriorCornerLps'> | null {
  if (!neighbour || neighbour.isSacral || v.isSacral) return null;
  const direct = which === 'superior' ? measurePlateauBelow(sample, neighbour, slices) : measureEndplateAbove(sample, neighbour, slices);
  if (!direct || direct.rmsResidualMm > MAX_FIT_RMS_MM) return null;
  // Only a rim-to-rim line: a run shorter than 75 % of the body's depth saw part of the endplate.
  if (direct.apLengthMm < MIN_RUN_OF_DEPTH * v.apDepthMm) return null;
  const fit = which === 'superior' ? v.superiorEndplate : v.inferiorEndplate;
  // The direct endplate must be this vertebra's: its centre within the body's AP depth of the fitted one.
  const gap = Math.hypot(direct.pointLps[0] - fit.pointLps[0], direct.pointLps[1] - fit.pointLps[1], direct.pointLps[2] - fit.pointLps[2]);
  if (gap > 0.5 * v.apDepthMm) return null;
  const n = fit.normalLps;
  const m = direct.normalLps;
  const angleDeg = (Math.acos(Math.min(1, Math.abs(n[0] * m[0] + n[1] * m[1] + n[2] * m[2]))) * 180) / Math.PI;
  if (fit.rmsResidualMm <= MAX_FIT_RMS_MM && angleDeg > MAX_DISAGREEMENT_DEG) return null;
  return { normalLps: direct.normalLps, pointLps: direct.pointLps, anteriorCornerLps: direct.anteriorCornerLps, posteriorCornerLps: direct.posteriorCornerLps };
}
