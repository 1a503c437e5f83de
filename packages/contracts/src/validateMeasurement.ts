/**
 * Validators of the REST request bodies in measurementSchema.ts. They never throw: they
 * return the normalized value or the first problem with the JSON path of the field
 * (`points[1][0]`), which the server turns into a 400 REQUEST_INVALID_PARAMETER naming it.
 * UIDs follow PS3.5 9.1 (digits and dots, at most 64 characters).
 */
import {
  calibrationSources,
  coordinateSpaces,
  measurementToolTypes,
  type CalibrationSource,
  type CoordinateSpace,
  type MeasurementInput,
  type MeasurementToolType,
  type MeasurementValue,
  type MeasurementView,
  type SeriesCalibrationInput,
} from './measurementSchema.js';

export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly field: string; readonly message: string };

const uidPattern = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;
const idPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const maxPoints = 256;
const maxLabelChars = 1024;

/** True for a valid DICOM UID (PS3.5 9.1). */
export function isDicomUid(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 64 && uidPattern.test(value);
}

/** True for an id the API accepts for measurements (UUIDs and similar: letters, digits, . _ -, at most 64). */
export function isMeasurementId(value: unknown): value is string {
  return typeof value === 'string' && idPattern.test(value);
}

class Problem {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

function fail(field: string, message: string): never {
  throw new Problem(field, message);
}

function run<T>(body: () => T): Validated<T> {
  try {
    return { ok: true, value: body() };
  } catch (error) {
    if (error instanceof Problem) return { ok: false, field: error.field, message: error.message };
    throw error;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function uid(body: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) fail(field, 'is required (a DICOM UID)');
    return undefined;
  }
  if (!isDicomUid(value)) fail(field, `${JSON.stringify(value)} is not a DICOM UID (digits and dots, at most 64 characters)`);
  return value;
}

function oneOf<T extends string>(body: Record<string, unknown>, field: string, allowed: readonly T[]): T {
  const value = body[field];
  if (value === undefined) fail(field, `is required (one of ${allowed.join(', ')})`);
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail(field, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  return value as T;
}

function finiteNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, `${JSON.stringify(value)} is not a finite number`);
  return value;
}

function vec3(value: unknown, field: string): [number, number, number] {
  if (!Array.isArray(value) || value.length !== 3) fail(field, 'must be an array of 3 numbers');
  return [finiteNumber(value[0], `${field}[0]`), finiteNumber(value[1], `${field}[1]`), finiteNumber(value[2], `${field}[2]`)];
}

function points(value: unknown, field: string, space: CoordinateSpace): number[][] {
  const size = space === 'image' ? 2 : 3;
  if (!Array.isArray(value) || value.length === 0) fail(field, 'must be a non-empty array of points');
  if (value.length > maxPoints) fail(field, `has ${value.length} points; at most ${maxPoints}`);
  return value.map((point, i) => {
    if (!Array.isArray(point) || point.length !== size) fail(`${field}[${i}]`, `must have ${size} coordinates in ${space} space (${space === 'image' ? 'column, row' : 'x, y, z LPS mm'})`);
    return point.map((v, axis) => finiteNumber(v, `${field}[${i}][${axis}]`));
  });
}

const minimumPoints: Record<MeasurementToolType, number> = { length: 2, angle: 3, cobbAngle: 4, probe: 1, height: 2, ellipseRoi: 2, text: 1, arrow: 2 };
const lengthUnits = /^(mm|px|cm|mm2|px2|mm²|px²)$/;

function measurementValue(value: unknown, calibration: CalibrationSource): MeasurementValue | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) fail('value', 'must be an object { value, unit } or null');
  const number = finiteNumber(value.value, 'value.value');
  const unit = value.unit;
  if (typeof unit !== 'string' || unit.length === 0 || unit.length > 32) fail('value.unit', 'must be a unit string of 1 to 32 characters');
  // Issue 5: an uncalibrated projection is measured in pixels, never in millimetres.
  if (calibration === 'none' && /^(mm|cm)/.test(unit)) fail('value.unit', `${JSON.stringify(unit)} needs a calibration; with calibration 'none' lengths are in px`);
  if (calibration !== 'none' && /^px/.test(unit)) fail('calibration', `is ${JSON.stringify(calibration)} but the value is in ${unit}; use 'none' for pixel values`);
  return { value: number, unit };
}

function view(value: unknown): MeasurementView | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) fail('view', 'must be an object');
  const frameOfReferenceUid = value.frameOfReferenceUid === undefined ? undefined : uid(value, 'frameOfReferenceUid', false);
  return {
    ...(frameOfReferenceUid === undefined ? {} : { frameOfReferenceUid }),
    ...(value.viewPlaneNormal === undefined ? {} : { viewPlaneNormal: vec3(value.viewPlaneNormal, 'view.viewPlaneNormal') }),
    ...(value.viewUp === undefined ? {} : { viewUp: vec3(value.viewUp, 'view.viewUp') }),
  };
}

