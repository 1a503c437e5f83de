/**
 * Entry point of the classical CT spine analysis (no model, no GPU, no I/O): validates the input,
 * resamples to an LPS working grid, traces the spinal canal, finds disc spaces along the body
 * axis, measures each body, labels from anatomical anchors, computes alignment and grades
 * findings. Bad input returns status 'no-spine' with a reason, never invented labels.
 */
import type { Volume } from '@vertebra/geometry';
import { buildSpineAxis } from './buildSpineAxis.js';
import { computeSpineMeasurements } from './computeSpineMeasurements.js';
import { createGridSampler } from './createGridSampler.js';
import { createLpsSampler } from './createLpsSampler.js';
import { findDiscSpaces, segmentBetweenDiscs } from './findDiscSpaces.js';
import { resolveFindingThresholds } from './findingThresholds.js';
import type { FindingThresholdsOverride } from './findingThresholds.js';
import { gradeFindings } from './gradeFindings.js';
import { labelVertebrae } from './labelVertebrae.js';
import { measureVertebralBody } from './measureVertebralBody.js';
import type { MeasuredBody } from './measureVertebralBody.js';
import { lpsBounds, resampleToLpsGrid } from './resampleToLpsGrid.js';
import { scoreAnchors } from './scoreAnchors.js';
import { smoothLpsGrid } from './smoothLpsGrid.js';
import type { SpineAnalysisResult, SpineMeasurements, VertebraResult } from './SpineAnalysisResult.js';
import { traceSpinalCanal } from './traceSpinalCanal.js';

export const ANALYSIS_ALGORITHM_VERSION = 'vertebra-classical-ct-0.1.0';

export interface AnalysisProgress {
  readonly stage: string;
  /** 0…1 over the whole pipeline. */
  readonly fraction: number;
}

export interface AnalyzeSpineCtOptions {
  readonly thresholds?: FindingThresholdsOverride;
  readonly onProgress?: (progress: AnalysisProgress) => void;
  /** Working grid spacing (mm). Default: max(1.5, cube root of volume / 8 M voxels), at most 2.5. */
  readonly gridSpacingMm?: number;
}

const EMPTY_MEASUREMENTS: SpineMeasurements = { levels: [], cobb: null, kyphosisT4T12: null, lordosisL1S1: null };
const UNITS = { length: 'mm', angle: 'deg', density: 'HU', coordinates: 'LPS' } as const;

/** Why a volume cannot be analysed as spine CT, or null when it can be tried. */
export function checkSpineCtInput(volume: Volume): string | null {
  const [nx, ny, nz] = volume.dimensions;
  if (!(nx > 0 && ny > 0 && nz > 0)) return 'empty volume (a dimension is 0)';
  if (volume.data.length !== nx * ny * nz) return `voxel data length ${volume.data.length} does not match dimensions ${nx}x${ny}x${nz}`;
  if (volume.valueUnit !== 'HU') return `values are '${volume.valueUnit}', not Hounsfield units: this analysis needs CT`;
  // Number of samples and extent along the cranio-caudal (S) direction.
  const d = volume.direction;
  const zComp = [Math.abs(d[6]), Math.abs(d[7]), Math.abs(d[8])];
  const axis = zComp.indexOf(Math.max(...zComp));
  const samples = volume.dimensions[axis]!;
  const { min, max } = lpsBounds(volume);
  const extentMm = max[2] - min[2];
  if (samples < 8) return `only ${samples} samples along the cranio-caudal axis: too few slices to find vertebrae`;
  if (extentMm < 25) return `cranio-caudal extent ${extentMm.toFixed(1)} mm is shorter than one vertebra and its disc`;
  // HU range sanity: CT has fat/air below −50 HU and bone above 200 HU.
  const data = volume.data;
  const stride = Math.max(1, Math.floor(data.length / 200_000));
  let low = 0;
  let bone = 0;
  let total = 0;
  for (let n = 0; n < data.length; n += stride) {
    const v = data[n]!;
    if (v < -50) low++;
    if (v >= 200) bone++;
    total++;
  }
  if (low / total < 0.005) return 'no values below -50 HU (no fat or air): intensities do not look like CT Hounsfield units (MR?)';
  if (bone / total < 0.001) return 'almost no voxels at bone density (>= 200 HU): no skeleton in view';
  return null;
}

