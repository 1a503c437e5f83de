/**
 * Anatomical anchor evidence per vertebra, in planes perpendicular to the vertebra's own axis (the
 * mean endplate normal, not the disc-to-disc chord: so a kyphotic, lordotic or scoliotic tilt
 * does not slide a neighbour's rib into the slab or cut the two ribs of a pair at different
 * heights; where the fitted endplates disagree, the endplate-to-endplate line or the superior
 * endplate's normal, whichever sees more of the rib pair), relative to the
 * canal centre (u: left, v: anterior):
 * - ribs, in the upper half of the body (rib heads and necks articulate there; the shafts of
 *   ribs 11–12 descend beside L1–L2 further out; all visible planes when the body is cut by the
 *   field of view): bone from 42–55 mm (by body width) to 125 mm lateral on both sides, within 45 mm anterior / 50 mm
 *   posterior of the canal, that is either connected in the plane to bone within 35 mm of the
 *   canal (the rib articulates with the vertebra) or, within 90 mm (anywhere for a body cut by
 *   the field of view), a compact cross-section (≤ 40 mm, ≤ 400 mm²; each connected section judged on its own, as ribs of
 *   neighbouring levels crowd together on the concave side of a scoliosis). Seeds with bone 10–20 mm below them belong to a vertical plate (iliac wing,
 *   scapula), not to a rib (a rib is ~9 mm thick; Gray's Anatomy, 41st ed., ch. 53 "Chest wall").
 *   On a body cut by the field of view, a rib seen only far laterally in the slab may be a shaft
 *   from the level above; it is shown to be the body's own where, between the body's detected open
 *   end and the edge of the view, it is joined to the vertebra on both sides (ribScoreNear).
 *   Lumbar transverse processes end medial to the window.
 * - short rib, on a vertebra without a rib pair in that window: the bone leaving it sideways,
 *   followed in 3-D from 25–35 mm lateral, reaches beyond the seed start (past every transverse
 *   process tip, lumbar ≤ 46 mm) yet ends within 38 mm of it (Yun et al., Korean J Radiol
 *   2018;19:1140–7: a rib under 38 mm is short) — a rudimentary (lumbar) rib.
 * - sacrum: over the whole body height, a large bone mass 35–70 mm lateral on both sides
 *   (sacral alae with the adjoining ilium at the sacroiliac joints), far larger than a transverse
 *   process.
 */
import type { GridSampler } from './createGridSampler.js';

export interface AnchorScores {
  /** Fraction of upper-half planes with rib-like bone on both sides, 0…1. */
  readonly ribScore: number;
  /**
   * Fraction of the same planes with rib-like bone on at least one side, 0…1: in an axially
   * rotated (scoliotic) vertebra one rib may swing out of the window while the other is seen.
   */
  readonly oneSidedRibScore: number;
  /**
   * ribScore counting isolated rib sections only within 90 mm of the canal even for a body cut by
   * the field of view (equal to ribScore for a complete body): a rib anchor that adds labels must
   * not rest on a shaft descending from the level above. Equal to ribScore, too, for a cut body
   * whose rib is seen joined to it on both sides between its detected open end and the edge of the
   * view (the far sections are then its own rib's shaft).
   */
  readonly ribScoreNear: number;
  /** Fraction of planes with an ala/ilium-like mass on both sides, 0…1. */
  readonly sacralScore: number;
  /** Number of planes (1.5 mm apart) the rib score is based on. */
  readonly ribPlanes: number;
  /** Fraction of the rib window (both sides, up to 100 mm lateral) inside the field of view, 0…1. */
  readonly ribWindowInView: number;
  /**
   * On a vertebra without a rib pair in the rib window (rib score < 0.1) and not sacral: how far
   * lateral of the canal centre the bone leaving it sideways (transverse process, rudimentary rib)
   * reaches, followed in 3-D (a rib descends out of the vertebra's slab), mm; NaN elsewhere and
   * where none is in view.
   */
  readonly ribReachMm: number;
  /**
   * On such a vertebra, bone leaving it sideways reaches beyond the seed start (beyond every
   * transverse process tip) but ends less than 38 mm beyond it: possibly a short rib — a hypoplastic 12th rib or
   * a rudimentary lumbar rib (Yun et al., Korean J Radiol 2018;19:1140–7: a rib under 38 mm from
   * head to tip is short; the 12th rib's length is highly variable). It measures lateral reach, not
   * length: a first rib missed by the window, which curves forward close to the midline, reads short too.
   */
  readonly shortRib: boolean;
}

