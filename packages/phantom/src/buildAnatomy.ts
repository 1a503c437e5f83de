/**
 * Turns the spine model into renderable anatomy: implicit solids for bone, discs, canal
 * contents and implants (in drawing order; later solids cover earlier ones), plus analytic
 * axial profiles for the body outline (skin, subcutaneous fat, muscle/organs), the lungs and
 * the scanner table. Tissue values are typical CT numbers (HU) of adult tissue.
 */
import type { Vec3 } from '@vertebra/geometry';
import { add, identityMat3, normalize, scale, subtract } from '@vertebra/geometry';
import type { SpineModel, VertebraModel } from './buildSpineModel.js';
import {
  BodySolid,
  CapsuleSolid,
  CupSolid,
  DiscSolid,
  EllipsoidShellSolid,
  EllipsoidSolid,
  EllipticCylinderSolid,
  RoundedBoxSolid,
  uniformMaterial,
  type Material,
  type Solid,
} from './implicitSolids.js';
import { degToRad, mat3Multiply, rotationX, rotationZ, toWorld, type Frame } from './rigidFrames.js';
import { createSeededRandom } from './seededRandom.js';
import { bodyRimHeight } from './vertebralBodyShape.js';

/** Length of a lumbar (rudimentary) rib from the transverse-process tip, mm: a short rib (< 38 mm; Yun et al. 2018). */
const LUMBAR_RIB_LENGTH_MM = 28;

/** Label values of the label volume rendered beside the CT. */
export const phantomLabels = {
  /** Vertebral body of the vertebra at index i (C1 = 0): 1 + i. */
  bodyBase: 1,
  /** Posterior elements (pedicles, laminae, processes, dens) of vertebra i: 31 + i. */
  posteriorBase: 31,
  /** Disc below vertebra i: 61 + i. */
  discBase: 61,
  sacrum: 91,
  pelvis: 92,
  femur: 93,
  rib: 94,
  cord: 95,
  csf: 96,
  skull: 98,
} as const;

export const tissueHu = {
  air: -1000,
  lung: -850,
  fat: -100,
  soft: 45,
  csf: 8,
  cord: 35,
  epiduralFat: -60,
  discAnnulus: 95,
  discNucleus: 75,
  /** Desiccated nucleus (dark on T2; Pfirrmann grade ≥ IV). */
  discNucleusDegenerated: 84,
  /** Fatty (yellow) marrow of long-bone shafts. */
  yellowMarrow: -60,
  cortical: 1000,
  metal: 3000,
  brain: 35,
  table: 250,
  tableCore: -850,
} as const;

export interface OutlineSample {
  readonly z: number;
  readonly cx: number;
  readonly cy: number;
  readonly halfWidth: number;
  readonly halfDepth: number;
}

/** An axis-aligned ellipsoid of one tissue (lungs, heart, trachea, bowel gas), filled after the body outline. */
export interface AxisEllipsoid {
  readonly centre: Vec3;
  readonly semi: Vec3;
  readonly hu: number;
}

export interface PhantomAnatomy {
  readonly solids: readonly Solid[];
  /** Body outline samples sorted by z (ascending). */
  readonly outline: readonly OutlineSample[];
  readonly fatThicknessMm: number;
  readonly airPockets: readonly AxisEllipsoid[];
  readonly table: { readonly surfaceY: number; readonly side: 'posterior' | 'anterior'; readonly halfWidth: number };
  /** z range covered by the anatomy (skull top to below the femoral heads). */
  readonly zRange: readonly [number, number];
}

const thoraxSize: Record<string, readonly [number, number]> = {
  T1: [55, 42], T2: [75, 55], T3: [90, 65], T4: [105, 75], T5: [115, 82], T6: [122, 88], T7: [128, 92],
  T8: [132, 95], T9: [134, 95], T10: [133, 95], T11: [130, 93], T12: [125, 90], T13: [120, 88], L1: [118, 85],
};

