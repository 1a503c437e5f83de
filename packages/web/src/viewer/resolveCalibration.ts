/**
 * Which millimetres a projection radiograph's measurements rest on (issue 5), decided per
 * image from its DICOM header and the series' user calibration:
 *
 * 1. 'user': a line of known length the user marked on the series (saved on the server);
 * 2. 'magnification-corrected': ImagerPixelSpacing (0018,1164) / EstimatedRadiographic-
 *    MagnificationFactor (0018,1114): PS3.3 C.8.11.7 puts ImagerPixelSpacing at the front
 *    of the detector, and C.7.6.3.1.2 / 10.7.1.3 divide it by the ERMF for the spacing at
 *    the patient's isocentre plane;
 * 3. 'pixel-spacing': PixelSpacing (0028,0030), which on a projection image is already a
 *    calibrated spacing in the patient (10.7.1.3);
 * 4. 'detector': ImagerPixelSpacing as is (magnified: objects measure larger);
 * 5. 'none': no spacing at all; lengths are shown in px, never mm.
 *
 * Cross-sectional images (CT, MR) keep PixelSpacing ('pixel-spacing'), which Cornerstone
 * applies by itself. For projections Cornerstone's wadors provider ignores
 * ImagerPixelSpacing, so `toCornerstoneCalibration` gives the `calibratedPixelSpacing`
 * entry that Cornerstone's length tools read (utilities.calibrateImageSpacing): their
 * length is Δindex / scale, so scale is pixels per mm.
 */
import type { CalibrationSource } from '@vertebra/contracts';
import { numberValue, numberValues, stringValue, tags, type DicomJsonDataset } from '../dicomweb/dicomJson.js';

const projectionModalities = new Set(['CR', 'DX', 'XA', 'RF', 'MG', 'IO', 'PX', 'RG']);
/** PS3.4 B.5 projection radiograph storage classes (CR, DX, MG, IO, XA, RF and enhanced). */
const projectionSopClassPrefixes = ['1.2.840.10008.5.1.4.1.1.1', '1.2.840.10008.5.1.4.1.1.12.'];

export interface ImageSpacingInfo {
  readonly modality: string;
  readonly sopClassUid: string;
  /** (row spacing, column spacing) mm. */
  readonly pixelSpacingMm?: readonly [number, number];
  readonly imagerPixelSpacingMm?: readonly [number, number];
  readonly magnificationFactor?: number;
}

export interface ResolvedCalibration {
  readonly source: CalibrationSource;
  /** mm between rows and between columns; absent for 'none'. */
  readonly rowSpacingMm?: number;
  readonly columnSpacingMm?: number;
  /** Short text for the viewport overlay, e.g. "magnification corrected 0.143 mm/px (ERMF 1.4)". */
  readonly description: string;
}

const spacingTags = {
  PixelSpacing: '00280030',
  ImagerPixelSpacing: '00181164',
  EstimatedRadiographicMagnificationFactor: '00181114',
} as const;

function positivePair(values: number[] | undefined): readonly [number, number] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const row = values[0] as number;
  const column = values[1] ?? row;
  return row > 0 && column > 0 ? [row, column] : undefined;
}

export function readImageSpacing(instance: DicomJsonDataset): ImageSpacingInfo {
  const pixelSpacingMm = positivePair(numberValues(instance, spacingTags.PixelSpacing));
  const imagerPixelSpacingMm = positivePair(numberValues(instance, spacingTags.ImagerPixelSpacing));
  const magnificationFactor = numberValue(instance, spacingTags.EstimatedRadiographicMagnificationFactor);
  return {
    modality: stringValue(instance, tags.Modality),
    sopClassUid: stringValue(instance, tags.SOPClassUID),
    ...(pixelSpacingMm === undefined ? {} : { pixelSpacingMm }),
    ...(imagerPixelSpacingMm === undefined ? {} : { imagerPixelSpacingMm }),
    ...(magnificationFactor === undefined || !(magnificationFactor > 0) ? {} : { magnificationFactor }),
  };
}

