/**
 * What of a spine analysis result (SpineAnalysisResult, LPS mm) to draw in one view: vertebra
 * labels at the body centroids, endplate lines, the anterior / middle / posterior body heights,
 * the coronal Cobb end-vertebra endplate lines of every curve, the sagittal angle lines (kyphosis T4–T12,
 * lordosis L1–S1) with their values, the slip of each level graded as spondylolisthesis and the
 * canal centreline — in world coordinates, chosen by the view plane. A view in which the column
 * (first to last centroid) runs along the plane (sagittal, coronal) shows all of it projected
 * orthographically onto the plane, each label marked in or out of the current slice; a view
 * across the spine (axial) shows only the vertebra the slice cuts. Angle lines go only in the
 * views whose plane holds the angle (Cobb: facing AP; kyphosis, lordosis, slips: facing the side).
 * The caller projects the points with the viewport's own world → canvas transform.
 * Conventions: heights at ±70 % of the AP half-depth (analysis/measureBodyHeights); Cobb lines on
 * the upper end vertebra's superior and the lower one's inferior endplate (Cobb 1948); sagittal
 * angles between the endplates the SRS definitions name (T4 superior – T12 inferior, L1 superior
 * – S1 superior); slip between the two posterior corners facing the disc (Meyerding 1932).
 * Angle lines are the ones the analysis measured the angle on (AngleMeasurement upperLine /
 * lowerLine: across-the-disc endplate lines, the sacral plateau, the Cobb tilt), drawn through
 * their two ends and extended by half their length beyond each, so that the lines on screen make
 * the reported angle; results without them (older analyses) get the body's fitted endplate plane.
 * The canal AP diameters (mid-body: posterior wall to lamina; at each disc: the stenosis input) are
 * drawn as measured, with their value, in the views whose plane holds the segment (axial,
 * sagittal) and only in slices that pass through it (within half the slab, at least 1.5 mm: half
 * a 3 mm slice).
 */
import { cross, dot, norm, scale, add, subtract, type Vec3 } from '@vertebra/geometry';
import type { SeriesAnalysis } from '@vertebra/contracts';

export type SpineResult = NonNullable<SeriesAnalysis['result']>;
type Vertebra = SpineResult['vertebrae'][number];

export interface OverlayView {
  /** Unit normal of the view plane (the camera's viewPlaneNormal), LPS. */
  readonly viewPlaneNormal: Vec3;
  /** A point on the view plane (the camera's focal point), LPS mm. */
  readonly pointOnPlaneLps: Vec3;
  /** Thickness of the shown slab (mm), when known: measured segments within half of it are drawn. */
  readonly slabThicknessMm?: number;
}

export interface OverlayLabel {
  readonly vertebraIndex: number;
  /** The level ('L3'), the alternative under transitional anatomy ('L6/S1'), or '#index' when unlabelled. */
  readonly text: string;
  readonly level: string;
  readonly anchorLps: Vec3;
  /** The view plane cuts this vertebral body. */
  readonly inSlice: boolean;
  /** Signed distance of the centroid from the view plane, mm. */
  readonly distanceMm: number;
}

export type OverlaySegmentKind = 'endplate' | 'height' | 'cobb' | 'kyphosis' | 'lordosis' | 'slip' | 'canal-ap';

export interface OverlaySegment {
  readonly kind: OverlaySegmentKind;
  readonly vertebraIndex: number;
  /** Which line: 'superior' / 'inferior' endplate, 'anterior' / 'middle' / 'posterior' height, 'upper' / 'lower' Cobb, kyphosis or lordosis line, 'posterior' slip, 'mid-body' / 'disc' canal AP diameter. */
  readonly part: string;
  readonly fromLps: Vec3;
  readonly toLps: Vec3;
  /** Text drawn at the segment's end, if any (a height in mm, the Cobb angle). */
  readonly text?: string;
  /** The measured value the segment stands for (height mm, angle deg, slip % of the lower body's AP depth, canal AP mm). */
  readonly value?: number;
  /** The measured line within the drawn one (angle lines from the result: its two ends), LPS mm. */
  readonly measuredLps?: readonly [Vec3, Vec3];
  /** How an angle line was found (analysis AngleLineSource), when the result says. */
  readonly source?: string;
}

export interface OverlayPlan {
  readonly labels: readonly OverlayLabel[];
  readonly segments: readonly OverlaySegment[];
  /** Canal centreline, cranial → caudal, when the spine runs along the view plane. */
  readonly canalLps: readonly Vec3[];
}

