/**
 * Builds the spine as a kinematic chain in LPS millimetres, from the sacrum upwards.
 * The S1 superior endplate centre is the origin; its endplate is inclined by the sacral slope
 * SS = PI − PT and the hip axis lies at the pelvic radius from it so that PT and PI hold exactly
 * (Legaye et al. 1998). Each disc adds a sagittal rotation (lordosis/kyphosis distributed over
 * the discs of its region), a coronal rotation (Cobb curves as piecewise-linear vertebral tilt
 * between end vertebrae and apex) and, for listhesis, an anterior translation so that the
 * Meyerding slip of the upper vertebra equals the requested percentage (Meyerding 1932).
 * Vertebrae in a coronal curve are rotated axially towards the convexity (≈ 0.35° per Cobb degree
 * at the apex, after Stokes et al., Spine 1986).
 */
import { VertebraError } from '@vertebra/errors';
import type { Mat3, Vec3 } from '@vertebra/geometry';
import { add, dot, norm, normalize, scale, subtract } from '@vertebra/geometry';
import type { FractureSpec, PhantomParameters } from './PhantomParameters.js';
import { degToRad, mat3Multiply, rotationX, rotationY, rotationZ, toWorld, type Frame } from './rigidFrames.js';
import { createSeededRandom } from './seededRandom.js';
import { regionOf, vertebraLevelsFor, type SpineRegion, type VertebraLevel } from './spineLevels.js';
import { bodyEndplatesLocal, bodyRimHeight, bodyVolumeAndCentroid, type BodyShape } from './vertebralBodyShape.js';
import { vertebraMorphometry, type VertebraDimensions } from './vertebraMorphometry.js';

export interface VertebraModel {
  readonly level: VertebraLevel;
  /** 0 for C1, increasing caudally. */
  readonly index: number;
  readonly region: SpineRegion;
  /** Body frame: origin at the inferior endplate rim centre, axes include axial rotation. */
  readonly frame: Frame;
  readonly dimensions: VertebraDimensions;
  readonly body: BodyShape;
  readonly axialRotationDeg: number;
  readonly trabecularHu: number;
  readonly fracture: FractureSpec | null;
  readonly hasRibs: boolean;
}

export interface DiscModel {
  /** The vertebra above the disc. */
  readonly upper: VertebraLevel;
  /** The vertebra below, or S1. */
  readonly lower: VertebraLevel | 'S1';
  /** Mid-disc frame (origin halfway between the endplate centres). */
  readonly frame: Frame;
  readonly heightMm: number;
  readonly lowerEndplateCentre: Vec3;
  readonly lowerEndplateNormal: Vec3;
  readonly upperEndplateCentre: Vec3;
  readonly upperEndplateNormal: Vec3;
  readonly widthMm: number;
  readonly depthMm: number;
  /** Canal AP diameter at the disc level (stenosis or normal), mm. */
  readonly canalApMm: number;
  readonly normalCanalApMm: number;
  /** True for a fused (sacralised) level: rendered as bone. */
  readonly fused: boolean;
  /** True between C1 and C2 (a joint, no disc). */
  readonly isJoint: boolean;
}

export interface SacrumModel {
  /** S1 body frame (origin at its inferior rim centre) and the lower sacral segments. */
  readonly segments: readonly { readonly frame: Frame; readonly body: BodyShape }[];
  readonly s1SuperiorCentre: Vec3;
}

export interface SpineModel {
  readonly parameters: PhantomParameters;
  readonly levels: readonly VertebraLevel[];
  readonly vertebrae: readonly VertebraModel[];
  readonly discs: readonly DiscModel[];
  readonly sacrum: SacrumModel;
  readonly femoralHeadCentres: readonly [Vec3, Vec3];
  readonly femoralHeadRadiusMm: number;
  readonly hipAxisCentre: Vec3;
}

const pelvicRadiusMm = 115;
const s1Body: BodyShape = { widthMm: 48, depthMm: 38, anteriorHeightMm: 28, posteriorHeightMm: 28, concavityMm: 0 };

const genantHeightLoss: Record<1 | 2 | 3, number> = { 1: 0.22, 2: 0.32, 3: 0.45 };

