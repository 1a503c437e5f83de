/**
 * Entry point of the classical CT spine analysis (no model, no GPU, no I/O): validates the input,
 * finds the canal on a coarse 4 mm grid, resamples only the region around it to an LPS working
 * grid sized by the bodies (1.2–1.8 mm, never finer than the image), traces the spinal canal,
 * finds disc spaces along the body axis (profile read from the original volume), measures each
 * body, labels from anatomical anchors (C2 dens, first/last rib, sacrum) counted body by body
 * (labelVertebrae.ts), computes alignment and grades findings. Coarse-to-fine localisation
 * follows the usual detect-then-refine scheme of spine CT pipelines (e.g. Glocker B et al.,
 * MICCAI 2013; Sekuboyina A et al., Med Image Anal 2021, VerSe). Bad input returns status
 * 'no-spine' with a reason, never invented labels.
 */
import { axisDirection, lpsToVoxel, type Vec3, type Volume } from '@vertebra/geometry';
import { buildSpineAxis, type SpineAxis } from './buildSpineAxis.js';
import { computeSpineMeasurements } from './computeSpineMeasurements.js';
import { createGridSampler } from './createGridSampler.js';
import { createLpsSampler } from './createLpsSampler.js';
import { detectDens, findDensAbove, locateAtlas, withAtlas } from './detectDens.js';
import type { DensBase } from './detectDens.js';
import { findDetectionGaps } from './findDetectionGaps.js';
import { findDiscSpaces, segmentBetweenDiscs } from './findDiscSpaces.js';
import { resolveFindingThresholds } from './findingThresholds.js';
import type { FindingThresholdsOverride } from './findingThresholds.js';
import { gradeFindings } from './gradeFindings.js';
import { labelVertebrae } from './labelVertebrae.js';
import { measureCanalAtDiscSegment } from './measureCanalAtDisc.js';
import { measureTiltAxes } from './measureCobbAngle.js';
import { createMidSagittalAxisCache } from './measureMidSagittalAxis.js';
import { withSacralPlateau } from './measurePlateauBelow.js';
import { measureSagittalEndplates } from './measureSagittalEndplates.js';
import { measureVertebralBody } from './measureVertebralBody.js';
import type { MeasuredBody } from './measureVertebralBody.js';
import { lpsBounds, resampleToLpsGrid } from './resampleToLpsGrid.js';
import type { LpsGrid } from './resampleToLpsGrid.js';
import { scoreAnchors } from './scoreAnchors.js';
import { smoothLpsGrid } from './smoothLpsGrid.js';
import type { SpineAnalysisResult, SpineMeasurements, VertebraResult } from './SpineAnalysisResult.js';
import { traceBodyColumnAtEdge } from './traceBodyColumnAtEdge.js';
import { traceSpinalCanal } from './traceSpinalCanal.js';
import type { CanalTrace } from './traceSpinalCanal.js';

export const ANALYSIS_ALGORITHM_VERSION = 'vertebra-classical-ct-0.2.0';

export interface AnalysisProgress {
  readonly stage: string;
  /** 0…1 over the whole pipeline. */
  readonly fraction: number;
}

export interface AnalyzeSpineCtOptions {
  readonly thresholds?: FindingThresholdsOverride;
  readonly onProgress?: (progress: AnalysisProgress) => void;
  /** Working grid spacing (mm). Default: by the region around the canal, 1.2–1.8 mm (1.5–2.5 mm over the whole field of view when no canal is found at 4 mm). */
  readonly gridSpacingMm?: number;
}

const COARSE_SPACING_MM = 4;
const MAX_BODY_AP_MM = 55;
const MAX_BODY_WIDTH_MM = 85;
/** Working region around the canal: ribs reach 125 mm lateral, bodies ~60 mm anterior of the canal. */
const CROP_LATERAL_MM = 140;
const CROP_ANTERIOR_MM = 100;
const CROP_POSTERIOR_MM = 70;

const EMPTY_MEASUREMENTS: SpineMeasurements = { levels: [], cobb: null, kyphosisT4T12: null, lordosisL1S1: null };
const UNITS = { length: 'mm', angle: 'deg', density: 'HU', coordinates: 'LPS' } as const;

/** Spacing (mm) of the volume axis closest to the cranio-caudal direction. */
function sliceSpacingMm(volume: Volume): number {
  const d = volume.direction;
  const zComp = [Math.abs(d[6]), Math.abs(d[7]), Math.abs(d[8])];
  return volume.spacingMm[zComp.indexOf(Math.max(...zComp))]!;
}

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
    return noSpineResult(`analysis could not run on this volume: ${error instanceof Error ? error.message : String(error)}`, {});
  }
}

