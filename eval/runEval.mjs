/**
 * `npm run eval` (issue 6): accuracy of @vertebra/analysis on the phantom evaluation suite
 * (phantomSuite(), each CT generated in-process at the suite's grid, written as DICOM by the
 * phantom and assembled back with @vertebra/dicom, as a real series would be) and on the real
 * samples in ../shared/data. Prints one table per case set and a per-preset aggregate.
 *
 *   node eval/runEval.mjs                every suite case (39; ~3.5 min on 2 busy cores)
 *   node eval/runEval.mjs --quick        15 cases (QUICK_CASES below, ~1 min)
 *   node eval/runEval.mjs --only a,b     the named suite cases
 *   node eval/runEval.mjs --no-real      phantom only;  --no-phantom  real samples only
 *   node eval/runEval.mjs --json FILE    also write every score as JSON
 *
 * Packages are imported from their builds (npm run eval builds them first).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeSpineCt } from '@vertebra/analysis';
import { assembleVolumeAsync, readNifti } from '@vertebra/dicom';
import { voxelToLps } from '@vertebra/geometry';
import { generatePhantomCase, phantomSuite } from '@vertebra/phantom';
import { canalAnteriorWallY } from './canalAnteriorWallY.mjs';
import { formatTable } from './formatTable.mjs';
import { matchVertebrae, scorePhantomCase } from './scorePhantomCase.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(repoRoot, '..', 'shared', 'data');

/** --quick: one or two cases per preset and position/thickness (about 1 minute). */
export const QUICK_CASES = [
  'normal-hfs-1mm',
  'normal-ffs-1.5mm',
  'normal-hfp-2mm',
  'normal-ffp-3mm',
  'normal-thoracic-overlap',
  'scoliosis-right-thoracic',
  'scoliosis-left-lumbar',
  'fracture-wedge-g3',
  'fracture-biconcave-g2',
  'listhesis-l4-25',
  'stenosis-l4',
  'osteopenia',
  'postop-l3-l5',
  'transitional-l6',
  'noisy-low-dose',
];

function parseArgs(argv) {
  const args = { quick: false, only: null, real: true, phantom: true, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--all') args.quick = false;
    else if (a === '--only') args.only = argv[++i].split(',');
    else if (a === '--no-real') args.real = false;
    else if (a === '--no-phantom') args.phantom = false;
    else if (a === '--json') args.json = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const f1 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));