function bodyShapeFor(level: VertebraLevel, dims: VertebraDimensions, fracture: FractureSpec | null): BodyShape {
  if (level === 'C1') {
    return {
      widthMm: dims.bodyWidthMm,
      depthMm: dims.bodyDepthMm,
      anteriorHeightMm: dims.anteriorHeightMm,
      posteriorHeightMm: dims.posteriorHeightMm,
      concavityMm: 0,
      hole: { centreYMm: 1, semiXMm: 13, semiYMm: 15 },
    };
  }
  const concavity = regionOf(level) === 'cervical' ? 0.4 : 0.8;
  let anterior = dims.anteriorHeightMm;
  let posterior = dims.posteriorHeightMm;
  let concavityMm = concavity;
  if (fracture !== null) {
    const loss = genantHeightLoss[fracture.grade];
    if (fracture.shape === 'wedge') anterior = posterior * (1 - loss);
    if (fracture.shape === 'crush') {
      anterior *= 1 - loss;
      posterior *= 1 - loss;
    }
    if (fracture.shape === 'biconcave') {
      const rim = (anterior + posterior) / 2;
      const middle = posterior * (1 - loss);
      concavityMm = Math.max(concavity, (rim - middle) / 2);
    }
  }
  return { widthMm: dims.bodyWidthMm, depthMm: dims.bodyDepthMm, anteriorHeightMm: anterior, posteriorHeightMm: posterior, concavityMm };
}

interface ChainOptions {
  readonly cobbScale: readonly number[];
  readonly kyphosisScale: number;
  readonly lordosisScale: number;
  readonly svaCompensationDeg: number;
}

interface LowerEndplate {
  readonly centre: Vec3;
  /** Chain rotation (no axial rotation), z = endplate normal. */
  readonly rotation: Mat3;
  readonly posteriorCorner: Vec3;
  readonly anteriorCorner: Vec3;
}

function column(m: Mat3, index: 0 | 1 | 2): Vec3 {
  return [m[index], m[3 + index]!, m[6 + index]!];
}

function weights(count: number, shape: (k: number, n: number) => number): number[] {
  const raw = Array.from({ length: count }, (_, k) => shape(k, count));
  const total = raw.reduce((sum, value) => sum + value, 0);
  return raw.map((value) => (total === 0 ? 0 : value / total));
}

/** Coronal tilt (deg, + leaning left) and axial rotation (deg) per vertebra from the curves. */
function coronalProfile(
  levels: readonly VertebraLevel[],
  parameters: PhantomParameters,
  cobbScale: readonly number[],
): { tilt: number[]; axial: number[] } {
  const count = levels.length;
  const position = (level: VertebraLevel): number => levels.indexOf(level);
  const knots: { at: number; tilt: number }[] = [{ at: count, tilt: 0 }];
  const axial = new Array<number>(count).fill(0);
  const order = parameters.coronalCurves
    .map((curve, index) => ({ curve, index }))
    .sort((a, b) => position(b.curve.lowerEnd) - position(a.curve.lowerEnd));
  let previous: { at: number; tilt: number } | null = null;
  for (const { curve, index } of order) {
    const sign = curve.convexity === 'right' ? 1 : -1;
    const cobb = curve.cobbDeg * (cobbScale[index] ?? 1);
    const lower = position(curve.lowerEnd);
    const upper = position(curve.upperEnd);
    const lowerTilt: number = previous !== null && previous.at === lower ? previous.tilt : (-sign * cobb) / 2;
    const upperTilt = lowerTilt + sign * cobb;
    const apex = curve.apex === undefined ? (lower + upper) / 2 : position(curve.apex);
    if (!(previous !== null && previous.at === lower)) knots.push({ at: lower, tilt: lowerTilt });
    knots.push({ at: apex, tilt: (lowerTilt + upperTilt) / 2 });
    knots.push({ at: upper, tilt: upperTilt });
    previous = { at: upper, tilt: upperTilt };
    const maxRotation = 0.35 * curve.cobbDeg;
    for (let at = upper; at <= lower; at += 1) {
      const t = at >= apex ? (0.5 * (lower - at)) / Math.max(1e-9, lower - apex) : 0.5 + (0.5 * (apex - at)) / Math.max(1e-9, apex - upper);
      axial[at] = (axial[at] ?? 0) - sign * maxRotation * Math.sin(Math.PI * t);
    }
  }
  knots.push({ at: Math.min(1, count - 1), tilt: 0 });
  knots.sort((a, b) => b.at - a.at);
  const tilt = levels.map((_, at) => {
    for (let k = 0; k + 1 < knots.length; k += 1) {
      const a = knots[k]!;
      const b = knots[k + 1]!;
      if (at <= a.at && at >= b.at) return a.at === b.at ? b.tilt : a.tilt + ((b.tilt - a.tilt) * (a.at - at)) / (a.at - b.at);
    }
    return 0;
  });
  return { tilt, axial };
}

