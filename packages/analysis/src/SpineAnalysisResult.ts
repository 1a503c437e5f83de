/**
 * Result types of the CT spine analysis. Every quantity carries its unit in its name, every
 * vertebra its label (or null when no anchor allows one), its region and a confidence.
 * Coordinates are DICOM patient frame (LPS) millimetres. Levels follow DESIGN.md: a closed
 * type with T13 and L6 so that transitional anatomy is represented, never forced.
 */
import type { Vec3 } from '@vertebra/geometry';

export type VertebraLevel =
  | 'C1' | 'C2' | 'C3' | 'C4' | 'C5' | 'C6' | 'C7'
  | 'T1' | 'T2' | 'T3' | 'T4' | 'T5' | 'T6' | 'T7' | 'T8' | 'T9' | 'T10' | 'T11' | 'T12' | 'T13'
  | 'L1' | 'L2' | 'L3' | 'L4' | 'L5' | 'L6'
  | 'S1' | 'sacrum';

export type SpineRegion = 'cervical' | 'thoracic' | 'lumbar' | 'sacral' | 'unknown';

export type AnchorKind = 'last-rib' | 'first-rib' | 'sacrum' | 'rib-count' | 'c2-dens';

export interface AnchorUsed {
  readonly kind: AnchorKind;
  /** Index into `vertebrae` of the vertebra the anchor sits on. */
  readonly vertebraIndex: number;
  readonly level: VertebraLevel;
  readonly confidence: number;
  readonly detail: string;
}

export interface PlaneLps {
  /** A point on the plane (the endplate centre), LPS mm. */
  readonly pointLps: Vec3;
  /** Unit normal, pointing cranially. */
  readonly normalLps: Vec3;
  /**
   * RMS distance of the fitted surface points from the plane, mm. 1000 where no surface was in
   * view to fit: the plane where the field of view cuts a body whose endplate lies beyond it
   * (measureVertebralBody.ts, NOT_FITTED_RMS_MM), which no angle, grade or overlay uses.
   */
  readonly rmsResidualMm: number;
}

/** A measured segment (a diameter, a height), LPS mm. */
export interface SegmentLps {
  readonly fromLps: [number, number, number];
  readonly toLps: [number, number, number];
}

/**
 * How an angle's endplate line was found: the body's fitted endplate plane; the endplate measured
 * across its disc from the neighbouring body (measureSagittalEndplates.ts); the sacral plateau
 * measured from L5 (measurePlateauBelow.ts); for a Cobb line, the mean tilt of the vertebra's two
 * fitted endplates, or its neighbours' median tilt where its own was an outlier.
 */
export type AngleLineSource = 'endplate-plane' | 'across-disc' | 'sacral-plateau' | 'mean-of-endplates' | 'neighbour-median';

/**
 * The endplate line an angle was measured on, as a radiograph draws it: on a lateral view
 * (kyphosis, lordosis) from its anterior (from) to its posterior rim (to), the line whose
 * sagittal projection the angle uses; on an AP view (Cobb) from its right (from) to its left end
 * (to), the line whose coronal projection has the vertebra's measured tilt. The angle between the
 * projections of the two lines of a measurement is the reported angle.
 */
export interface AngleLine extends SegmentLps {
  readonly vertebraIndex: number;
  readonly endplate: 'superior' | 'inferior';
  readonly source: AngleLineSource;
}

export interface VertebraResult {
  /** Position in the detected column, 0 = most cranial. */
  readonly index: number;
  /** Anatomical level, or null when no anchor in the image supports a number. */
  readonly label: VertebraLevel | null;
  /** Alternative numbering under transitional anatomy (e.g. L6 ↔ S1), else null. */
  readonly alternativeLabel: VertebraLevel | null;
  readonly region: SpineRegion;
  /** Confidence in the label (0 when unlabelled), 0…1. */
  readonly confidence: number;
  /** Confidence that this is a vertebral body at all, 0…1. */
  readonly detectionConfidence: number;
  /** Vertebral body centroid (VerSe convention), LPS mm. */
  readonly centroidLps: [number, number, number];
  /** Mid-sagittal posterior corners of the body at the superior / inferior endplate, LPS mm (slip reference). */
  readonly posteriorSuperiorCornerLps: [number, number, number];
  readonly posteriorInferiorCornerLps: [number, number, number];
  /** Unit cranial axis of the body (mean of the endplate normals). */
  readonly axisLps: [number, number, number];
  /**
   * Unit posterior axis of the vertebra itself, perpendicular to axisLps: from the body centroid
   * towards the canal centre at the body's level (it turns with the vertebra's axial rotation);
   * absent where not measured (the atlas).
   */
  readonly posteriorAxisLps?: [number, number, number];
  readonly superiorEndplate: PlaneLps;
  readonly inferiorEndplate: PlaneLps;
  /**
   * Heights between the endplates at 70 % of the AP half-depth anteriorly/posteriorly and at the
   * centre (the outer two carried to the walls along the endplate planes); null where not measured:
   * a body cut by the field of view whose endplates are not both in view, or endplates found far
   * from the disc spaces (the body and its segment disagree).
   */
  readonly heightsMm: { readonly anterior: number | null; readonly middle: number | null; readonly posterior: number | null };
  readonly apDepthMm: number;
  readonly widthMm: number;
  readonly bodyVolumeMm3: number;
  /** Mean HU in a central cylindrical ROI of the body (trabecular bone). */
  readonly trabecularHu: number;
  /** Bony AP diameter of the spinal canal at mid-body level, or null when not measurable. */
  readonly canalApDiameterMm: number | null;
  /** Mid-sagittal canal AP diameter at the disc below this vertebra (disc to ligamentum flavum), or null. */
  readonly canalApAtDiscBelowMm: number | null;
  /** The segment canalApDiameterMm measures (posterior wall → lamina, from → to), LPS mm; null or absent (older results) where not measured. */
  readonly canalApSegmentLps?: SegmentLps | null;
  /** The segment canalApAtDiscBelowMm measures (front → back edge of the canal), LPS mm; null or absent where not measured. */
  readonly canalApAtDiscBelowSegmentLps?: SegmentLps | null;
  readonly hasRibs: boolean;
  /** Rib evidence score, 0…1 (fraction of slab slices with lateral bone on both sides). */
  readonly ribScore: number;
  readonly isSacral: boolean;
  /** True when the body is cut by the edge of the field of view / traced canal (no disc on one side). */
  readonly truncated: boolean;
}