const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`);

function zBounds(volume) {
  const [nx, ny, nz] = volume.dimensions;
  const zs = [];
  for (const i of [0, nx - 1]) for (const j of [0, ny - 1]) for (const k of [0, nz - 1]) zs.push(voxelToLps(volume, [i, j, k])[2]);
  return [Math.min(...zs), Math.max(...zs)];
}

function gradeCell(g) {
  const parts = [];
  for (const [key, v] of Object.entries(g)) {
    if (v.expected.length === 0 && v.got.length === 0) continue;
    parts.push(`${v.exact ? 'ok' : 'X'} ${key} exp[${v.expected.join(',')}] got[${v.got.join(',')}]`);
  }
  return parts.length ? parts.join('; ') : 'none expected, none found';
}

async function runPhantom(args) {
  let cases = phantomSuite();
  if (args.only) cases = cases.filter((c) => args.only.includes(c.caseId));
  else if (args.quick) cases = cases.filter((c) => QUICK_CASES.includes(c.caseId));
  const scores = [];
  for (const [n, options] of cases.entries()) {
    const t0 = performance.now();
    // The label map comes with the NIfTI export (same grid as the CT): the in-view centroid of a
    // body cut by the field of view is taken from its mask, as VerSe does for real scans.
    const phantom = generatePhantomCase({ ...options, modalities: ['ct'], ct: { ...options.ct, nifti: true } });
    const t1 = performance.now();
    // Follow-up cases carry two visits: the first visit's CT is evaluated.
    const visit = phantom.groundTruth.visits[0];
    const ctFiles = phantom.files.filter((f) => visit.ct.paths.includes(f.path)).map((f) => f.bytes);
    const { volume } = await assembleVolumeAsync(ctFiles);
    const labelsFile = phantom.files.find((f) => visit.ct.niftiPaths.includes(f.path) && f.path.endsWith('labels.nii'));
    const inViewCentroids = labelsFile ? cutBodyCentroids(readNifti(labelsFile.bytes, { subject: labelsFile.path, valueUnit: 'label' }), visit.anatomy) : new Map();
    const t2 = performance.now();
    const result = analyzeSpineCt(volume);
    const t3 = performance.now();
    const score = scorePhantomCase(result, visit.anatomy, zBounds(volume), inViewCentroids);
    scores.push({ caseId: options.caseId, preset: options.preset, notes: result.reason ? [result.reason] : result.labellingNotes, dims: volume.dimensions.join('x'), generateMs: t1 - t0, readMs: t2 - t1, analysisMs: t3 - t2, ...score });
    process.stderr.write(`eval: [${n + 1}/${cases.length}] ${options.caseId} ${volume.dimensions.join('x')}: analysis ${((t3 - t2) / 1000).toFixed(1)} s (phantom ${((t1 - t0) / 1000).toFixed(1)} s)\n`);
  }
  return scores;
}

function printPhantom(scores) {
  const rows = scores.map((s) => [
    s.caseId,
    s.dims,
    `${s.labelled}/${s.levelsFound} vs ${s.truthCount}`,
    `${s.wrongLabels}${s.wrongLabelsAltOk ? ` (${s.wrongLabelsAltOk} alt ok)` : ''}`,
    pct(s.identificationRate),
    pct(s.detectionRate),
    `${f1(s.centroidMeanMm)}/${f1(s.centroidMaxMm)}`,
    `${f1(s.heightMeanMm)}/${f1(s.heightMaxMm)}`,
    // The largest truth curve and its match; (+n): n more curves, listed below the table.
    `${f1(s.cobb.truthDeg)}→${f1(s.cobb.gotDeg)}${s.cobbCurves.length > 1 ? ` (+${s.cobbCurves.length - 1})` : ''}`,
    s.kyphosis ? f1(s.kyphosis.errorDeg) : 'n/a',
    s.lordosis ? f1(s.lordosis.errorDeg) : 'n/a',
    (s.analysisMs / 1000).toFixed(1),
  ]);
  console.log('\n## Phantom suite: per case\n');
  console.log(
    formatTable(
      ['case', 'grid', 'labelled/found vs truth', 'wrong labels', 'id rate', 'det rate', 'centroid mean/max mm', 'height mean/max mm', 'Cobb truth→got °', 'kyph err °', 'lord err °', 'analysis s'],
      rows,
    ),
  );
  console.log('\nGrades per case (exp = truth thresholds applied to the phantom; X = mismatch):');
  for (const s of scores) console.log(`- ${s.caseId}: ${gradeCell(s.grades)}${s.labelled === 0 ? ` — unlabelled: ${s.notes.join(' / ')}` : ''}`);
  console.log('\nCobb curves per case (truth end vertebrae angle → measured; "false": a measured curve the truth does not have):');
  for (const s of scores) {
    if (s.cobbCurves.length === 0) continue;
    const cell = (c) => (c.truthLevels === null ? `false ${c.gotLevels} ${f1(c.gotDeg)}${c.truthBelowLimitDeg === undefined ? '' : ` (truth over the same levels ${f1(c.truthBelowLimitDeg)}, under the 5° limit: err ${f1(c.errorDeg)})`}` : `${c.truthLevels} ${f1(c.truthDeg)} → ${c.gotLevels ?? 'none'} ${f1(c.gotDeg)} (err ${f1(c.errorDeg)})`);
    console.log(`- ${s.caseId}: ${s.cobbCurves.map(cell).join('; ')}`);
  }

  const byPreset = new Map();
  for (const s of scores) byPreset.set(s.preset, [...(byPreset.get(s.preset) ?? []), s]);
  const agg = (list) => {
    const truth = list.reduce((a, s) => a + s.truthCount, 0);
    const idN = list.reduce((a, s) => a + s.rows.filter((r) => r.identified).length, 0);
    const detN = list.reduce((a, s) => a + s.rows.filter((r) => r.detected).length, 0);
    const errs = list.flatMap((s) => s.rows.filter((r) => r.identified).map((r) => r.distanceMm));
    const detErrs = list.flatMap((s) => s.rows.filter((r) => r.detected).map((r) => r.distanceMm));
    const h = list.map((s) => s.heightMeanMm).filter((x) => x !== null);
    // Every truth curve (and every false measured one) of every case.
    const cobb = list.flatMap((s) => s.cobbCurves.map((c) => c.errorDeg));
    const sag = list.flatMap((s) => [s.kyphosis?.errorDeg, s.lordosis?.errorDeg]).filter((x) => x !== null && x !== undefined);
    const sagMissing = list.flatMap((s) => [s.kyphosis, s.lordosis]).filter((x) => x && x.errorDeg === null).length;
    const gradeSets = list.flatMap((s) => Object.values(s.grades));
    const wrong = list.reduce((a, s) => a + s.wrongLabels, 0);
    const labelled = list.reduce((a, s) => a + s.labelled, 0);
    const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    return [
      list.length,
      truth,
      `${wrong}/${labelled}`,
      pct(truth ? idN / truth : null),
      pct(truth ? detN / truth : null),
      `${f1(mean(errs))}/${f1(errs.length ? Math.max(...errs) : null)}`,
      `${f1(mean(detErrs))}`,
      f1(mean(h)),
      `${f1(mean(cobb))}/${f1(Math.max(...cobb))}`,
      `${f1(mean(sag))}${sagMissing ? ` (${sagMissing} missing)` : ''}`,
      `${gradeSets.filter((g) => g.exact).length}/${gradeSets.length}`,
      f1(mean(list.map((s) => s.analysisMs / 1000))),
    ];
  };
  const aggRows = [...byPreset.entries()].map(([preset, list]) => [preset, ...agg(list)]);
  aggRows.push(['ALL', ...agg(scores)]);
  console.log('\n## Phantom suite: per preset aggregate\n');
  console.log(
    formatTable(
      ['preset', 'cases', 'truth vertebrae', 'wrong/labelled', 'id rate', 'det rate', 'centroid mean/max mm (identified)', 'centroid mean mm (detected)', 'height err mean mm', 'Cobb err mean/max ° (all curves)', 'sagittal err mean °', 'grade kinds exact (of 4/case)', 'analysis s/case'],
      aggRows,
    ),
  );
}

function loadNifti(path, valueUnit = 'HU') {
  const v = readNifti(readFileSync(path), { subject: path, valueUnit });
  return { ...v, data: v.data instanceof Float32Array ? v.data : Float32Array.from(v.data), valueUnit };
}

/** Per-label centroids (LPS) of a label mask, optionally only where `keep(n)` holds. */
function labelCentroids(mask, labels, keep = () => true) {
  const [nx, ny, nz] = mask.dimensions;
  const acc = new Map(labels.map((l) => [l, [0, 0, 0, 0]]));
  let n = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, n++) {
    const a = acc.get(mask.data[n]);
    if (!a || !keep(n, i, j, k)) continue;
    a[0] += i;
    a[1] += j;
    a[2] += k;
    a[3]++;
  }
  return new Map([...acc].filter(([, a]) => a[3] > 0).map(([l, a]) => [l, voxelToLps(mask, [a[0] / a[3], a[1] / a[3], a[2] / a[3]])]));
}

/**
 * In-view body centroids (LPS) of the phantom vertebrae whose body mask reaches the first or last
 * slice (cut by the field of view), by level: the centroid of the body's voxels in the image
 * (VerSe: Sekuboyina A et al., Med Image Anal 2021;73:102166). Bodies wholly in view keep the
 * phantom's exact centroid.
 */
function cutBodyCentroids(mask, anatomy) {
  const [nx, ny, nz] = mask.dimensions;
  const byLabel = new Map(anatomy.vertebrae.map((v) => [v.bodyLabel, v.level]));
  const cut = new Set();
  for (const k of [0, nz - 1]) {
    const off = k * nx * ny;
    for (let n = 0; n < nx * ny; n++) if (byLabel.has(mask.data[off + n])) cut.add(mask.data[off + n]);
  }
  const c = labelCentroids(mask, [...cut]);
  return new Map([...c].map(([l, p]) => [byLabel.get(l), p]));
}

/**
 * Vertebral-body centroids (LPS) of whole-vertebra model masks (TotalSegmentator: body, pedicles
 * and posterior elements in one label), for `levels` = [[label, name], …]. The scoring centroid is
 * the vertebral body's (VerSe: Sekuboyina A et al., Med Image Anal 2021;73:102166; the lumbar crop
 * above uses its seg-subreg body labels), so each mask is cut, per axial slice, at the spinal
 * canal's anterior wall found in the masks themselves (canalAnteriorWallY.mjs): only its voxels
 * anterior to the wall count. Each slice's body voxels go to the level that holds
 * most of them: a body lies between two discs, so an axial slice through it belongs to one level
 * (the model labels the left and posterior part of T12's body as T11 on z −798…−778 mm). Returns
 * the centroids and, for the report, those of each label's own body voxels.
 */
function maskBodyCentroids(seg, levels, cordLabel) {
  const [nx, ny, nz] = seg.dimensions;
  const name = new Map(levels);
  const vert = new Set(name.keys());
  const at = (i, j, k) => seg.data[(k * ny + j) * nx + i];
  const yOf = (i, j, k) => voxelToLps(seg, [i, j, k])[1];
  const wall = canalAnteriorWallY(seg, [...vert], cordLabel);
  const inBody = (i, j, k) => vert.has(at(i, j, k)) && yOf(i, j, k) < wall[k];
  const owner = new Array(nz).fill(null);
  for (let k = 0; k < nz; k++) {
    if (!(wall[k] === wall[k])) continue;
    const n = new Map();
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (inBody(i, j, k)) n.set(at(i, j, k), (n.get(at(i, j, k)) ?? 0) + 1);
    if (n.size) owner[k] = [...n].sort((p, q) => q[1] - p[1])[0][0];
  }
  const acc = new Map([...vert].map((l) => [l, [0, 0, 0, 0]]));
  const own = new Map([...vert].map((l) => [l, [0, 0, 0, 0]]));
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    if (owner[k] === null || !inBody(i, j, k)) continue;
    for (const [m, l] of [[acc, owner[k]], [own, at(i, j, k)]]) {
      const a = m.get(l);
      a[0] += i;
      a[1] += j;
      a[2] += k;
      a[3]++;
    }
  }
  const toLps = (m) => new Map([...m].filter(([, a]) => a[3] > 0).map(([l, a]) => [name.get(l), voxelToLps(seg, [a[0] / a[3], a[1] / a[3], a[2] / a[3]])]));
  return { body: toLps(acc), ownLabelBody: toLps(own) };
}

async function runReal() {
  const out = [];
  const lumbar = join(dataDir, 'ct-lumbar-crop');
  if (existsSync(lumbar)) {
    const volume = loadNifti(join(lumbar, 'sub-ct_label-22_ct.nii.gz'));
    const vert = loadNifti(join(lumbar, 'sub-ct_seg-vert_label-22_msk.nii.gz'), 'label');
    const sub = loadNifti(join(lumbar, 'sub-ct_seg-subreg_label-22_msk.nii.gz'), 'label');
    // Body-only centroids (seg-subreg 49 body border, 50 body); VerSe 21/22/23 = L2/L3/L4.
    const c = labelCentroids(vert, [21, 22, 23], (n) => sub.data[n] === 49 || sub.data[n] === 50);
    const names = { 21: 'L2', 22: 'L3', 23: 'L4' };
    const truth = [...c].map(([l, p]) => ({ label: names[l], centroidLps: p }));
    const t = performance.now();
    const result = analyzeSpineCt(volume);
    out.push({ name: 'ct-lumbar-crop (L2–L4 masks, body voxels)', result, ms: performance.now() - t, truth, ...matchVertebrae(result, truth) });
  }
  const abdomen = join(dataDir, 'ct-abdomen-dicom-jp2k');
  const abdomenLabels = join(dataDir, 'ct-abdomen-dicom-jp2k-labels', 'segmentation.nii.gz');
  if (existsSync(abdomen) && existsSync(abdomenLabels)) {
    const files = readdirSync(abdomen).map((f) => new Uint8Array(readFileSync(join(abdomen, f))));
    const { volume } = await assembleVolumeAsync(files);
    const seg = loadNifti(abdomenLabels, 'label');
    // Model masks cover the whole vertebra: their body parts (maskBodyCentroids). 33 = T11,
    // 32 = T12, 79 = spinal cord.
    const { body, ownLabelBody } = maskBodyCentroids(seg, [[33, 'T11'], [32, 'T12']], 79);
    const truth = [...body].map(([label, centroidLps]) => ({ label, centroidLps }));
    const t = performance.now();
    const result = analyzeSpineCt(volume);
    // For the report: the distance to each label's own body voxels (the model's split of T12's body left as it is).
    const near = (p) => Math.min(...result.vertebrae.map((v) => Math.hypot(v.centroidLps[0] - p[0], v.centroidLps[1] - p[1], v.centroidLps[2] - p[2])));
    const truthNote = `truth = body parts anterior to the canal wall, slices by majority level; with each label's own body voxels instead: ${[...ownLabelBody].map(([l, p]) => `${l} ${f1(near(p))} mm`).join(', ')}`;
    out.push({ name: 'ct-abdomen-dicom-jp2k (T11/T12 model masks, body part)', result, ms: performance.now() - t, truth, truthNote, ...matchVertebrae(result, truth) });
  }
  const chest = join(dataDir, 'ct-chest-crop', 'image.nii.gz');
  if (existsSync(chest)) {
    const t = performance.now();
    const result = analyzeSpineCt(loadNifti(chest));
    out.push({ name: 'ct-chest-crop (no labels: must not invent a count)', result, ms: performance.now() - t, truth: [], ...matchVertebrae(result, []) });
  }
  return out;
}