function buildChain(parameters: PhantomParameters, options: ChainOptions): SpineModel {
  const levels = vertebraLevelsFor(parameters.variant);
  const count = levels.length;
  const random = createSeededRandom(`anatomy:${parameters.seed}`);
  const sacralSlope = parameters.pelvicIncidenceDeg - parameters.pelvicTiltDeg;

  // Sacrum and pelvis.
  const s1Rotation = rotationX(degToRad(-sacralSlope));
  const s1Superior: Vec3 = [0, 0, 0];
  const s1Frame: Frame = { origin: toWorld({ origin: s1Superior, rotation: s1Rotation }, [0, 0, -s1Body.posteriorHeightMm]), rotation: s1Rotation };
  const segments: { frame: Frame; body: BodyShape }[] = [{ frame: s1Frame, body: s1Body }];
  let segmentFrame = s1Frame;
  const sacralSizes: readonly [number, number, number][] = [[40, 30, 22], [32, 24, 18], [24, 18, 15], [16, 13, 12], [10, 9, 9]];
  for (const [width, depth, height] of sacralSizes) {
    const rotation = mat3Multiply(segmentFrame.rotation, rotationX(degToRad(12)));
    const origin = toWorld({ origin: segmentFrame.origin, rotation }, [0, 0, -height - 1]);
    segmentFrame = { origin, rotation };
    segments.push({ frame: segmentFrame, body: { widthMm: width, depthMm: depth, anteriorHeightMm: height, posteriorHeightMm: height, concavityMm: 0 } });
  }
  const pt = degToRad(parameters.pelvicTiltDeg);
  const hipAxisCentre: Vec3 = [0, -pelvicRadiusMm * Math.sin(pt), -pelvicRadiusMm * Math.cos(pt)];
  const hipHalfWidth = 85 + random.range(-4, 4);
  const femoralHeadCentres: [Vec3, Vec3] = [add(hipAxisCentre, [-hipHalfWidth, 0, 0]), add(hipAxisCentre, [hipHalfWidth, 0, 0])];

  // Per-disc sagittal extension (deg, + extension); index = upper vertebra position.
  const extension = new Array<number>(count).fill(0);
  const lumbar = levels.map((level, at) => ({ level, at })).filter(({ level }) => level.startsWith('L'));
  const lumbarWeights = weights(lumbar.length, (k) => k + 1);
  lumbar.forEach(({ at }, k) => (extension[at] = parameters.lumbarLordosisDeg * options.lordosisScale * lumbarWeights[k]!));
  const thoracic = levels.map((level, at) => ({ level, at })).filter(({ level }) => level.startsWith('T'));
  const t4 = levels.indexOf('T4');
  const lastThoracic = thoracic[thoracic.length - 1]!.at;
  const kyphosisDiscs = thoracic.filter(({ at }) => at >= t4 && at < lastThoracic);
  const kyphosisWeights = weights(kyphosisDiscs.length, (k, n) => Math.sin((Math.PI * (k + 0.5)) / n));
  kyphosisDiscs.forEach(({ at }, k) => (extension[at] = -parameters.thoracicKyphosisDeg * options.kyphosisScale * kyphosisWeights[k]!));
  const upperThoracic = levels.map((level, at) => ({ level, at })).filter(({ level, at }) => level === 'C7' || (level.startsWith('T') && at < t4));
  upperThoracic.forEach(({ at }) => (extension[at] = -2.5 - options.svaCompensationDeg / 2 / upperThoracic.length));
  extension[lastThoracic] = -options.svaCompensationDeg / 2;
  const cervicalDiscs = levels.map((level, at) => ({ level, at })).filter(({ level }) => ['C2', 'C3', 'C4', 'C5', 'C6'].includes(level));
  cervicalDiscs.forEach(({ at }) => (extension[at] = parameters.cervicalLordosisDeg / cervicalDiscs.length));

  const { tilt, axial } = coronalProfile(levels, parameters, options.cobbScale);

  const fractureAt = new Map(parameters.fractures.map((fracture) => [fracture.level, fracture]));
  const slipAt = new Map(parameters.listhesis.map((slip) => [slip.level, slip.slipPercent]));
  const stenosisAt = new Map(parameters.stenosis.map((stenosis) => [stenosis.level, stenosis.canalApMm]));
  const degenerationAt = new Map(parameters.discDegeneration.map((disc) => [disc.level, disc.heightLossPercent]));
  const ribLevels = new Set<VertebraLevel>(
    [...levels.filter((level) => level.startsWith('T')), ...levels.filter((level) => level.startsWith('L'))].slice(0, parameters.variant.ribPairs),
  );

  const vertebrae: VertebraModel[] = new Array(count);
  const discs: DiscModel[] = [];
  const s1Local = bodyEndplatesLocal(s1Body).superior;
  let lower: LowerEndplate = {
    centre: s1Superior,
    rotation: s1Rotation,
    posteriorCorner: toWorld(s1Frame, s1Local.posterior),
    anteriorCorner: toWorld(s1Frame, s1Local.anterior),
  };
  let lowerLevel: VertebraLevel | 'S1' = 'S1';
  let lowerTilt = 0;
  let lowerDims: VertebraDimensions | null = null;
  let lowerWidth = s1Body.widthMm;
  let lowerDepth = s1Body.depthMm;
  for (let at = count - 1; at >= 0; at -= 1) {
    const level = levels[at]!;
    const dims = vertebraMorphometry(level);
    const fracture = fractureAt.get(level) ?? null;
    const body = bodyShapeFor(level, dims, fracture);
    const isLastLumbar = at === count - 1 && level.startsWith('L');
    const fused = isLastLumbar && parameters.variant.sacralizedLastLumbar;
    const isJoint = level === 'C1';
    const loss = degenerationAt.get(level) ?? 0;
    const discHeight = fused ? 2 : isJoint ? 2.5 : dims.discBelowHeightMm * (1 - loss / 100);
    const ext = degToRad(extension[at] ?? 0);
    const cor = degToRad((tilt[at] ?? 0) - lowerTilt);
    const chainRotation = mat3Multiply(mat3Multiply(lower.rotation, rotationX(ext)), rotationY(cor));
    const midRotation = mat3Multiply(mat3Multiply(lower.rotation, rotationX(ext / 2)), rotationY(cor / 2));
    const shapeRotation = mat3Multiply(chainRotation, rotationZ(degToRad(axial[at] ?? 0)));
    let origin = add(lower.centre, scale(column(midRotation, 2), discHeight));
    const anteriorDirection = normalize(subtract(lower.anteriorCorner, lower.posteriorCorner));
    const lowerDepthMm = norm(subtract(lower.anteriorCorner, lower.posteriorCorner));
    if (isJoint) {
      origin = add(origin, scale(column(lower.rotation, 1), 7));
    } else {
      const local = bodyEndplatesLocal(body).inferior;
      const posteriorInferior = toWorld({ origin, rotation: shapeRotation }, local.posterior);
      const slip0 = dot(subtract(posteriorInferior, lower.posteriorCorner), anteriorDirection);
      const target = ((slipAt.get(level) ?? 0) * lowerDepthMm) / 100;
      origin = add(origin, scale(anteriorDirection, target - slip0));
    }
    const frame: Frame = { origin, rotation: shapeRotation };
    const baseHu = parameters.trabecularHu * (1 + random.range(-0.05, 0.05));
    vertebrae[at] = {
      level,
      index: at,
      region: regionOf(level),
      frame,
      dimensions: dims,
      body,
      axialRotationDeg: axial[at] ?? 0,
      trabecularHu: fracture === null ? baseHu : baseHu * 1.2,
      fracture,
      hasRibs: ribLevels.has(level),
    };
    const upperCentre = origin;
    const normalCanal = lowerDims === null ? dims.canalDepthMm : (dims.canalDepthMm + lowerDims.canalDepthMm) / 2;
    discs.push({
      upper: level,
      lower: lowerLevel,
      frame: { origin: scale(add(lower.centre, upperCentre), 0.5), rotation: midRotation },
      heightMm: norm(subtract(upperCentre, lower.centre)),
      lowerEndplateCentre: lower.centre,
      lowerEndplateNormal: column(lower.rotation, 2),
      upperEndplateCentre: upperCentre,
      upperEndplateNormal: column(shapeRotation, 2),
      widthMm: (lowerWidth + body.widthMm) / 2,
      depthMm: (lowerDepth + body.depthMm) / 2,
      canalApMm: stenosisAt.get(level) ?? normalCanal,
      normalCanalApMm: normalCanal,
      fused,
      isJoint,
    });
    // Superior endplate of this vertebra becomes the next lower endplate.
    const wedge = Math.atan((body.posteriorHeightMm - body.anteriorHeightMm) / body.depthMm);
    const superiorRotation = mat3Multiply(mat3Multiply(shapeRotation, rotationX(-wedge)), rotationZ(degToRad(-(axial[at] ?? 0))));
    const superiorLocal = bodyEndplatesLocal(body).superior;
    lower = {
      centre: toWorld(frame, [0, 0, bodyRimHeight(body, 0)]),
      rotation: superiorRotation,
      posteriorCorner: toWorld(frame, superiorLocal.posterior),
      anteriorCorner: toWorld(frame, superiorLocal.anterior),
    };
    lowerLevel = level;
    lowerTilt = tilt[at] ?? 0;
    lowerDims = dims;
    lowerWidth = body.widthMm;
    lowerDepth = body.depthMm;
  }
  discs.reverse();
  return {
    parameters,
    levels,
    vertebrae,
    discs,
    sacrum: { segments, s1SuperiorCentre: s1Superior },
    femoralHeadCentres,
    femoralHeadRadiusMm: 24,
    hipAxisCentre,
  };
}