export interface AnchorFrame {
  readonly canalCentre: readonly number[];
  readonly axis: readonly number[];
  readonly anterior: readonly number[];
  readonly left: readonly number[];
  readonly superior: { readonly point: readonly number[]; readonly normal?: readonly number[] };
  readonly inferior: { readonly point: readonly number[]; readonly normal?: readonly number[] };
  /** Body width, mm. */
  readonly width: number;
}


const STEP = 1.5;
const U_MAX = 125;
const COMPACT_U_MAX = 90;
const V_MIN = -50; // posterior
const V_MAX = 45; // anterior (ribs of a rotated scoliotic vertebra swing forwards on one side)
/**
 * Rib seeds start this far lateral of the canal centre: 30 mm + half the body width, within
 * 42–55 mm, i.e. beyond the transverse process tips of the same vertebra (C7 ≈ 37 mm, lumbar
 * ≤ 46 mm, both with wide bodies) but inside the short first rib (≈ 55 mm beside a 25 mm wide T1).
 */
function ribSeedStartMm(bodyWidthMm: number): number {
  return Math.max(42, Math.min(55, 30 + 0.5 * bodyWidthMm));
}
/**
 * A seed with bone (within 2.5 mm in-plane, for a slanted plate) at every one of these depths
 * below it is a vertical plate (iliac wing, scapula), not a rib (≈ 9 mm thick, ribs ≥ 5 mm apart).
 */
const PLATE_DEPTHS_MM = [6, 10, 14, 18, 22];
const PLATE_SLACK_MM = 2.5;
const RIB_HU = 200;
/**
 * Yun et al. (Korean J Radiol 2018;19:1140–7) call a rib shorter than 38 mm, head to tip, a short
 * rib (a thoracolumbar transitional vertebra); a rib's head lies at the body or, for a lumbar rib,
 * at the transverse process tip, i.e. medial to the seed start, so a rib ending less than this far
 * beyond the seed start may be short (only "possibly": its head may lie further in).
 */
const SHORT_RIB_MM = 38;
/** Lower ribs slope down as they run out: the 3-D follow reaches this far below the body. */
const RIB_FOLLOW_BELOW_MM = 40;
/** Below this rib score (labelVertebrae's RIB_SCORE_MIN) the vertebra has no rib pair in the window. */
const RIB_FREE_MAX_SCORE = 0.1;
/** Lateral band (mm from the canal centre) where the bone leaving a vertebra sideways (transverse process, rib neck) is seeded. */
const RIB_ROOT_MM = [25, 35] as const;
/** Ala/ilium bone threshold: 180 HU, lowered to 0.75 × the column's trabecular HU (≥ 70 HU, above muscle) in osteopenic bone (alae ≈ 0.9 × trabecular). */
function sacralHuFor(trabecularHu: number | undefined): number {
  if (!(trabecularHu !== undefined && trabecularHu === trabecularHu)) return 180;
  return Math.max(70, Math.min(180, 0.75 * trabecularHu));
}
/** Per side: alae with the ilium cover well over 1000 mm²; a rib running in-plane or a transverse process stays under ~400 mm². */
const SACRAL_AREA_MM2 = 600;

