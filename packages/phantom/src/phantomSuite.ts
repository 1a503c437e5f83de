/**
 * The evaluation suite: a fixed list of phantom cases covering every parameter (curves,
 * sagittal profile, fractures of each shape and grade, listhesis, stenosis, disc height loss,
 * bone density, implants, transitional anatomy, noise), every patient position, slice
 * thicknesses from 1 to 3 mm and each field of view. `vertebra phantom --preset suite` writes
 * these cases (each one a call of generatePhantomCase).
 */
import type { GeneratePhantomCaseOptions } from './generatePhantomCase.js';
import type { PhantomPresetName } from './phantomPresets.js';

interface SuiteEntry {
  readonly id: string;
  readonly preset: PhantomPresetName;
  readonly options?: Omit<GeneratePhantomCaseOptions, 'preset' | 'caseId' | 'seed'>;
}

const entries: readonly SuiteEntry[] = [
  { id: 'normal-hfs-1mm', preset: 'normal', options: { ct: { sliceThicknessMm: 1 } } },
  { id: 'normal-ffs-1.5mm', preset: 'normal', options: { ct: { sliceThicknessMm: 1.5, patientPosition: 'FFS' } } },
  { id: 'normal-hfp-2mm', preset: 'normal', options: { ct: { sliceThicknessMm: 2, patientPosition: 'HFP' } } },
  { id: 'normal-ffp-3mm', preset: 'normal', options: { ct: { sliceThicknessMm: 3, patientPosition: 'FFP' } } },
  { id: 'normal-cervical', preset: 'normal', options: { ct: { fieldOfView: 'cervical', pixelSpacingMm: 0.4, sliceThicknessMm: 1 } } },
  { id: 'normal-thoracic-overlap', preset: 'normal', options: { ct: { fieldOfView: 'thoracic', sliceThicknessMm: 2, sliceSpacingMm: 1.5 } } },
  { id: 'normal-whole', preset: 'normal', options: { ct: { fieldOfView: 'whole', pixelSpacingMm: 0.9, sliceThicknessMm: 3 } } },
  { id: 'normal-hyperlordosis', preset: 'normal', options: { overrides: { lumbarLordosisDeg: 72, pelvicIncidenceDeg: 70, pelvicTiltDeg: 12 } } },
  { id: 'flatback-sagittal-imbalance', preset: 'normal', options: { overrides: { lumbarLordosisDeg: 20, thoracicKyphosisDeg: 30, pelvicIncidenceDeg: 58, pelvicTiltDeg: 30, svaMm: 90 } } },
  { id: 'hyperkyphosis', preset: 'normal', options: { overrides: { thoracicKyphosisDeg: 70 }, ct: { fieldOfView: 'thoracic' } } },
  { id: 'scoliosis-right-thoracic', preset: 'scoliosis', options: { ct: { fieldOfView: 'thoracic', sliceThicknessMm: 2 } } },
  { id: 'scoliosis-left-lumbar', preset: 'scoliosis', options: { overrides: { coronalCurves: [{ cobbDeg: 35, upperEnd: 'T11', lowerEnd: 'L4', apex: 'L2', convexity: 'left' }] } } },
  { id: 'scoliosis-severe', preset: 'scoliosis', options: { overrides: { coronalCurves: [{ cobbDeg: 85, upperEnd: 'T4', lowerEnd: 'L1', apex: 'T8', convexity: 'right' }] }, ct: { fieldOfView: 'whole', pixelSpacingMm: 0.9, sliceThicknessMm: 2.5 } } },
  { id: 'scoliosis-mild', preset: 'scoliosis', options: { overrides: { coronalCurves: [{ cobbDeg: 12, upperEnd: 'T7', lowerEnd: 'L1', convexity: 'right' }] } } },
  { id: 'fracture-wedge-g1', preset: 'fracture', options: { overrides: { fractures: [{ level: 'T12', grade: 1, shape: 'wedge' }] } } },
  { id: 'fracture-wedge-g3', preset: 'fracture', options: { overrides: { fractures: [{ level: 'L1', grade: 3, shape: 'wedge' }] } } },
  { id: 'fracture-biconcave-g2', preset: 'fracture', options: { overrides: { fractures: [{ level: 'L2', grade: 2, shape: 'biconcave' }] } } },
  { id: 'fracture-crush-g3', preset: 'fracture', options: { overrides: { fractures: [{ level: 'L3', grade: 3, shape: 'crush' }] } } },
  { id: 'fracture-multiple-thoracic', preset: 'fracture', options: { overrides: { fractures: [{ level: 'T7', grade: 2, shape: 'wedge' }, { level: 'T8', grade: 1, shape: 'biconcave' }] }, ct: { fieldOfView: 'thoracic', sliceThicknessMm: 3 } } },
  { id: 'fracture-cervical', preset: 'fracture', options: { overrides: { fractures: [{ level: 'C5', grade: 2, shape: 'crush' }] }, ct: { fieldOfView: 'cervical', pixelSpacingMm: 0.4, sliceThicknessMm: 1 } } },
  { id: 'listhesis-l4-25', preset: 'listhesis' },
  { id: 'listhesis-l5-50', preset: 'listhesis', options: { overrides: { listhesis: [{ level: 'L5', slipPercent: 50 }], discDegeneration: [{ level: 'L5', heightLossPercent: 50 }] } } },
  { id: 'listhesis-l5-10-ffs', preset: 'listhesis', options: { overrides: { listhesis: [{ level: 'L5', slipPercent: 10 }] }, ct: { patientPosition: 'FFS', sliceThicknessMm: 2 } } },
  { id: 'stenosis-l4', preset: 'stenosis' },
  { id: 'stenosis-severe-l3', preset: 'stenosis', options: { overrides: { stenosis: [{ level: 'L3', canalApMm: 4 }] }, ct: { sliceThicknessMm: 1 } } },
  { id: 'disc-degeneration-multilevel', preset: 'normal', options: { overrides: { discDegeneration: [{ level: 'L3', heightLossPercent: 30 }, { level: 'L4', heightLossPercent: 50 }, { level: 'L5', heightLossPercent: 70 }] } } },
  { id: 'osteoporosis', preset: 'osteoporosis', options: { ct: { fieldOfView: 'thoracic' } } },
  { id: 'osteopenia', preset: 'osteoporosis', options: { overrides: { trabecularHu: 120, fractures: [] } } },
  { id: 'postop-l3-l5', preset: 'postop' },
  { id: 'postop-thoracolumbar', preset: 'postop', options: { overrides: { implants: { screwLevels: ['T10', 'T11', 'T12', 'L1', 'L2'], rods: true }, fractures: [{ level: 'T12', grade: 3, shape: 'crush' }] }, ct: { fieldOfView: 'thoracic', sliceThicknessMm: 2 } } },
  { id: 'transitional-l6', preset: 'transitional' },
  { id: 'transitional-t13', preset: 'transitional', options: { overrides: { variant: { lumbarCount: 5, thoracicCount: 13, ribPairs: 13 } } } },
  { id: 'transitional-11-ribs', preset: 'transitional', options: { overrides: { variant: { lumbarCount: 5, ribPairs: 11 } } } },
  { id: 'transitional-lumbar-rib', preset: 'transitional', options: { overrides: { variant: { lumbarCount: 5, ribPairs: 13 } } } },
  { id: 'transitional-sacralised-l5', preset: 'transitional', options: { overrides: { variant: { lumbarCount: 5, sacralizedLastLumbar: true } } } },
  { id: 'transitional-four-lumbar', preset: 'transitional', options: { overrides: { variant: { lumbarCount: 4 } } } },
  { id: 'noisy-low-dose', preset: 'normal', options: { overrides: { noiseHu: 45 }, ct: { sliceThicknessMm: 1 } } },
  { id: 'noise-free', preset: 'normal', options: { overrides: { noiseHu: 0 } } },
  { id: 'followup-scoliosis', preset: 'followup' },
  { id: 'followup-postop', preset: 'followup', options: { followUpOverrides: { implants: { screwLevels: ['T12', 'L1', 'L2'], rods: true } } } },
  // Appended (seeds follow the list order): the control for transitional-four-lumbar, a normal
  // spine whose field of view starts inside L1, so that, as there, a cut body sits above four
  // complete rib-free vertebrae and the sacrum. It must never receive four-lumbar's numbering.
  { id: 'normal-fov-from-l1', preset: 'normal', options: { ct: { cranialEdgeLevel: 'L1' } } },
  // Appended: a double major scoliosis (right thoracic T5–T11, left lumbar T11–L4, sharing T11)
  // in a whole-spine view, so that every curve, not only the largest, is measured and scored.
  {
    id: 'scoliosis-double-major',
    preset: 'scoliosis',
    options: {
      overrides: {
        coronalCurves: [
          { cobbDeg: 40, upperEnd: 'T5', lowerEnd: 'T11', apex: 'T8', convexity: 'right' },
          { cobbDeg: 35, upperEnd: 'T11', lowerEnd: 'L4', apex: 'L2', convexity: 'left' },
        ],
      },
      ct: { fieldOfView: 'whole', pixelSpacingMm: 0.9, sliceThicknessMm: 2.5 },
    },
  },
];

/** The suite's cases; seeds are fixed so the suite is reproducible. */
export function phantomSuite(): GeneratePhantomCaseOptions[] {
  return entries.map((entry, index) => ({ preset: entry.preset, seed: 101 + index, caseId: entry.id, modalities: ['ct', 'xr'], ...entry.options }));
}