/** Coronal endplate line angle (deg): left corner above right corner is positive. */
export function coronalLineAngleDeg(left: Vec3, right: Vec3): number {
  return (Math.atan2(left[2] - right[2], left[0] - right[0]) * 180) / Math.PI;
}

/** Sagittal endplate line angle (deg): posterior corner above anterior corner is positive. */
export function sagittalLineAngleDeg(anterior: Vec3, posterior: Vec3): number {
  return (Math.atan2(posterior[2] - anterior[2], posterior[1] - anterior[1]) * 180) / Math.PI;
}

function measuredCobb(model: SpineModel, upper: VertebraLevel, lower: VertebraLevel): number {
  const up = model.vertebrae[model.levels.indexOf(upper)]!;
  const low = model.vertebrae[model.levels.indexOf(lower)]!;
  const upLocal = bodyEndplatesLocal(up.body).superior;
  const lowLocal = bodyEndplatesLocal(low.body).inferior;
  const a = coronalLineAngleDeg(toWorld(up.frame, upLocal.left), toWorld(up.frame, upLocal.right));
  const b = coronalLineAngleDeg(toWorld(low.frame, lowLocal.left), toWorld(low.frame, lowLocal.right));
  return Math.abs(a - b);
}

/** SVA: C7 body centroid plumb line to the S1 posterosuperior corner, positive when C7 is anterior. */
export function sagittalVerticalAxisMm(c7Centroid: Vec3, s1PosteriorSuperior: Vec3): number {
  return s1PosteriorSuperior[1] - c7Centroid[1];
}