/** `v` made orthogonal to the unit vector `t` and normalised. */
function orthoUnit(v: readonly number[], t: readonly number[]): number[] {
  const d = v[0]! * t[0]! + v[1]! * t[1]! + v[2]! * t[2]!;
  const w = [v[0]! - d * t[0]!, v[1]! - d * t[1]!, v[2]! - d * t[2]!];
  const n = Math.hypot(w[0]!, w[1]!, w[2]!) || 1;
  return [w[0]! / n, w[1]! / n, w[2]! / n];
}
/**
 * Normals of the rib planes: the body's own axis (mean endplate normal). A vertebra's two endplates
 * are near-parallel; fitted normals more than ENDPLATE_DISAGREE_DEG apart mean either a wedged body
 * (a grade-3 wedge fracture, > 40 % anterior height loss, tilts them by about 20°; Genant HK et al.,
 * J Bone Miner Res 1993;8:1137–48) or a wrong fit (the apical vertebrae of a severe, rotated curve:
 * 20–28° apart at T4–T10 of scoliosis-severe, whose true endplates are parallel). Then the mean
 * normal is wrong by half the misfit, and two candidates are tried: the line between the two
 * endplate centres (the body's height axis: for a wedge as good as the mean normal, for a misfit
 * usually close to the true one) and the superior endplate's normal (the rib heads articulate next
 * to it, and at T4–T7 of scoliosis-severe it is the better fit: 2–3° off where the chord is 4–11°).
 * A plane tilted by 10° is 10 mm off at 60 mm lateral, enough to slide under the convex-side ribs,
 * which a rotated vertebra carries posterolaterally; the candidate that sees more of the rib pair wins.
 */
function slabAxes(body: AnchorFrame): readonly (readonly number[])[] {
  const ns = body.superior.normal;
  const ni = body.inferior.normal;
  if (!ns || !ni) return [body.axis];
  const cos = ns[0]! * ni[0]! + ns[1]! * ni[1]! + ns[2]! * ni[2]!;
  if (!(cos < Math.cos((ENDPLATE_DISAGREE_DEG * Math.PI) / 180))) return [body.axis];
  const d = [0, 1, 2].map((k) => body.superior.point[k]! - body.inferior.point[k]!);
  const len = Math.hypot(d[0]!, d[1]!, d[2]!);
  const chord = len > 5 ? d.map((x) => x / len) : body.axis;
  // The superior normal oriented like the body axis (fitted normals may point either way).
  const dot = ns[0]! * body.axis[0]! + ns[1]! * body.axis[1]! + ns[2]! * body.axis[2]!;
  const sup = dot < 0 ? ns.map((x) => -x) : ns;
  return [chord, sup];
}
/**
 * A body cut by the field of view is detected a few millimetres short of the edge of the view
 * (its open end, measured 2026-11-27: 8.4 mm below the cranial edge at the canal in
 * transitional-four-lumbar, 8.9 mm in normal-fov-from-l1). The planes between that end and the edge
 * are still this vertebra's when the view ends within CUT_END_REACH_MM of it. The rib of a
 * vertebra above, across an undetected disc, lies further out: a disc height (the phantom's T12/L1
 * disc 7.2 mm at its centre; adult lumbar discs ≈ 10 mm) plus its rib's height above its own
 * inferior endplate (8.4–9.7 mm for the phantom's T12 rib; more in real anatomy, where the 12th
 * rib's head articulates with the upper part of the T12 body; Gray's Anatomy, 41st ed., ch. 53
 * "Chest wall"), i.e. more than 15 mm beyond the end.
 */
const CUT_END_REACH_MM = 12;
/**
 * A rib seen joined (in the plane, through bone) to this vertebra within 35 mm of the canal on
 * both sides in at least this many of those planes (3 mm; a rib is ≈ 9 mm thick) articulates with
 * it. Measured 2026-11-27 beyond the open end of transitional-four-lumbar's cut T12: 3 of the 5
 * planes with the canal in view (none in its slab, where the rib is seen only 76–121 mm lateral);
 * beside normal-fov-from-l1's cut L1: no rib-like bone at all, in the slab or beyond it.
 */
const CUT_END_JOINED_MIN_PLANES = 2;
/** A sacral-type segment (labelVertebrae: sacral score ≥ 0.3). */
const SACRAL_SEGMENT_MIN = 0.3;
/** Endplate normals of one body further apart than this are not both right (see slabAxes). */
const ENDPLATE_DISAGREE_DEG = 15;

export function scoreAnchors(sample: GridSampler, body: AnchorFrame, options: { columnTrabecularHu?: number; truncated?: boolean } = {}): AnchorScores {
  let best: AnchorScores | null = null;
  for (const t of slabAxes(body)) {
    // A sacral segment (alae and ilium beside it) has no ribs to look for in a second plane.
    if (best && best.sacralScore >= SACRAL_SEGMENT_MIN) break;
    const s = scoreAnchorsAlong(sample, body, t, options);
    if (!best || s.ribScore > best.ribScore || (s.ribScore === best.ribScore && s.oneSidedRibScore > best.oneSidedRibScore)) best = s;
  }
  return best!;
}