export function isProjectionImage(info: ImageSpacingInfo): boolean {
  return projectionModalities.has(info.modality) || projectionSopClassPrefixes.some((prefix) => info.sopClassUid === prefix || info.sopClassUid.startsWith(`${prefix}.`)) || info.imagerPixelSpacingMm !== undefined;
}

function mm(value: number): string {
  return `${Number(value.toPrecision(3))} mm/px`;
}

export function resolveCalibration(info: ImageSpacingInfo, user?: { readonly mmPerPixel: number }): ResolvedCalibration {
  if (user !== undefined && user.mmPerPixel > 0) {
    return { source: 'user', rowSpacingMm: user.mmPerPixel, columnSpacingMm: user.mmPerPixel, description: `user ${mm(user.mmPerPixel)}` };
  }
  const projection = isProjectionImage(info);
  const ips = info.imagerPixelSpacingMm;
  if (projection && ips !== undefined && info.magnificationFactor !== undefined) {
    const [row, column] = [ips[0] / info.magnificationFactor, ips[1] / info.magnificationFactor];
    return { source: 'magnification-corrected', rowSpacingMm: row, columnSpacingMm: column, description: `magnification corrected ${mm(row)} (ERMF ${info.magnificationFactor})` };
  }
  if (info.pixelSpacingMm !== undefined) {
    return { source: 'pixel-spacing', rowSpacingMm: info.pixelSpacingMm[0], columnSpacingMm: info.pixelSpacingMm[1], description: `pixel spacing ${mm(info.pixelSpacingMm[0])}` };
  }
  if (projection && ips !== undefined) {
    return { source: 'detector', rowSpacingMm: ips[0], columnSpacingMm: ips[1], description: `detector ${mm(ips[0])} (not magnification corrected)` };
  }
  return { source: 'none', description: 'uncalibrated: lengths in px' };
}

/** Cornerstone CalibrationTypes values (core Enums.CalibrationTypes) for each source. */
const cornerstoneTypes: Record<CalibrationSource, string> = {
  none: 'Uncalibrated',
  user: 'User',
  'magnification-corrected': 'ERMF',
  detector: 'Proj',
  'pixel-spacing': 'Calibrated',
};

export interface CornerstoneCalibration {
  readonly type: string;
  /** Pixels per mm along a row (Cornerstone divides index distances by it). */
  readonly scale: number;
  /** Ratios that make Cornerstone's y scale equal 1 / rowSpacingMm. */
  readonly rowPixelSpacing: number;
  readonly columnPixelSpacing: number;
}

/**
 * The calibratedPixelSpacing entry for a projection image, or undefined when Cornerstone's
 * own handling is right (cross-sectional images, or PixelSpacing that it already reads).
 * `none` on a projection gives the 'Uncalibrated' type, which Cornerstone shows in px.
 */
export function toCornerstoneCalibration(info: ImageSpacingInfo, resolved: ResolvedCalibration): CornerstoneCalibration | undefined {
  if (!isProjectionImage(info)) return undefined;
  if (resolved.source === 'none') return { type: cornerstoneTypes.none, scale: 1, rowPixelSpacing: 1, columnPixelSpacing: 1 };
  const row = resolved.rowSpacingMm as number;
  const column = resolved.columnSpacingMm as number;
  // Cornerstone: scaleX = scale, scaleY = scale / rowPixelSpacing (the calibration's), lengths = Δindex / scale.
  return { type: cornerstoneTypes[resolved.source], scale: 1 / column, rowPixelSpacing: row / column, columnPixelSpacing: 1 };
}

/** The calibration source a Cornerstone length unit names ('px', 'mm', 'mm Proj', 'mm ERMF', 'mm User', 'mm Calibrated'). */
export function calibrationFromUnit(unit: string): CalibrationSource {
  if (unit === '' || /^px/.test(unit)) return 'none';
  if (/\bERMF\b/.test(unit)) return 'magnification-corrected';
  if (/\bProj\b/.test(unit)) return 'detector';
  if (/\bUser\b/.test(unit)) return 'user';
  return 'pixel-spacing';
}
