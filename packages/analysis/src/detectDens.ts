/**
 * C2 anchor: the dens (odontoid process) rises from the C2 body through the atlas ring; there is
 * no intervertebral disc between C1 and C2 (the atlanto-axial joints are synovial; Gray's
 * Anatomy, 41st ed., ch. 43). So above C2's superior cortex a narrow peg continues along the
 * axis: a cortical shell within 7 mm of the axis all around, soft tissue outside it in several
 * directions (atlanto-dental interval, transverse ligament), where every other vertebra has a
 * disc, wide and without a shell. A fused (ankylosed) level is bone across its full width, so the
 * peg must also be narrow. When the detection splits C2 in two (a false disc inside its tall, dim
 * body), findDensAbove finds the dens a few millimetres above the lower piece, over continuous
 * bone, and gives C2's true superior surface.
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
/** Reach and step (mm) of the search for the peg's centre around the superior endplate's centre. */
const PEG_SEARCH_MM = 3;
const PEG_SEARCH_STEP_MM = 1.5;

export function detectDens(sample: GridSampler, body: DensFrame): boolean {
  const p = body.superior.point;
  const t = body.superior.normal;
  const a = body.anterior;
  const l = body.left;
  const at = (u: number, v: number, h: number): number =>
    sample(p[0]! + l[0]! * u + a[0]! * v + t[0]! * h, p[1]! + l[1]! * u + a[1]! * v + t[1]! * h, p[2]! + l[2]! * u + a[2]! * v + t[2]! * h);
  // The superior endplate's plane centre need not lie on the dens' axis: in a small C2 tilted by a
  // compensatory cervical curve it was 1.5–2 mm off (scoliosis-double-major, 2026-11-27), and from
  // there the near side of the ≈ 10 mm peg's shell falls inside 2.5 mm. The peg's centre is looked
  // for within PEG_SEARCH_MM of the plane centre at each height.
  const pegNear = (h: number): boolean => {
    for (let dv = -PEG_SEARCH_MM; dv <= PEG_SEARCH_MM; dv += PEG_SEARCH_STEP_MM) {
      for (let du = -PEG_SEARCH_MM; du <= PEG_SEARCH_MM; du += PEG_SEARCH_STEP_MM) {
        if (pegAt(at, du, dv, h)) return true;
      }
    }
    return false;
  };
  let hits = 0;
  for (const h of HEIGHTS_MM) if (pegNear(h)) hits++;
  return hits >= 4;
}

/**
 * The dens' cross-section at (u, v) in the plane at height h: not air or fat at the centre (a disc
 * or the dens' trabecular core are both ≥ ~50 HU), its cortical shell within 2.5–7 mm of the centre
 * in at least 6 of 8 directions, and soft tissue at 8 and 10 mm in at least 3.
 */
function pegAt(at: (u: number, v: number, h: number) => number, u0: number, v0: number, h: number): boolean {
  const centre = at(u0, v0, h);
  if (!(centre >= 50)) return false;
  let shell = 0;
  let soft = 0;
  for (let q = 0; q < 8; q++) {
    const c = Math.cos((2 * Math.PI * q) / 8);
    const sn = Math.sin((2 * Math.PI * q) / 8);
    let peak = -Infinity;
    for (let r = 2.5; r <= 7; r += 0.5) {
      const x = at(u0 + r * c, v0 + r * sn, h);
      if (x > peak) peak = x;
    }
    if (peak >= SHELL_HU) shell++;
    let isSoft = true;
    for (const r of ANNULUS_MM) {
      const x = at(u0 + r * c, v0 + r * sn, h);
      if (!(x < SOFT_HU)) isSoft = false;
    }
    if (isSoft) soft++;
  }
  return shell >= 6 && soft >= 3;
}

export interface DensSearchBody extends DensFrame {
  readonly centroid: readonly number[];
}

/** Where the dens rises from a C2 whose detected superior endplate lies inside its body. */
export interface DensBase {
  /** Centre of the dens' base (C2's true superior surface), LPS mm. */
  readonly point: [number, number, number];
  /** Direction of the dens (C2's axis), unit. */
  readonly normal: [number, number, number];
  /** Height of the dens' base above the detected superior endplate, mm. */
  readonly riseMm: number;
}

/** Step and reach of the scan above the detected superior endplate: C2's body is 14–16 mm tall (Panjabi MM et al., Spine 1991;16:861–9). */
const SCAN_STEP_MM = 1.5;
const SCAN_MAX_RISE_MM = 18;
/** Walls (cortex ≥ 350 HU) are looked for this far from the tracked centre; a body section has them in 3 of its 4 in-plane directions. */
const WALL_SEARCH_MM = 11;

/**
 * C2 split in two by a false disc inside its body (its trabecular core is dim, its body the
 * tallest of the neck): the lower piece's detected superior endplate lies inside C2, and the dens
 * rises a few millimetres higher. Scans upwards along the column (from the body below through
 * this one, which the poorly fitted endplates of a small, tilted body do not mislead), following
 * the centre of the section between its cortical walls (the dens continues the body's centre
 * line), for the dens cross-section of detectDens. It is accepted only when every plane between
 * the detected endplate and the dens' base is a body section (walls around the centre, or bone on
 * it): a disc between them (C2/C3: no cortex around the centre) means this body is not C2; and a
 * piece whose own top is already the dens (the upper piece) is not C2 either. Returns the dens'
 * base (C2's true superior surface) or null.
 */