function scoreAnchorsAlong(sample: GridSampler, body: AnchorFrame, t: readonly number[], options: { columnTrabecularHu?: number; truncated?: boolean }): AnchorScores {
  const compactMax = options.truncated ? U_MAX : COMPACT_U_MAX;
  const sacralHu = sacralHuFor(options.columnTrabecularHu);
  const c = body.canalCentre;
  // The planes are normal to the body's own axis (the endplate normals), which in a tilted
  // (scoliotic) vertebra differs from the disc-to-disc chord the anterior/left directions were
  // built on: re-orthogonalise them, or a plane cuts one rib above and the other below its head.
  const a = orthoUnit(body.anterior, t);
  const l = [t[1]! * a[2]! - t[2]! * a[1]!, t[2]! * a[0]! - t[0]! * a[2]!, t[0]! * a[1]! - t[1]! * a[0]!];
  const rel = (p: readonly number[]): number => (p[0]! - c[0]!) * t[0]! + (p[1]! - c[1]!) * t[1]! + (p[2]! - c[2]!) * t[2]!;
  let hSup = rel(body.superior.point);
  let hInf = rel(body.inferior.point);
  if (!(hSup === hSup && hInf === hInf)) return { ribScore: 0, oneSidedRibScore: 0, ribScoreNear: 0, sacralScore: 0, ribPlanes: 0, ribWindowInView: 0, ribReachMm: Number.NaN, shortRib: false };
  // A slab thinner than 12 mm (endplates misread in a fused or crushed segment) is widened around
  // its centre, so the anchor tests still see enough planes.
  if (hSup - hInf < 12) {
    const mid = (hSup + hInf) / 2;
    hSup = mid + 6;
    hInf = mid - 6;
  }
  const hMid = (hSup + hInf) / 2;
  const ribStart = ribSeedStartMm(body.width);
  const nu = Math.round((2 * U_MAX) / STEP) + 1;
  const nv = Math.round((V_MAX - V_MIN) / STEP) + 1;
  const img = new Float32Array(nu * nv);
  const seen = new Uint8Array(nu * nv);
  const outside = new Uint8Array(nu * nv);
  const queue = new Int32Array(nu * nv);
  const area = STEP * STEP;
  const uOf = (i: number): number => -U_MAX + i * STEP;
  const vOf = (j: number): number => V_MIN + j * STEP;

  const fillPlane = (h: number): void => {
    for (let j = 0; j < nv; j++) {
      const v = vOf(j);
      for (let i = 0; i < nu; i++) {
        const u = uOf(i);
        const x = c[0]! + l[0]! * u + a[0]! * v + t[0]! * h;
        const y = c[1]! + l[1]! * u + a[1]! * v + t[1]! * h;
        const z = c[2]! + l[2]! * u + a[2]! * v + t[2]! * h;
        const hu = sample(x, y, z);
        img[j * nu + i] = hu === hu ? hu : -1024;
        outside[j * nu + i] = hu === hu ? 0 : 1;
      }
    }
  };

  const isPlate = (u: number, v: number, h: number): boolean => {
    for (const d of PLATE_DEPTHS_MM) {
      const hh = h - d;
      let found = false;
      for (let du = -PLATE_SLACK_MM; du <= PLATE_SLACK_MM && !found; du += PLATE_SLACK_MM) {
        for (let dv = -PLATE_SLACK_MM; dv <= PLATE_SLACK_MM && !found; dv += PLATE_SLACK_MM) {
          const uu = u + du;
          const vv = v + dv;
          const hu = sample(c[0]! + l[0]! * uu + a[0]! * vv + t[0]! * hh, c[1]! + l[1]! * uu + a[1]! * vv + t[1]! * hh, c[2]! + l[2]! * uu + a[2]! * vv + t[2]! * hh);
          if (hu >= RIB_HU) found = true;
        }
      }
      if (!found) return false;
    }
    return true;
  };

  const seedMask = new Uint8Array(nu * nv);
  const compQueue = new Int32Array(nu * nv);
  /** True when one 4-connected component of the seeds queue[0…seeds) is a compact rib cross-section. */
  const compactRibSection = (seeds: number, limitMm: number): boolean => {
    seedMask.fill(0);
    for (let k = 0; k < seeds; k++) seedMask[queue[k]!] = 1;
    for (let k = 0; k < seeds; k++) {
      const start = queue[k]!;
      if (seedMask[start] !== 1) continue;
      seedMask[start] = 2;
      let head = 0;
      let tail = 0;
      compQueue[tail++] = start;
      let compArea = 0;
      let iMin = Infinity;
      let iMax = -Infinity;
      let jMin = Infinity;
      let jMax = -Infinity;
      while (head < tail) {
        const q = compQueue[head++]!;
        const i = q % nu;
        const j = (q - i) / nu;
        compArea += area;
        if (i < iMin) iMin = i;
        if (i > iMax) iMax = i;
        if (j < jMin) jMin = j;
        if (j > jMax) jMax = j;
        const nbs = [i > 0 ? q - 1 : -1, i < nu - 1 ? q + 1 : -1, j > 0 ? q - nu : -1, j < nv - 1 ? q + nu : -1];
        for (const r of nbs) {
          if (r < 0 || seedMask[r] !== 1) continue;
          seedMask[r] = 2;
          compQueue[tail++] = r;
        }
      }
      const near = Math.max(Math.abs(uOf(iMin)), Math.abs(uOf(iMax))) <= limitMm;
      if (near && compArea >= 10 && compArea <= 400 && Math.max(iMax - iMin + 1, jMax - jMin + 1) * STEP <= 40) return true;
    }
    return false;
  };

  const ribSide = (side: 1 | -1, h: number, limitMm = compactMax): boolean => {
    seen.fill(0);
    let head = 0;
    let tail = 0;
    let seedArea = 0;
    for (let j = 0; j < nv; j++) {
      for (let i = 0; i < nu; i++) {
        const du = side * uOf(i);
        if (du < ribStart || du > U_MAX) continue;
        const q = j * nu + i;
        if (img[q]! < RIB_HU) continue;
        if (isPlate(uOf(i), vOf(j), h)) continue;
        seen[q] = 1;
        queue[tail++] = q;
        seedArea += area;
      }
    }
    if (seedArea < 10) return false;
    // An isolated compact cross-section counts as this vertebra's rib only within 90 mm: further out
    // it may be the descending shaft of a rib from above (ribs 11–12 run down beside L1–L2). A body
    // cut by the field of view shows only part of its slab, so there the whole window counts (a
    // false rib there can only make anchors disagree or stay unconfirmed; a transitional count, which
    // does add labels, is settled only by ribScoreNear, which keeps the 90 mm limit).
    // Each connected cross-section is judged on its own: on the concave side of a scoliosis the
    // ribs of neighbouring levels crowd into the window, and together they are no longer compact.
    if (compactRibSection(tail, limitMm)) return true;
    while (head < tail) {
      const q = queue[head++]!;
      const i = q % nu;
      const j = (q - i) / nu;
      const du = side * uOf(i);
      if (du <= 35 && du >= 18) return true;
      const nb0 = i > 0 ? q - 1 : -1;
      const nb1 = i < nu - 1 ? q + 1 : -1;
      const nb2 = j > 0 ? q - nu : -1;
      const nb3 = j < nv - 1 ? q + nu : -1;
      for (const r of [nb0, nb1, nb2, nb3]) {
        if (r < 0 || seen[r]) continue;
        const ru = side * uOf(r % nu);
        if (ru < 18 || img[r]! < RIB_HU) continue;
        seen[r] = 1;
        queue[tail++] = r;
      }
    }
    return false;
  };

  // The ala/ilium test keeps the chord-normal planes (a mass over the whole body height does not
  // need the rib pair's own plane, and a poorly fitted endplate must not tilt it into the ribs).
  const a0 = body.anterior;
  const l0 = body.left;
  const sacralSide = (side: 1 | -1, h: number): boolean => {
    let count = 0;
    for (let j = 0; j < nv; j++) {
      const v = vOf(j);
      if (v < -30 || v > 35) continue;
      for (let i = 0; i < nu; i++) {
        const du = side * uOf(i);
        if (du < 35 || du > 70) continue;
        const u = uOf(i);
        const hu = sample(c[0]! + l0[0]! * u + a0[0]! * v + t[0]! * h, c[1]! + l0[1]! * u + a0[1]! * v + t[1]! * h, c[2]! + l0[2]! * u + a0[2]! * v + t[2]! * h);
        if (hu >= sacralHu) count++;
      }
    }
    return count * area >= SACRAL_AREA_MM2;
  };

  // Rib planes: the upper half of the body (rib heads and necks articulate there); for a body cut by
  // the field of view, every plane that is in view.
  const inView = (h: number): boolean => sample(c[0]! + t[0]! * h, c[1]! + t[1]! * h, c[2]! + t[2]! * h) === sample(c[0]! + t[0]! * h, c[1]! + t[1]! * h, c[2]! + t[2]! * h);
  const upper: number[] = [];
  const all: number[] = [];
  for (let h = hInf; h <= hSup + 1e-6; h += STEP) {
    if (!inView(h)) continue;
    all.push(h);
    if (h >= hMid - 1e-6) upper.push(h);
  }
  const ribSet = new Set(upper.length >= 3 ? upper : all);
  const windowInView = (): number => {
    let inside = 0;
    let total = 0;
    for (let j = 0; j < nv; j++) {
      const v = vOf(j);
      if (v < -20 || v > 30) continue;
      for (let i = 0; i < nu; i++) {
        const du = Math.abs(uOf(i));
        if (du < ribStart || du > 100) continue;
        total++;
        if (!outside[j * nu + i]) inside++;
      }
    }
    return total ? inside / total : 0;
  };
  let inViewSum = 0;
  let ribPlanes = 0;
  let ribHits = 0;
  let oneSidedHits = 0;
  let nearHits = 0;
  let planes = 0;
  let sacralHits = 0;
  for (const h of all) {
    planes++;
    if (sacralSide(1, h) && sacralSide(-1, h)) sacralHits++;
    if (ribSet.has(h)) {
      fillPlane(h);
      ribPlanes++;
      inViewSum += windowInView();
      const left = ribSide(1, h);
      const right = ribSide(-1, h);
      if (left && right) ribHits++;
      if (left || right) oneSidedHits++;
      if (compactMax === COMPACT_U_MAX ? left && right : ribSide(1, h, COMPACT_U_MAX) && ribSide(-1, h, COMPACT_U_MAX)) nearHits++;
    }
  }
  // A body cut by the field of view: the planes between its open end and the edge of the view. A
  // rib joined there to the vertebra (its body or transverse process, within 35 mm of the canal) on
  // both sides is this vertebra's own rib, so the rib sections seen far laterally in its slab are
  // that rib's shaft, not the shaft of a rib from the level above passing beside it (ribScoreNear).
  let joinedBeyondCut = 0;
  if (options.truncated) {
    for (const [end, dir] of [[hSup, 1], [hInf, -1]] as const) {
      // Only an end the view stops within CUT_END_REACH_MM of (an end at a disc has the next vertebra beyond it).
      let edgeMm = Number.NaN;
      for (let d = STEP; d <= CUT_END_REACH_MM + 1e-6 && edgeMm !== edgeMm; d += STEP) if (!inView(end + dir * d)) edgeMm = d;
      if (edgeMm !== edgeMm) continue;
      for (let d = STEP; d < edgeMm - 1e-6; d += STEP) {
        const h = end + dir * d;
        fillPlane(h);
        // limit 0: an isolated compact section never counts here, only bone joined to the vertebra.
        if (ribSide(1, h, 0) && ribSide(-1, h, 0)) joinedBeyondCut++;
      }
    }
  }
  const ribScore = ribPlanes ? ribHits / ribPlanes : 0;
  // Lateral reach, followed in 3-D from the transverse-process roots, only on vertebrae without a
  // rib pair in the window (where a short rib would otherwise go unseen) and not on sacral segments
  // (alae and ilium are not ribs).
  const ribFreeHere = ribHits < RIB_FREE_MAX_SCORE * ribPlanes;
  const reaches = ribFreeHere && sacralHits < 0.3 * planes ? [ribReach(1), ribReach(-1)].filter((r) => r === r) : [];
  const ribReachMm = reaches.length ? Math.max(...reaches) : Number.NaN;
  return {
    ribScore,
    oneSidedRibScore: ribPlanes ? oneSidedHits / ribPlanes : 0,
    ribScoreNear: joinedBeyondCut >= CUT_END_JOINED_MIN_PLANES ? ribScore : ribPlanes ? nearHits / ribPlanes : 0,
    sacralScore: planes ? sacralHits / planes : 0,
    ribPlanes,
    ribWindowInView: ribPlanes ? inViewSum / ribPlanes : 0,
    ribReachMm,
    shortRib: ribReachMm >= ribStart && ribReachMm < ribStart + SHORT_RIB_MM,
  };

  /**
   * Lateral reach (mm from the canal centre) on one side of the bone that leaves the vertebra at
   * its transverse process / rib neck (seeded 25–35 mm lateral in the rib planes: beyond the body
   * and pedicle, inside every transverse process tip), followed as one 6-connected 3-D component
   * kept lateral of 25 mm (so it cannot run back through the vertebra) through a box reaching
   * RIB_FOLLOW_BELOW_MM below the body (lower ribs slope down as they run out). A transverse
   * process ends inside the seed start (lumbar tips ≤ 46 mm), a rib goes beyond it. NaN when no
   * seed is in view, or when a short component runs out of the field of view (its length is then unknown).
   */
  function ribReach(side: 1 | -1): number {
    const uLo = RIB_ROOT_MM[0];
    const nU = Math.round((U_MAX - uLo) / STEP) + 1;
    const hLo = hInf - RIB_FOLLOW_BELOW_MM;
    const hHi = hSup + 10;
    const nH = Math.round((hHi - hLo) / STEP) + 1;
    const total = nU * nv * nH;
    // 0 unknown, 1 bone, 2 not bone, 3 outside the field of view; visited tracked separately.
    const state = new Uint8Array(total);
    const visited = new Uint8Array(total);
    const stack: number[] = [];
    const classify = (q: number): number => {
      if (state[q]) return state[q]!;
      const iu = q % nU;
      const rest = (q - iu) / nU;
      const jv = rest % nv;
      const kh = (rest - jv) / nv;
      const u = side * (uLo + iu * STEP);
      const v = vOf(jv);
      const h = hLo + kh * STEP;
      const hu = sample(c[0]! + l[0]! * u + a[0]! * v + t[0]! * h, c[1]! + l[1]! * u + a[1]! * v + t[1]! * h, c[2]! + l[2]! * u + a[2]! * v + t[2]! * h);
      state[q] = hu === hu ? (hu >= RIB_HU ? 1 : 2) : 3;
      return state[q]!;
    };
    for (const h of ribSet) {
      const kh = Math.round((h - hLo) / STEP);
      for (let iu = 0; iu < nU; iu++) {
        const u = uLo + iu * STEP;
        if (u > RIB_ROOT_MM[1]) continue;
        for (let jv = 0; jv < nv; jv++) {
          const q = (kh * nv + jv) * nU + iu;
          if (classify(q) !== 1) continue;
          visited[q] = 1;
          stack.push(q);
        }
      }
    }
    if (stack.length === 0) return Number.NaN;
    let maxIu = 0;
    let leftView = false;
    while (stack.length > 0) {
      const q = stack.pop()!;
      const iu = q % nU;
      const rest = (q - iu) / nU;
      const jv = rest % nv;
      const kh = (rest - jv) / nv;
      if (iu > maxIu) maxIu = iu;
      const nbs = [iu > 0 ? q - 1 : -1, iu < nU - 1 ? q + 1 : -1, jv > 0 ? q - nU : -1, jv < nv - 1 ? q + nU : -1, kh > 0 ? q - nU * nv : -1, kh < nH - 1 ? q + nU * nv : -1];
      for (const r of nbs) {
        if (r < 0 || visited[r]) continue;
        const k = classify(r);
        if (k === 3) leftView = true;
        if (k !== 1) continue;
        visited[r] = 1;
        stack.push(r);
      }
    }
    const reach = uLo + maxIu * STEP;
    return leftView && reach < ribStart + SHORT_RIB_MM ? Number.NaN : reach;
  }
}