function approximateSva(model: SpineModel, c7LocalCentroid: Vec3): number {
  const c7 = model.vertebrae[model.levels.indexOf('C7')]!;
  const centre = toWorld(c7.frame, c7LocalCentroid);
  const s1 = model.sacrum.segments[0]!;
  return sagittalVerticalAxisMm(centre, toWorld(s1.frame, bodyEndplatesLocal(s1.body).superior.posterior));
}

/**
 * Builds the spine model. Cobb angles are matched to the request (measured from the rendered
 * endplates, within 0.05°) by rescaling each curve; a requested SVA is met by flexion at the
 * thoracolumbar and cervicothoracic junctions, which leaves T4–T12 kyphosis and L1–S1 lordosis unchanged.
 */
export function buildSpineModel(parameters: PhantomParameters): SpineModel {
  const cobbScale = parameters.coronalCurves.map(() => 1);
  const state = { cobbScale, kyphosisScale: 1, lordosisScale: 1, svaCompensationDeg: 0 };
  let model = buildChain(parameters, state);
  const c7 = model.vertebrae[model.levels.indexOf('C7')]!;
  const c7LocalCentroid = bodyVolumeAndCentroid(c7.body, 0.1).centroid;
  for (let iteration = 0; iteration < 8; iteration += 1) {
    if (parameters.svaMm !== null) {
      const target = parameters.svaMm;
      const at = (deg: number): number => approximateSva(buildChain(parameters, { ...state, svaCompensationDeg: deg }), c7LocalCentroid);
      let lowDeg = -60;
      let highDeg = 60;
      const lowSva = at(lowDeg);
      const highSva = at(highDeg);
      if (target < Math.min(lowSva, highSva) || target > Math.max(lowSva, highSva)) {
        throw new VertebraError(
          'REQUEST_INVALID_PARAMETER',
          `${target} mm cannot be reached with this sagittal profile; valid range for these parameters: ${Math.ceil(Math.min(lowSva, highSva))} to ${Math.floor(Math.max(lowSva, highSva))} mm`,
          { subject: 'svaMm', details: { parameter: 'svaMm', validRange: [Math.min(lowSva, highSva), Math.max(lowSva, highSva)] } },
        );
      }
      const increasing = highSva > lowSva;
      for (let step = 0; step < 40; step += 1) {
        const mid = (lowDeg + highDeg) / 2;
        if (at(mid) < target === increasing) lowDeg = mid;
        else highDeg = mid;
      }
      state.svaCompensationDeg = (lowDeg + highDeg) / 2;
    }
    model = buildChain(parameters, state);
    let converged = true;
    const rescale = (target: number, measured: number, current: number): number => {
      if (target === 0) return current;
      if (Math.abs(measured - target) > 0.01) converged = false;
      return current * (target / (Math.abs(measured) < 1e-6 ? 1e-6 : measured));
    };
    parameters.coronalCurves.forEach((curve, index) => {
      cobbScale[index] = rescale(curve.cobbDeg, measuredCobb(model, curve.upperEnd, curve.lowerEnd), cobbScale[index] ?? 1);
    });
    const sagittal = measuredSagittal(model);
    state.kyphosisScale = rescale(parameters.thoracicKyphosisDeg, sagittal.kyphosisDeg, state.kyphosisScale);
    state.lordosisScale = rescale(parameters.lumbarLordosisDeg, sagittal.lordosisDeg, state.lordosisScale);
    if (converged && iteration > 0) break;
  }
  return model;
}