export function analyzeSpineCt(volume: Volume, options: AnalyzeSpineCtOptions = {}): SpineAnalysisResult {
  try {
    return runAnalysis(volume, options);
  } catch (error) {
    // Malformed geometry (e.g. a singular direction matrix) must not crash a worker.
    return {
      status: 'no-spine',
      reason: `analysis could not run on this volume: ${error instanceof Error ? error.message : String(error)}`,
      algorithmVersion: ANALYSIS_ALGORITHM_VERSION,
      units: UNITS,
      vertebrae: [],
      measurements: EMPTY_MEASUREMENTS,
      findings: [],
      anchorsUsed: [],
      labellingNotes: [],
      canalCentrelineLps: [],
      timingsMs: {},
    };
  }
}

function runAnalysis(volume: Volume, options: AnalyzeSpineCtOptions): SpineAnalysisResult {
  const timings: Record<string, number> = {};
  const clock = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
  const t0 = clock();
  let last = t0;
  const lap = (stage: string, fraction: number): void => {
    const now = clock();
    timings[stage] = Math.round((now - last) * 10) / 10;
    last = now;
    options.onProgress?.({ stage, fraction });
  };
  const noSpine = (reason: string): SpineAnalysisResult => {
    timings['total'] = Math.round((clock() - t0) * 10) / 10;
    return {
      status: 'no-spine',
      reason,
      algorithmVersion: ANALYSIS_ALGORITHM_VERSION,
      units: UNITS,
      vertebrae: [],
      measurements: EMPTY_MEASUREMENTS,
      findings: [],
      anchorsUsed: [],
      labellingNotes: [],
      canalCentrelineLps: [],
      timingsMs: timings,
    };
  };

  const bad = checkSpineCtInput(volume);
  lap('checkInput', 0.02);
  if (bad) return noSpine(bad);

  const { min, max } = lpsBounds(volume);
  const physical = (max[0] - min[0] + 1) * (max[1] - min[1] + 1) * (max[2] - min[2] + 1);
  const spacing = options.gridSpacingMm ?? Math.min(2.5, Math.max(1.5, Math.cbrt(physical / 8e6)));
  const grid = smoothLpsGrid(resampleToLpsGrid(volume, spacing));
  lap('resample', 0.2);

  const trace = traceSpinalCanal(grid);
  lap('canal', 0.45);
  if (!trace) return noSpine('no spinal canal found (no soft-tissue tube enclosed by bone with a vertebral body in front)');

  const gridSampler = createGridSampler(grid);
  const axis = buildSpineAxis(grid, trace, gridSampler);
  lap('bodyAxis', 0.55);
  if (!axis) return noSpine('spinal canal found but no vertebral bodies anterior to it');
  const discs = findDiscSpaces(axis);
  const segments = segmentBetweenDiscs(axis, discs);
  if (segments.length === 0) return noSpine('spinal canal found but no intervertebral disc spaces separate vertebral bodies');

  const native = createLpsSampler(volume);
  const bodies: MeasuredBody[] = [];
  for (const seg of segments) {
    const body = measureVertebralBody(axis, seg, { grid: gridSampler, native });
    if (body) bodies.push(body);
  }
  lap('bodies', 0.85);
  if (bodies.length === 0) return noSpine('disc spaces found but no vertebral body could be measured');

  const anchorScores = bodies.map((b) => scoreAnchors(gridSampler, b));
  const detection = bodies.map((b) => {
    const c = 0.35 + 0.35 * Math.min(1, b.segment.contrast / 0.6) + 0.3 * b.edgeQuality;
    return Math.max(0, Math.min(1, c * (b.segment.complete ? 1 : 0.75)));
  });
  // A centroid step far above the typical one means undetected vertebrae in between.
  const steps = bodies.slice(1).map((b, i) => Math.hypot(...b.centroid.map((x, k) => x - bodies[i]!.centroid[k]!)));
  const medianStep = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)] ?? 0;
  const labelling = labelVertebrae(
    bodies.map((b, i) => ({
      gapAbove: i > 0 && steps[i - 1]! > Math.max(1.6 * medianStep, 30),
      ribScore: anchorScores[i]!.ribScore,
      sacralScore: anchorScores[i]!.sacralScore,
      discAbove: b.segment.complete || b.segment.upper > 0,
      truncated: !b.segment.complete,
      detectionConfidence: detection[i]!,
    })),
  );
  lap('labels', 0.92);

  const r1 = (x: number): number => Math.round(x * 10) / 10;
  const r3 = (v: readonly number[]): [number, number, number] => [r1(v[0]!), r1(v[1]!), r1(v[2]!)];
  const unit3 = (v: readonly number[]): [number, number, number] => [Math.round(v[0]! * 1e4) / 1e4, Math.round(v[1]! * 1e4) / 1e4, Math.round(v[2]! * 1e4) / 1e4];
  const vertebrae: VertebraResult[] = bodies.map((b, i) => ({
    index: i,
    label: labelling.labels[i] ?? null,
    alternativeLabel: labelling.alternatives[i] ?? null,
    region: labelling.regions[i]!,
    confidence: Math.round((labelling.confidences[i] ?? 0) * 100) / 100,
    detectionConfidence: Math.round(detection[i]! * 100) / 100,
    centroidLps: r3(b.centroid),
    posteriorSuperiorCornerLps: r3(b.posteriorSuperiorCorner),
    posteriorInferiorCornerLps: r3(b.posteriorInferiorCorner),
    axisLps: unit3(b.axis),
    superiorEndplate: { pointLps: r3(b.superior.point), normalLps: unit3(b.superior.normal), rmsResidualMm: r1(b.superior.rms) },
    inferiorEndplate: { pointLps: r3(b.inferior.point), normalLps: unit3(b.inferior.normal), rmsResidualMm: r1(b.inferior.rms) },
    heightsMm: b.segment.complete
      ? { anterior: r1(b.heights.anterior), middle: r1(b.heights.middle), posterior: r1(b.heights.posterior) }
      : { anterior: null, middle: null, posterior: null },
    apDepthMm: r1(b.apDepth),
    widthMm: r1(b.width),
    bodyVolumeMm3: Math.round(b.volume),
    trabecularHu: Math.round(b.trabecularHu),
    canalApDiameterMm: b.canalAp === null ? null : r1(b.canalAp),
    hasRibs: labelling.hasRibs[i]!,
    ribScore: Math.round(anchorScores[i]!.ribScore * 100) / 100,
    isSacral: labelling.isSacral[i]!,
    truncated: !b.segment.complete,
  }));
  const measurements = computeSpineMeasurements(vertebrae);
  const findings = gradeFindings(vertebrae.filter((v) => !v.truncated), measurements, resolveFindingThresholds(options.thresholds), labelling.transitional);
  lap('measurements', 1);
  const centreline: [number, number, number][] = [];
  for (let m = 0; m < axis.length; m += 5) centreline.push(r3([axis.canal[3 * m]!, axis.canal[3 * m + 1]!, axis.canal[3 * m + 2]!]));
  timings['total'] = Math.round((clock() - t0) * 10) / 10;
  return {
    status: 'ok',
    algorithmVersion: ANALYSIS_ALGORITHM_VERSION,
    units: UNITS,
    vertebrae,
    measurements,
    findings,
    anchorsUsed: labelling.anchors,
    labellingNotes: labelling.notes,
    canalCentrelineLps: centreline,
    timingsMs: timings,
  };
}
