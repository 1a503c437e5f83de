/**
 * Named phantom cases. Each preset is a set of parameter overrides on the normal adult
 * (defaultPhantomParameters); `followup` adds a second visit one year later with progression.
 * Normal sagittal values after Roussouly et al., Spine 2005 (PI ≈ 52°, PT ≈ 13°, LL ≈ 50–60°)
 * and osteoporotic trabecular density after Link & Lang (< 80 HU at L1, Pickhardt 2013).
 */
import { VertebraError } from '@vertebra/errors';
import type { PhantomParameterOverrides } from './PhantomParameters.js';

export const phantomPresetNames = ['normal', 'scoliosis', 'fracture', 'listhesis', 'stenosis', 'osteoporosis', 'postop', 'transitional', 'followup'] as const;
export type PhantomPresetName = (typeof phantomPresetNames)[number];

export interface PhantomPreset {
  readonly description: string;
  readonly overrides: PhantomParameterOverrides;
  /** A later visit of the same patient (new study), if any. */
  readonly followUp?: { readonly overrides: PhantomParameterOverrides; readonly daysLater: number; readonly description: string };
}

export const phantomPresets: Record<PhantomPresetName, PhantomPreset> = {
  normal: { description: 'Normal adult spine', overrides: { patient: { patientName: 'Phantom^Normal', sex: 'F' } } },
  scoliosis: {
    description: 'Adolescent idiopathic scoliosis, right thoracic 45° (T5–T12) with left lumbar 28° (T12–L4)',
    overrides: {
      coronalCurves: [
        { cobbDeg: 45, upperEnd: 'T5', lowerEnd: 'T12', apex: 'T8', convexity: 'right' },
        { cobbDeg: 28, upperEnd: 'T12', lowerEnd: 'L4', convexity: 'left' },
      ],
      thoracicKyphosisDeg: 25,
      patient: { patientName: 'Phantom^Scoliosis', sex: 'F', birthDate: '20090315' },
    },
  },
  fracture: {
    description: 'Osteoporotic fractures: L1 wedge grade 2, T12 biconcave grade 1',
    overrides: {
      fractures: [
        { level: 'L1', grade: 2, shape: 'wedge' },
        { level: 'T12', grade: 1, shape: 'biconcave' },
      ],
      trabecularHu: 95,
      patient: { patientName: 'Phantom^Fracture', sex: 'F', birthDate: '19480704' },
    },
  },
  listhesis: {
    description: 'Degenerative spondylolisthesis L4 on L5, 25 % (Meyerding I)',
    overrides: {
      listhesis: [{ level: 'L4', slipPercent: 25 }],
      discDegeneration: [{ level: 'L4', heightLossPercent: 35 }],
      pelvicIncidenceDeg: 62,
      pelvicTiltDeg: 20,
      patient: { patientName: 'Phantom^Listhesis', sex: 'F', birthDate: '19560210' },
    },
  },
  stenosis: {
    description: 'Central canal stenosis L4–L5 (AP 7 mm) and L3–L4 (AP 10 mm)',
    overrides: {
      stenosis: [
        { level: 'L4', canalApMm: 7 },
        { level: 'L3', canalApMm: 10 },
      ],
      discDegeneration: [{ level: 'L4', heightLossPercent: 40 }],
      patient: { patientName: 'Phantom^Stenosis', sex: 'M', birthDate: '19500923' },
    },
  },
  osteoporosis: {
    description: 'Osteoporosis (trabecular 70 HU) with a T11 crush fracture grade 1',
    overrides: {
      trabecularHu: 70,
      fractures: [{ level: 'T11', grade: 1, shape: 'crush' }],
      thoracicKyphosisDeg: 55,
      patient: { patientName: 'Phantom^Osteoporosis', sex: 'F', birthDate: '19420118' },
    },
  },
  postop: {
    description: 'Posterior instrumented fusion L4–S1 levels (pedicle screws L4, L5; rods)',
    overrides: {
      implants: { screwLevels: ['L3', 'L4', 'L5'], rods: true },
      discDegeneration: [{ level: 'L4', heightLossPercent: 30 }],
      patient: { patientName: 'Phantom^Postop', sex: 'M', birthDate: '19610530' },
    },
  },
  transitional: {
    description: 'Transitional anatomy: six lumbar vertebrae (L6) with 12 rib pairs',
    overrides: {
      variant: { lumbarCount: 6 },
      patient: { patientName: 'Phantom^Transitional', sex: 'M', birthDate: '19800812' },
    },
  },
  followup: {
    description: 'Scoliosis follow-up: right thoracic curve 30°, progressing to 38° with a new L1 wedge fracture one year later',
    overrides: {
      coronalCurves: [{ cobbDeg: 30, upperEnd: 'T6', lowerEnd: 'T12', convexity: 'right' }],
      patient: { patientName: 'Phantom^Followup', sex: 'F', birthDate: '19520402' },
    },
    followUp: {
      daysLater: 365,
      description: 'Follow-up after one year',
      overrides: {
        coronalCurves: [{ cobbDeg: 38, upperEnd: 'T6', lowerEnd: 'T12', convexity: 'right' }],
        fractures: [{ level: 'L1', grade: 1, shape: 'wedge' }],
      },
    },
  },
};

export function resolvePhantomPreset(name: string): PhantomPreset {
  if (!(phantomPresetNames as readonly string[]).includes(name)) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `unknown preset ${JSON.stringify(name)}; valid presets: ${phantomPresetNames.join(', ')}`, {
      subject: 'preset',
      details: { parameter: 'preset', validValues: phantomPresetNames },
    });
  }
  return phantomPresets[name as PhantomPresetName];
}
