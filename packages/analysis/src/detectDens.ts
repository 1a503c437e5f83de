/**
 * C2 anchor: the dens (odontoid process) rises from the C2 body through the atlas ring; there is
 * no intervertebral disc between C1 and C2 (the atlanto-axial joints are synovial; Gray's
 * Anatomy, 41st ed., ch. 43). So above C2's superior cortex a narrow peg continues along the
 * axis: a cortical shell within 7 mm of the axis all around, soft tissue outside it in several
 * directions (atlanto-dental interval, transverse ligament), where every other vertebra has a
 * disc, wide and without a shell. A fused (ankylosed) level is bone across its full width, so the
 * peg must also be narrow.
 */
import type { GridSampler } from './createGridSampler.js';
import type { VertebraResult } from './SpineAnalysisResult.js';

export interface DensFrame {
  readonly superior: { readonly point: readonly number[]; readonly normal: readonly number[] };
  readonly anterior: readonly number[];
  readonly left: readonly number[];
}

/** The dens' cortical shell (≈ 10 mm wide peg): bright bone within 2.5–7 mm of the axis. */
const SHELL_HU = 350;
const SOFT_HU = 150;
/** Heights above the superior cortex (mm) examined; the dens must be there at most of them. */
const HEIGHTS_MM = [1.5, 3, 4.5, 6, 7.5, 9];
/** Radii of the annulus around the dens that must be soft tissue in some directions. */
const ANNULUS_MM = [8, 10];

export function detectDens(sample: GridSampler, body: DensFrame): boolean {
  const p = body.superior.point;
  const t = body.superior.normal;
  const a = body.anterior;
  const l = body.left;
  const at = (u: number, v: number, h: number): number =>
    sample(p[0]! + l[0]! * u + a[0]! * v + t[0]! * h, p[1]! + l[1]! * u + a[1]! * v + t[1]! * h, p[2]! + l[2]! * u + a[2]! * v + t[2]! * h);
  let hits = 0;
  for (const h of HEIGHTS_MM) {
    const centre = at(0, 0, h);
    // Not air or fat at the centre (a disc or the dens' trabecular core are both ≥ ~50 HU).
    if (!(centre >= 50)) continue;
    let shell = 0;
    let soft = 0;
    for (let q = 0; q < 8; q++) {
      const c = Math.cos((2 * Math.PI * q) / 8);
      const sn = Math.sin((2 * Math.PI * q) / 8);
      let peak = -Infinity;
      for (let r = 2.5; r <= 7; r += 0.5) {
        const x = at(r * c, r * sn, h);
        if (x > peak) peak = x;
      }
      if (peak >= SHELL_HU) shell++;
      let isSoft = true;
      for (const r of ANNULUS_MM) {
        const x = at(r * c, r * sn, h);
        if (!(x < SOFT_HU)) isSoft = false;
      }
      if (isSoft) soft++;
    }
    if (shell >= 6 && soft >= 3) hits++;
  }
  return hits >= 4;
}

/**
 * C1, the atlas, has no body: a ring of bone (anterior arch, lateral masses, posterior arch) around
 * the dens and the spinal canal, resting on C2 without a disc (Gray's Anatomy, 41st ed., ch. 43).
 * Above C2's superior cortex, the planes (normal to C2's superior endplate) where bone lies 8–40 mm
 * from the dens axis in front of it and on both sides, around an open (soft-tissue) canal, form the
 * ring; the first such run of planes (starting within 20 mm of C2, at least 4 mm thick, with bone
 * behind the canal in some plane: the posterior arch, which the top of C2 lacks) is the atlas, and
 * it ends where the canal closes or a plane holds more bone than a ring can (the occiput). Its centroid
 * (VerSe convention: the centroid of the vertebra) is the mean position of that bone.
 */
export interface AtlasRing {
  readonly centroid: [number, number, number];
  /** Heights of the ring's lowest and highest planes above C2's superior cortex, mm. */
  readonly bottomMm: number;
  readonly topMm: number;
  /** Bone area of the ring summed over its planes, mm² (1 mm grid). */
  readonly boneAreaMm2: number;
  /** Extent of the ring's bone along the anterior and left directions, mm. */
  readonly apDepthMm: number;
  readonly widthMm: number;
  /** Mean HU of the ring's bone (cortex and lateral masses: the atlas has no trabecular body). */
  readonly meanBoneHu: number;
}

