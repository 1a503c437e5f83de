/**
 * Which spacing a length rests on (issue 5): none (pixels), the image's pixel spacing
 * (CT/MR: PixelSpacing), the detector (projection radiographs: ImagerPixelSpacing), the
 * detector corrected by EstimatedRadiographicMagnificationFactor, or a user calibration.
 * Read from the unit Cornerstone reports ('px', 'mm', 'mm Proj', 'mm ERMF', 'mm User').
 */
export type LengthCalibration = 'none' | 'pixel spacing' | 'detector' | 'magnification corrected' | 'user' | 'unknown';

export function lengthCalibration(unit: string): LengthCalibration {
  if (unit === 'px' || unit === '') return 'none';
  if (/\bERMF\b/.test(unit)) return 'magnification corrected';
  if (/\bProj\b/.test(unit)) return 'detector';
  if (/\bUser\b/.test(unit)) return 'user';
  if (unit === 'mm') return 'pixel spacing';
  return 'unknown';
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
  /** Lengths only: what the millimetres rest on. */
  readonly calibration?: LengthCalibration;
}

interface AnnotationLike {
  readonly annotationUID?: string;
  readonly metadata?: { readonly toolName?: string };
  readonly data?: {
    readonly cachedStats?: Record<string, Record<string, unknown> | undefined>;
    readonly handles?: { readonly points?: ReadonlyArray<readonly number[]> };
  };
}

const labels: Record<string, string> = { Length: 'Length', Angle: 'Angle', CobbAngle: 'Cobb angle', Probe: 'HU probe' };

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
  switch (toolName) {
    case 'Length': {
      const unit = typeof stats.unit === 'string' ? stats.unit : 'px';
      return { uid, toolName, label, value: finite(stats.length), unit, pointsLps, calibration: lengthCalibration(unit) };
    }
    case 'Angle':
    case 'CobbAngle':
      return { uid, toolName, label, value: finite(stats.angle), unit: '°', pointsLps };
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
        ...(index === undefined ? {} : { index }),
        ...(point === undefined ? {} : { worldLps: [...point] }),
      };
    }
  }
}

export function formatMeasurement(summary: MeasurementSummary): string {
  if (summary.value === undefined) return '…';
  const digits = summary.unit === '°' || summary.unit === 'mm' ? 1 : summary.unit === 'HU' ? 0 : 2;
  return `${summary.value.toFixed(digits)}${summary.unit === '°' ? '°' : ` ${summary.unit}`}`.trim();
}