function endplateAngle(v: VertebraModel, which: 'superior' | 'inferior'): number {
  const local = bodyEndplatesLocal(v.body)[which];
  return sagittalLineAngleDeg(toWorld(v.frame, local.anterior), toWorld(v.frame, local.posterior));
}

/** T4–T12 kyphosis and L1–S1 lordosis of the model, from the endplate corners. */
function measuredSagittal(model: SpineModel): { kyphosisDeg: number; lordosisDeg: number } {
  const at = (level: VertebraLevel): VertebraModel | undefined => model.vertebrae[model.levels.indexOf(level)];
  const thoracic = model.vertebrae.filter((v) => v.level.startsWith('T'));
  const lowerThoracic = at('T12') ?? thoracic[thoracic.length - 1]!;
  const s1 = model.sacrum.segments[0]!;
  const s1Local = bodyEndplatesLocal(s1.body).superior;
  const sacralSlope = sagittalLineAngleDeg(toWorld(s1.frame, s1Local.anterior), toWorld(s1.frame, s1Local.posterior));
  return {
    kyphosisDeg: endplateAngle(at('T4')!, 'superior') - endplateAngle(lowerThoracic, 'inferior'),
    lordosisDeg: sacralSlope - endplateAngle(at('L1')!, 'superior'),
  };
}
