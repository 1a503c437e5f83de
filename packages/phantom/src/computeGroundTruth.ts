/**
 * Exact ground truth computed from the model (never from pixels): per vertebra its body
 * centroid, endplate planes and corner points, body heights, pedicle size and bone density;
 * per disc level its height, canal AP diameter and Meyerding slip; globally the Cobb angles
 * (SRS definition, from the coronal projection of the endplate lines), T4–T12 kyphosis,
 * L1–S1 lordosis, SVA, PI, PT and SS (Legaye 1998), each from the stated corner points so a
 * reader can recompute them.
 */
import type { Vec3 } from '@vertebra/geometry';
import { add, cross, dot, norm, normalize, scale, subtract } from '@vertebra/geometry';
import { coronalLineAngleDeg, sagittalLineAngleDeg, sagittalVerticalAxisMm, type SpineModel, type VertebraModel } from './buildSpineModel.js';
import { phantomLabels, posteriorLandmarks } from './buildAnatomy.js';
import { toWorld } from './rigidFrames.js';
import type { VertebraLevel } from './spineLevels.js';
import { bodyEndplatesLocal, bodyRimHeight, bodyVolumeAndCentroid, type LocalEndplate } from './vertebralBodyShape.js';

export interface EndplateTruth {
  readonly centreLps: Vec3;
  /** Unit normal pointing cranially, from the corner points. */
  readonly normalLps: Vec3;
  readonly corners: { readonly anterior: Vec3; readonly posterior: Vec3; readonly left: Vec3; readonly right: Vec3 };
}

export interface VertebraTruth {
  readonly level: VertebraLevel;
  /** Label value of the body in the label volume. */
  readonly bodyLabel: number;
  readonly posteriorElementsLabel: number;
  readonly centroidLps: Vec3;
  readonly bodyVolumeMm3: number;
  readonly superiorEndplate: EndplateTruth;
  readonly inferiorEndplate: EndplateTruth;
  readonly heightsMm: { readonly anterior: number; readonly middle: number; readonly posterior: number };
  readonly pedicle: { readonly widthMm: number; readonly heightMm: number } | null;
  /** Pedicle centres (where each pedicle leaves the body) and spinous process tip, LPS; null for C1. */
  readonly posteriorLandmarksLps: { readonly leftPedicle: Vec3; readonly rightPedicle: Vec3; readonly spinousTip: Vec3 } | null;
  readonly trabecularHu: number;
  readonly axialRotationDeg: number;
  readonly fracture: { readonly grade: 1 | 2 | 3; readonly shape: string } | null;
  readonly hasRibs: boolean;
}

export interface DiscTruth {
  readonly upper: VertebraLevel;
  readonly lower: VertebraLevel | 'S1';
  readonly label: number | null;
  readonly heightMm: number;
  readonly anteriorHeightMm: number;
  readonly posteriorHeightMm: number;
  readonly canalApMm: number;
  readonly slipPercent: number;
  readonly fused: boolean;
}

export interface CobbTruth {
  readonly angleDeg: number;
  readonly upperEndVertebra: VertebraLevel;
  readonly lowerEndVertebra: VertebraLevel;
}

export interface PhantomGroundTruth {
  readonly units: { readonly length: 'mm'; readonly angle: 'deg'; readonly density: 'HU'; readonly frame: 'LPS' };
  readonly levels: readonly VertebraLevel[];
  readonly labels: typeof phantomLabels;
  readonly vertebrae: readonly VertebraTruth[];
  readonly sacrum: { readonly s1SuperiorEndplate: EndplateTruth; readonly label: number };
  readonly discs: readonly DiscTruth[];
  readonly femoralHeadCentresLps: readonly [Vec3, Vec3];
  readonly alignment: {
    readonly cobbAngles: readonly CobbTruth[];
    readonly thoracicKyphosisDeg: number;
    readonly thoracicKyphosisLevels: readonly [VertebraLevel, VertebraLevel];
    readonly lumbarLordosisDeg: number;
    readonly svaMm: number;
    readonly pelvicIncidenceDeg: number;
    readonly pelvicTiltDeg: number;
    readonly sacralSlopeDeg: number;
  };
  readonly variant: { readonly thoracicCount: number; readonly lumbarCount: number; readonly ribPairs: number; readonly sacralizedLastLumbar: boolean; readonly ribLevels: readonly VertebraLevel[] };
  readonly implants: { readonly screwLevels: readonly VertebraLevel[]; readonly rods: boolean } | null;
}

