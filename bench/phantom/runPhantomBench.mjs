// Phantom benchmark (issue 4): time and peak memory to render a 512×512×400 CT volume and a
// full-spine lateral radiograph (3000×1500) from the normal phantom; goals 10 s and 2 s on the
// 2-core reference machine. Prints each figure and its ratio to the goal. Not a test.
//
//   npx tsc -b packages/phantom && node bench/phantom/runPhantomBench.mjs [--seed N] [--labels] [--dicom]
//     --labels   also render the label volume beside the CT (+1 byte per voxel)
//     --dicom    also encode the CT as 400 Part 10 files and the radiograph as DX (reported separately)
import { performance } from 'node:perf_hooks';
import {
  buildAnatomy,
  buildSpineModel,
  computeGroundTruth,
  defaultPhantomParameters,
  encodeCtSeries,
  encodeDxImage,
  mergePhantomParameters,
  projectRadiograph,
  renderCtVolume,
  studyIdentity,
} from '../../packages/phantom/dist/index.js';

const args = process.argv.slice(2);
const seed = Number(args[args.indexOf('--seed') + 1] ?? 1) || 1;
const withLabels = args.includes('--labels');
const withDicom = args.includes('--dicom');
const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

const parameters = mergePhantomParameters(defaultPhantomParameters, { seed });
let start = performance.now();
const model = buildSpineModel(parameters);
const truth = computeGroundTruth(model);
const anatomy = buildAnatomy(model, { patientPosition: 'HFS' });
const modelMs = performance.now() - start;
console.log(`model + ground truth + anatomy: ${modelMs.toFixed(0)} ms (${anatomy.solids.length} solids)`);

// 512×512×400 CT: 0.8 mm pixels, 1 mm slices centred on the thoracolumbar junction.
const l1 = truth.vertebrae.find((v) => v.level === 'L1');
const zCentre = l1.centroidLps[2];
const centreY = anatomy.outline.reduce((sum, s) => sum + s.cy, 0) / anatomy.outline.length;
start = performance.now();
const ct = renderCtVolume(anatomy, {
  columns: 512,
  rows: 512,
  pixelSpacingMm: 0.8,
  sliceThicknessMm: 1,
  sliceSpacingMm: 1,
  centreXY: [0, centreY],
  zRange: [zCentre - 199.5, zCentre + 199.5],
  noiseHu: parameters.noiseHu,
  noiseSeed: 'bench',
  labels: withLabels,
});
const ctMs = performance.now() - start;
console.log(`CT ${ct.volume.dimensions.join('×')}${withLabels ? ' + labels' : ''}: ${(ctMs / 1000).toFixed(2)} s (goal 10 s, ratio ${(ctMs / 10000).toFixed(2)}), peak RSS ${mib(peakRss())}`);

if (withDicom) {
  start = performance.now();
  const study = studyIdentity({ patient: parameters.patient, studyKey: 'bench', studyDate: '20240101', studyDescription: 'bench' });
  const series = encodeCtSeries(ct.volume, { study, seriesNumber: 1, seriesDescription: 'bench', patientPosition: 'HFS', sliceThicknessMm: 1, bodyPartExamined: 'SPINE' });
  console.log(`  DICOM encoding of ${series.instances.length} slices: ${((performance.now() - start) / 1000).toFixed(2)} s`);
}

// Full-spine lateral radiograph 3000×1500 (projection through a 2 mm HU volume).
start = performance.now();
const top = truth.vertebrae[0].superiorEndplate.centreLps[2] + 40;
const bottom = model.hipAxisCentre[2] - 60;
const voxel = 2;
const width = 460;
const volume = renderCtVolume(anatomy, {
  columns: width / voxel,
  rows: width / voxel,
  pixelSpacingMm: voxel,
  sliceThicknessMm: voxel,
  sliceSpacingMm: voxel,
  centreXY: [0, centreY],
  zRange: [bottom - 20, top + 20],
  noiseHu: 0,
  noiseSeed: 'none',
  labels: false,
}).volume;
const volumeMs = performance.now() - start;
const sid = 1800;
const sod = 1600;
const rows = 3000;
const columns = 1500;
const imagerPixelSpacingMm = ((top - bottom + 60) * (sid / sod)) / rows;
const geometry = { view: 'lateral', sourceToDetectorMm: sid, sourceToPatientMm: sod, isocentreLps: [0, centreY, (top + bottom) / 2], columns, rows, imagerPixelSpacingMm };
const projectStart = performance.now();
const image = projectRadiograph(volume, geometry);
const projectMs = performance.now() - projectStart;
const xrMs = performance.now() - start;
console.log(
  `lateral radiograph ${rows}×${columns}: ${(xrMs / 1000).toFixed(2)} s (goal 2 s, ratio ${(xrMs / 2000).toFixed(2)}; ` +
    `${volume.dimensions.join('×')} source volume ${(volumeMs / 1000).toFixed(2)} s + projection ${(projectMs / 1000).toFixed(2)} s), peak RSS ${mib(peakRss())}`,
);
if (withDicom) {
  start = performance.now();
  const study = studyIdentity({ patient: parameters.patient, studyKey: 'bench', studyDate: '20240101', studyDescription: 'bench' });
  encodeDxImage({ study, seriesNumber: 2, seriesDescription: 'bench', view: 'lateral', columns, rows, pixels: image.pixels, imagerPixelSpacingMm, sourceToDetectorMm: sid, sourceToPatientMm: sod });
  console.log(`  DX encoding: ${((performance.now() - start) / 1000).toFixed(2)} s`);
}
