/**
 * Opens the archive on a data directory: the metadata index (SQLite file in the data
 * directory, or PostgreSQL when a postgres:// URL is given) and the filesystem blob store,
 * after removing temp files left by an interrupted write. Every transport gets its
 * ArchiveService from here.
 */
import { join } from 'node:path';
import { VertebraError } from '@vertebra/errors';
import { createArchiveService, type Archive, type ArchiveLogger } from './createArchiveService.js';
import { FileSystemBlobStore } from './FileSystemBlobStore.js';
import type { MetadataIndex } from './MetadataIndex.js';
import { openMetadataIndex } from './openMetadataIndex.js';
import { attachAnnotationStore, type ArchiveWithAnnotations } from './annotations/attachAnnotationStore.js';

export interface OpenArchiveOptions {
  readonly dataDir: string;
  /** 'postgres://…' (or 'postgresql://…') for PostgreSQL; default: SQLite file `index.sqlite` in dataDir. */
  readonly databaseUrl?: string;
  /** PostgreSQL schema for the tables (created when missing); default 'public'. */
  readonly databaseSchema?: string;
  /** SQLite commit durability: 'FULL' (default, fsync per group commit) or 'NORMAL' (survives SIGKILL, not power loss). */
  readonly sqliteSynchronous?: 'FULL' | 'NORMAL';
  readonly maxInstanceBytes?: number;
  readonly logger?: ArchiveLogger;
  /** Prefix of stored BulkDataURIs; default '/dicomweb'. */
  readonly bulkDataBaseUri?: string;
  readonly commitBatchMaxItems?: number;
  readonly commitBatchMaxDelayMs?: number;
  /** Resolves a DICOM keyword outside the index to its tag ('GGGGEEEE'), for includefield. */
  readonly tagForKeyword?: (keyword: string) => string | undefined;
}

export async function openArchive(options: OpenArchiveOptions): Promise<ArchiveWithAnnotations> {
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new VertebraError('CONFIG_INVALID', 'a data directory is required', { subject: 'dataDir' });
  }
  const url = options.databaseUrl;
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    throw new VertebraError('CONFIG_INVALID', 'the database URL must start with postgres:// (SQLite is the default when no URL is given)', { subject: 'databaseUrl' });
  }
  const blobs = await FileSystemBlobStore.open({ root: options.dataDir });
  let index: MetadataIndex;
  try {
    index =
      url === undefined
        ? await openMetadataIndex({ kind: 'sqlite', file: join(options.dataDir, 'index.sqlite'), ...(options.sqliteSynchronous === undefined ? {} : { synchronous: options.sqliteSynchronous }) })
        : await openMetadataIndex({ kind: 'postgres', url, ...(options.databaseSchema === undefined ? {} : { schema: options.databaseSchema }) });
  } catch (error) {
    await blobs.close();
    throw error;
  }
  // Issue 5: viewer measurements and calibrations live on the index's connection (annotations/).
  return attachAnnotationStore(createArchiveService({
    index,
    blobs,
    ...(options.maxInstanceBytes === undefined ? {} : { maxInstanceBytes: options.maxInstanceBytes }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.bulkDataBaseUri === undefined ? {} : { bulkDataBaseUri: options.bulkDataBaseUri }),
    ...(options.commitBatchMaxItems === undefined ? {} : { commitBatchMaxItems: options.commitBatchMaxItems }),
    ...(options.commitBatchMaxDelayMs === undefined ? {} : { commitBatchMaxDelayMs: options.commitBatchMaxDelayMs }),
    ...(options.tagForKeyword === undefined ? {} : { tagForKeyword: options.tagForKeyword }),
  }));
}
