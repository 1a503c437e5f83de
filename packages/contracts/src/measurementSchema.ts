/**
 * The REST contract for viewer measurements and series calibrations (issue 5): the JSON
 * shapes of `/api/studies/{study}/measurements`, `/api/measurements/{id}`,
 * `/api/studies/{study}/measurements/export` and `/api/series/{series}/calibration`.
 *
 * Calibration sources follow PS3.3 C.8.11.7 (ImagerPixelSpacing at the detector plane) and
 * C.7.6.3.1.2 / 10.7.1.3 (EstimatedRadiographicMagnificationFactor: spacing at the patient
 * is ImagerPixelSpacing / ERMF):
 * - 'none': no spacing known, values in px (never mm);
 * - 'pixel-spacing': PixelSpacing (0028,0030) of a cross-sectional image or a calibrated projection;
 * - 'detector': ImagerPixelSpacing (0018,1164) as is (magnified at the patient);
 * - 'magnification-corrected': ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor (0018,1114);
 * - 'user': a line of known length marked by the user on the series (see SeriesCalibration).
 */

export const measurementToolTypes = ['length', 'angle', 'cobbAngle', 'probe', 'height', 'ellipseRoi', 'text', 'arrow'] as const;
export type MeasurementToolType = (typeof measurementToolTypes)[number];

export const calibrationSources = ['none', 'detector', 'magnification-corrected', 'user', 'pixel-spacing'] as const;
export type CalibrationSource = (typeof calibrationSources)[number];

/** 'image': (column, row) pixel coordinates of the referenced frame (0-based, pixel centres at integers); 'world': LPS mm. */
export const coordinateSpaces = ['image', 'world'] as const;
export type CoordinateSpace = (typeof coordinateSpaces)[number];

export interface MeasurementValue {
  readonly value: number;
  /** 'mm', 'px', 'deg', 'HU', 'mm2'… Uncalibrated lengths must be in px. */
  readonly unit: string;
}

/** Where a measurement drawn in world coordinates lies (the view plane of an MPR viewport). */
export interface MeasurementView {
  readonly frameOfReferenceUid?: string;
  readonly viewPlaneNormal?: readonly [number, number, number];
  readonly viewUp?: readonly [number, number, number];
}

/** What a client sends to create or replace a measurement. */
export interface MeasurementInput {
  /** Optional on create (the server makes a UUID); the viewer sends its annotation UID. */
  readonly id?: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid?: string;
  /** 1-based frame number in a multi-frame instance. */
  readonly frame?: number;
  readonly toolType: MeasurementToolType;
  readonly coordinateSpace: CoordinateSpace;
  /** 2 values per point in image space (column, row), 3 in world space (x, y, z LPS mm). */
  readonly points: ReadonlyArray<readonly number[]>;
  readonly value?: MeasurementValue | null;
  readonly calibration: CalibrationSource;
  readonly label?: string;
  readonly view?: MeasurementView;
}

export interface Measurement extends Omit<MeasurementInput, 'id'> {
  readonly id: string;
  readonly studyInstanceUid: string;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface MeasurementList {
  readonly measurements: readonly Measurement[];
}

/** What a client sends to calibrate a series: a line it marked and its true length. */
export interface SeriesCalibrationInput {
  readonly studyInstanceUid: string;
  readonly sopInstanceUid?: string;
  readonly knownLengthMm: number;
  /** Length of the marked line in pixels (image space). */
  readonly pixelLength: number;
  /** The marked line's two end points, image space (column, row). */
  readonly points?: ReadonlyArray<readonly number[]>;
}

export interface SeriesCalibration extends SeriesCalibrationInput {
  readonly seriesInstanceUid: string;
  /** knownLengthMm / pixelLength. */
  readonly mmPerPixel: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SeriesCalibrationResponse {
  /** null when the series has no user calibration. */
  readonly calibration: SeriesCalibration | null;
}

export interface MeasurementExport {
  readonly format: 'vertebra-measurements';
  readonly version: 1;
  readonly studyInstanceUid: string;
  readonly exportedAt: string;
  readonly measurements: readonly Measurement[];
  /** User calibrations of the series the measurements are on. */
  readonly calibrations: readonly SeriesCalibration[];
}

/** Error body of every REST failure (the error catalogue code and a message naming the field). */
export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
}
