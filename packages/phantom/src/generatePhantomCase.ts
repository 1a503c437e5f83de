/**
 * One phantom case: a patient (preset + seed + overrides), one or more visits (studies), each
 * rendered in the requested modalities as DICOM files with the exact ground truth as JSON
 * beside them. Pure function of its options: the same options give byte-identical files.
 */
import { VertebraError } from '@vertebra/errors';
import type { Vec3 } from '@vertebra/geometry';
import { add, scale, subtract } from '@vertebra/geometry';
import { buildAnatomy, pedicleTrajectory, type PhantomAnatomy } from './buildAnatomy.js';
import { buildSpineModel, type SpineModel } from './buildSpineModel.js';
import { computeGroundTruth, type PhantomGroundTruth } from './computeGroundTruth.js';
import {
  defaultPhantomParameters,
  mergePhantomParameters,
  validatePhantomParameters,
  type PhantomParameterOverrides,
  type PhantomParameters,
} from './PhantomParameters.js';
import { resolvePhantomPreset, type PhantomPresetName } from './phantomPresets.js';
import { projectPointToDetector, projectRadiograph, type ProjectionGeometry } from './projectRadiograph.js';
import { renderCtVolume } from './renderCtVolume.js';
import { encodeCtSeries, encodeDxImage, encodeMrSeries, encodeXaCine, studyIdentity, type PatientPosition } from './writeDicomSeries.js';
import { mrSignal, type MrWeighting } from './mrSignal.js';
import { encodeNifti } from './writeNifti.js';

export type PhantomModality = 'ct' | 'xr' | 'mr' | 'xa';
export type FieldOfView = 'cervical' | 'thoracic' | 'lumbar' | 'whole';
export const phantomModalities: readonly PhantomModality[] = ['ct', 'xr', 'mr', 'xa'];

export interface XaOptions {
  /** C-arm angles per frame (degrees); default a sweep from 20° RAO to 20° LAO over `frames`. */
  readonly primaryAnglesDeg?: readonly number[];
  readonly secondaryAnglesDeg?: readonly number[];
  readonly frames?: number;
  readonly columns?: number;
  readonly rows?: number;
  readonly imagerPixelSpacingMm?: number;
  readonly sourceToDetectorMm?: number;
  readonly sourceToPatientMm?: number;
  /** Vertebra at the isocentre, default L3 (or the nearest level present). */
  readonly targetLevel?: string;
  /** A needle advancing along the left pedicle of the target level (default true). */
  readonly instrument?: boolean;
  readonly voxelSizeMm?: number;
  readonly frameTimeMs?: number;
}

export interface XaFrameTruth {
  readonly frame: number;
  readonly geometry: ProjectionGeometry;
  readonly instrumentTipLps: Vec3 | null;
  readonly instrumentTipPx: readonly [number, number] | null;
  readonly landmarksPx: Record<string, Record<string, readonly [number, number]>>;
}

export interface XaTruth {
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly path: string;
  readonly targetLevel: string;
  readonly frames: readonly XaFrameTruth[];
}

export interface MrOptions {
  readonly weightings?: readonly MrWeighting[];
  readonly planes?: readonly ('sagittal' | 'axial')[];
  readonly fieldOfView?: FieldOfView;
  /** In-plane pixel spacing, mm (default 0.8). */
  readonly pixelSpacingMm?: number;
  /** Slice thickness of sagittal and axial slices, mm (default 3.5 and 4). */
  readonly sagittalThicknessMm?: number;
  readonly axialThicknessMm?: number;
  readonly sagittalSlices?: number;
}

export interface MrSeriesTruth {
  readonly weighting: MrWeighting;
  readonly plane: 'sagittal' | 'axial';
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string;
  readonly imageOrientationPatient: readonly number[];
  readonly sliceThicknessMm: number;
  readonly paths: readonly string[];
}

