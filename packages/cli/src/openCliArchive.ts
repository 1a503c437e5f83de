/**
 * Opens the archive a command works on. Commands that only read (`ls`, `export`) refuse
 * a data directory that does not exist instead of creating an empty archive there.
 */
import { stat } from 'node:fs/promises';
import { openArchive, type ArchiveService } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';

export interface OpenCliArchiveOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  /** When true the data directory must already exist. */
  readonly mustExist?: boolean;
}

export async function openCliArchive(options: OpenCliArchiveOptions): Promise<ArchiveService> {
  if (options.mustExist) {
    const info = await stat(options.dataDir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new VertebraError('ARCHIVE_NOT_FOUND', 'no archive here (the data directory does not exist)', { subject: options.dataDir });
    }
  }
  return openArchive({
    dataDir: options.dataDir,
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
  });
}
