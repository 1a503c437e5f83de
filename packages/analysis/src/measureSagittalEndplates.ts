/**
 * The endplates that define the sagittal angles (thoracic kyphosis T4 superior – T12 inferior,
 * lumbar lordosis L1 superior – S1 superior; SRS definitions), measured a second way: across the
 * disc from the neighbouring body, as the mid-sagittal rim-to-rim line of the endplate
 * (measurePlateauBelow.ts), which is how the angle is drawn on a lateral view. The per-body plane
 * fit samples only the central 60 % of the endplate, where rib heads (thoracic) and the blur of
 * thick slices tilt it; the direct line is used when it agrees with the fit within 6° (a larger
 * disagreement means the rays crossed into another structure), or alone when the fit is poor.
 * Each endplate keeps its centre and rim corners so that the result can carry the line drawn.
 */
import { measureEndplateAbove, measurePlateauBelow } from './measurePlateauBelow.js';
import type { VertebraResult } from './SpineAnalysisResult.js';

export interface SagittalEndplate {
  readonly index: number;
  readonly which: 'superior' | 'inferior';
  /** Unit normal, pointing cranially. */
  readonly normalLps: [number, number, number];
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

export function measureSagittalEndplates(vertebrae: readonly VertebraResult[], sample: (x: number, y: number, z: number) => number): SagittalEndplate[] {
  const out: SagittalEndplate[] = [];
  for (const { label, which } of TARGETS) {
    const i = vertebrae.findIndex((v) => v.label === label);
    if (i < 0) continue;
    const v = vertebrae[i]!;
    const neighbour = which === 'superior' ? vertebrae[i - 1] : vertebrae[i + 1];
    if (!neighbour || neighbour.isSacral || v.isSacral) continue;
    const direct = which === 'superior' ? measurePlateauBelow(sample, neighbour) : measureEndplateAbove(sample, neighbour);
    if (!direct || direct.rmsResidualMm > MAX_FIT_RMS_MM) continue;
    // Only a rim-to-rim line: a run shorter than 75 % of the body's depth saw part of the endplate.
    if (direct.apLengthMm < MIN_RUN_OF_DEPTH * v.apDepthMm) continue;
    const fit = which === 'superior' ? v.superiorEndplate : v.inferiorEndplate;
    // The direct endplate must be this vertebra's: its centre within the body's AP depth of the fitted one.
    const gap = Math.hypot(direct.pointLps[0] - fit.pointLps[0], direct.pointLps[1] - fit.pointLps[1], direct.pointLps[2] - fit.pointLps[2]);
    if (gap > 0.5 * v.apDepthMm) continue;
    const n = fit.normalLps;
    const m = direct.normalLps;
    const angleDeg = (Math.acos(Math.min(1, Math.abs(n[0] * m[0] + n[1] * m[1] + n[2] * m[2]))) * 180) / Math.PI;
    if (fit.rmsResidualMm <= MAX_FIT_RMS_MM && angleDeg > MAX_DISAGREEMENT_DEG) continue;
    out.push({ index: v.index, which, normalLps: direct.normalLps, pointLps: direct.pointLps, anteriorCornerLps: direct.anteriorCornerLps, posteriorCornerLps: direct.posteriorCornerLps });
  }
  return out;
}