/** Validates the body of POST /api/studies/{study}/measurements or PUT /api/measurements/{id}. */
export function validateMeasurementInput(body: unknown): Validated<MeasurementInput> {
  return run(() => {
    if (!isRecord(body)) fail('body', 'must be a JSON object');
    const known = new Set(['id', 'studyInstanceUid', 'seriesInstanceUid', 'sopInstanceUid', 'frame', 'toolType', 'coordinateSpace', 'points', 'value', 'calibration', 'label', 'view', 'createdAt', 'updatedAt']);
    for (const key of Object.keys(body)) if (!known.has(key)) fail(key, 'is not a field of a measurement');
    if (body.id !== undefined && !isMeasurementId(body.id)) fail('id', `${JSON.stringify(body.id)} is not a valid id (letters, digits, '.', '_', '-', at most 64)`);
    const seriesInstanceUid = uid(body, 'seriesInstanceUid', true) as string;
    const sopInstanceUid = uid(body, 'sopInstanceUid', false);
    let frame: number | undefined;
    if (body.frame !== undefined && body.frame !== null) {
      if (!Number.isInteger(body.frame) || (body.frame as number) < 1) fail('frame', `${JSON.stringify(body.frame)} is not a frame number (an integer from 1)`);
      frame = body.frame as number;
    }
    const toolType = oneOf(body, 'toolType', measurementToolTypes);
    const coordinateSpace = oneOf(body, 'coordinateSpace', coordinateSpaces);
    if (coordinateSpace === 'image' && sopInstanceUid === undefined) fail('sopInstanceUid', 'is required for points in image space');
    const pts = points(body.points, 'points', coordinateSpace);
    if (pts.length < minimumPoints[toolType]) fail('points', `a ${toolType} needs at least ${minimumPoints[toolType]} points, got ${pts.length}`);
    const calibration = oneOf(body, 'calibration', calibrationSources);
    const value = measurementValue(body.value, calibration);
    if (body.label !== undefined && (typeof body.label !== 'string' || body.label.length > maxLabelChars)) fail('label', `must be a string of at most ${maxLabelChars} characters`);
    const v = view(body.view);
    return {
      ...(body.id === undefined ? {} : { id: body.id as string }),
      seriesInstanceUid,
      ...(sopInstanceUid === undefined ? {} : { sopInstanceUid }),
      ...(frame === undefined ? {} : { frame }),
      toolType,
      coordinateSpace,
      points: pts,
      value,
      calibration,
      ...(body.label === undefined ? {} : { label: body.label as string }),
      ...(v === undefined ? {} : { view: v }),
    };
  });
}

/** Validates the body of PUT /api/series/{series}/calibration. */
export function validateSeriesCalibrationInput(body: unknown): Validated<SeriesCalibrationInput> {
  return run(() => {
    if (!isRecord(body)) fail('body', 'must be a JSON object');
    const studyInstanceUid = uid(body, 'studyInstanceUid', true) as string;
    const sopInstanceUid = uid(body, 'sopInstanceUid', false);
    if (body.knownLengthMm === undefined) fail('knownLengthMm', 'is required (the true length of the marked line, mm)');
    const knownLengthMm = finiteNumber(body.knownLengthMm, 'knownLengthMm');
    if (knownLengthMm <= 0 || knownLengthMm > 10_000) fail('knownLengthMm', `${knownLengthMm} is not a length between 0 and 10 000 mm`);
    if (body.pixelLength === undefined) fail('pixelLength', 'is required (the length of the marked line, px)');
    const pixelLength = finiteNumber(body.pixelLength, 'pixelLength');
    if (pixelLength < 1) fail('pixelLength', `${pixelLength} px is too short to calibrate (at least 1 px)`);
    let pts: number[][] | undefined;
    if (body.points !== undefined) {
      pts = points(body.points, 'points', 'image');
      if (pts.length !== 2) fail('points', `must be the line's 2 end points, got ${pts.length}`);
      const [a, b] = pts as [number[], number[]];
      const measured = Math.hypot((a[0] as number) - (b[0] as number), (a[1] as number) - (b[1] as number));
      if (Math.abs(measured - pixelLength) > Math.max(0.5, pixelLength * 1e-3)) fail('pixelLength', `${pixelLength} px differs from the distance between points (${measured.toFixed(2)} px)`);
    }
    return {
      studyInstanceUid,
      ...(sopInstanceUid === undefined ? {} : { sopInstanceUid }),
      knownLengthMm,
      pixelLength,
      ...(pts === undefined ? {} : { points: pts }),
    };
  });
}