export interface LevelMeasurement {
  /** e.g. 'L4-L5', or '#3-#4' when unlabelled. */
  readonly level: string;
  readonly upperIndex: number;
  readonly lowerIndex: number;
  readonly discHeightMm: number;
  /**
   * Anterior translation of the upper body's postero-inferior corner over the lower body's
   * postero-superior corner, along the lower body's superior endplate, % of the lower body's AP
   * depth (negative: retrolisthesis).
   */
  readonly slipPercent: number;
  /** Mid-sagittal canal AP diameter at this disc level (stenosis input), or null when not measurable. */
  readonly canalApMm: number | null;
  /** The segment canalApMm measures (front → back edge of the canal), LPS mm; null or absent where not measured. */
  readonly canalApSegmentLps?: SegmentLps | null;
}

export interface AngleMeasurement {
  readonly angleDeg: number;
  readonly upperLevel: string;
  readonly lowerLevel: string;
  readonly confidence: number;
  /** The endplate lines the angle was measured between (upper / lower level); absent in older results. */
  readonly upperLine?: AngleLine;
  readonly lowerLine?: AngleLine;
}

/**
 * One coronal curve (SRS terminology): its Cobb angle between its end vertebrae (the most tilted
 * at either end, Cobb 1948) and the side it is convex to (the patient's right or left).
 */
export interface CoronalCurveMeasurement extends AngleMeasurement {
  readonly convexity: 'right' | 'left';
}

export interface SpineMeasurements {
  readonly levels: readonly LevelMeasurement[];
  /** Largest coronal Cobb angle with automatically chosen (most tilted) end vertebrae (the largest of cobbCurves). */
  readonly cobb: AngleMeasurement | null;
  /**
   * Every coronal curve of 5° or more, cranial → caudal (a double major scoliosis: two), split at
   * the end vertebrae where the tilt turns; absent in older results.
   */
  readonly cobbCurves?: readonly CoronalCurveMeasurement[];
  /** Thoracic kyphosis T4–T12 (sagittal), when both are labelled and in view. */
  readonly kyphosisT4T12: AngleMeasurement | null;
  /** Lumbar lordosis L1–S1 (sagittal), when both are labelled and in view. */
  readonly lordosisL1S1: AngleMeasurement | null;
}

export type FindingKind =
  | 'vertebral-fracture'
  | 'spondylolisthesis'
  | 'canal-stenosis'
  | 'scoliosis'
  | 'low-bone-density'
  | 'transitional-anatomy';

export interface Finding {
  readonly kind: FindingKind;
  readonly level: string;
  readonly grade: string;
  readonly measuredValue: number;
  readonly unit: string;
  /** The threshold applied, in words (e.g. 'height loss 25–40 %'). */
  readonly threshold: string;
  readonly source: string;
  readonly confidence: number;
  readonly description: string;
}

export interface SpineAnalysisTimingsMs {
  readonly [stage: string]: number;
}

export interface SpineAnalysisResult {
  readonly status: 'ok' | 'no-spine';
  readonly reason?: string;
  readonly algorithmVersion: string;
  readonly units: { readonly length: 'mm'; readonly angle: 'deg'; readonly density: 'HU'; readonly coordinates: 'LPS' };
  readonly vertebrae: readonly VertebraResult[];
  readonly measurements: SpineMeasurements;
  readonly findings: readonly Finding[];
  readonly anchorsUsed: readonly AnchorUsed[];
  /** Human-readable notes on labelling (missing anchors, transitional anatomy, what was not attempted). */
  readonly labellingNotes: readonly string[];
  /** Canal centreline points, cranial → caudal, LPS mm. */
  readonly canalCentrelineLps: readonly [number, number, number][];
  readonly timingsMs: SpineAnalysisTimingsMs;
}