/** Measured segments (canal AP) are drawn in slices within this distance of them at least (mm): half a 3 mm slice. */
const minSegmentToleranceMm = 1.5;
/** |cos| of the angle between a direction and the view normal below which the direction counts as lying along the view plane (> 60° from the normal). */
const inPlaneCosine = 0.5;
/** |cos| above which the view looks along a direction (< ~40° from it). */
const facingCosine = 0.75;
const anteriorLps: Vec3 = [0, -1, 0];
const lateralLps: Vec3 = [1, 0, 0];
const posteriorLps: Vec3 = [0, 1, 0];
const heightOffsets: ReadonlyArray<readonly [part: 'anterior' | 'middle' | 'posterior', fractionOfHalfDepth: number]> = [
  ['anterior', 0.7],
  ['middle', 0],
  ['posterior', -0.7],
];

function unit(v: Vec3): Vec3 | undefined {
  const length = norm(v);
  return length < 1e-9 ? undefined : scale(v, 1 / length);
}

/** The level name the analysis uses in its measurements (analysis/computeSpineMeasurements levelName). */
export function levelNameOf(v: Pick<Vertebra, 'label' | 'index'>): string {
  return v.label ?? `#${v.index}`;
}

/**
 * The vertebra's own posterior axis (SpineAnalysisResult posteriorAxisLps), where the result has
 * one: results stored by older analysis versions do not.
 */
function posteriorAxisOf(v: Vertebra): Vec3 | undefined {
  return (v as { readonly posteriorAxisLps?: Vec3 }).posteriorAxisLps;
}

/**
 * Largest RMS residual (mm) of an endplate fit whose normal the Cobb tilt uses (the analysis'
 * MAX_ENDPLATE_RMS_MM, computeSpineMeasurements): a larger one mixed in another surface.
 */
const maxEndplateRmsMm = 1.5;

/** Mean cranial normal of the vertebra's endplates fitted as planes, the normal its coronal tilt is measured on; undefined when neither is. */
function measuredTiltNormal(v: Vertebra): Vec3 | undefined {
  const planes = [v.superiorEndplate, v.inferiorEndplate].filter((e) => e.rmsResidualMm <= maxEndplateRmsMm);
  return unit(planes.reduce<Vec3>((sum, e) => add(sum, e.normalLps), [0, 0, 0]));
}

/** Body frame: cranial axis, anterior direction ⟂ axis, left-right direction. */
function bodyFrame(v: Vertebra): { axis: Vec3; anterior: Vec3; lateral: Vec3 } | undefined {
  const axis = unit(v.axisLps);
  if (axis === undefined) return undefined;
  const anterior = unit(subtract(anteriorLps, scale(axis, dot(anteriorLps, axis)))) ?? ([0, 0, 1] as Vec3);
  return { axis, anterior, lateral: cross(axis, anterior) };
}

/** Half-extent of the body's bounding box (height × AP depth × width, in the body frame) along a unit direction. */
function halfExtentAlong(v: Vertebra, frame: { axis: Vec3; anterior: Vec3; lateral: Vec3 }, direction: Vec3): number {
  const heightMm = v.heightsMm.middle ?? Math.abs(dot(subtract(v.superiorEndplate.pointLps, v.inferiorEndplate.pointLps), frame.axis));
  return 0.5 * (Math.abs(dot(direction, frame.axis)) * heightMm + Math.abs(dot(direction, frame.anterior)) * v.apDepthMm + Math.abs(dot(direction, frame.lateral)) * v.widthMm);
}

/** Point where the line p + t·d meets the plane through q with normal n, or undefined when parallel. */
function intersectPlane(p: Vec3, d: Vec3, q: Vec3, n: Vec3): Vec3 | undefined {
  const denominator = dot(n, d);
  if (Math.abs(denominator) < 1e-6) return undefined;
  return add(p, scale(d, dot(n, subtract(q, p)) / denominator));
}

/**
 * A segment through `centre` along the intersection direction of a plane (normal `planeNormal`)
 * and the view plane, `halfLengthMm` to each side; undefined when the two planes are parallel.
 */
function inPlaneSegment(centre: Vec3, planeNormal: Vec3, view: Vec3, halfLengthMm: number): [Vec3, Vec3] | undefined {
  const direction = unit(cross(planeNormal, view));
  if (direction === undefined || halfLengthMm <= 0) return undefined;
  return [subtract(centre, scale(direction, halfLengthMm)), add(centre, scale(direction, halfLengthMm))];
}

