/**
 * Accuracy floors on synthetic spines with exact truth (test/support/buildSyntheticSpine.ts):
 * straight with distractors, scoliotic, feet-first/flipped and oblique grids, 3 mm slices,
 * partial fields of view, transitional anatomy, a wedge fracture, low density and a slip.
 * The floors are what this version measurably meets (see the report), so regressions fail.
 */
import { describe, expect, it } from 'vitest';
import type { Mat3, Volume } from '@vertebra/geometry';
import { analyzeSpineCt } from '../src/index.js';
import { buildSyntheticSpine } from './support/buildSyntheticSpine.js';
import { scoreAgainstTruth } from './support/scoreAgainstTruth.js';

const LOWER = ['T10', 'T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1'];

/** Truth restricted to complete bodies (the first one is cut by the field of view's top). */
const inner = <T extends { label: string }>(truth: readonly T[]): T[] => truth.slice(1);

describe('analyzeSpineCt on synthetic spines', () => {
  it('finds, labels and measures a straight T10–S1 spine with aorta, bowel gas and table', () => {
    const syn = buildSyntheticSpine({ levels: LOWER, aorta: true, bowelGas: true, table: true, seed: 3 });
    const result = analyzeSpineCt(syn.volume);
    expect(result.status).toBe('ok');
    expect(result.anchorsUsed.map((a) => a.kind).sort()).toEqual(['last-rib', 'sacrum']);
    const score = scoreAgainstTruth(result, inner(syn.truth));
    expect(score.identificationRate).toBe(1);
    const lumbarThoracic = Object.entries(score.errorsMm).filter(([l]) => l !== 'S1').map(([, e]) => e);
    expect(Math.max(...lumbarThoracic)).toBeLessThan(2);
    expect(score.errorsMm['S1']!).toBeLessThan(5);
    for (const t of inner(syn.truth)) {
      const v = score.matched[t.label]!;
      expect(v.confidence).toBeGreaterThan(0.5);
      if (t.label === 'S1') continue;
      expect(Math.abs(v.heightsMm.middle! - t.heightsMm.middle)).toBeLessThan(2.6);
      expect(Math.abs(v.trabecularHu - 220)).toBeLessThan(15);
      expect(v.canalApDiameterMm).not.toBeNull();
      expect(Math.abs(v.canalApDiameterMm! - 16)).toBeLessThan(2.5);
    }
    expect(score.matched['T12']!.hasRibs).toBe(true);
    expect(score.matched['L1']!.hasRibs).toBe(false);
    expect(result.findings.filter((f) => f.kind !== 'transitional-anatomy')).toEqual([]);
    expect(result.algorithmVersion).toMatch(/classical/);
    expect(result.units).toEqual({ length: 'mm', angle: 'deg', density: 'HU', coordinates: 'LPS' });
    expect(Object.keys(result.timingsMs)).toEqual(expect.arrayContaining(['resample', 'canal', 'bodies', 'labels', 'total']));
  });

  it('follows a scoliotic curve and measures its Cobb angle within 3°', () => {
    const length = 300;
    const syn = buildSyntheticSpine({
      levels: LOWER,
      lateralMm: (s) => 28 * Math.sin((Math.PI * s) / length),
      seed: 5,
    });
    const result = analyzeSpineCt(syn.volume);
    const score = scoreAgainstTruth(result, inner(syn.truth));
    expect(score.identificationRate).toBe(1);
    expect(score.meanErrorMm).toBeLessThan(2.5);
    const tilts = inner(syn.truth).map((t) => (Math.atan2(t.axis[0], t.axis[2]) * 180) / Math.PI);
    const truthCobb = Math.max(...tilts) - Math.min(...tilts);
    expect(truthCobb).toBeGreaterThan(10);
    expect(Math.abs(result.measurements.cobb!.angleDeg - truthCobb)).toBeLessThan(3);
    expect(result.findings.some((f) => f.kind === 'scoliosis')).toBe(true);
  });

  it('measures lumbar lordosis L1–S1 and thoracic kyphosis T4–T12 within 2°', () => {
    const sagittalDeg = (a: readonly number[], b: readonly number[]): number =>
      (Math.abs(Math.atan2(a[1]!, a[2]!) - Math.atan2(b[1]!, b[2]!)) * 180) / Math.PI;
    // Lordosis: the lumbar spine bows anteriorly (−y) between L1 and S1.
    const lumbar = buildSyntheticSpine({ levels: ['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1'], apMm: (s) => -22 * Math.sin((Math.PI * s) / 260), seed: 29 });
    const lr = analyzeSpineCt(lumbar.volume);
    const t = Object.fromEntries(lumbar.truth.map((v) => [v.label, v]));
    const truthLordosis = sagittalDeg(t['L1']!.axis, t['S1']!.axis);
    expect(truthLordosis).toBeGreaterThan(15);
    expect(Math.abs(lr.measurements.lordosisL1S1!.angleDeg - truthLordosis)).toBeLessThan(2);
    // Kyphosis: the thoracic spine bows posteriorly (+y) between T4 and T12; L1 shows the last rib.
    const thoracic = buildSyntheticSpine({
      levels: ['T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10', 'T11', 'T12', 'L1', 'L2'],
      apMm: (s) => 25 * Math.sin((Math.PI * s) / 300),
      seed: 31,
    });
    const tr = analyzeSpineCt(thoracic.volume);
    const tt = Object.fromEntries(thoracic.truth.map((v) => [v.label, v]));
    const truthKyphosis = sagittalDeg(tt['T4']!.axis, tt['T12']!.axis);
    expect(truthKyphosis).toBeGreaterThan(15);
    expect(scoreAgainstTruth(tr, inner(thoracic.truth)).identificationRate).toBe(1);
    expect(Math.abs(tr.measurements.kyphosisT4T12!.angleDeg - truthKyphosis)).toBeLessThan(2);
  });

  it('is independent of the voxel grid orientation: feet-first flipped axes and an oblique 3 mm grid', () => {
    const flipped: Mat3 = [-1, 0, 0, 0, 1, 0, 0, 0, -1];
    const c = Math.cos((12 * Math.PI) / 180);
    const s = Math.sin((12 * Math.PI) / 180);
    const oblique: Mat3 = [1, 0, 0, 0, c, -s, 0, s, c];
    for (const [direction, spacingMm] of [
      [flipped, [1.5, 1.5, 1.5]],
      [oblique, [1.2, 1.2, 3]],
    ] as const) {
      const syn = buildSyntheticSpine({ levels: ['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1'], direction, spacingMm, seed: 7 });
      const result = analyzeSpineCt(syn.volume);
      const score = scoreAgainstTruth(result, inner(syn.truth));
      expect(score.identificationRate).toBe(1);
      const nonSacral = Object.entries(score.errorsMm).filter(([l]) => l !== 'S1').map(([, e]) => e);
      expect(Math.max(...nonSacral)).toBeLessThan(2.5);
    }
  });

  it('labels a lumbar-only field of view (with a pedicle screw) from the sacrum and leaves a thoracic-only one unlabelled', () => {
    const lumbar = buildSyntheticSpine({ levels: ['L2', 'L3', 'L4', 'L5', 'S1'], metalScrewAt: 'L4', seed: 9 });
    const lr = analyzeSpineCt(lumbar.volume);
    expect(lr.anchorsUsed.map((a) => a.kind)).toEqual(['sacrum']);
    const ls = scoreAgainstTruth(lr, inner(lumbar.truth));
    expect(ls.identificationRate).toBe(1);
    expect(ls.errorsMm['L4']!).toBeLessThan(2);
    // The 3000 HU screw (clipped at 2500) must not be read as a collapsed endplate.
    expect(lr.findings.filter((f) => f.kind === 'vertebral-fracture')).toEqual([]);

    const thoracic = buildSyntheticSpine({ levels: ['T6', 'T7', 'T8', 'T9', 'T10'], seed: 11 });
    const tr = analyzeSpineCt(thoracic.volume);
    expect(tr.status).toBe('ok');
    expect(tr.anchorsUsed).toEqual([]);
    expect(tr.vertebrae.length).toBeGreaterThanOrEqual(3);
    for (const v of tr.vertebrae) {
      expect(v.label).toBeNull();
      expect(v.confidence).toBe(0);
    }
    expect(tr.vertebrae.filter((v) => !v.truncated).every((v) => v.region === 'thoracic')).toBe(true);
    expect(tr.labellingNotes.join(' ')).toMatch(/no anatomical anchor/);
    // Unlabelled bodies still sit on the truth centroids.
    expect(scoreAgainstTruth(tr, inner(thoracic.truth), { requireLabel: false }).meanErrorMm).toBeLessThan(2);
  });

  it('labels six lumbar-type vertebrae L1–L6 by the last-rib convention, with the sacrum numbering as alternative', () => {
    // Last rib and sacrum disagree by one level: L6 (numbering from the last rib, the
    // thoracolumbar-junction convention) or 11 rib pairs (numbering from the sacrum). The image
    // alone cannot tell which: the convention labels, every label carries the other numbering and
    // a reduced confidence, and the variant is reported (Hughes & Saifuddin 2006; Carrino 2011).
    const syn = buildSyntheticSpine({ levels: ['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'S1'], seed: 13 });
    const result = analyzeSpineCt(syn.volume);
    const score = scoreAgainstTruth(result, inner(syn.truth));
    expect(score.identificationRate).toBe(1); // every body detected and labelled as the truth (L6 included)
    const l6 = inner(syn.truth).find((t) => t.label === 'L6')!;
    const atL6 = result.vertebrae.find((v) => Math.hypot(...v.centroidLps.map((x, i) => x - l6.centroidLps[i]!)) < 5)!;
    expect(atL6.label).toBe('L6');
    expect(atL6.alternativeLabel).toBe('L5');
    for (const v of result.vertebrae.filter((x) => x.label !== null && x.region !== 'sacral')) {
      expect(v.alternativeLabel).not.toBeNull();
      expect(v.confidence).toBeLessThanOrEqual(0.6);
    }
    const finding = result.findings.find((f) => f.kind === 'transitional-anatomy');
    expect(finding?.description).toMatch(/six lumbar-type vertebrae/);
    expect(finding?.description).toMatch(/Alternative: 11 rib pairs/);
    expect(result.labellingNotes.join(' ')).toMatch(/transitional anatomy/);
  });

  it('grades a wedge fracture and low L1 density, and nothing else', () => {
    const syn = buildSyntheticSpine({
      levels: ['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1'],
      anteriorHeightScale: { L2: 0.65 },
      trabecularHu: { L1: 90 },
      seed: 17,
    });
    const result = analyzeSpineCt(syn.volume);
    expect(scoreAgainstTruth(result, inner(syn.truth)).identificationRate).toBe(1);
    // Truth: anterior height at the anterior wall (where Genant's morphometry reads it) is 65 % of
    // normal → 35 % loss → Genant 2 (25–40 %).
    const fractures = result.findings.filter((f) => f.kind === 'vertebral-fracture');
    expect(fractures.map((f) => [f.level, f.grade])).toEqual([['L2', 'Genant grade 2']]);
    const bmd = result.findings.find((f) => f.kind === 'low-bone-density');
    expect(bmd?.grade).toBe('osteoporosis likely');
    expect(Math.abs(bmd!.measuredValue - 90)).toBeLessThan(15);
    expect(result.findings.filter((f) => f.kind === 'spondylolisthesis')).toEqual([]);
  });

  it('grades a 10 mm L4 anterolisthesis as Meyerding II', () => {
    const syn = buildSyntheticSpine({ levels: ['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1'], slipMm: { L4: 10 }, seed: 23 });
    const result = analyzeSpineCt(syn.volume);
    expect(scoreAgainstTruth(result, inner(syn.truth)).identificationRate).toBe(1);
    const slips = result.findings.filter((f) => f.kind === 'spondylolisthesis');
    // Truth: 10 mm over L5's 34 mm AP depth = 29 % → Meyerding II.
    expect(slips.map((f) => f.level)).toEqual(['L4-L5']);
    expect(slips[0]!.grade).toMatch(/^Meyerding II/);
    expect(Math.abs(slips[0]!.measuredValue - 29.4)).toBeLessThan(5);
  });

  it('applies a configured threshold table', () => {
    const syn = buildSyntheticSpine({ levels: ['T12', 'L1', 'L2', 'L3', 'L4'], trabecularHu: { L1: 150 }, seed: 19 });
    const defaults = analyzeSpineCt(syn.volume);
    expect(defaults.findings.find((f) => f.kind === 'low-bone-density')?.grade).toBe('low bone density');
    const strict = analyzeSpineCt(syn.volume, { thresholds: { boneDensity: { sensitiveHu: 120 } } });
    expect(strict.findings.find((f) => f.kind === 'low-bone-density')).toBeUndefined();
  });
});

/**
 * A chest crop whose posterior edge cuts through the vertebral bodies (canal out of view, as in a
 * cardiac CT crop): 1.5 mm voxels, lung around, bodies 20 mm tall (trabecular 150–174 HU, 500 HU
 * cortex and endplates) with 5 mm discs (90 HU), centred 1.5 mm behind the cut so only their front
 * 13.5 mm is in view; a contrast-filled aorta (350 HU) beside them. Body centres at z = 133, 108,
 * 83, 58, 33 mm (and cut ones at the ends).
 */
function bodiesCutByPosteriorEdge(withDiscs: boolean): Volume<Int16Array> {
  const s = 1.5;
  const dims: [number, number, number] = [80, 60, 100];
  const data = new Int16Array(dims[0] * dims[1] * dims[2]);
  let n = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, n++) {
        const [x, y, z] = [i * s, j * s, k * s];
        let v = -800 + ((i * 7 + j * 13 + k * 5) % 11) * 4;
        const r = Math.hypot(x - 60, (y - 90) * 1.07);
        const phase = (z + 7) % 25; // disc at phase 0–5 mm, body 5–25 mm
        if (r < 16) {
          if (withDiscs && phase < 5) v = 90;
          else {
            const toEndplate = withDiscs ? Math.min(phase - 5, 25 - phase) : 99;
            v = r > 14.5 || toEndplate < 1.5 ? 500 : 150 + ((i * 3 + k * 7) % 5) * 6;
          }
        }
        const ra = Math.hypot(x - 88, y - 80);
        if (ra < 11) v = ra > 10 ? 40 : 350;
        data[n] = v;
      }
    }
  }
  return { dimensions: dims, spacingMm: [s, s, s], originLps: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as Mat3, data, valueUnit: 'HU' };
}

