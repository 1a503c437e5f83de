/**
 * Reading values out of the DICOM JSON model (PS3.18 F.2): attributes keyed by tag
 * ('GGGGEEEE'), each `{ vr, Value?: [...] }`; person names are `{ Alphabetic }` objects.
 */
export interface DicomJsonAttribute {
  readonly vr: string;
  readonly Value?: readonly unknown[];
  readonly BulkDataURI?: string;
  readonly InlineBinary?: string;
}

export type DicomJsonDataset = Record<string, DicomJsonAttribute | undefined>;

/** Tags the viewer reads, by keyword (PS3.6). */
export const tags = {
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SOPInstanceUID: '00080018',
  SOPClassUID: '00080016',
  StudyDate: '00080020',
  StudyTime: '00080030',
  AccessionNumber: '00080050',
  ModalitiesInStudy: '00080061',
  Modality: '00080060',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  BodyPartExamined: '00180015',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  NumberOfFrames: '00280008',
} as const;

export function firstValue(dataset: DicomJsonDataset, tag: string): unknown {
  return dataset[tag]?.Value?.[0];
}

export function stringValue(dataset: DicomJsonDataset, tag: string): string {
  const value = firstValue(dataset, tag);
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') {
    const alphabetic = (value as { Alphabetic?: unknown }).Alphabetic;
    return typeof alphabetic === 'string' ? alphabetic : '';
  }
  return String(value);
}

/** All values of a multi-valued attribute as strings (e.g. ModalitiesInStudy). */
export function stringValues(dataset: DicomJsonDataset, tag: string): string[] {
  return (dataset[tag]?.Value ?? []).filter((v) => v !== null && v !== undefined).map(String);
}

export function numberValue(dataset: DicomJsonDataset, tag: string): number | undefined {
  const value = firstValue(dataset, tag);
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function numberValues(dataset: DicomJsonDataset, tag: string): number[] | undefined {
  const values = dataset[tag]?.Value;
  if (values === undefined) return undefined;
  const numbers = values.map((v) => (typeof v === 'number' ? v : Number(v)));
  return numbers.every(Number.isFinite) ? numbers : undefined;
}

/** DICOM DA 'YYYYMMDD' → 'YYYY-MM-DD' for display ('' when absent or malformed). */
export function formatDicomDate(da: string): string {
  return /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : da;
}

/** DICOM PN 'Family^Given^Middle' → 'Family, Given Middle'. */
export function formatPersonName(pn: string): string {
  const [family = '', given = '', middle = ''] = pn.split('^');
  const rest = [given, middle].filter((p) => p !== '').join(' ');
  return rest === '' ? family : `${family}, ${rest}`;
}