type AngleLineOf = NonNullable<NonNullable<SpineResult['measurements']['cobb']>['upperLine']>;
type SegmentOf = NonNullable<Vertebra['canalApSegmentLps']>;

/** The measured line's ends, and the drawn line: through them, extended by half their distance beyond each. */
function extendedLine(line: Pick<AngleLineOf, 'fromLps' | 'toLps'>): { measured: [Vec3, Vec3]; drawn: [Vec3, Vec3] } {
  const from: Vec3 = [line.fromLps[0], line.fromLps[1], line.fromLps[2]];
  const to: Vec3 = [line.toLps[0], line.toLps[1], line.toLps[2]];
  const half = scale(subtract(to, from), 0.5);
  return { measured: [from, to], drawn: [subtract(from, half), add(to, half)] };
}

/** A measured segment lies along the view plane and the shown slab passes through it. */
function segmentInView(segment: SegmentOf, view: OverlayView, n: Vec3): boolean {
  const direction = unit(subtract(segment.toLps, segment.fromLps));
  if (direction === undefined || Math.abs(dot(direction, n)) >= inPlaneCosine) return false;
  const tolerance = Math.max(minSegmentToleranceMm, (view.slabThicknessMm ?? 0) / 2);
  const a = dot(subtract(segment.fromLps, view.pointOnPlaneLps), n);
  const b = dot(subtract(segment.toLps, view.pointOnPlaneLps), n);
  return Math.min(a, b) <= tolerance && Math.max(a, b) >= -tolerance;
}