const ATLAS_BONE_HU = 200;
const ATLAS_R_MIN_MM = 8;
const ATLAS_R_MAX_MM = 40;
/** The anterior arch lies 8–20 mm in front of the dens axis: bone further forward is not the atlas. */
const ATLAS_V_MAX_MM = 24;
/**
 * A plane of the atlas ring holds well under this much bone within 40 mm of the dens (ring with its
 * transverse processes ≈ 600–1500 mm²); the occiput around the foramen magnum holds several times more.
 */
const ATLAS_MAX_PLANE_AREA_MM2 = 2000;
/** Bone per sector (anterior, left, right) for a plane to be part of the ring, mm² on a 1 mm grid. */
const ATLAS_SECTOR_MIN_MM2 = 12;

export function locateAtlas(sample: GridSampler, body: DensFrame & { readonly canalCentre: readonly number[] }): AtlasRing | null {
  const p = body.superior.point;
  const t = body.superior.normal;
  const a = body.anterior;
  const l = body.left;
  const c = body.canalCentre;
  // Canal centre in the plane coordinates (v: anterior, u: left), taken from C2's canal.
  const d = [c[0]! - p[0]!, c[1]! - p[1]!, c[2]! - p[2]!];
  const cu = d[0]! * l[0]! + d[1]! * l[1]! + d[2]! * l[2]!;
  const cv = d[0]! * a[0]! + d[1]! * a[1]! + d[2]! * a[2]!;
  const at = (u: number, v: number, h: number): number =>
    sample(p[0]! + l[0]! * u + a[0]! * v + t[0]! * h, p[1]! + l[1]! * u + a[1]! * v + t[1]! * h, p[2]! + l[2]! * u + a[2]! * v + t[2]! * h);
  interface Run {
    bottom: number;
    top: number;
    area: number;
    hu: number;
    sum: [number, number, number];
    posterior: boolean;
    uMin: number;
    uMax: number;
    vMin: number;
    vMax: number;
  }
  let run: Run | null = null;
  /** A run is the atlas when it is thick enough and closes behind the canal (posterior arch) in some plane; the top of C2 (facets, endplate rim) does not. */
  const isAtlas = (r: Run | null): r is Run => r !== null && r.top - r.bottom + 1 >= 4 && r.posterior && r.area > 0;
  for (let h = 1; h <= 40; h += 1) {
    let ant = 0;
    let left = 0;
    let right = 0;
    let post = 0;
    let area = 0;
    let hu = 0;
    const sum: [number, number, number] = [0, 0, 0];
    let uMin = Infinity;
    let uMax = -Infinity;
    let vMin = Infinity;
    let vMax = -Infinity;
    for (let v = -ATLAS_R_MAX_MM; v <= ATLAS_R_MAX_MM; v += 1) {
      for (let u = -ATLAS_R_MAX_MM; u <= ATLAS_R_MAX_MM; u += 1) {
        const r = Math.hypot(u, v);
        if (r < ATLAS_R_MIN_MM || r > ATLAS_R_MAX_MM || v > ATLAS_V_MAX_MM) continue;
        const x = at(u, v, h);
        if (!(x >= ATLAS_BONE_HU)) continue;
        area++;
        hu += x;
        if (v > Math.abs(u)) ant++;
        else if (u > Math.abs(v)) left++;
        else if (-u > Math.abs(v)) right++;
        else if (v < cv - 4) post++;
        uMin = Math.min(uMin, u);
        uMax = Math.max(uMax, u);
        vMin = Math.min(vMin, v);
        vMax = Math.max(vMax, v);
        sum[0] += p[0]! + l[0]! * u + a[0]! * v + t[0]! * h;
        sum[1] += p[1]! + l[1]! * u + a[1]! * v + t[1]! * h;
        sum[2] += p[2]! + l[2]! * u + a[2]! * v + t[2]! * h;
      }
    }
    // The canal behind the dens is open: ≥ 4 mm of soft tissue on the midline between the dens and
    // a little beyond C2's canal centre (the atlas' canal need not sit where C2's does).
    let canalSoft = false;
    let softRun = 0;
    for (let v = -ATLAS_R_MIN_MM; v >= cv - 6 && !canalSoft; v -= 1) {
      softRun = at(cu, v, h) < 150 ? softRun + 1 : 0;
      if (softRun >= 4) canalSoft = true;
    }
    const ring = ant >= ATLAS_SECTOR_MIN_MM2 && left >= ATLAS_SECTOR_MIN_MM2 && right >= ATLAS_SECTOR_MIN_MM2 && canalSoft;
    if (run && (!ring || area > ATLAS_MAX_PLANE_AREA_MM2)) {
      if (isAtlas(run)) break;
      run = null;
    }
    if (!ring || area > ATLAS_MAX_PLANE_AREA_MM2) {
      if (h >= 20) break;
      continue;
    }
    if (!run) {
      if (h > 20) break;
      run = { bottom: h, top: h, area: 0, hu: 0, sum: [0, 0, 0], posterior: false, uMin, uMax, vMin, vMax };
    }
    run.top = h;
    run.area += area;
    run.hu += hu;
    run.sum = [run.sum[0] + sum[0], run.sum[1] + sum[1], run.sum[2] + sum[2]];
    run.posterior ||= post >= ATLAS_SECTOR_MIN_MM2;
    run.uMin = Math.min(run.uMin, uMin);
    run.uMax = Math.max(run.uMax, uMax);
    run.vMin = Math.min(run.vMin, vMin);
    run.vMax = Math.max(run.vMax, vMax);
  }
  if (!isAtlas(run)) return null;
  return {
    centroid: [run.sum[0] / run.area, run.sum[1] / run.area, run.sum[2] / run.area],
    bottomMm: run.bottom,
    topMm: run.top,
    boneAreaMm2: run.area,
    apDepthMm: run.vMax - run.vMin + 1,
    widthMm: run.uMax - run.uMin + 1,
    meanBoneHu: run.hu / run.area,
  };
}

