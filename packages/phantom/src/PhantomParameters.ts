/**
 * Parameters of a phantom patient and their validation. Every parameter has a documented
 * valid range; a value outside it throws a VertebraError (REQUEST_INVALID_PARAMETER) whose
 * message names the parameter, the value and the valid range.
 * Angle definitions follow the SRS terminology (Scoliosis Research Society, 2000 glossary):
 * Cobb angle between the superior endplate of the upper and the inferior endplate of the
 * lower end vertebra; thoracic kyphosis T4–T12; lumbar lordosis L1–S1; PI = PT + SS
 * (Legaye et al., Eur Spine J 1998;7:99–103).
 */
import { VertebraError } from '@vertebra/errors';
import {
  normalVariant,
  vertebraLevelsFor,
  type AnatomyVariant,
  type VertebraLevel,
} from './spineLevels.js';

export interface CoronalCurve {
  readonly cobbDeg: number;
  readonly upperEnd: VertebraLevel;
  readonly lowerEnd: VertebraLevel;
  /** Apex vertebra; the midpoint between the end vertebrae when omitted. */
  readonly apex?: VertebraLevel;
  readonly convexity: 'left' | 'right';
}

export type FractureShape = 'wedge' | 'biconcave' | 'crush';

export interface FractureSpec {
  readonly level: VertebraLevel;
  /** Genant semiquantitative grade: 1 mild (20–25 %), 2 moderate (25–40 %), 3 severe (> 40 %) height loss. */
  readonly grade: 1 | 2 | 3;
  readonly shape: FractureShape;
}

export interface ListhesisSpec {
  /** The slipping (upper) vertebra: 'L5' slips on S1, 'L4' on L5. */
  readonly level: VertebraLevel;
  /** Meyerding slip: anterior translation as a percentage of the lower endplate depth. */
  readonly slipPercent: number;
}

export interface StenosisSpec {
  /** Disc level below this vertebra ('L4' = L4–L5). */
  readonly level: VertebraLevel;
  /** Remaining AP diameter of the canal at the disc level, mm. */
  readonly canalApMm: number;
}

export interface DiscDegenerationSpec {
  /** Disc below this vertebra. */
  readonly level: VertebraLevel;
  readonly heightLossPercent: number;
}

export interface ImplantSpec {
  /** Vertebrae receiving bilateral pedicle screws; rods join consecutive screws on each side. */
  readonly screwLevels: readonly VertebraLevel[];
  readonly rods: boolean;
}

export interface PhantomPatient {
  readonly patientId: string;
  readonly patientName: string;
  readonly sex: 'F' | 'M' | 'O';
  /** YYYYMMDD */
  readonly birthDate: string;
}

export interface PhantomParameters {
  readonly seed: number;
  readonly variant: AnatomyVariant;
  readonly coronalCurves: readonly CoronalCurve[];
  readonly thoracicKyphosisDeg: number;
  readonly lumbarLordosisDeg: number;
  readonly cervicalLordosisDeg: number;
  readonly pelvicIncidenceDeg: number;
  readonly pelvicTiltDeg: number;
  /** Target sagittal vertical axis (C7 plumb line to S1 posterosuperior corner, + anterior), or null to let it follow. */
  readonly svaMm: number | null;
  readonly fractures: readonly FractureSpec[];
  readonly listhesis: readonly ListhesisSpec[];
  readonly stenosis: readonly StenosisSpec[];
  readonly discDegeneration: readonly DiscDegenerationSpec[];
  /** Trabecular bone density of the vertebral bodies, HU. */
  readonly trabecularHu: number;
  readonly implants: ImplantSpec | null;
  /** Standard deviation of CT noise, HU. */
  readonly noiseHu: number;
  readonly patient: PhantomPatient;
}

export type PhantomParameterOverrides = Partial<Omit<PhantomParameters, 'variant' | 'patient'>> & {
  readonly variant?: Partial<AnatomyVariant>;
  readonly patient?: Partial<PhantomPatient>;
};

