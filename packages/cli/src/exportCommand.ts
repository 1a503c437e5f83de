/**
 * `vertebra export STUDY_UID --data DIR --out DIR [--deidentify]`: writes every instance of
 * a study, byte-identical to what was ingested (checked against the stored SHA-256), under
 * safe generated names `<series index>/<instance index>.dcm` — never names taken from the
 * data — plus `manifest.json` mapping each file to its UIDs. Existing files are never
 * overwritten.
 *
 * With --deidentify every instance goes through the DICOM PS3.15 Basic Application Level
 * Confidentiality Profile with the Retain Longitudinal Temporal Information with Modified
 * Dates option (deidentifyPart10), keyed by the archive's persistent de-identification key,
 * so the same patient gets the same pseudonymous Patient ID, UIDs and date offset in every
 * export. Each output is verified by checkDeidentified (given the original UIDs and
 * identifying values) before it is written: an instance with a surviving violation is
 * never written and the export fails. The manifest then holds only pseudonymous UIDs.
 * Every export is appended to the audit trail (action 'export' or 'export-deidentified').
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deidentificationKeyOf, type ArchiveService, type InstanceRecord } from '@vertebra/archive';
import { checkDeidentified, deidentifyPart10, DEIDENTIFICATION_METHOD, pseudonymousUid, readDicomHeader } from '@vertebra/dicom';
import { VertebraError } from '@vertebra/errors';
import type { CliIo } from './CliIo.js';
import { patientIdOfStudy, requireSecurityStore, runAudited } from './cliAudit.js';
import { openCliArchive } from './openCliArchive.js';

export interface ExportCommandOptions {
  readonly studyInstanceUid: string;
  readonly dataDir: string;
  readonly outDir: string;
  readonly databaseUrl?: string;
  /** De-identify (PS3.15 E.1 + E.3.6) with the archive's key and verify every output. */
  readonly deidentify?: boolean;
}