/** The result when no spine is found, or the analysis cannot run: the reason, nothing invented. */
/** Centreline points (from the last) over which the canal's cranial end is judged to turn forward. */
const CRANIAL_END_POINTS = 30;

/**
 * Whether the traced canal's cranial end turns forward more than sideways: over its last
 * CRANIAL_END_POINTS + 1 centreline points it moves anteriorly (−y) by more than it moves left or
 * right — the upper thoracic canal of a hyperkyphosis, not a scoliotic one.
 */
function bendsAnteriorlyAtCranialEnd(trace: CanalTrace): boolean {
  const p = trace.pointsLps;
  const last = trace.length - 1;
  if (last < 1) return false;
  const from = Math.max(0, last - CRANIAL_END_POINTS);
  const anteriorMm = p[3 * from + 1]! - p[3 * last + 1]!;
  const lateralMm = Math.abs(p[3 * last]! - p[3 * from]!);
  return anteriorMm > lateralMm;
}

/** Cosine of the steepest axis tilt (45° off z) for which the imaged slab beyond an axis end is counted. */
const MIN_END_TZ = Math.SQRT1_2;

/**
 * Imaged length (mm along the body axis) beyond its cranial and caudal end samples. Where an axis end
 * lies on the working grid's first or last plane next to the image's first or last slice (the field
 * of view ends there, not the canal trace), the image still covers the rest of that slice's slab:
 * up to half the slice spacing beyond the slice centre (a reconstructed slice images its whole
 * thickness, ≥ the spacing for contiguous or overlapping slices). Converted to arc length by the
 * axis's tilt against z; 0 at an end the trace stopped short of the image edge or at a steep end.
 */
function axisViewMargins(axis: SpineAxis, volume: Volume, gridSpacingMm: number): [number, number] {
  const { min, max } = lpsBounds(volume);
  const half = sliceSpacingMm(volume) / 2;
  const margin = (m: number, edgeZ: number, dir: 1 | -1): number => {
    const z = axis.points[3 * m + 2]!;
    const tz = Math.abs(axis.tangents[3 * m + 2]!);
    const gap = dir * (edgeZ - z);
    if (gap < -0.5 || gap > gridSpacingMm || tz < MIN_END_TZ) return 0;
    return (Math.max(0, gap) + half) / tz;
  };
  return [margin(0, max[2], 1), margin(axis.length - 1, min[2], -1)];
}