export const defaultPhantomParameters: PhantomParameters = {
  seed: 1,
  variant: normalVariant,
  coronalCurves: [],
  thoracicKyphosisDeg: 40,
  lumbarLordosisDeg: 50,
  cervicalLordosisDeg: 20,
  pelvicIncidenceDeg: 52,
  pelvicTiltDeg: 13,
  svaMm: null,
  fractures: [],
  listhesis: [],
  stenosis: [],
  discDegeneration: [],
  trabecularHu: 200,
  implants: null,
  noiseHu: 12,
  patient: { patientId: 'PHANTOM-1', patientName: 'Phantom^Normal', sex: 'F', birthDate: '19700101' },
};

export function mergePhantomParameters(base: PhantomParameters, overrides: PhantomParameterOverrides): PhantomParameters {
  return {
    ...base,
    ...overrides,
    variant: { ...base.variant, ...overrides.variant },
    patient: { ...base.patient, ...overrides.patient },
  } as PhantomParameters;
}

function invalid(parameter: string, message: string, validRange: string): never {
  throw new VertebraError('REQUEST_INVALID_PARAMETER', `${message}; valid range: ${validRange}`, {
    subject: parameter,
    details: { parameter, validRange },
  });
}

function checkRange(parameter: string, value: unknown, min: number, max: number, unit: string): void {
  const range = `${min} to ${max} ${unit}`.trim();
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(parameter, `${String(value)} is not a number`, range);
  if (value < min || value > max) invalid(parameter, `${value} ${unit} is out of range`.replace(/ +/g, ' '), range);
}

function checkLevel(parameter: string, value: unknown, levels: readonly VertebraLevel[], allowed?: readonly VertebraLevel[]): VertebraLevel {
  const valid = allowed ?? levels;
  if (typeof value !== 'string' || !(valid as readonly string[]).includes(value)) {
    invalid(parameter, `unknown or absent level ${JSON.stringify(value)} for this anatomy`, `one of ${valid.join(', ')}`);
  }
  return value as VertebraLevel;
}

function checkOneOf<T extends string | number>(parameter: string, value: unknown, options: readonly T[]): T {
  if (!(options as readonly unknown[]).includes(value)) invalid(parameter, `${JSON.stringify(value)} is not allowed`, `one of ${options.join(', ')}`);
  return value as T;
}