describe('analyzeSpineCt with the canal out of view', () => {
  it('finds the bodies cut by the posterior edge of the field of view, unlabelled and ungraded', () => {
    const result = analyzeSpineCt(bodiesCutByPosteriorEdge(true));
    expect(result.status).toBe('ok');
    // Measured: 4 of the 5 complete bodies (one endplate plane is not fitted).
    expect(result.vertebrae.length).toBeGreaterThanOrEqual(4);
    expect(result.vertebrae.length).toBeLessThanOrEqual(6);
    const centres = [133, 108, 83, 58, 33];
    for (const v of result.vertebrae) {
      expect(v.label).toBeNull();
      expect(v.truncated).toBe(true);
      expect(v.heightsMm.anterior).toBeNull();
      expect(Math.abs(v.centroidLps[0] - 60)).toBeLessThan(2);
      expect(Math.min(...centres.map((c) => Math.abs(v.centroidLps[2] - c)))).toBeLessThan(4);
    }
    expect(result.anchorsUsed).toEqual([]);
    expect(result.findings).toEqual([]);
  });

  it('finds no spine in a bone column cut by the edge without disc spaces (a long bone)', () => {
    const result = analyzeSpineCt(bodiesCutByPosteriorEdge(false));
    expect(result.status).toBe('no-spine');
    expect(result.vertebrae).toEqual([]);
  });
});