function noSpineResult(reason: string, timingsMs: SpineAnalysisResult['timingsMs']): SpineAnalysisResult {
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
    timingsMs,
  };
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
    return noSpineResult(reason, timings);
  };

  const bad = checkSpineCtInput(volume);
  lap('checkInput', 0.02);
  if (bad) return noSpine(bad);

  // Working grid chosen by body size, not by the field of view: a coarse 4 mm pass finds the canal,
  // then only the region around it (ribs and iliac wings included) is resampled, at a spacing that
  // keeps ~8 M voxels but never coarser than 1.8 mm (a cervical body is 11 mm tall, its discs 5 mm)
  // nor finer than 1.2 mm or the image's own sampling.
  // Without a canal at 4 mm the whole field of view is used at max(1.5, (volume / 8 M)^1/3) mm.
  const { min, max } = lpsBounds(volume);
  let grid: LpsGrid | null = null;
  let trace: CanalTrace | null = null;
  const coarse = smoothLpsGrid(resampleToLpsGrid(volume, COARSE_SPACING_MM), { inPlace: true });
  const coarseTrace = traceSpinalCanal(coarse);
  if (coarseTrace) {
    const xs = Array.from(coarseTrace.xMm);
    const ys = Array.from(coarseTrace.yMm);
    const crop = {
      min: [Math.min(...xs) - CROP_LATERAL_MM, Math.min(...ys) - CROP_ANTERIOR_MM, min[2]],
      max: [Math.max(...xs) + CROP_LATERAL_MM, Math.max(...ys) + CROP_POSTERIOR_MM, max[2]],
    };
    const cropMin = [0, 1, 2].map((ax) => Math.max(min[ax]!, crop.min[ax]!));
    const cropMax = [0, 1, 2].map((ax) => Math.min(max[ax]!, crop.max[ax]!));
    const physical = (cropMax[0]! - cropMin[0]! + 1) * (cropMax[1]! - cropMin[1]! + 1) * (cropMax[2]! - cropMin[2]! + 1);
    // Never finer than the image's own in-plane pixels or 0.9 × its slice spacing (interpolating
    // below them adds only noise).
    const pixelMm = Math.min(volume.spacingMm[0], volume.spacingMm[1]);
    const sliceMm = sliceSpacingMm(volume);
    const spacing = options.gridSpacingMm ?? Math.min(1.8, Math.max(1.2, pixelMm, 0.9 * sliceMm, Math.cbrt(physical / 8e6)));
    grid = smoothLpsGrid(resampleToLpsGrid(volume, spacing, crop), { inPlace: true });
    lap('resample', 0.2);
    trace = traceSpinalCanal(grid);
    // The 4 mm pass cannot track a canal that runs far off z (hyperkyphosis): where the canal
    // tracked on this grid reaches anteriorly beyond the crop's room for the bodies in front of it,
    // the crop is extended anteriorly to the tracked reach (same spacing) and the canal traced
    // again, so the upper thoracic bodies are not cut off by the crop.
    // (Only for a canal bending anteriorly at its cranial end: a scoliotic canal bends laterally,
    // where the crop's 140 mm leave room enough.)
    if (trace && trace.tracked.length > 0 && bendsAnteriorlyAtCranialEnd(trace) && trace.reachLps.min[1] - CROP_ANTERIOR_MM < crop.min[1]! - grid.spacingMm) {
      const wide = { min: [crop.min[0]!, trace.reachLps.min[1] - CROP_ANTERIOR_MM, crop.min[2]!], max: crop.max };
      grid = null; // the narrow grid is not kept alive beside the wide one
      grid = smoothLpsGrid(resampleToLpsGrid(volume, spacing, wide), { inPlace: true });
      trace = traceSpinalCanal(grid);
    }
  }
  if (!trace) {
    const physical = (max[0] - min[0] + 1) * (max[1] - min[1] + 1) * (max[2] - min[2] + 1);
    const spacing = options.gridSpacingMm ?? Math.min(2.5, Math.max(1.5, Math.cbrt(physical / 8e6)));
    grid = null; // the cropped grid that held no canal is not kept alive beside the whole-view one
    grid = smoothLpsGrid(resampleToLpsGrid(volume, spacing), { inPlace: true });
    lap(coarseTrace ? 'resample2' : 'resample', 0.2);
    // No canal anywhere: it may lie behind a field of view that cuts through the bodies.
    trace = traceSpinalCanal(grid) ?? traceBodyColumnAtEdge(grid);
  }
  lap('canal', 0.45);
  if (!trace || !grid) return noSpine('no spinal canal found (no soft-tissue tube enclosed by bone with a vertebral body in front)');

  const gridSampler = createGridSampler(grid);
  const native = createLpsSampler(volume);
  const nativeSampler = (x: number, y: number, z: number): number => native.sample(x, y, z);
  const axis = buildSpineAxis(grid, trace, gridSampler, nativeSampler);
  lap('bodyAxis', 0.55);
  if (!axis) return noSpine('spinal canal found but no vertebral bodies anterior to it');
  // Canal out of view (the field of view cuts through the bodies): discs as endplate bands, and
  // every body is cut by the field of view (no posterior wall: no Genant heights, no slip).
  const cutByView = trace.canalOutOfView === true;
  const discs = findDiscSpaces(axis, { canalOutOfView: cutByView });
  const segments = segmentBetweenDiscs(axis, discs, { viewBeyondEndsMm: axisViewMargins(axis, volume, grid.spacingMm) });
  if (segments.length === 0) return noSpine('spinal canal found but no intervertebral disc spaces separate vertebral bodies');

  const bodies: MeasuredBody[] = [];
  for (const seg of segments) {
    const body = measureVertebralBody(axis, seg, { grid: gridSampler, native });
    // Larger than any vertebral body (adult lumbar AP ≤ 40 mm, width ≤ 55 mm; Panjabi 1992): a
    // misread structure (heart, contrast-filled vessels), not a vertebra.
    if (body && body.apDepth <= MAX_BODY_AP_MM && body.width <= MAX_BODY_WIDTH_MM) bodies.push(body);
  }
  lap('bodies', 0.85);
  if (bodies.length === 0) return noSpine('disc spaces found but no vertebral body could be measured');

  const huSorted = bodies.map((b) => b.trabecularHu).filter((x) => x === x).sort((p, q) => p - q);
  const columnTrabecularHu = huSorted[huSorted.length >> 1];
  const anchorScores = bodies.map((b) => scoreAnchors(gridSampler, b, { columnTrabecularHu, truncated: !b.segment.complete }));
  // C2 anchor: the dens above one of the two most cranial bodies (rib-free, with a body below);
  // detections above C2 are the dens and the atlas ring, not vertebral bodies, and are dropped.
  let c2 = -1;
  for (let i = 0; i < Math.min(2, bodies.length - 1) && c2 < 0; i++) {
    if (anchorScores[i]!.ribScore === 0 && detectDens(nativeSampler, bodies[i]!)) c2 = i;
  }
  // C2 split in two by a false disc inside its body: the dens rises a few millimetres above the
  // lower piece's detected top (findDensAbove). The lower candidate is tried first, so that the
  // upper piece (the top of C2 with the dens) is never taken for C2.
  let densBase: DensBase | null = null;
  for (let i = Math.min(2, bodies.length - 1) - 1; i >= 0 && c2 < 0; i--) {
    if (anchorScores[i]!.ribScore !== 0) continue;
    const base = findDensAbove(nativeSampler, bodies[i]!, bodies[i + 1] ?? null);
    if (base) {
      c2 = i;
      densBase = base;
    }
  }
  const densPieceDropped = densBase !== null && c2 > 0;
  if (c2 > 0) {
    bodies.splice(0, c2);
    anchorScores.splice(0, c2);
    c2 = 0;
  }
  const detection = bodies.map((b) => {
    const c = 0.35 + 0.35 * Math.min(1, b.segment.contrast / 0.6) + 0.3 * b.edgeQuality;
    return Math.max(0, Math.min(1, c * (b.segment.complete ? 1 : 0.75)));
  });
  const gapAbove = findDetectionGaps(bodies, anchorScores.map((a) => a.sacralScore >= 0.3));
  const labelling = labelVertebrae(
    bodies.map((b, i) => ({
      gapAbove: gapAbove[i]!,
      ribScore: anchorScores[i]!.ribScore,
      oneSidedRibScore: anchorScores[i]!.oneSidedRibScore,
      ribScoreNear: anchorScores[i]!.ribScoreNear,
      ribPlanes: anchorScores[i]!.ribPlanes,
      ribWindowInView: anchorScores[i]!.ribWindowInView,
      shortRib: anchorScores[i]!.shortRib,
      sacralScore: anchorScores[i]!.sacralScore,
      discAbove: b.segment.complete || b.segment.upper > 0,
      truncated: !b.segment.complete,
      densAbove: i === c2,
      detectionConfidence: detection[i]!,
    })),
  );
  lap('labels', 0.92);

  const r1 = (x: number): number => Math.round(x * 10) / 10;
  // A body whose posterior corner lies within one voxel of the image's edge is cut by the field of
  // view even where both its discs were found in front: the hyperkyphotic C7 at the top edge, its
  // posterior half above the first slice, had its wall and corners read ~3 mm anterior and a false
  // C7–T1 slip. It is reported truncated, so no slip or wall-based measure is read from it.
  const atViewEdge = (p: Vec3): boolean => lpsToVoxel(volume, p).some((c, k) => c < 1 || c > volume.dimensions[k]! - 2);
  // Measured segments (canal AP) to 0.01 mm: their drawn length is the value shown.
  const r2 = (v: readonly number[]): [number, number, number] => [Math.round(v[0]! * 100) / 100, Math.round(v[1]! * 100) / 100, Math.round(v[2]! * 100) / 100];
  const discCanal = bodies.map((b, i) => {
    const next = bodies[i + 1];
    if (!next || gapAbove[i + 1]) return null;
    const d = measureCanalAtDiscSegment(nativeSampler, b, next);
    return d === null ? null : { apMm: r1(d.apMm), segment: { fromLps: r2(d.fromLps), toLps: r2(d.toLps) } };
  });
  const r3 = (v: readonly number[]): [number, number, number] => [r1(v[0]!), r1(v[1]!), r1(v[2]!)];
  const unit3 = (v: readonly number[]): [number, number, number] => [Math.round(v[0]! * 1e4) / 1e4, Math.round(v[1]! * 1e4) / 1e4, Math.round(v[2]! * 1e4) / 1e4];
  const measuredVertebrae: VertebraResult[] = bodies.map((b, i) => ({
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
    posteriorAxisLps: unit3(b.posteriorAxis),
    superiorEndplate: { pointLps: r3(b.superior.point), normalLps: unit3(b.superior.normal), rmsResidualMm: r1(b.superior.rms) },
    inferiorEndplate: { pointLps: r3(b.inferior.point), normalLps: unit3(b.inferior.normal), rmsResidualMm: r1(b.inferior.rms) },
    // Heights only where measured: a body cut by the field of view keeps them when both endplates
    // were still found in view; none where the endplates were not found next to the discs.
    heightsMm: b.heightsMeasured && !cutByView
      ? { anterior: r1(b.heights.anterior), middle: r1(b.heights.middle), posterior: r1(b.heights.posterior) }
      : { anterior: null, middle: null, posterior: null },
    apDepthMm: r1(b.apDepth),
    widthMm: r1(b.width),
    bodyVolumeMm3: Math.round(b.volume),
    trabecularHu: Math.round(b.trabecularHu),
    canalApDiameterMm: b.canalAp === null ? null : r1(b.canalAp),
    canalApAtDiscBelowMm: discCanal[i]?.apMm ?? null,
    canalApSegmentLps: b.canalAp === null || b.canalApSegment === null ? null : { fromLps: r2(b.canalApSegment.from), toLps: r2(b.canalApSegment.to) },
    canalApAtDiscBelowSegmentLps: discCanal[i]?.segment ?? null,
    hasRibs: labelling.hasRibs[i]!,
    ribScore: Math.round(anchorScores[i]!.ribScore * 100) / 100,
    isSacral: labelling.isSacral[i]!,
    truncated: !b.segment.complete || cutByView || atViewEdge(b.posteriorSuperiorCorner) || atViewEdge(b.posteriorInferiorCorner),
  }));
  // The S1 plateau measured directly from L5 replaces the fused sacral segment's endplate fit.
  // C1 (the atlas ring above a C2 labelled from the dens) is prepended: every later index moves down by one.
  const atlas = c2 === 0 && labelling.labels[0] === 'C2' ? locateAtlas(nativeSampler, densBase ? { ...bodies[0]!, superior: { point: densBase.point, normal: densBase.normal } } : bodies[0]!) : null;
  const shift = atlas ? 1 : 0;
  // The native slice grid: edges found across thick slices step with it (measurePlateauBelow.ts).
  const slices = { originLps: volume.originLps, axisLps: axisDirection(volume, 2), spacingMm: volume.spacingMm[2] };
  const { vertebrae, sacralPlateau } = withSacralPlateau(withAtlas(measuredVertebrae, atlas), nativeSampler, slices);
  // One mirror-symmetry search per vertebra, shared by the sagittal end vertebrae and the coronal tilts.
  const axisOf = createMidSagittalAxisCache(nativeSampler);
  const sagittalEndplates = measureSagittalEndplates(vertebrae, nativeSampler, axisOf, slices);
  lap('sagittalEndplates', 0.94);
  // The coronal tilts are read along each vertebra's own mid-sagittal axis (mirror symmetry).
  const tiltAxes = measureTiltAxes(vertebrae, nativeSampler, axisOf);
  lap('tiltAxes', 0.97);
  const measurements = computeSpineMeasurements(vertebrae, { sacralPlateau, sagittalEndplates, tiltAxes });
  const findings = gradeFindings(vertebrae, measurements, resolveFindingThresholds(options.thresholds), labelling.transitional && { ...labelling.transitional, index: labelling.transitional.index + shift });
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
    anchorsUsed: labelling.anchors.map((a) => ({ ...a, vertebraIndex: a.vertebraIndex + shift })),
    labellingNotes: [
      ...(atlas
        ? [...labelling.notes, `C1: the atlas ring found ${atlas.bottomMm}–${atlas.topMm} mm above C2's superior endplate, reported as vertebra #0 (no body: centroid of the ring's bone, no heights); the #numbers in the notes above count from C2`]
        : labelling.notes),
      ...(densBase && c2 === 0
        ? [`C2: the dens rises ${densBase.riseMm.toFixed(1)} mm above the superior endplate detected on C2, with bone continuous between them (no disc): that endplate lies inside C2${densPieceDropped ? ', and the detection above it (the top of C2 with the dens, split off by a false disc) is dropped' : ''}`]
        : []),
      ...(cutByView ? ['the spinal canal lies outside the field of view, whose posterior edge cuts through the vertebral bodies: the bodies were found from their anterior part and are reported as cut by the field of view, without heights; the canal line is not seen'] : []),
    ],
    canalCentrelineLps: cutByView ? [] : centreline,
    timingsMs: timings,
  };
}
