/**
 * Cornerstone annotations (length, angle, Cobb angle, probe) → the rows of the measurement
 * panel, with the calibration each length rests on (issue 5; see resolveCalibration.ts).
 */
import type { CalibrationSource } from '@vertebra/contracts';
import { calibrationFromUnit } from './resolveCalibration.js';

/**
 * Which spacing a length rests on (issue 5), read from the unit Cornerstone reports
 * ('px', 'mm', 'mm Proj', 'mm ERMF', 'mm User'): the contract's calibration sources.
 */
export type LengthCalibration = CalibrationSource;

export function lengthCalibration(unit: string): LengthCalibration {
  return calibrationFromUnit(unit);
}

/**
 * Turns a Cornerstone annotation (length, angle, Cobb angle, probe) into the row the
 * measurement panel shows: tool, value with unit, and for the probe the voxel index and
 * LPS point. Uncalibrated lengths stay in the unit Cornerstone reports (px), never mm.
 */
export interface MeasurementSummary {
  readonly uid: string;
  readonly toolName: string;
  readonly label: string;
  /** Numeric value (mm, px, degrees, HU…), or undefined until computed. */
  readonly value: number | undefined;
  readonly unit: string;
  /** Probe only: voxel index (i, j, k) and the LPS point in mm. */
  readonly index?: readonly number[];
  readonly worldLps?: readonly number[];
  /** The annotation's handle points (LPS mm). */
  readonly pointsLps: ReadonlyArray<readonly number[]>;
  /** The image the annotation is on (stack viewports, acquisition-plane MPR). */
  readonly referencedImageId?: string;
  /** Ellipse ROI: area and standard deviation. */
  readonly detail?: string;
  /** Arrow label: its text. */
  readonly text?: string;
  /** Lengths, heights, areas: what the millimetres rest on. */
  readonly calibration?: LengthCalibration;
}

interface AnnotationLike {
  readonly annotationUID?: string;
  readonly metadata?: { readonly toolName?: string; readonly referencedImageId?: string };
  readonly data?: {
    readonly text?: string;
    readonly cachedStats?: Record<string, Record<string, unknown> | undefined>;
    readonly handles?: { readonly points?: ReadonlyArray<readonly number[]> };
  };
}

const labels: Record<string, string> = { Length: 'Length', Height: 'Height', Angle: 'Angle', CobbAngle: 'Cobb angle', Probe: 'HU probe', EllipticalROI: 'Ellipse ROI', ArrowAnnotate: 'Label' };

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function summarizeMeasurement(annotation: AnnotationLike): MeasurementSummary | undefined {
  const toolName = annotation.metadata?.toolName;
  const uid = annotation.annotationUID;
  if (toolName === undefined || uid === undefined || !(toolName in labels)) return undefined;
  const stats = Object.values(annotation.data?.cachedStats ?? {}).find((s) => s !== undefined) ?? {};
  const label = labels[toolName] ?? toolName;
  const pointsLps = (annotation.data?.handles?.points ?? []).map((p) => [...p]);
  const referencedImageId = annotation.metadata?.referencedImageId;
  switch (toolName) {
    case 'Length': {
      const unit = typeof stats.unit === 'string' ? stats.unit : 'px';
      return { uid, toolName, label, value: finite(stats.length), unit, pointsLps, calibration: lengthCalibration(unit), ...(referencedImageId === undefined ? {} : { referencedImageId }) };
    }
    case 'Height': {
      const unit = typeof stats.unit === 'string' ? stats.unit : 'px';
      return { uid, toolName, label, value: finite(stats.height), unit, pointsLps, calibration: lengthCalibration(unit), ...(referencedImageId === undefined ? {} : { referencedImageId }) };
    }
    case 'EllipticalROI': {
      // Value: the mean inside the ellipse (HU on CT); the area and SD as detail. The area unit names the calibration.
      const areaUnit = typeof stats.areaUnit === 'string' ? stats.areaUnit : 'px²';
      const area = finite(stats.area);
      const stdDev = finite(stats.stdDev);
      const detail = [area === undefined ? '' : `area ${area.toFixed(1)} ${areaUnit}`, stdDev === undefined ? '' : `SD ${stdDev.toFixed(1)}`].filter((t) => t !== '').join(' · ');
      return {
        uid,
        toolName,
        label,
        value: finite(stats.mean),
        unit: typeof stats.modalityUnit === 'string' ? stats.modalityUnit : '',
        pointsLps,
        calibration: lengthCalibration(areaUnit),
        ...(detail === '' ? {} : { detail }),
        ...(referencedImageId === undefined ? {} : { referencedImageId }),
      };
    }
    case 'ArrowAnnotate':
      return { uid, toolName, label, value: undefined, unit: '', pointsLps, text: annotation.data?.text ?? '', ...(referencedImageId === undefined ? {} : { referencedImageId }) };
    case 'Angle':
    case 'CobbAngle':
      return { uid, toolName, label, value: finite(stats.angle), unit: '°', pointsLps, ...(referencedImageId === undefined ? {} : { referencedImageId }) };
    default: {
      const index = Array.isArray(stats.index) ? (stats.index as number[]).map(Number) : undefined;
      const point = annotation.data?.handles?.points?.[0];
      return {
        uid,
        toolName,
        label,
        value: finite(stats.value),
        unit: typeof stats.modalityUnit === 'string' ? stats.modalityUnit : '',
        pointsLps,
        ...(referencedImageId === undefined ? {} : { referencedImageId }),
        ...(index === undefined ? {} : { index }),
        ...(point === undefined ? {} : { worldLps: [...point] }),
      };
    }
  }
}

export function formatMeasurement(summary: MeasurementSummary): string {
  if (summary.text !== undefined) return summary.text === '' ? '(no text)' : `“${summary.text}”`;
  if (summary.value === undefined) return '…';
  const digits = summary.unit === '°' || /^mm/.test(summary.unit) ? 1 : summary.unit === 'HU' ? 0 : 2;
  return `${summary.value.toFixed(digits)}${summary.unit === '°' ? '°' : ` ${summary.unit}`}`.trim();
}
