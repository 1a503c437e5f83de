/**
 * `vertebra export STUDY_UID --data DIR --out DIR`: writes every instance of a study,
 * byte-identical to what was ingested (checked against the stored SHA-256), under safe
 * generated names `<series index>/<instance index>.dcm` — never names taken from the
 * data — plus `manifest.json` mapping each file to its UIDs. Existing files are never
 * overwritten.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VertebraError } from '@vertebra/errors';
import type { CliIo } from './CliIo.js';
import { openCliArchive } from './openCliArchive.js';

export interface ExportCommandOptions {
  readonly studyInstanceUid: string;
  readonly dataDir: string;
  readonly outDir: string;
  readonly databaseUrl?: string;
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
  readonly studyInstanceUid: string;
  readonly exportedAt: string;
  readonly instances: readonly ExportManifestEntry[];
}

/** PS3.5 9.1: a UID is digits and dots, components without leading zeros, at most 64 characters. */
const uidPattern = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

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
  const entries: ExportManifestEntry[] = [];
  try {
    const records = await archive.listInstances({ studyInstanceUid: options.studyInstanceUid });
    if (records.length === 0) {
      throw new VertebraError('ARCHIVE_NOT_FOUND', 'no such study in the archive', { subject: options.studyInstanceUid });
    }
    await mkdir(options.outDir, { recursive: true });
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
      const bytes = await archive.readInstance(record);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (sha256 !== record.sha256) {
        throw new VertebraError('ARCHIVE_STORAGE_FAILED', `stored bytes do not match their recorded SHA-256 (${sha256} ≠ ${record.sha256})`, {
          subject: record.sopInstanceUid,
        });
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
        seriesInstanceUid: record.seriesInstanceUid,
        sopInstanceUid: record.sopInstanceUid,
        sopClassUid: record.sopClassUid,
        transferSyntaxUid: record.transferSyntaxUid,
        sizeBytes: bytes.byteLength,
        sha256,
      });
    }
  } finally {
    await archive.close();
  }
  const manifest: ExportManifest = { studyInstanceUid: options.studyInstanceUid, exportedAt: new Date().toISOString(), instances: entries };
  await writeFile(join(options.outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const seriesCount = new Set(entries.map((e) => e.seriesInstanceUid)).size;
  io.stdout.write(`Exported ${entries.length} instances in ${seriesCount} series of study ${options.studyInstanceUid} to ${options.outDir} (manifest.json lists them)\n`);
  return 0;
}