export function findDensAbove(sample: GridSampler, body: DensSearchBody, below: { readonly centroid: readonly number[] } | null): DensBase | null {
  const unit = (v: readonly number[]): number[] | null => {
    const n = Math.hypot(v[0]!, v[1]!, v[2]!);
    return n > 1e-6 ? [v[0]! / n, v[1]! / n, v[2]! / n] : null;
  };
  const t = (below ? unit([0, 1, 2].map((k) => body.centroid[k]! - below.centroid[k]!)) : null) ?? unit(body.superior.normal);
  if (!t) return null;
  const d = body.anterior[0]! * t[0]! + body.anterior[1]! * t[1]! + body.anterior[2]! * t[2]!;
  const a = unit([0, 1, 2].map((k) => body.anterior[k]! - d * t[k]!));
  if (!a) return null;
  const l = [t[1]! * a[2]! - t[2]! * a[1]!, t[2]! * a[0]! - t[0]! * a[2]!, t[0]! * a[1]! - t[1]! * a[0]!];
  const p = body.superior.point;
  const pos = (u: number, v: number, h: number): [number, number, number] => [
    p[0]! + l[0]! * u + a[0]! * v + t[0]! * h,
    p[1]! + l[1]! * u + a[1]! * v + t[1]! * h,
    p[2]! + l[2]! * u + a[2]! * v + t[2]! * h,
  ];
  const at = (u: number, v: number, h: number): number => {
    const x = pos(u, v, h);
    return sample(x[0], x[1], x[2]);
  };
  /**
   * Distance from (u, v) along (du, dv) to the outer edge of the cortex (≥ 350 HU followed by
   * 1.5 mm of soft tissue), or null within WALL_SEARCH_MM.
   */
  const edge = (u: number, v: number, h: number, du: number, dv: number): number | null => {
    let lastBone = -1;
    for (let r = 0; r <= WALL_SEARCH_MM + 2; r += 0.5) {
      const x = at(u + r * du, v + r * dv, h);
      if (x >= SHELL_HU) {
        if (r > WALL_SEARCH_MM) return null;
        lastBone = r;
      } else if (lastBone >= 0 && !(x >= SOFT_HU) && r - lastBone >= 1.5) {
        return lastBone;
      }
    }
    return null;
  };
  let cu = 0;
  let cv = 0;
  const centres: { h: number; u: number; v: number; peg: boolean; section: boolean }[] = [];
  for (let h = 0; h <= SCAN_MAX_RISE_MM + HEIGHTS_MM[HEIGHTS_MM.length - 1]! + 1e-6; h += SCAN_STEP_MM) {
    // Re-centre between the outer cortical edges (twice: the first pass may start off-centre).
    let walls = 0;
    for (let pass = 0; pass < 2; pass++) {
      const right = edge(cu, cv, h, -1, 0);
      const left = edge(cu, cv, h, 1, 0);
      const back = edge(cu, cv, h, 0, -1);
      const front = edge(cu, cv, h, 0, 1);
      walls = [right, left, back, front].filter((x) => x !== null).length;
      if (left !== null && right !== null) cu += (left - right) / 2;
      if (front !== null && back !== null) cv += (front - back) / 2;
    }
    // No cortex around the centre: a disc (or soft tissue above the dens' tip).
    const section = walls >= 3;
    centres.push({ h, u: cu, v: cv, peg: pegAt(at, cu, cv, h), section });
  }
  const isSection = (k: number): boolean => centres[k]!.section;
  // A piece whose own top is already the dens is not C2 (it is the dens above a split C2).
  if (centres[0]!.peg) return null;
  for (let k = 1; k < centres.length && centres[k]!.h <= SCAN_MAX_RISE_MM + 1e-6; k++) {
    // Every plane below the candidate base is a body section, not a disc.
    if (!isSection(k - 1)) return null;
    if (!centres[k]!.peg) continue;
    const run = centres.slice(k, k + HEIGHTS_MM.length).filter((c) => c.peg);
    if (run.length < 4) continue;
    const first = centres[k]!;
    const last = run[run.length - 1]!;
    const base = pos(first.u, first.v, first.h - SCAN_STEP_MM);
    const top = pos(last.u, last.v, last.h);
    const axis = last.h - first.h >= 3 ? unit([top[0] - base[0], top[1] - base[1], top[2] - base[2]]) : null;
    return { point: base, normal: (axis ?? t) as [number, number, number], riseMm: first.h - SCAN_STEP_MM };
  }
  return null;
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
    // Not C2's: the ring has no canal measurement of its own.
    canalApSegmentLps: null,
    canalApAtDiscBelowSegmentLps: null,
    hasRibs: false,
    ribScore: 0,
    isSacral: false,
    truncated: true,
  };
  return [c1, ...vertebrae.map((v) => ({ ...v, index: v.index + 1 }))];
}