/**
 * The column with C1 prepended above a C2 labelled from the dens: C1 is reported as vertebra 0
 * (every other index moves down by one), with the atlas ring's centroid, no endplates of its own
 * (planes normal to C2's superior endplate at the ring's lower and upper bone), no heights, and
 * `truncated` set so that no disc-level or fracture measurement uses it.
 */
export function withAtlas(vertebrae: readonly VertebraResult[], atlas: AtlasRing | null): VertebraResult[] {
  const c2 = vertebrae[0];
  if (!atlas || !c2 || c2.label !== 'C2') return [...vertebrae];
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  const n = c2.superiorEndplate.normalLps;
  const at = (h: number): [number, number, number] => [
    r1(c2.superiorEndplate.pointLps[0] + n[0] * h),
    r1(c2.superiorEndplate.pointLps[1] + n[1] * h),
    r1(c2.superiorEndplate.pointLps[2] + n[2] * h),
  ];
  const centroid: [number, number, number] = [r1(atlas.centroid[0]), r1(atlas.centroid[1]), r1(atlas.centroid[2])];
  const c1: VertebraResult = {
    ...c2,
    index: 0,
    label: 'C1',
    alternativeLabel: null,
    region: 'cervical',
    // Counted one level up from the dens anchor, and the ring is found where the atlas must be.
    confidence: Math.round(c2.confidence * 0.95 * 100) / 100,
    detectionConfidence: Math.round(c2.detectionConfidence * 0.9 * 100) / 100,
    centroidLps: centroid,
    posteriorSuperiorCornerLps: centroid,
    posteriorInferiorCornerLps: centroid,
    superiorEndplate: { pointLps: at(atlas.topMm), normalLps: n, rmsResidualMm: 0 },
    inferiorEndplate: { pointLps: at(atlas.bottomMm), normalLps: n, rmsResidualMm: 0 },
    heightsMm: { anterior: null, middle: null, posterior: null },
    apDepthMm: r1(atlas.apDepthMm),
    widthMm: r1(atlas.widthMm),
    bodyVolumeMm3: 0,
    trabecularHu: Math.round(atlas.meanBoneHu),
    canalApDiameterMm: null,
    canalApAtDiscBelowMm: null,
    hasRibs: false,
    ribScore: 0,
    isSacral: false,
    truncated: true,
  };
  return [c1, ...vertebrae.map((v) => ({ ...v, index: v.index + 1 }))];
}