/**
 * A 1 mm-z volume averaged into `thickMm` slices (each slice the mean over its slab, as a CT
 * reconstructs it), the top slab's upper edge at z = zEdge: the field of view's cranial edge.
 */
function slabAveraged(v: Volume<Int16Array>, thickMm: number, zEdge: number): Volume<Int16Array> {
  const [nx, ny] = v.dimensions;
  const plane = nx * ny;
  const kTop = Math.round(zEdge - 0.5 - v.originLps[2]); // the last 1 mm plane below the edge
  const count = Math.floor((kTop + 1) / thickMm);
  const data = new Int16Array(plane * count);
  for (let s = 0; s < count; s++) {
    const kHi = kTop - (count - 1 - s) * thickMm;
    for (let n = 0; n < plane; n++) {
      let sum = 0;
      for (let d = 0; d < thickMm; d++) sum += v.data[(kHi - d) * plane + n]!;
      data[s * plane + n] = Math.round(sum / thickMm);
    }
  }
  const firstCentreZ = v.originLps[2] + kTop - (count - 1) * thickMm - (thickMm - 1) / 2;
  return { ...v, dimensions: [nx, ny, count], spacingMm: [v.spacingMm[0], v.spacingMm[1], thickMm], originLps: [v.originLps[0], v.originLps[1], firstCentreZ], data };
}

