/**
 * Cornerstone annotations ↔ the REST measurement contract (@vertebra/contracts). Annotations
 * on a stack image (radiographs, MR stacks) are stored in image space, (column, row) of the
 * referenced frame, so they survive any change of spacing or calibration; annotations in
 * MPR volume viewports are stored in world space (LPS mm) with their view plane.
 * The unit Cornerstone reports names the calibration ('px', 'mm', 'mm ERMF', 'mm Proj',
 * 'mm User'); uncalibrated lengths stay in px.
 */
import { isDicomUid, type CalibrationSource, type Measurement, type MeasurementInput, type MeasurementToolType } from '@vertebra/contracts';
import { calibrationFromUnit } from './resolveCalibration.js';
import { summarizeMeasurement } from './summarizeMeasurement.js';

export const toolTypeByToolName: Readonly<Record<string, MeasurementToolType>> = {
  Length: 'length',
  Angle: 'angle',
  CobbAngle: 'cobbAngle',
  Probe: 'probe',
  Height: 'height',
  EllipticalROI: 'ellipseRoi',
  ArrowAnnotate: 'arrow',
};

export const toolNameByToolType: Readonly<Record<MeasurementToolType, string>> = {
  length: 'Length',
  angle: 'Angle',
  cobbAngle: 'CobbAngle',
  probe: 'Probe',
  height: 'Height',
  ellipseRoi: 'EllipticalROI',
  arrow: 'ArrowAnnotate',
  text: 'ArrowAnnotate',
};

export interface ImageRef {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  /** 1-based. */
  readonly frame: number;
}

/** Reads study/series/instance/frame out of a `wadors:` image id built by buildImageIds. */
export function parseWadorsImageId(imageId: string): ImageRef | undefined {
  const match = /\/studies\/([^/]+)\/series\/([^/]+)\/instances\/([^/]+)\/frames\/(\d+)/.exec(imageId);
  if (match === null) return undefined;
  return {
    studyInstanceUid: decodeURIComponent(match[1] as string),
    seriesInstanceUid: decodeURIComponent(match[2] as string),
    sopInstanceUid: decodeURIComponent(match[3] as string),
    frame: Number(match[4]),
  };
}

export interface AnnotationLike {
  readonly annotationUID?: string;
  readonly metadata?: {
    readonly toolName?: string;
    readonly referencedImageId?: string;
    readonly FrameOfReferenceUID?: string;
    readonly viewPlaneNormal?: readonly number[];
    readonly viewUp?: readonly number[];
  };
  readonly data?: {
    readonly label?: string;
    readonly text?: string;
    readonly cachedStats?: Record<string, Record<string, unknown> | undefined>;
    readonly handles?: { readonly points?: ReadonlyArray<readonly number[]> };
  };
}

export interface CodecContext {
  /** True when the image id is shown in a stack viewport of this session (→ image space). */
  isStackImage(imageId: string): boolean;
  /** World (LPS mm) → (column, row) on that image. */
  worldToImage(imageId: string, world: readonly number[]): readonly [number, number];
  /** The calibration the image's lengths rest on now (angles and probes report it too). */
  calibrationOf(imageId: string | undefined): CalibrationSource;
  /** The volume series of world-space annotations (MPR). */
  readonly volumeSeriesInstanceUid?: string;
}

const roundTo = (value: number, digits: number): number => Number(value.toFixed(digits));

function vec3(values: readonly number[] | undefined): [number, number, number] | undefined {
  return values !== undefined && values.length === 3 ? [values[0] as number, values[1] as number, values[2] as number] : undefined;
}

/** The measurement to save for an annotation, or undefined for tools that are not measurements. */
export function annotationToMeasurementInput(annotation: AnnotationLike, context: CodecContext): MeasurementInput | undefined {
  const toolName = annotation.metadata?.toolName ?? '';
  const toolType = toolTypeByToolName[toolName];
  const id = annotation.annotationUID;
  const worldPoints = annotation.data?.handles?.points ?? [];
  if (toolType === undefined || id === undefined || worldPoints.length === 0) return undefined;
  const summary = summarizeMeasurement(annotation as Parameters<typeof summarizeMeasurement>[0]);
  const imageId = annotation.metadata?.referencedImageId;
  const ref = imageId === undefined ? undefined : parseWadorsImageId(imageId);
  const imageCalibration = context.calibrationOf(imageId);
  let calibration: CalibrationSource = imageCalibration;
  let value: MeasurementInput['value'] = null;
  if (summary?.value !== undefined) {
    if (toolType === 'length' || toolType === 'height') {
      calibration = calibrationFromUnit(summary.unit);
      value = { value: summary.value, unit: calibration === 'none' ? 'px' : 'mm' };
    } else if (toolType === 'angle' || toolType === 'cobbAngle') {
      value = { value: summary.value, unit: 'deg' };
    } else if (toolType === 'ellipseRoi') {
      calibration = summary.calibration ?? imageCalibration;
      value = { value: summary.value, unit: summary.unit === '' ? 'raw' : summary.unit };
    } else {
      value = { value: summary.value, unit: summary.unit === '' ? 'raw' : summary.unit.replace(/^px/, 'raw') };
    }
  }
  const label = toolType === 'arrow' ? annotation.data?.text : annotation.data?.label;
  const common = { id, toolType, calibration, value, ...(label === undefined || label === '' ? {} : { label }) };
  if (imageId !== undefined && ref !== undefined && context.isStackImage(imageId)) {
    return {
      ...common,
      seriesInstanceUid: ref.seriesInstanceUid,
      sopInstanceUid: ref.sopInstanceUid,
      frame: ref.frame,
      coordinateSpace: 'image',
      points: worldPoints.map((p) => context.worldToImage(imageId, p).map((v) => roundTo(v, 3))),
    };
  }
  const seriesInstanceUid = ref?.seriesInstanceUid ?? context.volumeSeriesInstanceUid;
  if (seriesInstanceUid === undefined) return undefined;
  const viewPlaneNormal = vec3(annotation.metadata?.viewPlaneNormal);
  const viewUp = vec3(annotation.metadata?.viewUp);
  const frameOfReferenceUid = annotation.metadata?.FrameOfReferenceUID;
  return {
    ...common,
    seriesInstanceUid,
    coordinateSpace: 'world',
    points: worldPoints.map((p) => p.map((v) => roundTo(v, 4))),
    view: {
      ...(isDicomUid(frameOfReferenceUid) ? { frameOfReferenceUid } : {}),
      ...(viewPlaneNormal === undefined ? {} : { viewPlaneNormal }),
      ...(viewUp === undefined ? {} : { viewUp }),
    },
  };
}

/** The fields of a saved measurement that the client sends back (for change detection). */
export function measurementToInput(measurement: Measurement): MeasurementInput {
  const { studyInstanceUid: _study, createdAt: _created, updatedAt: _updated, ...input } = measurement;
  return input;
}