export interface CtOptions {
  readonly columns?: number;
  readonly rows?: number;
  readonly pixelSpacingMm?: number;
  readonly sliceThicknessMm?: number;
  readonly sliceSpacingMm?: number;
  readonly fieldOfView?: FieldOfView;
  /**
   * Moves the cranial edge of the field of view to the body centroid of this level (the 'lumbar'
   * field of view ends at the last thoracic vertebra's centroid), raised by `cranialEdgeAboveMm`
   * (default 0): e.g. 'L1' with 8 mm cuts L1 in its upper third, below the T12 rib heads.
   */
  readonly cranialEdgeLevel?: string;
  readonly cranialEdgeAboveMm?: number;
  readonly patientPosition?: PatientPosition;
  /** Also write NIfTI volumes (HU and labels). */
  readonly nifti?: boolean;
  /** Pixel data compression: none (Explicit VR Little Endian, default) or RLE Lossless. */
  readonly compression?: 'none' | 'rle';
}

export interface XrOptions {
  readonly views?: readonly ('lateral' | 'ap')[];
  readonly columns?: number;
  readonly rows?: number;
  readonly imagerPixelSpacingMm?: number;
  readonly sourceToDetectorMm?: number;
  readonly sourceToPatientMm?: number;
  readonly fieldOfView?: FieldOfView;
  /** Voxel size of the HU volume the projection is computed from, mm. */
  readonly voxelSizeMm?: number;
}

export interface GeneratePhantomCaseOptions {
  readonly preset: string;
  readonly seed?: number;
  readonly modalities?: readonly string[];
  readonly overrides?: PhantomParameterOverrides;
  /** Applied to the later visit on top of the preset's follow-up changes (e.g. post-operative implants). */
  readonly followUpOverrides?: PhantomParameterOverrides;
  readonly ct?: CtOptions;
  readonly xr?: XrOptions;
  readonly mr?: MrOptions;
  readonly xa?: XaOptions;
  /** Folder name of the case inside the output; default `<preset>-<seed>`. */
  readonly caseId?: string;
}

export interface PhantomFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface RadiographTruth {
  readonly view: 'lateral' | 'ap';
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly path: string;
  readonly geometry: ProjectionGeometry;
  /** Projected landmarks, [column, row] in pixels (pixel centres at integers). */
  readonly landmarksPx: Record<string, Record<string, readonly [number, number]>>;
}

export interface CtTruth {
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string;
  readonly patientPosition: PatientPosition;
  readonly imageOrientationPatient: readonly number[];
  readonly dimensions: readonly [number, number, number];
  readonly spacingMm: Vec3;
  readonly sliceThicknessMm: number;
  readonly fieldOfView: FieldOfView;
  /** LPS centre of the first voxel of the world-aligned volume (lowest x, y, z). */
  readonly volumeOriginLps: Vec3;
  readonly paths: readonly string[];
  readonly niftiPaths: readonly string[];
}

export interface VisitTruth {
  readonly visit: number;
  readonly studyInstanceUid: string;
  readonly studyDate: string;
  readonly description: string;
  readonly parameters: PhantomParameters;
  readonly anatomy: PhantomGroundTruth;
  readonly ct: CtTruth | null;
  readonly radiographs: readonly RadiographTruth[];
  readonly mr: readonly MrSeriesTruth[];
  readonly xa: XaTruth | null;
}

export interface PhantomCaseGroundTruth {
  readonly caseId: string;
  readonly preset: PhantomPresetName;
  readonly seed: number;
  readonly generator: string;
  readonly patientId: string;
  readonly visits: readonly VisitTruth[];
}

export interface PhantomCase {
  readonly caseId: string;
  readonly files: readonly PhantomFile[];
  readonly groundTruth: PhantomCaseGroundTruth;
}

