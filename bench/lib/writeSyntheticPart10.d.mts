/** Types of the plain-JS synthetic Part 10 writer shared by benchmarks and tests. */
export interface SyntheticInstance {
  patientId: string;
  patientName: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  frameOfReferenceUid: string;
  studyDate: string;
  modality?: string;
  instanceNumber: number;
  seriesNumber?: number;
  rows: number;
  columns: number;
  zMm: number;
  pixelSeed?: number;
  studyDescription?: string;
  accessionNumber?: string;
  sopClassUid?: string;
}
export function writeSyntheticPart10(s: SyntheticInstance): Buffer;
export function syntheticUid(...parts: unknown[]): string;