function boneMaterial(trabecularHu: number, shellMm = 1): Material {
  return { shellHu: tissueHu.cortical, coreHu: trabecularHu, shellMm };
}

function local(v: VertebraModel, point: Vec3): Vec3 {
  return toWorld(v.frame, point);
}

function framedAt(v: VertebraModel, point: Vec3, extra: readonly number[] = []): Frame {
  let rotation = v.frame.rotation;
  for (const angle of extra) rotation = mat3Multiply(rotation, rotationX(angle));
  return { origin: local(v, point), rotation };
}

/** Lamina radius by region, mm. */
function laminaRadiusOf(v: VertebraModel): number {
  return v.region === 'cervical' ? 2.5 : v.region === 'thoracic' ? 3.5 : 4.5;
}

/**
 * Posterior landmarks of a vertebra (LPS): pedicle centres (centre of the pedicle's elliptic
 * cross-section where it leaves the body) and the spinous process tip. Null for C1.
 */
export function posteriorLandmarks(v: VertebraModel): { leftPedicle: Vec3; rightPedicle: Vec3; spinousTip: Vec3 } | null {
  if (v.level === 'C1') return null;
  const { dimensions: dims, body } = v;
  const h = bodyRimHeight(body, 0);
  const pedicleX = dims.canalWidthMm / 2 + dims.pedicleWidthMm / 2;
  const pedicleY = body.depthMm / 2 + dims.canalDepthMm * 0.25;
  const angle = degToRad(dims.spinousAngleDeg);
  const start: Vec3 = [0, body.depthMm / 2 + dims.canalDepthMm + laminaRadiusOf(v), h * 0.45];
  return {
    leftPedicle: local(v, [pedicleX, pedicleY, h * 0.6]),
    rightPedicle: local(v, [-pedicleX, pedicleY, h * 0.6]),
    spinousTip: local(v, [0, start[1] + dims.spinousLengthMm * Math.cos(angle), start[2] - dims.spinousLengthMm * Math.sin(angle)]),
  };
}

/** Pedicle screw trajectory of a vertebra (entry behind the pedicle, target in the anterior body), LPS. */
export function pedicleTrajectory(v: VertebraModel, side: -1 | 1): { entry: Vec3; target: Vec3 } {
  const { dimensions: dims, body } = v;
  const h = bodyRimHeight(body, 0);
  const pedicleX = dims.canalWidthMm / 2 + dims.pedicleWidthMm / 2;
  return {
    entry: local(v, [side * pedicleX, body.depthMm / 2 + dims.canalDepthMm * 0.55 + 6, h * 0.6]),
    target: local(v, [side * pedicleX * 0.25, -body.depthMm * 0.3, h * 0.55]),
  };
}

export interface AnatomyOptions {
  readonly patientPosition: 'HFS' | 'FFS' | 'HFP' | 'FFP';
}

