/**
 * Accuracy floors on phantom CTs (issue 6 evaluation, VerSe identification: nearest detection
 * < 20 mm with the right label). Suite cases rendered on a small grid (256² at 1.6 mm, 2 mm
 * slices; the cervical case at 0.8 mm, 1 mm slices), lumbar, thoracic and cervical fields of view,
 * written as DICOM by the phantom and assembled back.
 * Floors are what this version measurably meets (measured values in the comments, 2026-11-26/27,
 * on the phantom that rendered each slice's central plane; since session 7 the phantom averages each
 * slice over its thickness and the values moved slightly — every floor still holds, and
 * `npm run eval` prints the current figures);
 * Known gaps are not tests: `npm run eval` reports them, and a fix becomes a new floor here.
 * The full evaluation with all figures is `npm run eval`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleVolumeAsync } from '@vertebra/dicom';
import { voxelToLps } from '@vertebra/geometry';
import { findCobbAngles, generatePhantomCase, phantomSuite, type PhantomGroundTruth } from '@vertebra/phantom';
import { analyzeSpineCt, labelVertebrae, type LabelInput, type SpineAnalysisResult } from '../src/index.js';
import { scoreAgainstTruth, type TruthVertebra } from './support/scoreAgainstTruth.js';

interface Case {
  result: SpineAnalysisResult;
  anatomy: PhantomGroundTruth;
  /** Truth vertebrae whose body centroid lies ≥ 5 mm inside the scanned z range. */
  inView: PhantomGroundTruth['vertebrae'];
  truth: TruthVertebra[];
}

async function runCase(caseId: string, grid: { pixelSpacingMm: number; sliceThicknessMm: number; columns?: number } = { pixelSpacingMm: 1.6, sliceThicknessMm: 2 }): Promise<Case> {
  const options = phantomSuite().find((c) => c.caseId === caseId)!;
  const { columns = 256, ...spacing } = grid;
  const phantom = generatePhantomCase({ ...options, modalities: ['ct'], ct: { ...options.ct, columns, rows: columns, ...spacing } });
  const visit = phantom.groundTruth.visits[0]!;
  const { volume } = await assembleVolumeAsync(phantom.files.filter((f) => f.path.endsWith('.dcm')).map((f) => f.bytes));
  const [nx, ny, nz] = volume.dimensions;
  const zs = [voxelToLps(volume, [0, 0, 0])[2], voxelToLps(volume, [nx - 1, ny - 1, nz - 1])[2]];
  const inView = visit.anatomy.vertebrae.filter((v) => v.centroidLps[2] > Math.min(...zs) + 5 && v.centroidLps[2] < Math.max(...zs) - 5);
  return { result: analyzeSpineCt(volume), anatomy: visit.anatomy, inView, truth: inView.map((v) => ({ label: v.level, centroidLps: v.centroidLps })) };
}

function heightErrorsMm(c: Case): number[] {
  const score = scoreAgainstTruth(c.result, c.truth);
  const errors: number[] = [];
  for (const [label, v] of Object.entries(score.matched)) {
    const t = c.inView.find((x) => x.level === label)!;
    for (const k of ['anterior', 'middle', 'posterior'] as const) {
      const got = v.heightsMm[k];
      if (got !== null) errors.push(Math.abs(got - t.heightsMm[k]));
    }
  }
  return errors;
}

/** No vertebra may carry a label that differs from the truth vertebra nearest to it. */
function wrongLabels(c: Case): string[] {
  const wrong: string[] = [];
  for (const v of c.result.vertebrae) {
    if (v.label === null) continue;
    const nearest = [...c.anatomy.vertebrae].sort(
      (a, b) => Math.hypot(...a.centroidLps.map((x, i) => x - v.centroidLps[i]!)) - Math.hypot(...b.centroidLps.map((x, i) => x - v.centroidLps[i]!)),
    )[0]!;
    const d = Math.hypot(...nearest.centroidLps.map((x, i) => x - v.centroidLps[i]!));
    if (d < 20 && nearest.level !== v.label) wrong.push(`${v.label} is ${nearest.level}`);
  }
  return wrong;
}