function zRangeFor(model: SpineModel, anatomy: PhantomAnatomy, fov: FieldOfView, truth: PhantomGroundTruth): [number, number] {
  const z = (level: string, which: 'centroid' | 'top' | 'bottom'): number => {
    const v = truth.vertebrae.find((candidate) => candidate.level === level) ?? truth.vertebrae[truth.vertebrae.length - 1]!;
    if (which === 'centroid') return v.centroidLps[2];
    return which === 'top' ? v.superiorEndplate.centreLps[2] : v.inferiorEndplate.centreLps[2];
  };
  const lastThoracic = truth.levels.filter((level) => level.startsWith('T')).pop()!;
  const hip = model.hipAxisCentre[2];
  switch (fov) {
    case 'cervical':
      return [z('T1', 'bottom') - 10, z('C1', 'top') + 30];
    case 'thoracic':
      return [z('L1', 'bottom') - 5, z('C7', 'top') + 5];
    case 'lumbar':
      return [hip - 30, z(lastThoracic, 'centroid')];
    case 'whole':
      return [Math.max(anatomy.zRange[0], hip - 60), z('C1', 'top') + 40];
  }
}

/** The z range with its cranial edge moved to `aboveMm` above the body centroid of `level` (when given). */
function withCranialEdge(zRange: [number, number], level: string | undefined, aboveMm: number, truth: PhantomGroundTruth): [number, number] {
  if (level === undefined) return zRange;
  const v = truth.vertebrae.find((candidate) => candidate.level === level);
  if (!v) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(level)} is not a vertebra of this phantom; valid levels: ${truth.levels.join(', ')}`, {
      subject: 'ct.cranialEdgeLevel',
      details: { parameter: 'ct.cranialEdgeLevel', validValues: truth.levels },
    });
  }
  const top = v.centroidLps[2] + aboveMm;
  if (top <= zRange[0] + 20) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `the cranial edge at ${level} leaves less than 20 mm of the field of view`, { subject: 'ct.cranialEdgeLevel', details: { parameter: 'ct.cranialEdgeLevel' } });
  }
  return [zRange[0], top];
}

function centreFor(anatomy: PhantomAnatomy, zRange: readonly [number, number]): [number, number] {
  const samples = anatomy.outline.filter((sample) => sample.z >= zRange[0] - 30 && sample.z <= zRange[1] + 30);
  const used = samples.length > 0 ? samples : anatomy.outline;
  return [0, used.reduce((sum, sample) => sum + sample.cy, 0) / used.length];
}

function checkModalities(modalities: readonly string[]): PhantomModality[] {
  for (const modality of modalities) {
    if (!(phantomModalities as readonly string[]).includes(modality)) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', `unknown modality ${JSON.stringify(modality)}; valid modalities: ${phantomModalities.join(', ')} `, {
        subject: 'modalities',
        details: { parameter: 'modalities', validValues: phantomModalities },
      });
    }
  }
  return modalities as PhantomModality[];
}

function checkNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `${value} is out of range; valid range: ${min} to ${max}`, { subject: name, details: { parameter: name, validRange: [min, max] } });
  }
  return value;
}

function addDays(date: string, days: number): string {
  const time = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) + days * 86_400_000;
  const d = new Date(time);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

function landmarksFor(truth: PhantomGroundTruth, project: (p: Vec3) => [number, number]): Record<string, Record<string, readonly [number, number]>> {
  const out: Record<string, Record<string, readonly [number, number]>> = {};
  for (const v of truth.vertebrae) {
    const sup = v.superiorEndplate.corners;
    const inf = v.inferiorEndplate.corners;
    out[v.level] = {
      centroid: project(v.centroidLps),
      superiorAnterior: project(sup.anterior),
      superiorPosterior: project(sup.posterior),
      superiorLeft: project(sup.left),
      superiorRight: project(sup.right),
      inferiorAnterior: project(inf.anterior),
      inferiorPosterior: project(inf.posterior),
      inferiorLeft: project(inf.left),
      inferiorRight: project(inf.right),
      ...(v.posteriorLandmarksLps === null
        ? {}
        : {
            leftPedicle: project(v.posteriorLandmarksLps.leftPedicle),
            rightPedicle: project(v.posteriorLandmarksLps.rightPedicle),
            spinousTip: project(v.posteriorLandmarksLps.spinousTip),
          }),
    };
  }
  const s1 = truth.sacrum.s1SuperiorEndplate.corners;
  out.S1 = { superiorAnterior: project(s1.anterior), superiorPosterior: project(s1.posterior), superiorLeft: project(s1.left), superiorRight: project(s1.right) };
  out.femoralHeads = { right: project(truth.femoralHeadCentresLps[0]), left: project(truth.femoralHeadCentresLps[1]) };
  return out;
}

export function generatePhantomCase(options: GeneratePhantomCaseOptions): PhantomCase {
  const preset = resolvePhantomPreset(options.preset);
  const presetName = options.preset as PhantomPresetName;
  const seed = options.seed ?? 1;
  const modalities = checkModalities(options.modalities ?? ['ct', 'xr']);
  const caseId = options.caseId ?? `${presetName}-${seed}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(caseId)) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(caseId)} is not a valid case id; valid: 1 to 64 letters, digits, '.', '_' or '-'`, { subject: 'caseId' });
  }
  const patientId = `PH-${presetName.toUpperCase()}-${seed}`;
  const base = mergePhantomParameters(defaultPhantomParameters, preset.overrides);
  const visitParameters: { parameters: PhantomParameters; daysLater: number; description: string }[] = [];
  const first = mergePhantomParameters(base, { ...options.overrides, seed, patient: { patientId, ...options.overrides?.patient } });
  visitParameters.push({ parameters: first, daysLater: 0, description: preset.description });
  if (preset.followUp !== undefined) {
    const later = mergePhantomParameters(first, preset.followUp.overrides);
    const parameters = options.followUpOverrides === undefined ? later : mergePhantomParameters(later, options.followUpOverrides);
    visitParameters.push({ parameters, daysLater: preset.followUp.daysLater, description: preset.followUp.description });
  } else if (options.followUpOverrides !== undefined) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `preset ${presetName} has no follow-up visit; followUpOverrides needs the followup preset`, { subject: 'followUpOverrides' });
  }
  const ctOptions = options.ct ?? {};
  const xrOptions = options.xr ?? {};
  const files: PhantomFile[] = [];
  const visits: VisitTruth[] = [];
  const baseDate = addDays('20240108', (seed * 37) % 600);
  visitParameters.forEach(({ parameters, daysLater, description }, visitIndex) => {
    validatePhantomParameters(parameters);
    const visit = visitIndex + 1;
    const prefix = visitParameters.length > 1 ? `${caseId}/visit${visit}` : caseId;
    const model = buildSpineModel(parameters);
    const truth = computeGroundTruth(model);
    const patientPosition = ctOptions.patientPosition ?? 'HFS';
    if (!['HFS', 'FFS', 'HFP', 'FFP'].includes(patientPosition)) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(patientPosition)} is not supported; valid positions: HFS, FFS, HFP, FFP`, { subject: 'ct.patientPosition' });
    }
    const anatomy = buildAnatomy(model, { patientPosition });
    const study = studyIdentity({ patient: parameters.patient, studyKey: `${caseId}:${seed}:visit${visit}`, studyDate: addDays(baseDate, daysLater), studyDescription: `Spine phantom ${presetName}` });
    let ct: CtTruth | null = null;
    const radiographs: RadiographTruth[] = [];
    if (modalities.includes('ct')) {
      const fov = ctOptions.fieldOfView ?? 'lumbar';
      const columns = checkNumber('ct.columns', ctOptions.columns ?? 512, 16, 2048);
      const rows = checkNumber('ct.rows', ctOptions.rows ?? 512, 16, 2048);
      const pixelSpacingMm = checkNumber('ct.pixelSpacingMm', ctOptions.pixelSpacingMm ?? 0.8, 0.2, 5);
      const sliceThicknessMm = checkNumber('ct.sliceThicknessMm', ctOptions.sliceThicknessMm ?? 1.5, 0.5, 5);
      const sliceSpacingMm = checkNumber('ct.sliceSpacingMm', ctOptions.sliceSpacingMm ?? sliceThicknessMm, 0.5, 5);
      const zRange = withCranialEdge(zRangeFor(model, anatomy, fov, truth), ctOptions.cranialEdgeLevel, checkNumber('ct.cranialEdgeAboveMm', ctOptions.cranialEdgeAboveMm ?? 0, -30, 30), truth);
      const rendered = renderCtVolume(anatomy, {
        columns,
        rows,
        pixelSpacingMm,
        sliceThicknessMm,
        sliceSpacingMm,
        centreXY: centreFor(anatomy, zRange),
        zRange,
        noiseHu: parameters.noiseHu,
        noiseSeed: `noise:${study.studyKey}`,
        labels: ctOptions.nifti === true,
      });
      const series = encodeCtSeries(rendered.volume, {
        study,
        seriesNumber: 1,
        seriesDescription: `CT ${fov} ${sliceThicknessMm} mm ${patientPosition}`,
        patientPosition,
        sliceThicknessMm,
        bodyPartExamined: fov === 'cervical' ? 'CSPINE' : fov === 'thoracic' ? 'TSPINE' : fov === 'lumbar' ? 'LSPINE' : 'SPINE',
        compression: ctOptions.compression ?? 'none',
      });
      const paths = series.instances.map((instance) => {
        const path = `${prefix}/CT/${String(instance.instanceNumber).padStart(4, '0')}.dcm`;
        files.push({ path, bytes: instance.bytes });
        return path;
      });
      const niftiPaths: string[] = [];
      if (ctOptions.nifti === true) {
        niftiPaths.push(`${prefix}/ct.nii`);
        files.push({ path: `${prefix}/ct.nii`, bytes: encodeNifti(rendered.volume, 'Vertebra phantom CT (HU)') });
        if (rendered.labels !== null) {
          niftiPaths.push(`${prefix}/labels.nii`);
          files.push({ path: `${prefix}/labels.nii`, bytes: encodeNifti(rendered.labels, 'Vertebra phantom labels') });
        }
      }
      ct = {
        seriesInstanceUid: series.seriesInstanceUid,
        frameOfReferenceUid: series.frameOfReferenceUid,
        patientPosition,
        imageOrientationPatient: series.imageOrientationPatient,
        dimensions: rendered.volume.dimensions,
        spacingMm: rendered.volume.spacingMm,
        sliceThicknessMm,
        fieldOfView: fov,
        volumeOriginLps: rendered.volume.originLps,
        paths,
        niftiPaths,
      };
    }
    if (modalities.includes('xr')) {
      const fov = xrOptions.fieldOfView ?? 'whole';
      const views = xrOptions.views ?? ['lateral', 'ap'];
      const voxel = checkNumber('xr.voxelSizeMm', xrOptions.voxelSizeMm ?? 2, 0.5, 5);
      const zRange = zRangeFor(model, anatomy, fov, truth);
      const width = 460;
      const centre = centreFor(anatomy, zRange);
      const count = Math.round(width / voxel);
      const volume = renderCtVolume(anatomy, {
        columns: count,
        rows: count,
        pixelSpacingMm: voxel,
        sliceThicknessMm: voxel,
        sliceSpacingMm: voxel,
        centreXY: centre,
        zRange: [zRange[0] - 20, zRange[1] + 20],
        noiseHu: 0,
        noiseSeed: 'none',
        labels: false,
        // An isotropic volume to project, not a reconstructed slice: its own voxels suffice.
        sliceProfile: 'centre',
        table: false,
      }).volume;
      const sourceToDetectorMm = checkNumber('xr.sourceToDetectorMm', xrOptions.sourceToDetectorMm ?? 1800, 500, 5000);
      const sourceToPatientMm = checkNumber('xr.sourceToPatientMm', xrOptions.sourceToPatientMm ?? 1600, 300, sourceToDetectorMm - 50);
      const magnification = sourceToDetectorMm / sourceToPatientMm;
      const imagerPixelSpacingMm = checkNumber('xr.imagerPixelSpacingMm', xrOptions.imagerPixelSpacingMm ?? ((zRange[1] - zRange[0] + 60) * magnification) / (xrOptions.rows ?? 3000), 0.05, 20);
      const rows = checkNumber('xr.rows', xrOptions.rows ?? 3000, 16, 8192);
      const columns = checkNumber('xr.columns', xrOptions.columns ?? Math.round(rows / 2), 16, 8192);
      views.forEach((view, viewIndex) => {
        if (view !== 'lateral' && view !== 'ap') {
          throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(view)} is not a view; valid views: lateral, ap`, { subject: 'xr.views' });
        }
        const isocentreLps: Vec3 = [0, centre[1], (zRange[0] + zRange[1]) / 2];
        const geometry: ProjectionGeometry = { view, sourceToDetectorMm, sourceToPatientMm, isocentreLps, columns, rows, imagerPixelSpacingMm };
        const image = projectRadiograph(volume, geometry);
        const seriesNumber = 2 + viewIndex;
        const encoded = encodeDxImage({
          study,
          seriesNumber,
          seriesDescription: `XR ${view} ${fov}`,
          view,
          columns,
          rows,
          pixels: image.pixels,
          imagerPixelSpacingMm,
          sourceToDetectorMm,
          sourceToPatientMm,
        });
        const path = `${prefix}/XR/${view}.dcm`;
        files.push({ path, bytes: encoded.bytes });
        radiographs.push({
          view,
          seriesInstanceUid: encoded.seriesInstanceUid,
          sopInstanceUid: encoded.sopInstanceUid,
          path,
          geometry,
          landmarksPx: landmarksFor(truth, (point) => projectPointToDetector(geometry, point)),
        });
      });
    }
    const mr: MrSeriesTruth[] = [];
    if (modalities.includes('mr')) {
      const mrOptions = options.mr ?? {};
      const fov = mrOptions.fieldOfView ?? 'lumbar';
      const zRange = zRangeFor(model, anatomy, fov, truth);
      const centre = centreFor(anatomy, zRange);
      const inPlane = checkNumber('mr.pixelSpacingMm', mrOptions.pixelSpacingMm ?? 0.8, 0.2, 5);
      const sagittalThickness = checkNumber('mr.sagittalThicknessMm', mrOptions.sagittalThicknessMm ?? 3.5, 1, 10);
      const axialThickness = checkNumber('mr.axialThicknessMm', mrOptions.axialThicknessMm ?? 4, 1, 10);
      const sagittalSlices = checkNumber('mr.sagittalSlices', mrOptions.sagittalSlices ?? 15, 1, 64);
      const inRange = truth.vertebrae.filter((v) => v.centroidLps[2] >= zRange[0] && v.centroidLps[2] <= zRange[1]);
      const midlineX = inRange.length === 0 ? 0 : inRange.reduce((sum, v) => sum + v.centroidLps[0], 0) / inRange.length;
      let seriesNumber = 10;
      for (const plane of mrOptions.planes ?? ['sagittal', 'axial']) {
        for (const weighting of mrOptions.weightings ?? ['T1', 'T2']) {
          if (weighting !== 'T1' && weighting !== 'T2') {
            throw new VertebraError('REQUEST_INVALID_PARAMETER', `${JSON.stringify(weighting)} is not a weighting; valid weightings: T1, T2`, { subject: 'mr.weightings' });
          }
          const sagittal = plane === 'sagittal';
          const common = {
            valueMap: (hu: number) => mrSignal(hu, weighting),
            valueRange: [0, 4095] as const,
            noiseHu: parameters.noiseHu,
            noiseSeed: `mr-noise:${study.studyKey}:${plane}:${weighting}`,
            labels: false,
            table: false,
            // The MR slice profile (set by the RF pulse) is not modelled: central plane, as before.
            sliceProfile: 'centre' as const,
          };
          const volume = sagittal
            ? renderCtVolume(anatomy, {
                ...common,
                columns: sagittalSlices,
                rows: Math.round(300 / inPlane),
                columnSpacingMm: sagittalThickness,
                pixelSpacingMm: inPlane,
                sliceThicknessMm: inPlane,
                sliceSpacingMm: inPlane,
                centreXY: [midlineX, centre[1]],
                zRange,
              }).volume
            : renderCtVolume(anatomy, {
                ...common,
                columns: Math.round(280 / inPlane),
                rows: Math.round(280 / inPlane),
                pixelSpacingMm: inPlane,
                sliceThicknessMm: axialThickness,
                sliceSpacingMm: axialThickness,
                centreXY: [midlineX, centre[1]],
                zRange,
              }).volume;
          const series = encodeMrSeries(volume, {
            study,
            seriesNumber,
            seriesDescription: `MR ${weighting}w ${plane}`,
            weighting,
            plane,
            sliceThicknessMm: sagittal ? sagittalThickness : axialThickness,
          });
          const paths = series.instances.map((instance) => {
            const path = `${prefix}/MR-${weighting}-${plane}/${String(instance.instanceNumber).padStart(4, '0')}.dcm`;
            files.push({ path, bytes: instance.bytes });
            return path;
          });
          mr.push({
            weighting,
            plane,
            seriesInstanceUid: series.seriesInstanceUid,
            frameOfReferenceUid: series.frameOfReferenceUid,
            imageOrientationPatient: series.imageOrientationPatient,
            sliceThicknessMm: sagittal ? sagittalThickness : axialThickness,
            paths,
          });
          seriesNumber += 1;
        }
      }
    }
    let xa: XaTruth | null = null;
    if (modalities.includes('xa')) {
      const xaOptions = options.xa ?? {};
      const frameCount = checkNumber('xa.frames', xaOptions.frames ?? xaOptions.primaryAnglesDeg?.length ?? 8, 1, 200);
      const primary = xaOptions.primaryAnglesDeg ?? Array.from({ length: frameCount }, (_, index) => (frameCount === 1 ? 0 : -20 + (40 * index) / (frameCount - 1)));
      const secondary = xaOptions.secondaryAnglesDeg ?? primary.map(() => 0);
      if (primary.length !== frameCount || secondary.length !== frameCount) {
        throw new VertebraError('REQUEST_INVALID_PARAMETER', `give one primary and one secondary angle per frame (${frameCount} frames)`, { subject: 'xa.primaryAnglesDeg' });
      }
      [...primary, ...secondary].forEach((angle) => checkNumber('xa angle', angle, -120, 120));
      const requested = xaOptions.targetLevel ?? 'L3';
      const targetIndex = model.levels.indexOf(requested as never);
      if (targetIndex < 0) {
        throw new VertebraError('REQUEST_INVALID_PARAMETER', `unknown target level ${JSON.stringify(requested)}; valid: ${model.levels.join(', ')}`, { subject: 'xa.targetLevel' });
      }
      const target = model.vertebrae[targetIndex]!;
      const targetTruth = truth.vertebrae[targetIndex]!;
      const columns = checkNumber('xa.columns', xaOptions.columns ?? 512, 16, 2048);
      const rows = checkNumber('xa.rows', xaOptions.rows ?? 512, 16, 2048);
      const ps = checkNumber('xa.imagerPixelSpacingMm', xaOptions.imagerPixelSpacingMm ?? 0.4, 0.05, 5);
      const sid = checkNumber('xa.sourceToDetectorMm', xaOptions.sourceToDetectorMm ?? 1000, 500, 2000);
      const sod = checkNumber('xa.sourceToPatientMm', xaOptions.sourceToPatientMm ?? 750, 300, sid - 50);
      const voxel = checkNumber('xa.voxelSizeMm', xaOptions.voxelSizeMm ?? 2, 0.5, 5);
      const iso = targetTruth.centroidLps;
      const volume = renderCtVolume(anatomy, {
        columns: Math.round(460 / voxel),
        rows: Math.round(460 / voxel),
        pixelSpacingMm: voxel,
        sliceThicknessMm: voxel,
        sliceSpacingMm: voxel,
        centreXY: centreFor(anatomy, [iso[2] - 150, iso[2] + 150]),
        zRange: [iso[2] - 150, iso[2] + 150],
        noiseHu: 0,
        noiseSeed: 'none',
        labels: false,
        // An isotropic volume to project, not a reconstructed slice: its own voxels suffice.
        sliceProfile: 'centre',
      }).volume;
      const trajectory = pedicleTrajectory(target, 1);
      const axis = subtract(trajectory.target, trajectory.entry);
      const axisLength = Math.hypot(...axis);
      const direction: Vec3 = [axis[0] / axisLength, axis[1] / axisLength, axis[2] / axisLength];
      const withInstrument = xaOptions.instrument ?? true;
      const frames: Uint16Array[] = [];
      const frameTruths: XaFrameTruth[] = [];
      for (let frame = 0; frame < frameCount; frame += 1) {
        const geometry: ProjectionGeometry = {
          view: 'c-arm',
          primaryAngleDeg: primary[frame]!,
          secondaryAngleDeg: secondary[frame]!,
          sourceToDetectorMm: sid,
          sourceToPatientMm: sod,
          isocentreLps: iso,
          columns,
          rows,
          imagerPixelSpacingMm: ps,
        };
        // The needle tip advances from 40 mm behind the entry point to 80 % of the trajectory.
        const progress = frameCount === 1 ? 1 : frame / (frameCount - 1);
        const tip: Vec3 | null = withInstrument ? add(trajectory.entry, scale(direction, -40 + progress * (40 + 0.8 * axisLength))) : null;
        const rods = tip === null ? [] : [{ from: add(tip, scale(direction, -150)), to: tip, radiusMm: 1.2, hu: 3000 }];
        const image = projectRadiograph(volume, geometry, rods);
        frames.push(image.pixels.map((value) => 1023 - (value >> 2)));
        const project = (point: Vec3) => projectPointToDetector(geometry, point);
        frameTruths.push({ frame: frame + 1, geometry, instrumentTipLps: tip, instrumentTipPx: tip === null ? null : project(tip), landmarksPx: landmarksFor(truth, project) });
      }
      const encoded = encodeXaCine({
        study,
        seriesNumber: 20,
        seriesDescription: `XA fluoroscopy ${target.level}`,
        columns,
        rows,
        frames,
        primaryAnglesDeg: primary,
        secondaryAnglesDeg: secondary,
        frameTimeMs: checkNumber('xa.frameTimeMs', xaOptions.frameTimeMs ?? 250, 1, 10_000),
        imagerPixelSpacingMm: ps,
        sourceToDetectorMm: sid,
        sourceToPatientMm: sod,
      });
      const path = `${prefix}/XA/fluoro.dcm`;
      files.push({ path, bytes: encoded.bytes });
      xa = { seriesInstanceUid: encoded.seriesInstanceUid, sopInstanceUid: encoded.sopInstanceUid, path, targetLevel: target.level, frames: frameTruths };
    }
    visits.push({ visit, studyInstanceUid: study.studyInstanceUid, studyDate: study.studyDate, description, parameters, anatomy: truth, ct, radiographs, mr, xa });
  });
  const groundTruth: PhantomCaseGroundTruth = { caseId, preset: presetName, seed, generator: '@vertebra/phantom 0.1.0', patientId, visits };
  files.push({ path: `${caseId}/groundTruth.json`, bytes: new TextEncoder().encode(`${JSON.stringify(groundTruth, null, 1)}\n`) });
  return { caseId, files, groundTruth };
}