function endplateTruth(v: { frame: VertebraModel['frame'] }, local: LocalEndplate): EndplateTruth {
  const corners = {
    anterior: toWorld(v.frame, local.anterior),
    posterior: toWorld(v.frame, local.posterior),
    left: toWorld(v.frame, local.left),
    right: toWorld(v.frame, local.right),
  };
  const normal = normalize(cross(subtract(corners.left, corners.right), subtract(corners.posterior, corners.anterior)));
  return { centreLps: toWorld(v.frame, local.centre), normalLps: normal, corners };
}

/** Meyerding slip (%) of `upper` on `lower`: anterior offset of the posteroinferior corner of the upper along the lower endplate, over its depth. */
export function meyerdingSlipPercent(upperInferior: EndplateTruth, lowerSuperior: EndplateTruth): number {
  const depthVector = subtract(lowerSuperior.corners.anterior, lowerSuperior.corners.posterior);
  const depth = norm(depthVector);
  return (100 * dot(subtract(upperInferior.corners.posterior, lowerSuperior.corners.posterior), scale(depthVector, 1 / depth))) / depth;
}

/** Coronal curves from endplate line angles: each run between tilt extremes of ≥ 5°. */
export function findCobbAngles(vertebrae: readonly Pick<VertebraTruth, 'level' | 'superiorEndplate' | 'inferiorEndplate'>[]): CobbTruth[] {
  const superior = vertebrae.map((v) => coronalLineAngleDeg(v.superiorEndplate.corners.left, v.superiorEndplate.corners.right));
  const inferior = vertebrae.map((v) => coronalLineAngleDeg(v.inferiorEndplate.corners.left, v.inferiorEndplate.corners.right));
  const tilt = superior.map((value, index) => (value + inferior[index]!) / 2);
  const extremes: number[] = [0];
  for (let index = 1; index + 1 < tilt.length; index += 1) {
    const before = tilt[index]! - tilt[index - 1]!;
    const after = tilt[index + 1]! - tilt[index]!;
    if (before * after < 0 && Math.abs(before) > 1e-6 && Math.abs(after) > 1e-6) extremes.push(index);
    else if (Math.abs(after) <= 1e-9 && Math.abs(before) > 1e-9) extremes.push(index);
  }
  extremes.push(tilt.length - 1);
  const curves: CobbTruth[] = [];
  for (let k = 0; k + 1 < extremes.length; k += 1) {
    const upper = extremes[k]!;
    const lower = extremes[k + 1]!;
    if (lower - upper < 2) continue;
    const angle = Math.abs(superior[upper]! - inferior[lower]!);
    if (angle >= 5) curves.push({ angleDeg: angle, upperEndVertebra: vertebrae[upper]!.level, lowerEndVertebra: vertebrae[lower]!.level });
  }
  return curves.sort((a, b) => b.angleDeg - a.angleDeg);
}

