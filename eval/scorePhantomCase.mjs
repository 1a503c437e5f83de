/**
 * Scores one analysis result against phantom ground truth (issue 6 evaluation).
 * Identification follows VerSe (Sekuboyina et al., Med Image Anal 2021): a truth vertebra is
 * identified when the nearest detected centroid is < 20 mm away and carries the same label.
 * Centroids compared: the phantom's body centroid (VerSe convention; for a body cut by the field of view the
 * centroid of its mask's part in view, as VerSe's truth for a cut body) vs the analysis' centroidLps.
 * Grades are compared as sets of "LEVEL:grade" strings against the truth thresholds of
 * Genant 1993, Meyerding 1932, Verbiest/Ullrich (lumbar canal) and Pickhardt 2013 (L1 HU).
 * Every coronal curve of the truth in view is scored against the measured curve that shares the
 * most of its levels (scoreCobbCurves); a measured curve matching none is scored as a false one,
 * its error the difference from the truth's angle over the same levels where the truth has that
 * curve under the 5° reporting limit, else its whole angle.
 */
import { coronalLineAngleDeg, findCobbAngles } from '@vertebra/phantom';

const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const mean = (xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
const max = (xs) => (xs.length ? Math.max(...xs) : null);

/**
 * Nearest-detection matching of truth vertebrae. `truth`: [{ label, centroidLps }].
 * Returns per truth vertebra the nearest detection and distance, and the VerSe figures.
 */
export function matchVertebrae(result, truth) {
  const rows = truth.map((t) => {
    let best = null;
    let bestD = Infinity;
    for (const v of result.vertebrae) {
      const d = dist(v.centroidLps, t.centroidLps);
      if (d < bestD) {
        bestD = d;
        best = v;
      }
    }
    const detected = best !== null && bestD < 20;
    return { truth: t, detection: best, distanceMm: bestD, detected, identified: detected && best.label === t.label };
  });
  // Wrong labels: a labelled detection whose nearest truth vertebra (< 20 mm) has another level;
  // `wrongLabelsAltOk` counts those where the alternative (transitional) numbering is right.
  let wrongLabels = 0;
  let wrongLabelsAltOk = 0;
  for (const v of result.vertebrae) {
    if (v.label === null || truth.length === 0) continue;
    const nearest = truth.reduce((a, b) => (dist(a.centroidLps, v.centroidLps) <= dist(b.centroidLps, v.centroidLps) ? a : b));
    if (dist(nearest.centroidLps, v.centroidLps) >= 20 || nearest.label === v.label) continue;
    wrongLabels++;
    if (v.alternativeLabel === nearest.label) wrongLabelsAltOk++;
  }
  const identified = rows.filter((r) => r.identified);
  const detected = rows.filter((r) => r.detected);
  const errs = identified.map((r) => r.distanceMm);
  const detErrs = detected.map((r) => r.distanceMm);
  return {
    rows,
    truthCount: truth.length,
    wrongLabels,
    wrongLabelsAltOk,
    identificationRate: truth.length ? identified.length / truth.length : null,
    detectionRate: truth.length ? detected.length / truth.length : null,
    centroidMeanMm: mean(errs),
    centroidMaxMm: max(errs),
    detectedCentroidMeanMm: mean(detErrs),
    detectedCentroidMaxMm: max(detErrs),
  };
}

/** Cranio-caudal order of the levels (transitional T13 / L6 in their places). */
const LEVEL_ORDER = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10', 'T11', 'T12', 'T13', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'S1', 'sacrum'];

/**
 * Pairs truth curves ({ angleDeg, upperEndVertebra, lowerEndVertebra }, findCobbAngles) with the
 * measured ones ({ angleDeg, upperLevel, lowerLevel }): largest truth curve first, each takes the
 * unused measured curve sharing the most levels with it (at least two, i.e. one motion segment:
 * adjacent curves share their end vertebra and nothing else); ties by the smaller angle error.
 * Returns one row per truth curve (got 0 when none matches) then one per unmatched measured curve
 * (a false curve), each { truthDeg, truthLevels, gotDeg, gotLevels, errorDeg }. A false curve's
 * error is its angle, unless `truthAngleBetween(upperLevel, lowerLevel)` gives the truth's angle
 * between the same end vertebrae: a truth curve under the 5° reporting limit measured at or just
 * over it is an error of the difference, not of the whole angle (the row keeps truthLevels null
 * and adds `truthBelowLimitDeg`, so it is still listed and counted as a false curve).
 */
export function scoreCobbCurves(truthCurves, measuredCurves, truthAngleBetween = () => null) {
  const range = (u, l) => {
    const a = LEVEL_ORDER.indexOf(u);
    const b = LEVEL_ORDER.indexOf(l);
    return a < 0 || b < 0 ? null : [Math.min(a, b), Math.max(a, b)];
  };
  const shared = (r, q) => (r && q ? Math.max(0, Math.min(r[1], q[1]) - Math.max(r[0], q[0]) + 1) : 0);
  const used = new Set();
  const rows = [];
  for (const t of [...truthCurves].sort((a, b) => b.angleDeg - a.angleDeg)) {
    const tr = range(t.upperEndVertebra, t.lowerEndVertebra);
    let best = -1;
    for (let i = 0; i < measuredCurves.length; i++) {
      if (used.has(i)) continue;
      const n = shared(tr, range(measuredCurves[i].upperLevel, measuredCurves[i].lowerLevel));
      if (n < 2) continue;
      const nb = best < 0 ? -1 : shared(tr, range(measuredCurves[best].upperLevel, measuredCurves[best].lowerLevel));
      if (n > nb || (n === nb && Math.abs(measuredCurves[i].angleDeg - t.angleDeg) < Math.abs(measuredCurves[best].angleDeg - t.angleDeg))) best = i;
    }
    if (best >= 0) used.add(best);
    const got = best >= 0 ? measuredCurves[best] : null;
    rows.push({
      truthDeg: t.angleDeg,
      truthLevels: `${t.upperEndVertebra}-${t.lowerEndVertebra}`,
      gotDeg: got?.angleDeg ?? 0,
      gotLevels: got ? `${got.upperLevel}-${got.lowerLevel}` : null,
      errorDeg: Math.abs((got?.angleDeg ?? 0) - t.angleDeg),
    });
  }
  measuredCurves.forEach((c, i) => {
    if (used.has(i)) return;
    const below = truthAngleBetween(c.upperLevel, c.lowerLevel);
    rows.push({
      truthDeg: 0,
      truthLevels: null,
      gotDeg: c.angleDeg,
      gotLevels: `${c.upperLevel}-${c.lowerLevel}`,
      errorDeg: below === null ? c.angleDeg : Math.abs(c.angleDeg - below),
      ...(below === null ? {} : { truthBelowLimitDeg: below }),
    });
  });
  return rows;
}

function meyerdingGrade(rawSlip, minPercent = 10) {
  // The truth slip is a float computed from the specified one (25 % comes out as 25.000000000000004):
  // rounded to 0.1 % so that a slip specified on a grade boundary keeps that grade (Meyerding I: 0–25 %).
  const slip = Math.round(rawSlip * 10) / 10;
  if (slip < minPercent) return null;
  return slip <= 25 ? 'I' : slip <= 50 ? 'II' : slip <= 75 ? 'III' : slip <= 100 ? 'IV' : 'V';
}

/** Expected graded findings from the phantom truth (the levels in view only). */
export function truthGrades(anatomy, inView) {
  const levels = new Set(inView.map((v) => v.level));
  const fracture = anatomy.vertebrae.filter((v) => v.fracture && levels.has(v.level)).map((v) => `${v.level}:${v.fracture.grade}`);
  const listhesis = anatomy.discs
    .filter((d) => levels.has(d.upper) && meyerdingGrade(d.slipPercent) !== null)
    .map((d) => `${d.upper}-${d.lower}:${meyerdingGrade(d.slipPercent)}`);
  const stenosis = anatomy.discs
    .filter((d) => levels.has(d.upper) && /^L/.test(d.upper) && d.canalApMm < 12)
    .map((d) => `${d.upper}-${d.lower}:${d.canalApMm < 10 ? 'absolute' : 'relative'}`);
  const l1 = anatomy.vertebrae.find((v) => v.level === 'L1' && levels.has('L1'));
  const density = l1 && l1.trabecularHu <= 160 ? [`L1:${l1.trabecularHu <= 110 ? 'osteoporosis likely' : 'low bone density'}`] : [];
  return { fracture, listhesis, stenosis, density };
}

/** Graded findings of the analysis in the same "LEVEL:grade" form. */
export function resultGrades(result) {
  const of = (kind) => result.findings.filter((f) => f.kind === kind);
  return {
    fracture: of('vertebral-fracture').map((f) => `${f.level}:${f.grade.replace('Genant grade ', '')}`),
    listhesis: of('spondylolisthesis').map((f) => `${f.level}:${f.grade.split(' ')[1]}`),
    stenosis: of('canal-stenosis').map((f) => `${f.level}:${f.grade}`),
    density: of('low-bone-density').map((f) => `${f.level}:${f.grade}`),
  };
}

const sameSet = (a, b) => a.length === b.length && [...a].sort().join('|') === [...b].sort().join('|');

/**
 * Full score of a phantom case. `bounds`: the CT's LPS z extent [zmin, zmax]. `inViewCentroids`:
 * by level, the centroid of the part in view of a body cut by the field of view (its mask in the
 * image, as VerSe's truth for a cut body); other bodies are compared with their exact centroid.
 */
export function scorePhantomCase(result, anatomy, bounds, inViewCentroids = new Map()) {
  // In view: the body centroid at least 5 mm inside the scanned z range (the selection is by the
  // whole body's centroid; a body cut by the edge is then compared with its part in view).
  const inView = anatomy.vertebrae.filter((v) => v.centroidLps[2] > bounds[0] + 5 && v.centroidLps[2] < bounds[1] - 5);
  const match = matchVertebrae(
    result,
    inView.map((v) => ({ label: v.level, centroidLps: inViewCentroids.get(v.level) ?? v.centroidLps, heightsMm: v.heightsMm })),
  );
  const heightErrs = [];
  for (const r of match.rows) {
    if (!r.identified) continue;
    for (const k of ['anterior', 'middle', 'posterior']) {
      const got = r.detection.heightsMm[k];
      if (got !== null) heightErrs.push(Math.abs(got - r.truth.heightsMm[k]));
    }
  }
  const m = result.measurements;
  // Truth curves from C3 down, as the phantom's own truth (computeGroundTruth: C1 has no body and
  // C2's superior "endplate" is the dens), over the vertebrae whose both endplates lie wholly in
  // the scanned range (the Cobb lines are drawn on them; a body cut by the field of view has no
  // line to draw); measured: every curve, or the largest of older results.
  const endplateInView = (e) => Object.values(e.corners).every((c) => c[2] > bounds[0] && c[2] < bounds[1]);
  const cobbTruthVertebrae = inView.filter((v) => v.level !== 'C1' && v.level !== 'C2' && endplateInView(v.superiorEndplate) && endplateInView(v.inferiorEndplate));
  // The truth's angle between two end vertebrae (upper's superior, lower's inferior endplate line;
  // findCobbAngles' measure), for a measured curve the truth has under its 5° limit.
  const truthAngleBetween = (upperLevel, lowerLevel) => {
    const u = cobbTruthVertebrae.find((v) => v.level === upperLevel);
    const l = cobbTruthVertebrae.find((v) => v.level === lowerLevel);
    if (!u || !l) return null;
    const line = (e) => coronalLineAngleDeg(e.corners.left, e.corners.right);
    return Math.abs(line(u.superiorEndplate) - line(l.inferiorEndplate));
  };
  const cobbCurves = scoreCobbCurves(findCobbAngles(cobbTruthVertebrae), m.cobbCurves ?? (m.cobb ? [m.cobb] : []), truthAngleBetween);
  // The largest truth curve and its match (a false curve where the truth has none), as before.
  const main = cobbCurves.find((c) => c.truthLevels !== null) ?? cobbCurves[0];
  const angleErr = (got, truth) => (got === null || got === undefined ? null : Math.abs(got.angleDeg - truth));
  const levelsInView = new Set(inView.map((v) => v.level));
  const expected = truthGrades(anatomy, inView);
  const got = resultGrades(result);
  const grades = {};
  for (const key of Object.keys(expected)) grades[key] = { expected: expected[key], got: got[key], exact: sameSet(expected[key], got[key]) };
  return {
    status: result.status,
    levelsFound: result.vertebrae.length,
    labelled: result.vertebrae.filter((v) => v.label !== null).length,
    truthLevels: inView.map((v) => v.level),
    cutInView: inView.filter((v) => inViewCentroids.has(v.level)).map((v) => v.level),
    ...match,
    heightMeanMm: mean(heightErrs),
    heightMaxMm: max(heightErrs),
    cobb: main ?? { truthDeg: 0, truthLevels: null, gotDeg: 0, gotLevels: null, errorDeg: 0 },
    cobbCurves,
    kyphosis: levelsInView.has('T4') && levelsInView.has('T12') ? { truthDeg: anatomy.alignment.thoracicKyphosisDeg, errorDeg: angleErr(m.kyphosisT4T12, anatomy.alignment.thoracicKyphosisDeg) } : null,
    lordosis: levelsInView.has('L1') && levelsInView.has('L5') ? { truthDeg: anatomy.alignment.lumbarLordosisDeg, errorDeg: angleErr(m.lordosisL1S1, anatomy.alignment.lumbarLordosisDeg) } : null,
    grades,
  };
}