describe('phantom accuracy: normal lumbar CT (normal-hfs-1mm on the small grid)', () => {
  let c: Case;
  beforeAll(async () => {
    c = await runCase('normal-hfs-1mm');
  });

  it('identifies every lumbar vertebra in view with its body centroid within 1.5 mm', () => {
    const score = scoreAgainstTruth(c.result, c.truth);
    expect(c.truth.map((t) => t.label)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5']);
    expect(score.identificationRate).toBe(1); // measured 100 %
    expect(score.meanErrorMm).toBeLessThan(1.5); // measured 0.90 mm
    expect(score.maxErrorMm).toBeLessThan(2); // measured 1.05 mm
    expect(wrongLabels(c)).toEqual([]);
    // Both lumbar anchors are found and agree (5 lumbar vertebrae between them).
    expect(c.result.anchorsUsed.map((a) => a.kind).sort()).toEqual(['last-rib', 'sacrum']);
  });

  it('measures body heights within 2 mm on average, lordosis within 1°, no false findings', () => {
    const errors = heightErrorsMm(c);
    expect(errors.length).toBeGreaterThanOrEqual(12);
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(1.2); // measured 0.83 mm (was 1.40: edges at 80 % of the endplate contrast, troughs that are not the disc skipped; goal ≤ 1 mm)
    expect(Math.max(...errors)).toBeLessThan(3.5); // measured 2.7 mm
    expect(c.result.measurements.lordosisL1S1).not.toBeNull();
    // measured 0.36° (49.64° vs 50°; was 1.95° when the S1 endplate was fitted inside the fused
    // sacral segment; now the plateau is measured across the L5–S1 disc, measurePlateauBelow.ts)
    expect(Math.abs(c.result.measurements.lordosisL1S1!.angleDeg - c.anatomy.alignment.lumbarLordosisDeg)).toBeLessThan(1);
    expect(c.result.measurements.cobb?.angleDeg ?? 0).toBeLessThan(2); // measured 0.2° (truth 0°)
    expect(c.result.findings.filter((f) => f.kind !== 'transitional-anatomy')).toEqual([]);
  });
});

describe('phantom accuracy: lumbar fracture (fracture-wedge-g3, L1 Genant 3 wedge)', () => {
  let c: Case;
  beforeAll(async () => {
    c = await runCase('fracture-wedge-g3');
  });

  it('identifies every vertebra in view, centroids within 2.5 mm on average', () => {
    const score = scoreAgainstTruth(c.result, c.truth);
    expect(score.identificationRate).toBe(1); // measured 100 %
    expect(score.meanErrorMm).toBeLessThan(1.8); // measured 1.22 mm (was 1.63)
    expect(score.maxErrorMm).toBeLessThan(4); // measured 2.73 mm, the fractured L1 (was 4.68)
    expect(wrongLabels(c)).toEqual([]);
  });

  it('grades no fracture but the L1 wedge, no false slip or stenosis', () => {
    const fractures = c.result.findings.filter((f) => f.kind === 'vertebral-fracture');
    // was a false Genant 2 at L4 / L5
    expect(fractures.filter((f) => f.level !== 'L1')).toEqual([]);
    // was a Meyerding IV slip and an absolute stenosis at L5-S1 that the phantom lacks
    expect(c.result.findings.filter((f) => f.kind === 'spondylolisthesis' || f.kind === 'canal-stenosis')).toEqual([]);
  });

  it('grades the L1 wedge Genant 3 and its low density though L1 is cut by the field of view', () => {
    // L1 sits at the cranial edge of the field of view (no disc found above it): its heights are
    // kept because both endplates are still found in view, and the anterior and posterior heights
    // are carried from 70 % of the half-depth to the walls along the endplate planes (was: no
    // grade, L1 dropped as truncated; Genant 2 when read at 70 % of the half-depth).
    const l1 = c.result.vertebrae.find((v) => v.label === 'L1')!;
    expect(l1.truncated).toBe(true);
    expect(l1.heightsMm.anterior).not.toBeNull();
    const fractures = c.result.findings.filter((f) => f.kind === 'vertebral-fracture').map((f) => `${f.level}:${f.grade}`);
    expect(fractures).toEqual(['L1:Genant grade 3']);
    // truth 119 HU (Pickhardt: <= 160 HU low bone density)
    expect(c.result.findings.filter((f) => f.kind === 'low-bone-density').map((f) => `${f.level}:${f.grade}`)).toEqual(['L1:low bone density']);
  });

  // Known gap (measured 2026-11-26): the L1–S1 lordosis depends on the sacral segment found by the
  // disc search; 49.1° vs 50° when S1 is its own segment, ~60° when S1 is merged with L5's disc.
});

describe('phantom accuracy: slips where there are none (fracture-wedge-g1, T12 Genant 1 wedge)', () => {
  let c: Case;
  beforeAll(async () => {
    c = await runCase('fracture-wedge-g1');
  });

  it('measures every lumbar slip within 3 points of the truth and grades no spondylolisthesis', () => {
    const truth = new Map(c.anatomy.discs.map((d) => [`${d.upper}-${d.lower}`, d.slipPercent]));
    const measured = c.result.measurements.levels.filter((l) => truth.has(l.level));
    expect(measured.length).toBeGreaterThanOrEqual(4); // L1-L2 … L4-L5
    for (const l of measured) expect(Math.abs(l.slipPercent - truth.get(l.level)!)).toBeLessThan(3); // measured ≤ 1.0 (was −38 at L2-L3: a gap in L3's posterior wall read as its corner)
    expect(c.result.findings.filter((f) => f.kind === 'spondylolisthesis')).toEqual([]);
  });
});

describe('phantom accuracy: left lumbar scoliosis (scoliosis-left-lumbar, Cobb 35° T11–L4)', () => {
  let c: Case;
  beforeAll(async () => {
    c = await runCase('scoliosis-left-lumbar');
  });

  it('identifies every body in view (labelled from the sacrum) within 2 mm and never gives a wrong label', () => {
    const score = scoreAgainstTruth(c.result, c.truth);
    expect(score.identificationRate).toBe(1); // measured 100 % (was 0 %: no sacrum anchor accepted)
    expect(score.meanErrorMm).toBeLessThan(2); // measured 1.40 mm
    expect(wrongLabels(c)).toEqual([]);
  });

  it('measures the in-view coronal Cobb angle within 6°', () => {
    const truthCobb = findCobbAngles(c.inView)[0]?.angleDeg ?? 0;
    expect(truthCobb).toBeGreaterThan(15); // 21.5° of the 35° curve lies in the lumbar field of view
    expect(Math.abs((c.result.measurements.cobb?.angleDeg ?? 0) - truthCobb)).toBeLessThan(6); // measured 17.3° vs 21.5° (4.2°, was 7.6°; goal ≤ 2°)
  });

});

describe('phantom accuracy: thoracic field of view (normal-thoracic-overlap, C7–L1)', () => {
  let c: Case;
  beforeAll(async () => {
    c = await runCase('normal-thoracic-overlap');
  });

  it('detects and labels every vertebra C7–L1 from the last rib, centroids within 1 mm', () => {
    const score = scoreAgainstTruth(c.result, c.truth);
    expect(c.truth.map((t) => t.label)).toEqual(['C7', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10', 'T11', 'T12', 'L1']);
    expect(score.identificationRate).toBe(1); // measured 100 % (was 0 %: 4 of 14 detected, none labelled)
    expect(score.meanErrorMm).toBeLessThan(1); // measured 0.50 mm
    expect(score.maxErrorMm).toBeLessThan(1.5); // measured 0.85 mm
    expect(wrongLabels(c)).toEqual([]);
    expect(c.result.anchorsUsed.map((a) => a.kind)).toContain('last-rib');
  });

  it('measures thoracic body heights within 1.2 mm on average and grades no fracture', () => {
    const errors = heightErrorsMm(c);
    expect(errors.length).toBeGreaterThanOrEqual(36);
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(1.2); // measured 0.86 mm (was 1.50)
    // was Genant 2–3 at T5/T6/T8/T10 (a dip between the dense posterior wall and the endplate read as
    // the endplate edge); measured: none (was a false Genant 1 at T1 next to the cut C7, an
    // anterior edge inside the body: lines straying from their endplate plane are now replaced by it).
    expect(c.result.findings.filter((f) => f.kind === 'vertebral-fracture')).toEqual([]);
  });

  it('measures the T4–T12 kyphosis within 2.5°', () => {
    // measured 41.2° vs 40.0° (T4 superior and T12 inferior measured across their discs,
    // measureSagittalEndplates.ts)
    expect(Math.abs(c.result.measurements.kyphosisT4T12!.angleDeg - c.anatomy.alignment.thoracicKyphosisDeg)).toBeLessThan(2.5);
  });
});

describe('phantom accuracy: cervical field of view (normal-cervical, C1–T1)', () => {
  let c: Case;
  beforeAll(async () => {
    c = await runCase('normal-cervical', { pixelSpacingMm: 0.8, sliceThicknessMm: 1 });
  });

  it('labels C1–T1 from the dens, confirmed by the first rib, centroids within 1 mm (C1, the atlas ring, within 4 mm)', () => {
    const score = scoreAgainstTruth(c.result, c.truth);
    expect(c.result.anchorsUsed.map((a) => a.kind).sort()).toEqual(['c2-dens', 'first-rib']);
    // C1 has no body: the atlas ring above the dens is found and its bone's centroid reported.
    // Measured 8 of 8 (was 7 of 8 without C1, 0 of 8 before the dens anchor).
    expect(score.identificationRate).toBe(1);
    expect(Object.keys(score.matched).sort()).toEqual(['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'T1']);
    const c1 = c.result.vertebrae[0]!;
    const c1Truth = c.truth.find((t) => t.label === 'C1')!;
    expect(c1.label).toBe('C1');
    expect(Math.hypot(...c1.centroidLps.map((x, i) => x - c1Truth.centroidLps[i]!))).toBeLessThan(4);
    const bodies = c.result.vertebrae.filter((v) => v.label !== 'C1').map((v) => Math.hypot(...v.centroidLps.map((x, i) => x - c.truth.find((t) => t.label === v.label)!.centroidLps[i]!)));
    expect(bodies.reduce((a, b) => a + b, 0) / bodies.length).toBeLessThan(1); // measured 0.30 mm
    expect(wrongLabels(c)).toEqual([]);
    expect(c.result.findings).toEqual([]);
  });
});

describe('phantom accuracy: transitional anatomy is never labelled by the wrong numbering', () => {
  // In transitional-four-lumbar's lumbar field of view the last rib-bearing vertebra (T12) is cut
  // by the field of view: in its detected slab its rib is seen only far laterally (76–121 mm), as a
  // T12 rib could descend beside a cut L1 in a normal spine. Between the slab's open end and the
  // edge of the view the rib is seen joined to T12 (its transverse process, within 35 mm of the
  // canal) on both sides (3 planes, measured 2026-11-27; 0 beside the control's cut L1), so it is
  // T12's own rib and the last-rib convention applies: labelled T12, L1–L4 and the sacral-type
  // segment L5 (a sacralised L5, Castellvi), every label with the sacrum numbering as its
  // alternative at reduced confidence (was unlabelled, 0 % identification). The phantom's truth has
  // an S1 there (4 lumbar vertebrae); the image cannot tell the two readings apart, and S1 is that
  // segment's alternative label.
  it('transitional-four-lumbar: labelled from the rib seen joined to the cut T12, the sacrum numbering as every label\'s alternative', async () => {
    const c = await runCase('transitional-four-lumbar');
    expect(wrongLabels(c)).toEqual([]);
    expect(scoreAgainstTruth(c.result, c.truth).identificationRate).toBe(1);
    const finding = c.result.findings.find((f) => f.kind === 'transitional-anatomy');
    expect(finding?.description).toMatch(/four lumbar-type vertebrae/);
    expect(finding?.description).toMatch(/Alternative: .*numbering from the sacrum/);
    expect(c.result.vertebrae.map((v) => v.label)).toEqual(['T12', 'L1', 'L2', 'L3', 'L4', 'L5']);
    expect(c.result.vertebrae.map((v) => v.alternativeLabel)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    for (const v of c.result.vertebrae) expect(v.confidence).toBeLessThanOrEqual(0.6);
  });
  // Its control: a normal spine whose field of view starts inside L1 (the same pattern less the rib
  // beside the cut body) keeps the normal numbering (measured 2026-11-27: L1–L5 and S1, none wrong).
  it('normal-fov-from-l1 (control): labelled L2–L5 from the sacrum, never with four-lumbar\'s numbering', async () => {
    const c = await runCase('normal-fov-from-l1');
    expect(wrongLabels(c)).toEqual([]);
    expect(scoreAgainstTruth(c.result, c.truth).identificationRate).toBe(1);
  });
  // A lumbar rib is a short, rudimentary rib on L1's transverse process (phantom: 28 mm; Yun et al.
  // 2018: < 38 mm). L1 keeps the count of the last full rib pair and the sacrum and the variant is
  // reported, with the thoracolumbar-transitional reading (T13, then L1–L4) as every label's
  // alternative (was 0 % identification while the phantom modelled a full-length lumbar rib).
  it('transitional-lumbar-rib: L1–L5 labelled, the short rib on L1 reported as a lumbar rib with T13 + four lumbar as alternative', async () => {
    const c = await runCase('transitional-lumbar-rib');
    expect(wrongLabels(c)).toEqual([]);
    const lumbar = c.result.vertebrae.filter((v) => v.label?.startsWith('L'));
    expect(lumbar.map((v) => v.label)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5']);
    expect(lumbar.map((v) => v.alternativeLabel)).toEqual(['T13', 'L1', 'L2', 'L3', 'L4']);
    expect(Math.max(...lumbar.map((v) => v.confidence))).toBeLessThanOrEqual(0.6);
    expect(c.result.findings.find((f) => f.kind === 'transitional-anatomy')?.description).toMatch(/lumbar rib on L1/);
  });
  // Where the shaft-from-above reading cannot make the column normal, the last rib settles the
  // count: six rib-free vertebrae (the sacrum numbering would need 11 rib pairs whoever owns the
  // rib), or four above a segment with ala-like bone beside only part of its height (a sacralised
  // L5 as much as an S1). Labelled by the last rib, every label carrying the sacrum numbering as
  // its alternative and a reduced confidence (was 0 % identification in both). Run at 1 mm pixels:
  // at 1.6 mm the rib beside transitional-l6's cut T12 is seen on both sides in only 2 of its 5
  // planes (measured 2026-11-27), a faint last rib that is never used (100 % on the eval grid).
  for (const [caseId, variant, lowest] of [
    ['transitional-l6', /six lumbar-type vertebrae/, 'L6'],
    ['transitional-sacralised-l5', /ala-like bone beside only part of its height.*sacralised L5/, 'L5'],
  ] as const) {
    it(`${caseId}: labelled from the last rib with the sacrum numbering as every label's alternative, none wrong`, async () => {
      const c = await runCase(caseId, { pixelSpacingMm: 1, sliceThicknessMm: 2 });
      expect(wrongLabels(c)).toEqual([]);
      const score = scoreAgainstTruth(c.result, c.truth);
      expect(score.identificationRate).toBe(1); // measured 100 % (was 0 %)
      const finding = c.result.findings.find((f) => f.kind === 'transitional-anatomy');
      expect(finding?.description).toMatch(variant);
      expect(finding?.description).toMatch(/Alternative: .*numbering from the sacrum/);
      const lowestVertebra = c.result.vertebrae.find((v) => v.label === lowest)!;
      expect(lowestVertebra.alternativeLabel).toBe(lowest === 'L6' ? 'L5' : 'S1');
      for (const v of c.result.vertebrae.filter((x) => x.label !== null && x.label !== 'S1')) {
        expect(v.alternativeLabel).not.toBeNull();
        expect(v.confidence).toBeLessThanOrEqual(0.6);
      }
    });
  }
});

describe('phantom accuracy: right thoracic scoliosis (scoliosis-right-thoracic, Cobb 45° T5–T12)', () => {
  it('labels the curve from the last rib (ribs of tilted vertebrae scored in the body’s own frame), none wrong', async () => {
    const c = await runCase('scoliosis-right-thoracic');
    const score = scoreAgainstTruth(c.result, c.truth);
    // measured 8 of 14 (T6–L1) on this grid (was 0: ribs of T5–T7 missed, no rib anchor used); C7–T4
    // lie above a detection gap (T4 and T5 taken as one body) and stay unlabelled. 100 % on the eval grid.
    expect(score.identificationRate).toBeGreaterThanOrEqual(8 / 14);
    expect(wrongLabels(c)).toEqual([]);
  });
});

describe('phantom accuracy: severe scoliosis (scoliosis-severe, Cobb 85° T4–L1)', () => {
  it('measures the Cobb angle within 6° (tilt out of the sagittal plane, most tilted end vertebrae), none wrong', async () => {
    const c = await runCase('scoliosis-severe');
    expect(wrongLabels(c)).toEqual([]);
    const truthCobb = findCobbAngles(c.inView)[0]?.angleDeg ?? 0;
    expect(truthCobb).toBeGreaterThan(80);
    expect(Math.abs((c.result.measurements.cobb?.angleDeg ?? 0) - truthCobb)).toBeLessThan(6); // measured 80.3° vs 85.0° (was 67.2°)
    // measured 21 of 24 (C2–L3) on this grid, 2026-11-27. On the eval grid C2 comes in two pieces
    // and is found from the dens above the lower one (findDensAbove): C1–C5 or C1–C7 labelled
    // from it there (was 6 of 24 in all, T12–L5 only).
    expect(scoreAgainstTruth(c.result, c.truth).identificationRate).toBeGreaterThanOrEqual(21 / 24);
  });
});

describe('phantom accuracy: osteoporotic thoracic fractures (fracture-multiple-thoracic, T7 and T8)', () => {
  it('labels the column from the last rib, a first rib seen only near its neck not taken for T2’s, none wrong', async () => {
    const c = await runCase('fracture-multiple-thoracic');
    const score = scoreAgainstTruth(c.result, c.truth);
    expect(wrongLabels(c)).toEqual([]);
    expect(score.identificationRate).toBeGreaterThanOrEqual(13 / 14); // measured 14 of 14 on this grid, 2026-11-27 (eval grid, 3 mm slices: 13 of 14, was 4)
  });
});

describe('phantom accuracy: kyphotic upper thoracic spine (canal tracked in planes perpendicular to it)', () => {
  // Above ~40° off z axial slices lose the foramen; the canal is tracked obliquely from there and
  // the body ray stays perpendicular to it (it used to switch from axial to perpendicular at 30°, and
  // the body axis doubled back there: one disc too many, labels shifted).
  it('osteoporosis: identifies every vertebra in view (C7–L1), none wrong', async () => {
    const c = await runCase('osteoporosis');
    const score = scoreAgainstTruth(c.result, c.truth);
    expect(wrongLabels(c)).toEqual([]);
    expect(score.identificationRate).toBe(1); // measured 14 of 14 on this grid (eval grid, before this change: 9 of 14)
  });

  it('hyperkyphosis: identifies every vertebra in view (T1–L1), the upper ones in front of the anteriorly bent canal too, none wrong', async () => {
    const c = await runCase('hyperkyphosis');
    const score = scoreAgainstTruth(c.result, c.truth);
    expect(wrongLabels(c)).toEqual([]);
    // measured 13 of 13 on this grid, 2026-11-27 (was 11: T1–T2 lay outside the working grid's crop,
    // set from the 4 mm canal that cannot follow the bend; eval grid 14 of 14, was 11)
    expect(score.identificationRate).toBe(1);
  });

  it('hyperkyphosis on the suite’s own grid (512², 0.8 mm, 1.5 mm slices): the top body, its posterior half above the first slice, is reported cut and no slip is read from it', async () => {
    const c = await runCase('hyperkyphosis', { pixelSpacingMm: 0.8, sliceThicknessMm: 1.5, columns: 512 });
    expect(c.result.vertebrae[0]!.truncated).toBe(true);
    // C7's posterior wall and corners were read ~3 mm anterior: a false Meyerding I at C7–T1 (eval, 2026-11-27).
    expect(c.result.findings.filter((f) => f.kind === 'spondylolisthesis')).toEqual([]);
  });
});

describe('labels are never counted across undetected vertebrae (bug found by npm run eval)', () => {
  // normal-whole (C1 to the hips, 2.5 mm working grid) detected bodies at z = 538 (C1–C2) and
  // 389 mm (T4) above a contiguous T11–S1 run, and the labeller named them T11 and T12.
  const lumbar = (ribScore = 0): LabelInput => ({ ribScore, sacralScore: 0, discAbove: true, detectionConfidence: 0.9 });
  const inputs: LabelInput[] = [
    lumbar(0.5), // far above (a thoracic body), separated by a gap
    { ...lumbar(0.5), gapAbove: true }, // T11
    lumbar(0.5), // T12
    lumbar(), lumbar(), lumbar(), lumbar(), lumbar(), // L1–L5
    { ribScore: 0, sacralScore: 0.8, discAbove: true, detectionConfidence: 0.9 }, // S1
  ];

  it('labels the anchored run and leaves the body beyond the gap unlabelled', () => {
    const out = labelVertebrae(inputs);
    expect(out.labels).toEqual([null, 'T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    expect(out.confidences[0]).toBe(0);
    expect(out.notes.join(' ')).toMatch(/separated from the anchors by undetected vertebrae/);
  });

  it('without the gap flag the same column is counted through (the old behaviour)', () => {
    const out = labelVertebrae(inputs.map(({ gapAbove: _gap, ...rest }) => rest));
    expect(out.labels[0]).toBe('T10');
  });
});