export interface ExportManifestEntry {
  readonly file: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  readonly transferSyntaxUid: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export interface ExportManifest {
  /** The study's UID; with --deidentify its pseudonymous UID. */
  readonly studyInstanceUid: string;
  readonly exportedAt: string;
  /** Present with --deidentify: what was applied and the patient's pseudonymous ID. */
  readonly deidentification?: { readonly method: readonly string[]; readonly patientId: string };
  readonly instances: readonly ExportManifestEntry[];
}

/** PS3.5 9.1: a UID is digits and dots, components without leading zeros, at most 64 characters. */
const uidPattern = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

interface WrittenStudy {
  readonly entries: ExportManifestEntry[];
  readonly pseudonymousPatientId: string | null;
}

/** Identifying text of an original instance that must not survive (checkDeidentified's originalValues). */
function identifyingValues(bytes: Uint8Array): { uids: string[]; values: string[] } {
  const header = readDicomHeader(bytes);
  return {
    uids: [header.studyInstanceUid, header.seriesInstanceUid, header.sopInstanceUid, header.frameOfReferenceUid].filter((uid) => uid !== ''),
    values: [header.patientName, header.patientId, header.referringPhysicianName, header.accessionNumber].filter((text) => text.trim().length > 2),
  };
}

async function writeStudy(archive: ArchiveService, records: readonly InstanceRecord[], options: ExportCommandOptions, key: string | undefined): Promise<WrittenStudy> {
  await mkdir(options.outDir, { recursive: true });
  const entries: ExportManifestEntry[] = [];
  let pseudonymousPatientId: string | null = null;
  const seriesIndex = new Map<string, { index: number; instances: number }>();
  for (const record of records) {
    let series = seriesIndex.get(record.seriesInstanceUid);
    if (!series) {
      series = { index: seriesIndex.size + 1, instances: 0 };
      seriesIndex.set(record.seriesInstanceUid, series);
      await mkdir(join(options.outDir, String(series.index).padStart(3, '0')), { recursive: true });
    }
    series.instances += 1;
    const file = `${String(series.index).padStart(3, '0')}/${String(series.instances).padStart(5, '0')}.dcm`;
    const stored = await archive.readInstance(record);
    const storedSha256 = createHash('sha256').update(stored).digest('hex');
    if (storedSha256 !== record.sha256) {
      throw new VertebraError('ARCHIVE_STORAGE_FAILED', `stored bytes do not match their recorded SHA-256 (${storedSha256} ≠ ${record.sha256})`, {
        subject: key === undefined ? record.sopInstanceUid : file,
      });
    }
    let bytes = stored;
    let uids = { seriesInstanceUid: record.seriesInstanceUid, sopInstanceUid: record.sopInstanceUid };
    if (key !== undefined) {
      const result = deidentifyPart10(stored, { key, subject: file });
      const original = identifyingValues(stored);
      const check = checkDeidentified(result.bytes, {
        subject: file,
        originalUids: [record.studyInstanceUid, record.seriesInstanceUid, record.sopInstanceUid, ...original.uids, ...Object.keys(result.replacedUids)],
        originalValues: original.values,
      });
      if (!check.ok) {
        const listed = check.violations.slice(0, 8).map((violation) => `${violation.tag} ${violation.keyword}`);
        throw new VertebraError(
          'DEIDENTIFICATION_FAILED',
          `de-identification check failed: ${check.violations.length} attribute${check.violations.length === 1 ? '' : 's'} the profile removes survived (${listed.join(', ')}${check.violations.length > listed.length ? ', …' : ''}); the file was not written and the export is incomplete`,
          { subject: join(options.outDir, file) },
        );
      }
      bytes = result.bytes;
      const header = readDicomHeader(bytes);
      pseudonymousPatientId ??= header.patientId;
      uids = {
        seriesInstanceUid: header.seriesInstanceUid === '' ? pseudonymousUid(key, record.seriesInstanceUid) : header.seriesInstanceUid,
        sopInstanceUid: header.sopInstanceUid,
      };
    }
    try {
      await writeFile(join(options.outDir, file), bytes, { flag: 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new VertebraError(
        code === 'EEXIST' ? 'REQUEST_INVALID_PARAMETER' : 'ARCHIVE_STORAGE_FAILED',
        code === 'EEXIST' ? 'the file already exists; export into an empty folder' : `cannot write: ${(error as Error).message}`,
        { subject: join(options.outDir, file), cause: error },
      );
    }
    entries.push({
      file,
      ...uids,
      sopClassUid: record.sopClassUid,
      transferSyntaxUid: record.transferSyntaxUid,
      sizeBytes: bytes.byteLength,
      sha256: key === undefined ? storedSha256 : createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return { entries, pseudonymousPatientId };
}

export async function exportCommand(options: ExportCommandOptions, io: CliIo): Promise<number> {
  if (options.studyInstanceUid.length > 64 || !uidPattern.test(options.studyInstanceUid)) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', 'not a valid DICOM UID (PS3.5 9.1: digits and dots, at most 64 characters)', {
      subject: 'STUDY_UID',
    });
  }
  const archive = await openCliArchive({
    dataDir: options.dataDir,
    mustExist: true,
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
  });
  let manifest: ExportManifest;
  try {
    const store = requireSecurityStore(archive);
    const key = options.deidentify ? await deidentificationKeyOf(store) : undefined;
    const patientId = await patientIdOfStudy(archive, options.studyInstanceUid);
    manifest = await runAudited(
      store,
      { action: options.deidentify ? 'export-deidentified' : 'export', patientId, studyInstanceUid: options.studyInstanceUid, detail: `to ${options.outDir}` },
      async () => {
        const records = await archive.listInstances({ studyInstanceUid: options.studyInstanceUid });
        if (records.length === 0) {
          throw new VertebraError('ARCHIVE_NOT_FOUND', 'no such study in the archive', { subject: options.studyInstanceUid });
        }
        const written = await writeStudy(archive, records, options, key);
        const value: ExportManifest = {
          studyInstanceUid: key === undefined ? options.studyInstanceUid : pseudonymousUid(key, options.studyInstanceUid),
          exportedAt: new Date().toISOString(),
          ...(key === undefined ? {} : { deidentification: { method: [...DEIDENTIFICATION_METHOD], patientId: written.pseudonymousPatientId ?? '' } }),
          instances: written.entries,
        };
        const seriesCount = new Set(written.entries.map((e) => e.seriesInstanceUid)).size;
        const detail = `${written.entries.length} instances in ${seriesCount} series to ${options.outDir}${key === undefined ? '' : `, de-identified as study ${value.studyInstanceUid}`}`;
        return { value, detail };
      },
    );
  } finally {
    await archive.close();
  }
  await writeFile(join(options.outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const seriesCount = new Set(manifest.instances.map((e) => e.seriesInstanceUid)).size;
  io.stdout.write(
    options.deidentify
      ? `Exported ${manifest.instances.length} de-identified instances in ${seriesCount} series (PS3.15 Basic Profile, modified dates; every file checked) as study ${manifest.studyInstanceUid}, patient ${manifest.deidentification?.patientId ?? ''}, to ${options.outDir} (manifest.json lists them)\n`
      : `Exported ${manifest.instances.length} instances in ${seriesCount} series of study ${options.studyInstanceUid} to ${options.outDir} (manifest.json lists them)\n`,
  );
  return 0;
}