export function planOverlay(result: SpineResult, view: OverlayView): OverlayPlan {
  const n = unit(view.viewPlaneNormal);
  if (n === undefined || result.status !== 'ok') return { labels: [], segments: [], canalLps: [] };
  const labels: OverlayLabel[] = [];
  const segments: OverlaySegment[] = [];
  const frames = new Map<number, { axis: Vec3; anterior: Vec3; lateral: Vec3 }>();
  // Whether the column runs along the view: its cranial-most to caudal-most centroid (a single
  // body: its own axis). Per-body axes are not used for this: the sacrum is steeply tilted.
  const first = result.vertebrae[0];
  const last = result.vertebrae[result.vertebrae.length - 1];
  const columnDirection = first === undefined || last === undefined ? undefined : (unit(subtract(first.centroidLps, last.centroidLps)) ?? unit(first.axisLps));
  const columnAlongPlane = columnDirection !== undefined && Math.abs(dot(columnDirection, n)) < inPlaneCosine;

  for (const v of result.vertebrae) {
    const frame = bodyFrame(v);
    if (frame === undefined) continue;
    frames.set(v.index, frame);
    const distanceMm = dot(subtract(v.centroidLps, view.pointOnPlaneLps), n);
    const inSlice = Math.abs(distanceMm) <= halfExtentAlong(v, frame, n);
    if (!columnAlongPlane && !inSlice) continue;
    const level = levelNameOf(v);
    labels.push({
      vertebraIndex: v.index,
      level,
      text: v.alternativeLabel === null ? level : `${level}/${v.alternativeLabel}`,
      anchorLps: v.centroidLps,
      inSlice,
      distanceMm,
    });
    if (!columnAlongPlane) continue;

    for (const [part, plane] of [['superior', v.superiorEndplate], ['inferior', v.inferiorEndplate]] as const) {
      const direction = unit(cross(plane.normalLps, n));
      if (direction === undefined) continue;
      const halfLengthMm = 0.5 * (Math.abs(dot(direction, frame.anterior)) * v.apDepthMm + Math.abs(dot(direction, frame.lateral)) * v.widthMm);
      const ends = inPlaneSegment(plane.pointLps, plane.normalLps, n, halfLengthMm);
      if (ends !== undefined) segments.push({ kind: 'endplate', vertebraIndex: v.index, part, fromLps: ends[0], toLps: ends[1] });
    }

    // Heights need the AP direction in the view (sagittal-like views).
    if (Math.abs(dot(frame.anterior, n)) < inPlaneCosine) {
      for (const [part, fraction] of heightOffsets) {
        const heightMm = v.heightsMm[part];
        if (heightMm === null) continue;
        const base = add(v.centroidLps, scale(frame.anterior, (fraction * v.apDepthMm) / 2));
        const bottom = intersectPlane(base, frame.axis, v.inferiorEndplate.pointLps, v.inferiorEndplate.normalLps);
        const top = intersectPlane(base, frame.axis, v.superiorEndplate.pointLps, v.superiorEndplate.normalLps);
        if (bottom === undefined || top === undefined) continue;
        segments.push({ kind: 'height', vertebraIndex: v.index, part, fromLps: bottom, toLps: top, value: heightMm, text: `${heightMm.toFixed(1)} mm` });
      }
    }
  }

  const byLevel = (level: string): Vertebra | undefined => result.vertebrae.find((v) => levelNameOf(v) === level);
  // Coronal Cobb: the upper end vertebra's superior and the lower end vertebra's inferior endplate
  // line, as drawn on an AP radiograph (Cobb 1948), in views facing AP, tilted as the analysis
  // measured the vertebra (analysis/computeSpineMeasurements): by the mean normal of its endplates
  // fitted as planes, along its own left–right axis (⟂ that normal and its posterior axis, which
  // turns with axial rotation; coronalTiltDeg is this line's angle on the AP view). Results
  // without a posterior axis (older ones): the line ⟂ the normal within the view plane.
  // Every curve (a double major scoliosis: two, sharing an end vertebra, whose inferior line ends
  // the upper curve and superior line starts the lower one), or the largest in older results.
  const cobbCurves = result.measurements.cobbCurves ?? (result.measurements.cobb === null ? [] : [result.measurements.cobb]);
  const facingAp = Math.abs(dot(n, anteriorLps)) > facingCosine;
  for (const cobb of facingAp ? cobbCurves : []) {
    for (const [part, level, line] of [['upper', cobb.upperLevel, cobb.upperLine], ['lower', cobb.lowerLevel, cobb.lowerLine]] as const) {
      const text = part === 'upper' ? { text: `Cobb ${cobb.angleDeg.toFixed(1)}° ${cobb.upperLevel}–${cobb.lowerLevel}` } : {};
      if (line !== undefined) {
        // The line the analysis measured the vertebra's tilt on (its coronal projection has that tilt).
        const { measured, drawn } = extendedLine(line);
        segments.push({ kind: 'cobb', vertebraIndex: line.vertebraIndex, part, fromLps: drawn[0], toLps: drawn[1], value: cobb.angleDeg, measuredLps: measured, source: line.source, ...text });
        continue;
      }
      const v = byLevel(level);
      const frame = v === undefined ? undefined : frames.get(v.index);
      if (v === undefined || frame === undefined) continue;
      const through = part === 'upper' ? v.superiorEndplate.pointLps : v.inferiorEndplate.pointLps;
      const normal = measuredTiltNormal(v) ?? frame.axis;
      const posterior = posteriorAxisOf(v);
      const lateral = posterior === undefined ? undefined : unit(cross(normal, posterior));
      const ends: [Vec3, Vec3] | undefined = lateral === undefined ? inPlaneSegment(through, normal, n, v.widthMm) : [subtract(through, scale(lateral, v.widthMm)), add(through, scale(lateral, v.widthMm))];
      if (ends === undefined) continue;
      segments.push({
        kind: 'cobb',
        vertebraIndex: v.index,
        part,
        fromLps: ends[0],
        toLps: ends[1],
        value: cobb.angleDeg,
        ...text,
      });
    }
  }

  // Sagittal angles and slips, in views facing the patient's side (lateral).
  if (Math.abs(dot(n, lateralLps)) > facingCosine) {
    const angles = [
      ['kyphosis', 'Kyphosis', result.measurements.kyphosisT4T12, 'superior', 'inferior'],
      ['lordosis', 'Lordosis', result.measurements.lordosisL1S1, 'superior', 'superior'],
    ] as const;
    for (const [kind, name, angle, upperPlane, lowerPlane] of angles) {
      if (angle === null) continue;
      for (const [part, level, which, line] of [['upper', angle.upperLevel, upperPlane, angle.upperLine], ['lower', angle.lowerLevel, lowerPlane, angle.lowerLine]] as const) {
        // The value on the lower line: the upper one (T4, L1) often runs along the top of the view, under the viewport's own label.
        const text = part === 'lower' ? { text: `${name} ${angle.angleDeg.toFixed(1)}° ${angle.upperLevel}–${angle.lowerLevel}` } : {};
        if (line !== undefined) {
          // The endplate line the angle was measured on, rim to rim (analysis/computeSpineMeasurements).
          const { measured, drawn } = extendedLine(line);
          segments.push({ kind, vertebraIndex: line.vertebraIndex, part, fromLps: drawn[0], toLps: drawn[1], value: angle.angleDeg, measuredLps: measured, source: line.source, ...text });
          continue;
        }
        // The angle names levels by label (analysis/computeSpineMeasurements looks them up by label).
        const v = result.vertebrae.find((x) => x.label === level);
        if (v === undefined) continue;
        const plane = which === 'superior' ? v.superiorEndplate : v.inferiorEndplate;
        // The endplate's anteroposterior line, the one a lateral view draws from corner to corner
        // and whose sagittal projection the analysis measures (computeSpineMeasurements
        // sagittalLineDeg): the vertebra's posterior axis (else the patient's) made ⟂ the normal.
        const posterior = posteriorAxisOf(v) ?? posteriorLps;
        const apLine = unit(subtract(posterior, scale(plane.normalLps, dot(posterior, plane.normalLps))));
        if (apLine === undefined) continue;
        // One AP depth to each side of the endplate centre: the line reaches past the body by half
        // its depth, so both arms of the angle show beside the column as on a lateral radiograph.
        const ends: [Vec3, Vec3] = [subtract(plane.pointLps, scale(apLine, v.apDepthMm)), add(plane.pointLps, scale(apLine, v.apDepthMm))];
        segments.push({
          kind,
          vertebraIndex: v.index,
          part,
          fromLps: ends[0],
          toLps: ends[1],
          value: angle.angleDeg,
          ...text,
        });
      }
    }
    // The slip of each level graded as spondylolisthesis: from the lower body's postero-superior
    // corner to the upper body's postero-inferior corner (the translation the grade measures).
    const graded = new Set(result.findings.filter((f) => f.kind === 'spondylolisthesis').map((f) => f.level));
    for (const level of result.measurements.levels) {
      if (!graded.has(level.level)) continue;
      const upper = result.vertebrae.find((v) => v.index === level.upperIndex);
      const lower = result.vertebrae.find((v) => v.index === level.lowerIndex);
      if (upper === undefined || lower === undefined) continue;
      segments.push({
        kind: 'slip',
        vertebraIndex: upper.index,
        part: 'posterior',
        fromLps: lower.posteriorSuperiorCornerLps,
        toLps: upper.posteriorInferiorCornerLps,
        value: level.slipPercent,
        text: `${level.level} slip ${level.slipPercent.toFixed(1)} %`,
      });
    }
  }

  // Canal AP diameters as measured, in the slices that pass through them (axial, sagittal views):
  // at mid-body (posterior wall → lamina) and at each disc level (the stenosis input). Listed (and
  // so drawn) first: in a sagittal view the angle lines run on across the canal, over them.
  const canalSegments: OverlaySegment[] = [];
  for (const v of result.vertebrae) {
    const segment = v.canalApSegmentLps;
    if (segment == null || v.canalApDiameterMm === null || !segmentInView(segment, view, n)) continue;
    const value = v.canalApDiameterMm;
    canalSegments.push({ kind: 'canal-ap', vertebraIndex: v.index, part: 'mid-body', fromLps: [...segment.fromLps], toLps: [...segment.toLps], value, text: `${levelNameOf(v)} canal ${value.toFixed(1)} mm` });
  }
  for (const level of result.measurements.levels) {
    const segment = level.canalApSegmentLps;
    if (segment == null || level.canalApMm === null || !segmentInView(segment, view, n)) continue;
    const value = level.canalApMm;
    canalSegments.push({ kind: 'canal-ap', vertebraIndex: level.upperIndex, part: 'disc', fromLps: [...segment.fromLps], toLps: [...segment.toLps], value, text: `${level.level} canal ${value.toFixed(1)} mm` });
  }

  // The canal runs along its first → last point; drawn only where that lies along the view plane.
  const canal = result.canalCentrelineLps;
  const canalStart = canal[0];
  const canalEnd = canal[canal.length - 1];
  const canalDirection = canalStart === undefined || canalEnd === undefined ? undefined : unit(subtract(canalEnd, canalStart));
  const canalLps = canalDirection !== undefined && Math.abs(dot(canalDirection, n)) < inPlaneCosine ? canal.map((p) => [p[0], p[1], p[2]] as Vec3) : [];
  return { labels, segments: [...canalSegments, ...segments], canalLps };
}