/** Throws a VertebraError naming the first invalid parameter and its valid range. */
export function validatePhantomParameters(parameters: PhantomParameters): void {
  const variant = parameters.variant;
  checkOneOf('variant.thoracicCount', variant.thoracicCount, [11, 12, 13]);
  checkOneOf('variant.lumbarCount', variant.lumbarCount, [4, 5, 6]);
  checkOneOf('variant.ribPairs', variant.ribPairs, [11, 12, 13]);
  if (typeof variant.sacralizedLastLumbar !== 'boolean') invalid('variant.sacralizedLastLumbar', 'must be true or false', 'true, false');
  const levels = vertebraLevelsFor(variant);
  const position = (level: VertebraLevel): number => levels.indexOf(level);
  if (!Number.isInteger(parameters.seed) || parameters.seed < 0 || parameters.seed > 2 ** 31 - 1) {
    invalid('seed', `${String(parameters.seed)} is not a non-negative integer`, `0 to ${2 ** 31 - 1}`);
  }
  checkRange('thoracicKyphosisDeg', parameters.thoracicKyphosisDeg, 0, 90, '°');
  checkRange('lumbarLordosisDeg', parameters.lumbarLordosisDeg, 0, 90, '°');
  checkRange('cervicalLordosisDeg', parameters.cervicalLordosisDeg, -20, 50, '°');
  checkRange('pelvicIncidenceDeg', parameters.pelvicIncidenceDeg, 25, 90, '°');
  checkRange('pelvicTiltDeg', parameters.pelvicTiltDeg, -10, 45, '°');
  const sacralSlope = parameters.pelvicIncidenceDeg - parameters.pelvicTiltDeg;
  if (sacralSlope < 5 || sacralSlope > 70) {
    invalid('pelvicTiltDeg', `pelvic incidence − pelvic tilt (sacral slope) is ${sacralSlope}°`, 'sacral slope 5 to 70 °');
  }
  if (parameters.svaMm !== null) checkRange('svaMm', parameters.svaMm, -80, 150, 'mm');
  checkRange('trabecularHu', parameters.trabecularHu, 20, 400, 'HU');
  checkRange('noiseHu', parameters.noiseHu, 0, 100, 'HU');

  const thoracolumbar = levels.filter((level) => level !== 'C1' && level !== 'C2');
  let previousTop = Number.POSITIVE_INFINITY;
  const curves = [...parameters.coronalCurves].sort((a, b) => position(b.lowerEnd) - position(a.lowerEnd));
  parameters.coronalCurves.forEach((curve, index) => {
    const name = `coronalCurves[${index}]`;
    checkRange(`${name}.cobbDeg`, curve.cobbDeg, 0, 120, '°');
    checkOneOf(`${name}.convexity`, curve.convexity, ['left', 'right']);
    const upper = checkLevel(`${name}.upperEnd`, curve.upperEnd, levels, thoracolumbar);
    const lower = checkLevel(`${name}.lowerEnd`, curve.lowerEnd, levels, thoracolumbar);
    if (position(lower) - position(upper) < 2) {
      invalid(`${name}.lowerEnd`, `lower end vertebra ${lower} must be at least two levels below the upper end vertebra ${upper}`, 'a level at least two below upperEnd');
    }
    if (curve.apex !== undefined) {
      const apex = checkLevel(`${name}.apex`, curve.apex, levels);
      if (position(apex) <= position(upper) || position(apex) >= position(lower)) {
        invalid(`${name}.apex`, `apex ${apex} is not between ${upper} and ${lower}`, `a level strictly between ${upper} and ${lower}`);
      }
    }
  });
  for (const curve of curves) {
    if (position(curve.lowerEnd) > previousTop) {
      invalid('coronalCurves', `curves ${curve.upperEnd}–${curve.lowerEnd} overlap another curve`, 'curves that share at most an end vertebra');
    }
    previousTop = position(curve.upperEnd);
  }
  const bodyLevels = levels.filter((level) => level !== 'C1');
  parameters.fractures.forEach((fracture, index) => {
    checkLevel(`fractures[${index}].level`, fracture.level, levels, bodyLevels.filter((level) => level !== 'C2'));
    checkOneOf(`fractures[${index}].grade`, fracture.grade, [1, 2, 3]);
    checkOneOf(`fractures[${index}].shape`, fracture.shape, ['wedge', 'biconcave', 'crush']);
  });
  const slippable = levels.filter((level) => level !== 'C1' && level !== 'C2');
  parameters.listhesis.forEach((slip, index) => {
    checkLevel(`listhesis[${index}].level`, slip.level, levels, slippable);
    checkRange(`listhesis[${index}].slipPercent`, slip.slipPercent, 0, 75, '%');
  });
  parameters.stenosis.forEach((stenosis, index) => {
    checkLevel(`stenosis[${index}].level`, stenosis.level, levels, bodyLevels);
    checkRange(`stenosis[${index}].canalApMm`, stenosis.canalApMm, 3, 14, 'mm');
  });
  parameters.discDegeneration.forEach((disc, index) => {
    checkLevel(`discDegeneration[${index}].level`, disc.level, levels, bodyLevels);
    checkRange(`discDegeneration[${index}].heightLossPercent`, disc.heightLossPercent, 0, 90, '%');
  });
  if (parameters.implants !== null) {
    const screwable = levels.filter((level) => level.startsWith('T') || level.startsWith('L'));
    if (parameters.implants.screwLevels.length === 0) invalid('implants.screwLevels', 'no levels given', `one or more of ${screwable.join(', ')}`);
    parameters.implants.screwLevels.forEach((level, index) => checkLevel(`implants.screwLevels[${index}]`, level, levels, screwable));
  }
  const patient = parameters.patient;
  if (!/^[0-9]{8}$/.test(patient.birthDate)) invalid('patient.birthDate', `${JSON.stringify(patient.birthDate)} is not YYYYMMDD`, 'YYYYMMDD');
  if (patient.patientId.length === 0 || patient.patientId.length > 64) invalid('patient.patientId', 'must have 1 to 64 characters', '1 to 64 characters');
  checkOneOf('patient.sex', patient.sex, ['F', 'M', 'O']);
}