export function computeGroundTruth(model: SpineModel): PhantomGroundTruth {
  const vertebrae: VertebraTruth[] = model.vertebrae.map((v) => {
    const { volumeMm3, centroid } = bodyVolumeAndCentroid(v.body, 0.2);
    const local = bodyEndplatesLocal(v.body);
    const superior = endplateTruth(v, local.superior);
    const inferior = endplateTruth(v, local.inferior);
    const rim = bodyRimHeight(v.body, 0);
    return {
      level: v.level,
      bodyLabel: phantomLabels.bodyBase + v.index,
      posteriorElementsLabel: phantomLabels.posteriorBase + v.index,
      centroidLps: toWorld(v.frame, centroid),
      bodyVolumeMm3: volumeMm3,
      superiorEndplate: superior,
      inferiorEndplate: inferior,
      heightsMm: {
        anterior: norm(subtract(superior.corners.anterior, inferior.corners.anterior)),
        middle: v.level === 'C1' ? rim : rim - 2 * v.body.concavityMm,
        posterior: norm(subtract(superior.corners.posterior, inferior.corners.posterior)),
      },
      pedicle: v.level === 'C1' ? null : { widthMm: v.dimensions.pedicleWidthMm, heightMm: v.dimensions.pedicleHeightMm },
      posteriorLandmarksLps: posteriorLandmarks(v),
      trabecularHu: v.trabecularHu,
      axialRotationDeg: v.axialRotationDeg,
      fracture: v.fracture === null ? null : { grade: v.fracture.grade, shape: v.fracture.shape },
      hasRibs: v.hasRibs,
    };
  });
  const s1 = model.sacrum.segments[0]!;
  const s1Superior = endplateTruth(s1, bodyEndplatesLocal(s1.body).superior);
  const byLevel = new Map(vertebrae.map((v) => [v.level as string, v]));
  const discs: DiscTruth[] = model.discs
    .filter((disc) => !disc.isJoint)
    .map((disc) => {
      const upper = byLevel.get(disc.upper)!;
      const lowerEndplate = disc.lower === 'S1' ? s1Superior : byLevel.get(disc.lower)!.superiorEndplate;
      return {
        upper: disc.upper,
        lower: disc.lower,
        label: disc.fused ? null : phantomLabels.discBase + model.levels.indexOf(disc.upper),
        heightMm: norm(subtract(upper.inferiorEndplate.centreLps, lowerEndplate.centreLps)),
        anteriorHeightMm: norm(subtract(upper.inferiorEndplate.corners.anterior, lowerEndplate.corners.anterior)),
        posteriorHeightMm: norm(subtract(upper.inferiorEndplate.corners.posterior, lowerEndplate.corners.posterior)),
        canalApMm: disc.canalApMm,
        slipPercent: meyerdingSlipPercent(upper.inferiorEndplate, lowerEndplate),
        fused: disc.fused,
      };
    });
  const sagittal = (endplate: EndplateTruth): number => sagittalLineAngleDeg(endplate.corners.anterior, endplate.corners.posterior);
  const thoracic = vertebrae.filter((v) => v.level.startsWith('T'));
  const kyphosisLower = (byLevel.get('T12') ?? thoracic[thoracic.length - 1])!;
  const t4 = byLevel.get('T4')!;
  const l1 = byLevel.get('L1')!;
  const c7 = byLevel.get('C7')!;
  const sacralSlope = sagittal(s1Superior);
  const [headA, headB] = model.femoralHeadCentres;
  const hip = scale(add(headA, headB), 0.5);
  const e = s1Superior.centreLps;
  const pelvicTilt = (Math.atan2(e[1] - hip[1], e[2] - hip[2]) * 180) / Math.PI;
  const phi = (sacralSlope * Math.PI) / 180;
  const perpendicular: [number, number] = [Math.sin(phi), -Math.cos(phi)];
  const toHip: [number, number] = [hip[1] - e[1], hip[2] - e[2]];
  const cosine = (perpendicular[0] * toHip[0] + perpendicular[1] * toHip[1]) / Math.hypot(...toHip);
  const pelvicIncidence = (Math.acos(Math.max(-1, Math.min(1, cosine))) * 180) / Math.PI;
  const cobbCandidates = vertebrae.filter((v) => v.level !== 'C1' && v.level !== 'C2');
  return {
    units: { length: 'mm', angle: 'deg', density: 'HU', frame: 'LPS' },
    levels: model.levels,
    labels: phantomLabels,
    vertebrae,
    sacrum: { s1SuperiorEndplate: s1Superior, label: phantomLabels.sacrum },
    discs,
    femoralHeadCentresLps: model.femoralHeadCentres,
    alignment: {
      cobbAngles: findCobbAngles(cobbCandidates),
      thoracicKyphosisDeg: sagittal(t4.superiorEndplate) - sagittal(kyphosisLower.inferiorEndplate),
      thoracicKyphosisLevels: ['T4', kyphosisLower.level],
      lumbarLordosisDeg: sacralSlope - sagittal(l1.superiorEndplate),
      svaMm: sagittalVerticalAxisMm(c7.centroidLps, s1Superior.corners.posterior),
      pelvicIncidenceDeg: pelvicIncidence,
      pelvicTiltDeg: pelvicTilt,
      sacralSlopeDeg: sacralSlope,
    },
    variant: { ...model.parameters.variant, ribLevels: model.vertebrae.filter((v) => v.hasRibs).map((v) => v.level) },
    implants: model.parameters.implants === null ? null : { screwLevels: [...model.parameters.implants.screwLevels], rods: model.parameters.implants.rods },
  };
}
