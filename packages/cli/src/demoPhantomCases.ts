/**
 * The synthetic patients `vertebra serve --demo` loads (issue 4): a normal lumbar CT with
 * AP/lateral radiographs and a sagittal MR, a scoliosis whole-spine radiograph pair, an
 * osteoporotic fracture CT and a scoliosis follow-up patient with two visits (studies) a year
 * apart. Grids are coarser than the phantom defaults (1.5 mm pixels, 3 mm slices, 1500-row
 * radiographs) so that the first start stays quick; fixed seeds make the demo reproducible.
 */
import type { GeneratePhantomCaseOptions } from '@vertebra/phantom';

/** A phantom case of the demo, with a label for progress lines. */
export interface DemoPhantomCase {
  readonly label: string;
  readonly options: GeneratePhantomCaseOptions;
}

const demoCt = { columns: 256, rows: 256, pixelSpacingMm: 1.5, sliceThicknessMm: 3 } as const;
const demoXr = { rows: 1500, voxelSizeMm: 2.5 } as const;

export function demoPhantomCases(): DemoPhantomCase[] {
  return [
    {
      label: 'normal lumbar spine (CT, AP + lateral radiographs, sagittal T1/T2 MR)',
      options: {
        preset: 'normal',
        seed: 1,
        caseId: 'demo-normal',
        modalities: ['ct', 'xr', 'mr'],
        ct: demoCt,
        xr: demoXr,
        mr: { planes: ['sagittal'], pixelSpacingMm: 1, sagittalSlices: 11 },
      },
    },
    {
      label: 'scoliosis (whole-spine AP + lateral radiographs)',
      options: { preset: 'scoliosis', seed: 2, caseId: 'demo-scoliosis', modalities: ['xr'], xr: demoXr },
    },
    {
      label: 'osteoporotic L1 wedge fracture (lumbar CT, lateral radiograph)',
      options: {
        preset: 'fracture',
        seed: 3,
        caseId: 'demo-fracture',
        modalities: ['ct', 'xr'],
        ct: { ...demoCt, fieldOfView: 'lumbar' },
        xr: { ...demoXr, views: ['lateral'], fieldOfView: 'lumbar' },
      },
    },
    {
      label: 'scoliosis follow-up, two visits a year apart (CT + radiographs each)',
      options: { preset: 'followup', seed: 4, caseId: 'demo-followup', modalities: ['ct', 'xr'], ct: demoCt, xr: demoXr },
    },
  ];
}
