/**
 * Scores one analysis result against phantom ground truth (issue 6 evaluation).
 * Identification follows VerSe (Sekuboyina et al., Med Image Anal 2021): a truth vertebra is
 * identified when the nearest detected centroid is < 20 mm away and carries the same label.
 * Centroids compared: the phantom's body centroid (VerSe convention; for a body cut by the field of view the
 * centroid of its mask's part in view, as VerSe's truth for a cut body) vs the analysis' centroidLps.
 * Grades are compared as sets of "LEVEL:grade" strings against the truth thresholds of
 * Genant 1993, Meyerding 1932, Verbiest/Ullrich (lumbar canal) and Pickhardt 2013 (L1 HU).
 */
import { findCobbAngles } from '@vertebra/phantom';

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
  const truthCobb = findCobbAngles(inView)[0]?.angleDeg ?? 0;
  const m = result.measurements;
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
    cobb: { truthDeg: truthCobb, gotDeg: m.cobb?.angleDeg ?? 0, errorDeg: Math.abs((m.cobb?.angleDeg ?? 0) - truthCobb) },
    kyphosis: levelsInView.has('T4') && levelsInView.has('T12') ? { truthDeg: anatomy.alignment.thoracicKyphosisDeg, errorDeg: angleErr(m.kyphosisT4T12, anatomy.alignment.thoracicKyphosisDeg) } : null,
    lordosis: levelsInView.has('L1') && levelsInView.has('L5') ? { truthDeg: anatomy.alignment.lumbarLordosisDeg, errorDeg: angleErr(m.lordosisL1S1, anatomy.alignment.lumbarLordosisDeg) } : null,
    grades,
  };
}