function printReal(real) {
  console.log('\n## Real samples (../shared/data)\n');
  const rows = real.map((r) => {
    const labels = r.result.vertebrae.map((v) => v.label ?? '?').join(',');
    const perLevel = r.rows.map((x) => `${x.truth.label} ${f1(x.distanceMm)} mm→${x.detection?.label ?? 'unlabelled'}`).join('; ');
    return [
      r.name,
      r.result.status,
      `${r.result.vertebrae.length} [${labels}] vs ${r.truthCount}`,
      `${r.result.anchorsUsed.length}`,
      pct(r.identificationRate),
      pct(r.detectionRate),
      `${f1(r.detectedCentroidMeanMm)}/${f1(r.detectedCentroidMaxMm)}`,
      perLevel || '–',
      (r.ms / 1000).toFixed(2),
    ];
  });
  const table = formatTable(['sample', 'status', 'found [labels] vs truth', 'anchors', 'id rate', 'det rate (<20 mm)', 'centroid mean/max mm (detected)', 'per level: nearest', 'analysis s'], rows);
  console.log(table);
  for (const r of real) console.log(`- ${r.name}: ${r.result.reason ?? r.result.labellingNotes.join(' / ')}${r.truthNote ? ` — ${r.truthNote}` : ''}`);
}

const args = parseArgs(process.argv.slice(2));
const started = performance.now();
console.log(`# Vertebra analysis evaluation — ${new Date().toISOString()} — load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const phantom = args.phantom ? await runPhantom(args) : [];
if (phantom.length) printPhantom(phantom);
const real = args.real ? await runReal() : [];
if (real.length) printReal(real);
console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(0)} s; load average at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
if (args.json) {
  const slim = (s) => ({ ...s, rows: s.rows.map((r) => ({ label: r.truth.label, nearest: r.detection?.label ?? null, distanceMm: r.distanceMm, identified: r.identified })) });
  writeFileSync(args.json, JSON.stringify({ phantom: phantom.map(slim), real: real.map((r) => ({ name: r.name, status: r.result.status, ...slim(r), result: undefined })) }, null, 1));
}
