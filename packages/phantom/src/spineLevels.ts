/**
 * Anatomical levels as a closed type (DESIGN.md): C1–C7, T1–T13, L1–L6, S1, sacrum.
 * Transitional anatomy (T13, L6, 11 or 13 rib pairs, sacralised L5) is represented, never
 * forced into the normal count.
 */
export type CervicalLevel = 'C1' | 'C2' | 'C3' | 'C4' | 'C5' | 'C6' | 'C7';
export type ThoracicLevel = 'T1' | 'T2' | 'T3' | 'T4' | 'T5' | 'T6' | 'T7' | 'T8' | 'T9' | 'T10' | 'T11' | 'T12' | 'T13';
export type LumbarLevel = 'L1' | 'L2' | 'L3' | 'L4' | 'L5' | 'L6';
export type VertebraLevel = CervicalLevel | ThoracicLevel | LumbarLevel;
export type SpineLevel = VertebraLevel | 'S1' | 'sacrum';
export type SpineRegion = 'cervical' | 'thoracic' | 'lumbar';

export interface AnatomyVariant {
  /** 11, 12 (normal) or 13 thoracic vertebrae. */
  readonly thoracicCount: 11 | 12 | 13;
  /** 4, 5 (normal) or 6 lumbar vertebrae. */
  readonly lumbarCount: 4 | 5 | 6;
  /** Rib pairs: 11, 12 (normal) or 13; ribs sit on the thoracic levels, a 13th pair on the first lumbar level. */
  readonly ribPairs: 11 | 12 | 13;
  /** The last lumbar vertebra fused with the sacrum (Castellvi type IV-like). */
  readonly sacralizedLastLumbar: boolean;
}

export const normalVariant: AnatomyVariant = { thoracicCount: 12, lumbarCount: 5, ribPairs: 12, sacralizedLastLumbar: false };

/** Vertebra levels of a variant from cranial to caudal (sacrum excluded). */
export function vertebraLevelsFor(variant: AnatomyVariant): VertebraLevel[] {
  const levels: VertebraLevel[] = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7'];
  for (let index = 1; index <= variant.thoracicCount; index += 1) levels.push(`T${index}` as ThoracicLevel);
  for (let index = 1; index <= variant.lumbarCount; index += 1) levels.push(`L${index}` as LumbarLevel);
  return levels;
}

export function regionOf(level: VertebraLevel): SpineRegion {
  if (level.startsWith('C')) return 'cervical';
  if (level.startsWith('T')) return 'thoracic';
  return 'lumbar';
}

export const allVertebraLevels: readonly VertebraLevel[] = [
  'C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7',
  'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10', 'T11', 'T12', 'T13',
  'L1', 'L2', 'L3', 'L4', 'L5', 'L6',
];

export function isVertebraLevel(value: string): value is VertebraLevel {
  return (allVertebraLevels as readonly string[]).includes(value);
}