describe('analyzeSpineCt with a body cut by the top of a slice-averaged field of view', () => {
  // T11–S1 in 1.5 mm pixels and 3 mm slices; T12 (24.2 mm tall, 6 mm disc below) cut by the top
  // edge of the field of view `inViewMm` above its disc with L1.
  const syn = buildSyntheticSpine({ levels: ['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1'], spacingMm: [1.5, 1.5, 1], seed: 5 });
  const t12 = syn.truth.find((t) => t.label === 'T12')!;
  const inferiorEndplateZ = t12.centroidLps[2] - t12.heightsMm.middle / 2;
  const discZ = inferiorEndplateZ - 3;

  it('reports the cut T12 when 12 mm of it lie in view up to the top slice slab\'s edge (its centre 1.5 mm lower)', () => {
    const result = analyzeSpineCt(slabAveraged(syn.volume, 3, discZ + 12));
    expect(result.status).toBe('ok');
    const top = result.vertebrae[0]!;
    expect(top.label).toBe('T12');
    expect(top.truncated).toBe(true);
    expect(top.heightsMm.middle).toBeNull();
    // On the centroid of T12's part in view (from its inferior endplate to the edge).
    const inViewZ = (inferiorEndplateZ + discZ + 12) / 2;
    expect(Math.hypot(top.centroidLps[0] - t12.centroidLps[0], top.centroidLps[1] - t12.centroidLps[1], top.centroidLps[2] - inViewZ)).toBeLessThan(3);
    expect(result.vertebrae.map((v) => v.label)).toEqual(['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
  });

  it('reports the cut T12 when its superior endplate and every stray edge lie beyond the view (13 and 16 mm in view)', () => {
    // No endplate edge is found on the open side: the view's cut stands in for it, not fitted.
    for (const inViewMm of [13, 16]) {
      const result = analyzeSpineCt(slabAveraged(syn.volume, 3, discZ + inViewMm));
      expect(result.vertebrae.map((v) => v.label)).toEqual(['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
      const top = result.vertebrae[0]!;
      expect(top.truncated).toBe(true);
      expect(top.heightsMm.middle).toBeNull();
      const inViewZ = (inferiorEndplateZ + discZ + inViewMm) / 2;
      expect(Math.hypot(top.centroidLps[0] - t12.centroidLps[0], top.centroidLps[1] - t12.centroidLps[1], top.centroidLps[2] - inViewZ)).toBeLessThan(3);
    }
  });

  it('invents no body from a 9 mm sliver of T12 above its disc', () => {
    const result = analyzeSpineCt(slabAveraged(syn.volume, 3, discZ + 9));
    expect(result.vertebrae.map((v) => v.label)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
  });
});