export function buildAnatomy(model: SpineModel, options: AnatomyOptions): PhantomAnatomy {
  const parameters = model.parameters;
  const random = createSeededRandom(`soft:${parameters.seed}`);
  const canal: Solid[] = [];
  const bulges: Solid[] = [];
  const skull: Solid[] = [];
  const pelvis: Solid[] = [];
  const ribs: Solid[] = [];
  const posterior: Solid[] = [];
  const discs: Solid[] = [];
  const bodies: Solid[] = [];
  const implants: Solid[] = [];
  const outline: OutlineSample[] = [];
  const canalPoints: { point: Vec3; radius: number; cord: boolean }[] = [];
  const vertebrae = model.vertebrae;
  const lastLumbar = vertebrae[vertebrae.length - 1]!;
  const boneScale = parameters.trabecularHu / 200;
  const posteriorCore = 300 * boneScale + 50;
  let lungTop = Number.NEGATIVE_INFINITY;
  let lungBottom = Number.POSITIVE_INFINITY;
  let thoraxCentre: Vec3 | null = null;
  let thoraxSemi: readonly [number, number] = [120, 88];
  const bodyWidthFactor = 1 + random.range(-0.06, 0.12);
  const fatThicknessMm = random.range(8, 22);

  for (const v of vertebrae) {
    const { dimensions: dims, body } = v;
    const h = bodyRimHeight(body, 0);
    const D = body.depthMm;
    const cd = dims.canalDepthMm;
    const cw = dims.canalWidthMm;
    const region = v.region;
    const postLabel = phantomLabels.posteriorBase + v.index;
    const postMaterial: Material = { shellHu: tissueHu.cortical, coreHu: posteriorCore, shellMm: 1.2 };
    bodies.push(new BodySolid(`${v.level} body`, phantomLabels.bodyBase + v.index, boneMaterial(v.trabecularHu, 1), v.frame, body));
    if (v.level === 'C1') {
      for (const side of [-1, 1]) {
        posterior.push(new CapsuleSolid(`C1 transverse`, postLabel, postMaterial, local(v, [side * 20, 2, 5]), local(v, [side * 37, 2, 5]), 4));
      }
      posterior.push(new CapsuleSolid('C1 posterior tubercle', postLabel, postMaterial, local(v, [0, 18, 5]), local(v, [0, 23, 4]), 3));
      canalPoints.push({ point: local(v, [0, 7, 5]), radius: 8.5, cord: true });
      // Skull resting on the atlas.
      const skullFrame = framedAt(v, [0, -5, 10 + 80]);
      const skullSemi: Vec3 = [70, 88, 80];
      skull.push(new EllipsoidSolid('brain', 0, uniformMaterial(tissueHu.brain), skullFrame, [skullSemi[0] - 4, skullSemi[1] - 4, skullSemi[2] - 4]));
      skull.push(new EllipsoidShellSolid('skull', phantomLabels.skull, { shellHu: 1300, coreHu: 650, shellMm: 2 }, skullFrame, skullSemi, 7));
      const centre = skullFrame.origin;
      for (let dz = -skullSemi[2]; dz <= skullSemi[2]; dz += 8) {
        const f = Math.sqrt(Math.max(0, 1 - (dz / (skullSemi[2] + 6)) ** 2));
        outline.push({ z: centre[2] + dz, cx: centre[0], cy: centre[1], halfWidth: (skullSemi[0] + 8) * f + 1, halfDepth: (skullSemi[1] + 8) * f + 1 });
      }
      outline.push({ z: centre[2] + skullSemi[2] + 8, cx: centre[0], cy: centre[1], halfWidth: 1, halfDepth: 1 });
      continue;
    }
    const regionScale = region === 'cervical' ? 0.7 : region === 'thoracic' ? 0.9 : 1.2;
    const laminaRadius = laminaRadiusOf(v);
    const pedicleX = cw / 2 + dims.pedicleWidthMm / 2;
    const pedicleZ = h * 0.6;
    for (const side of [-1, 1]) {
      posterior.push(
        new EllipticCylinderSolid(
          `${v.level} pedicle`,
          postLabel,
          postMaterial,
          framedAt(v, [side * pedicleX, D / 2 + cd * 0.25, pedicleZ], [Math.PI / 2]),
          dims.pedicleWidthMm / 2,
          dims.pedicleHeightMm / 2,
          cd * 0.3 + 3,
        ),
      );
      posterior.push(
        new CapsuleSolid(`${v.level} lamina`, postLabel, postMaterial, local(v, [side * pedicleX, D / 2 + cd * 0.55, h * 0.55]), local(v, [0, D / 2 + cd + laminaRadius, h * 0.45]), laminaRadius),
      );
      posterior.push(
        new EllipsoidSolid(`${v.level} superior articular`, postLabel, postMaterial, framedAt(v, [side * (pedicleX + 1), D / 2 + cd * 0.6, h + 2]), [3.5 * regionScale, 5 * regionScale, 5.5 * regionScale]),
      );
      posterior.push(
        new EllipsoidSolid(`${v.level} inferior articular`, postLabel, postMaterial, framedAt(v, [side * (pedicleX - 1), D / 2 + cd * 0.75, -2]), [3.5 * regionScale, 5 * regionScale, 5.5 * regionScale]),
      );
      const fused = v === lastLumbar && parameters.variant.sacralizedLastLumbar;
      const tpY = D / 2 + cd * (region === 'thoracic' ? 0.9 : region === 'lumbar' ? 0.35 : -0.2);
      const tpZ = h * 0.6 + (region === 'thoracic' ? 3 : 0);
      const tpRadius = fused ? 9 : region === 'cervical' ? 2.5 : region === 'thoracic' ? 4 : 3.5;
      const tpTip: Vec3 = [side * (fused ? 50 : dims.transverseHalfSpanMm), tpY, fused ? -4 : tpZ];
      posterior.push(new CapsuleSolid(`${v.level} transverse`, postLabel, postMaterial, local(v, [side * (cw / 2 + dims.pedicleWidthMm * 0.8), D / 2 + cd * 0.5, h * 0.55]), local(v, tpTip), tpRadius));
      if (v.hasRibs && v.level.startsWith('L')) {
        // A lumbar rib is a rudimentary costal element articulating with the tip of the transverse
        // process (Bergman RA et al., Illustrated Encyclopedia of Human Anatomic Variation, "Lumbar
        // vertebrae": "usually rudimentary"; Aly I et al., Childs Nerv Syst 2016;32:781–5). Yun et al.
        // (Korean J Radiol 2018;19:1140–7) call a rib under 38 mm head to tip a short rib (their
        // example: 30.4 mm); this one runs LUMBAR_RIB_LENGTH_MM outwards, forwards and down from the tip.
        const dir = normalize([side * 0.9, -0.25, -0.35]);
        const tip = add(tpTip, scale(dir, LUMBAR_RIB_LENGTH_MM));
        ribs.push(new CapsuleSolid(`${v.level} rib`, phantomLabels.rib, { shellHu: 900, coreHu: 200 * boneScale + 50, shellMm: 1.2 }, local(v, tpTip), local(v, tip), 3.5));
      } else if (v.hasRibs) {
        const [A, B] = thoraxSize[v.level] ?? [118, 85];
        const yCentre = D / 2 + cd * 0.6 + 14 - B;
        const t0 = Math.asin(Math.min(0.95, dims.transverseHalfSpanMm / A));
        const levelNumber = Number(v.level.slice(1));
        const floating = v.level.startsWith('L') || levelNumber >= 11;
        const t1 = v.level.startsWith('L') ? 1.0 : levelNumber >= 12 ? 1.2 : levelNumber === 11 ? 1.7 : 2.5;
        const descent = 30 + (floating ? 5 : 20);
        const radius = levelNumber === 1 ? 3.8 : 4.6;
        const points: Vec3[] = [[side * (body.widthMm / 2 + 1), D * 0.1, h * 0.75], [tpTip[0] * 0.98, tpY + 2, tpZ]];
        const steps = 8;
        for (let step = 0; step <= steps; step += 1) {
          const t = t0 + ((t1 - t0) * step) / steps;
          points.push([side * A * Math.sin(t), yCentre + B * Math.cos(t), tpZ - descent * Math.pow((t - t0) / (Math.PI - t0), 1.1)]);
        }
        for (let k = 0; k + 1 < points.length; k += 1) {
          ribs.push(new CapsuleSolid(`${v.level} rib`, phantomLabels.rib, { shellHu: 900, coreHu: 200 * boneScale + 50, shellMm: 1.2 }, local(v, points[k]!), local(v, points[k + 1]!), radius));
        }
        if (v.level === 'T6' || (thoraxCentre === null && v.level === 'T5')) {
          thoraxCentre = local(v, [0, yCentre, tpZ]);
          thoraxSemi = [A, B];
        }
        lungTop = Math.max(lungTop, local(v, [0, 0, h]).at(2)!);
        if (!floating) lungBottom = Math.min(lungBottom, local(v, [0, 0, 0])[2]);
      }
    }
    const spinousStart: Vec3 = [0, D / 2 + cd + laminaRadius, h * 0.45];
    const angle = degToRad(dims.spinousAngleDeg);
    const direction: Vec3 = [0, Math.cos(angle), -Math.sin(angle)];
    if (region === 'lumbar') {
      const centre = add(spinousStart, scale(direction, dims.spinousLengthMm / 2));
      posterior.push(new RoundedBoxSolid(`${v.level} spinous`, postLabel, postMaterial, framedAt(v, centre, [angle]), [2.8, dims.spinousLengthMm / 2, 7], 1.5));
    } else {
      const radius = region === 'cervical' ? (v.level === 'C7' ? 3.5 : 2.5) : 3.5;
      posterior.push(new CapsuleSolid(`${v.level} spinous`, postLabel, postMaterial, local(v, spinousStart), local(v, add(spinousStart, scale(direction, dims.spinousLengthMm))), radius));
    }
    if (v.level === 'C2') {
      posterior.push(new CapsuleSolid('C2 dens', postLabel, boneMaterial(v.trabecularHu), local(v, [0, -1, h * 0.8]), local(v, [0, -1, h + 2.5 + 13]), 5));
    }
    const canalRadius = Math.min(cd, cw) / 2;
    canalPoints.push({ point: local(v, [0, D / 2 + cd / 2, h / 2]), radius: canalRadius, cord: region !== 'lumbar' || v.level === 'L1' });

    // Body outline around this level.
    const centre = local(v, [0, 0, h / 2]);
    let halfWidth: number;
    let anteriorY: number;
    const posteriorY = local(v, [0, D / 2 + cd + dims.spinousLengthMm * Math.cos(angle) + (region === 'cervical' ? 22 : 32), h / 2])[1];
    if (region === 'cervical') {
      halfWidth = 58;
      anteriorY = centre[1] - D / 2 - 38;
    } else if (region === 'thoracic' || v.level === 'L1') {
      const [A, B] = thoraxSize[v.level] ?? [118, 85];
      halfWidth = (A + 30) * bodyWidthFactor;
      anteriorY = local(v, [0, D / 2 + cd * 0.6 + 14 - 2 * B - 22, h / 2])[1];
    } else {
      halfWidth = 140 * bodyWidthFactor;
      anteriorY = centre[1] - D / 2 - 120 * bodyWidthFactor;
    }
    outline.push({ z: centre[2], cx: centre[0] * 0.7, cy: (anteriorY + posteriorY) / 2, halfWidth, halfDepth: (posteriorY - anteriorY) / 2 });
  }

  // Discs (and fused levels).
  model.discs.forEach((disc) => {
    if (disc.isJoint) return;
    const upper = vertebrae[model.levels.indexOf(disc.upper)]!;
    const lower = disc.lower === 'S1' ? null : vertebrae[model.levels.indexOf(disc.lower)]!;
    const margin = Math.max(upper.body.concavityMm, lower?.body.concavityMm ?? 0) + 0.6;
    const shape = { widthMm: disc.widthMm, depthMm: disc.depthMm, anteriorHeightMm: 0, posteriorHeightMm: 0, concavityMm: 0 };
    const degenerated = (parameters.discDegeneration.find((entry) => entry.level === disc.upper)?.heightLossPercent ?? 0) >= 25;
    const material: Material = disc.fused
      ? boneMaterial(upper.trabecularHu)
      : { shellHu: tissueHu.discAnnulus, coreHu: degenerated ? tissueHu.discNucleusDegenerated : tissueHu.discNucleus, shellMm: 3 };
    discs.push(
      new DiscSolid(`${disc.upper}-${disc.lower} disc`, disc.fused ? phantomLabels.sacrum : phantomLabels.discBase + upper.index, material, disc.frame, shape, disc.lowerEndplateCentre, disc.lowerEndplateNormal, disc.upperEndplateCentre, disc.upperEndplateNormal, margin, disc.heightMm / 2),
    );
    const mid = disc.frame;
    const toward = (pt: Vec3): Vec3 => toWorld(mid, pt);
    const cw = upper.dimensions.canalWidthMm;
    if (disc.canalApMm < disc.normalCanalApMm - 0.01) {
      const loss = disc.normalCanalApMm - disc.canalApMm;
      const yPost = disc.depthMm / 2;
      const anteriorDepth = loss * 0.6;
      const posteriorDepth = loss * 0.4;
      bulges.push(new EllipsoidSolid(`${disc.upper} disc bulge`, 0, uniformMaterial(80), { origin: toward([0, yPost, 0]), rotation: mid.rotation }, [cw * 0.45, anteriorDepth, disc.heightMm / 2 + 2]));
      bulges.push(new EllipsoidSolid(`${disc.upper} ligamentum flavum`, 0, uniformMaterial(65), { origin: toward([0, yPost + disc.normalCanalApMm, 0]), rotation: mid.rotation }, [cw * 0.45, posteriorDepth, 9]));
    }
  });

  // Canal contents along a centreline through vertebra levels (cranial to caudal) and the sacrum.
  const s1 = model.sacrum.segments[0]!;
  canalPoints.push({ point: toWorld(s1.frame, [0, 26, 14]), radius: 7, cord: false });
  const s3 = model.sacrum.segments[2]!;
  canalPoints.push({ point: toWorld(s3.frame, [0, 17, 8]), radius: 4, cord: false });
  for (let k = 0; k + 1 < canalPoints.length; k += 1) {
    const a = canalPoints[k]!;
    const b = canalPoints[k + 1]!;
    const radius = Math.min(a.radius, b.radius);
    canal.push(new CapsuleSolid('epidural space', 0, uniformMaterial(tissueHu.epiduralFat), a.point, b.point, radius));
    canal.push(new CapsuleSolid('thecal sac', phantomLabels.csf, uniformMaterial(tissueHu.csf), a.point, b.point, Math.max(2, radius - 1.8)));
    if (a.cord && b.cord) canal.push(new CapsuleSolid('spinal cord', phantomLabels.cord, uniformMaterial(tissueHu.cord), a.point, b.point, Math.min(4.8, radius - 3)));
  }

  // Sacrum.
  const sacralBone = boneMaterial(parameters.trabecularHu * 0.9, 1.2);
  model.sacrum.segments.forEach((segment, index) => bodies.push(new BodySolid(`S${index + 1}`, phantomLabels.sacrum, sacralBone, segment.frame, segment.body)));
  for (const side of [-1, 1]) {
    pelvis.push(new EllipsoidSolid('sacral ala', phantomLabels.sacrum, sacralBone, { origin: toWorld(s1.frame, [side * 36, 6, 14]), rotation: s1.frame.rotation }, [26, 17, 17]));
  }
  pelvis.push(new CapsuleSolid('median sacral crest', phantomLabels.sacrum, sacralBone, toWorld(s1.frame, [0, 36, 20]), toWorld(model.sacrum.segments[3]!.frame, [0, 14, 6]), 6));
  pelvis.push(new EllipsoidSolid('sacral lamina', phantomLabels.sacrum, sacralBone, { origin: toWorld(model.sacrum.segments[1]!.frame, [0, 22, 8]), rotation: model.sacrum.segments[1]!.frame.rotation }, [30, 8, 26]));

  // Pelvis and femora.
  const hip = model.hipAxisCentre;
  const ilium = boneMaterial(200 * boneScale + 50, 1.5);
  model.femoralHeadCentres.forEach((head, index) => {
    const side = index === 0 ? -1 : 1;
    const hipHalf = Math.abs(head[0]);
    pelvis.push(new EllipsoidSolid('ilium', phantomLabels.pelvis, ilium, { origin: add(hip, [side * 72, 22, 82]), rotation: rotationZ(degToRad(side * 35)) }, [6.5, 66, 56]));
    pelvis.push(new CapsuleSolid('sciatic buttress', phantomLabels.pelvis, ilium, toWorld(s1.frame, [side * 48, 12, 4]), add(head, [side * -8, 8, 28]), 12));
    pelvis.push(new CapsuleSolid('iliac body', phantomLabels.pelvis, ilium, add(hip, [side * 78, 0, 55]), add(head, [side * -4, -4, 26]), 13));
    pelvis.push(new CupSolid('acetabulum', phantomLabels.pelvis, ilium, head, 26.5, 5, normalize([side * 0.7, -0.3, -0.65])));
    pelvis.push(new CapsuleSolid('superior pubic ramus', phantomLabels.pelvis, ilium, add(head, [side * -15, -20, -6]), add(hip, [side * 8, -56, -40]), 9));
    pelvis.push(new CapsuleSolid('pubic body', phantomLabels.pelvis, ilium, add(hip, [side * 8, -56, -40]), add(hip, [side * 8, -50, -70]), 9));
    pelvis.push(new CapsuleSolid('ischium', phantomLabels.pelvis, ilium, add(head, [side * -10, 20, -18]), add(hip, [side * (hipHalf - 25), 30, -78]), 11));
    pelvis.push(new CapsuleSolid('inferior ramus', phantomLabels.pelvis, ilium, add(hip, [side * (hipHalf - 25), 30, -78]), add(hip, [side * 8, -50, -70]), 7));
    const femurBone: Material = { shellHu: 1200, coreHu: 250 * boneScale + 40, shellMm: 2 };
    const trochanter = add(head, [side * 42, 8, -36]);
    pelvis.push(new EllipsoidSolid('femoral head', phantomLabels.femur, femurBone, { origin: head, rotation: identityMat3 }, [model.femoralHeadRadiusMm, model.femoralHeadRadiusMm, model.femoralHeadRadiusMm]));
    pelvis.push(new CapsuleSolid('femoral neck', phantomLabels.femur, femurBone, head, trochanter, 15));
    pelvis.push(new EllipsoidSolid('greater trochanter', phantomLabels.femur, femurBone, { origin: add(trochanter, [side * 4, 4, 6]), rotation: identityMat3 }, [13, 16, 20]));
    pelvis.push(new CapsuleSolid('femoral shaft', phantomLabels.femur, { shellHu: 1500, coreHu: tissueHu.yellowMarrow, shellMm: 5 }, trochanter, add(head, [side * 55, 16, -420]), 14));
  });
  const s1Centre = model.sacrum.s1SuperiorCentre;
  outline.push({ z: s1Centre[2], cx: 0, cy: s1Centre[1] - 20, halfWidth: 160 * bodyWidthFactor, halfDepth: 120 * bodyWidthFactor });
  outline.push({ z: hip[2], cx: 0, cy: hip[1] + 10, halfWidth: 178 * bodyWidthFactor, halfDepth: 112 * bodyWidthFactor });
  outline.push({ z: hip[2] - 150, cx: 0, cy: hip[1] + 15, halfWidth: 175 * bodyWidthFactor, halfDepth: 95 * bodyWidthFactor });
  outline.push({ z: hip[2] - 500, cx: 0, cy: hip[1] + 15, halfWidth: 170 * bodyWidthFactor, halfDepth: 85 * bodyWidthFactor });
  outline.sort((a, b) => a.z - b.z);

  // Implants: bilateral pedicle screws converging into the body, rods joining the heads.
  if (parameters.implants !== null) {
    const metal = uniformMaterial(tissueHu.metal);
    const heads: Vec3[][] = [[], []];
    for (const level of parameters.implants.screwLevels) {
      const v = vertebrae[model.levels.indexOf(level)]!;
      const radius = v.region === 'lumbar' ? 3.25 : 2.5;
      ([-1, 1] as const).forEach((side, sideIndex) => {
        const { entry, target } = pedicleTrajectory(v, side);
        const axis = normalize(subtract(target, entry));
        const tip = add(entry, scale(axis, Math.min(50, Math.hypot(...subtract(target, entry)))));
        const head = add(entry, scale(axis, -7));
        implants.push(new CapsuleSolid(`${level} pedicle screw`, 0, metal, entry, tip, radius));
        implants.push(new EllipsoidSolid(`${level} screw head`, 0, metal, { origin: head, rotation: identityMat3 }, [6, 6, 6]));
        heads[sideIndex]!.push(head);
      });
    }
    if (parameters.implants.rods) {
      for (const sideHeads of heads) {
        const sorted = [...sideHeads].sort((a, b) => b[2] - a[2]);
        for (let k = 0; k + 1 < sorted.length; k += 1) implants.push(new CapsuleSolid('rod', 0, metal, sorted[k]!, sorted[k + 1]!, 2.75));
      }
    }
  }

  // Bowel gas pockets in the abdomen (deterministic from the seed).
  const airPockets: AxisEllipsoid[] = [];
  const l3 = vertebrae.find((v) => v.level === 'L3') ?? lastLumbar;
  const l3Centre = local(l3, [0, 0, bodyRimHeight(l3.body, 0) / 2]);
  for (let k = 0; k < 6; k += 1) {
    airPockets.push({
      centre: [random.range(-90, 90), l3Centre[1] - random.range(60, 100), l3Centre[2] + random.range(-80, 60)],
      semi: [random.range(8, 22), random.range(6, 14), random.range(8, 20)],
      hu: tissueHu.air,
    });
  }
  if (thoraxCentre !== null && Number.isFinite(lungTop)) {
    const top = lungTop + 15;
    const bottom = lungBottom - 10;
    for (const side of [-1, 1]) {
      airPockets.push({
        centre: [thoraxCentre[0] + side * thoraxSemi[0] * 0.5, thoraxCentre[1] + 5, (top + bottom) / 2],
        semi: [thoraxSemi[0] * 0.42, thoraxSemi[1] * 0.78, (top - bottom) / 2],
        hu: tissueHu.lung,
      });
    }
    // Heart in the anterior mediastinum, left of the midline, over the lower half of the lungs.
    airPockets.push({
      centre: [thoraxCentre[0] + 22, thoraxCentre[1] - thoraxSemi[1] * 0.3, bottom + (top - bottom) * 0.3],
      semi: [thoraxSemi[0] * 0.42, thoraxSemi[1] * 0.5, (top - bottom) * 0.27],
      hu: tissueHu.soft,
    });
  }
  // Trachea: an air column in front of the cervical spine down to the carina (≈ T4).
  for (const v of vertebrae) {
    if (!['C4', 'C5', 'C6', 'C7', 'T1', 'T2', 'T3'].includes(v.level)) continue;
    const h = bodyRimHeight(v.body, 0);
    const centre = local(v, [0, -v.body.depthMm / 2 - (v.region === 'cervical' ? 18 : 26), h / 2]);
    airPockets.push({ centre, semi: [9, 7.5, h / 2 + v.dimensions.discBelowHeightMm + 1], hu: tissueHu.air });
  }

  const solids = [...canal, ...bulges, ...skull, ...pelvis, ...ribs, ...posterior, ...discs, ...bodies, ...implants];
  const prone = options.patientPosition === 'HFP' || options.patientPosition === 'FFP';
  const surfaceY = prone ? Math.min(...outline.map((s) => s.cy - s.halfDepth)) - 1 : Math.max(...outline.map((s) => s.cy + s.halfDepth)) + 1;
  return {
    solids,
    outline,
    fatThicknessMm,
    airPockets,
    table: { surfaceY, side: prone ? 'anterior' : 'posterior', halfWidth: 225 },
    zRange: [outline[0]!.z, outline[outline.length - 1]!.z],
  };
}
