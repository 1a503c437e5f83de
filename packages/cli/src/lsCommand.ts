/**
 * `vertebra ls --data DIR [--json]`: patients, their studies and each study's series, read
 * through the archive's one query path (the same one QIDO-RS and C-FIND use, PS3.4 C.6).
 */
import type { ArchiveService, DicomJsonDataset, QueryRequest } from '@vertebra/archive';
import type { CliIo } from './CliIo.js';
import { openCliArchive } from './openCliArchive.js';

export interface LsSeries {
  readonly seriesInstanceUid: string;
  readonly modality: string;
  readonly seriesNumber: string;
  readonly seriesDescription: string;
  readonly instances: number | null;
}

export interface LsStudy {
  readonly studyInstanceUid: string;
  readonly studyDate: string;
  readonly studyDescription: string;
  readonly accessionNumber: string;
  readonly modalities: readonly string[];
  readonly series: readonly LsSeries[];
}

export interface LsPatient {
  readonly patientId: string;
  readonly patientName: string;
  readonly studies: readonly LsStudy[];
}

export interface LsCommandOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly json?: boolean;
}

/** First value of a DICOM JSON attribute as text (PS3.18 F.2.2; PN → its Alphabetic group). */
function text(row: DicomJsonDataset, tag: string): string {
  const value = row[tag]?.Value?.[0];
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return String((value as { Alphabetic?: unknown }).Alphabetic ?? '');
  return String(value);
}

function texts(row: DicomJsonDataset, tag: string): string[] {
  return (row[tag]?.Value ?? []).filter((v) => v !== null && v !== undefined).map(String);
}

function count(row: DicomJsonDataset, tag: string): number | null {
  const value = Number(text(row, tag));
  return text(row, tag) === '' || !Number.isFinite(value) ? null : value;
}

async function queryAll(archive: ArchiveService, request: QueryRequest): Promise<DicomJsonDataset[]> {
  const rows: DicomJsonDataset[] = [];
  const pageSize = 1000;
  for (let offset = 0; ; offset += pageSize) {
    const page = await archive.query({ ...request, limit: pageSize, offset });
    rows.push(...page.rows);
    if (!page.truncated || page.rows.length === 0) return rows;
  }
}

export async function listArchive(archive: ArchiveService): Promise<LsPatient[]> {
  const studyRows = await queryAll(archive, {
    level: 'STUDY',
    match: {},
    includeFields: ['PatientName', 'PatientID', 'StudyDate', 'StudyDescription', 'AccessionNumber', 'ModalitiesInStudy'],
  });
  const patients = new Map<string, { patientId: string; patientName: string; studies: LsStudy[] }>();
  for (const row of studyRows) {
    const studyInstanceUid = text(row, '0020000D');
    const seriesRows = await queryAll(archive, {
      level: 'SERIES',
      match: { StudyInstanceUID: studyInstanceUid },
      includeFields: ['Modality', 'SeriesNumber', 'SeriesDescription', 'NumberOfSeriesRelatedInstances'],
    });
    const series = seriesRows
      .map((s) => ({
        seriesInstanceUid: text(s, '0020000E'),
        modality: text(s, '00080060'),
        seriesNumber: text(s, '00200011'),
        seriesDescription: text(s, '0008103E'),
        instances: count(s, '00201209'),
      }))
      .sort((a, b) => Number(a.seriesNumber || Infinity) - Number(b.seriesNumber || Infinity) || a.seriesInstanceUid.localeCompare(b.seriesInstanceUid));
    const patientId = text(row, '00100020');
    const patientName = text(row, '00100010');
    const key = `${patientId}\u0000${patientName}`;
    let patient = patients.get(key);
    if (!patient) {
      patient = { patientId, patientName, studies: [] };
      patients.set(key, patient);
    }
    patient.studies.push({
      studyInstanceUid,
      studyDate: text(row, '00080020'),
      studyDescription: text(row, '00081030'),
      accessionNumber: text(row, '00080050'),
      modalities: texts(row, '00080061'),
      series,
    });
  }
  const result = [...patients.values()];
  for (const patient of result) patient.studies.sort((a, b) => a.studyDate.localeCompare(b.studyDate) || a.studyInstanceUid.localeCompare(b.studyInstanceUid));
  result.sort((a, b) => a.patientId.localeCompare(b.patientId) || a.patientName.localeCompare(b.patientName));
  return result;
}

function formatDate(date: string): string {
  return /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}` : date || '—';
}

export function formatArchiveTable(patients: readonly LsPatient[]): string {
  if (patients.length === 0) return 'The archive is empty.\n';
  const lines: string[] = [];
  for (const patient of patients) {
    lines.push(`Patient ${patient.patientName || '(no name)'}  ID ${patient.patientId || '(none)'}`);
    for (const study of patient.studies) {
      const instances = study.series.reduce((sum, s) => sum + (s.instances ?? 0), 0);
      lines.push(
        `  Study ${study.studyInstanceUid}  ${formatDate(study.studyDate)}  ${study.modalities.join('/') || '—'}  ${study.series.length} series, ${instances} instances${study.studyDescription ? `  "${study.studyDescription}"` : ''}`,
      );
      for (const series of study.series) {
        lines.push(
          `    Series ${(series.seriesNumber || '—').padStart(4)}  ${(series.modality || '—').padEnd(3)}  ${String(series.instances ?? '?').padStart(5)} inst  ${series.seriesInstanceUid}${series.seriesDescription ? `  "${series.seriesDescription}"` : ''}`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function lsCommand(options: LsCommandOptions, io: CliIo): Promise<number> {
  const archive = await openCliArchive({
    dataDir: options.dataDir,
    mustExist: true,
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
  });
  try {
    const patients = await listArchive(archive);
    io.stdout.write(options.json ? `${JSON.stringify(patients, null, 2)}\n` : formatArchiveTable(patients));
  } finally {
    await archive.close();
  }
  return 0;
}
