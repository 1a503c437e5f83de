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
import { sweepOrphanBlobs } from './sweepOrphanBlobs.js';
import { attachAnnotationStore, type ArchiveWithAnnotations } from './annotations/attachAnnotationStore.js';
import { attachSecurityStore, type ArchiveWithSecurity } from './security/attachSecurityStore.js';
import { attachAnalysisStore, type ArchiveWithAnalyses } from './analyses/attachAnalysisStore.js';

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
  /** Orphan sweep on open (sweepOrphanBlobs): unreferenced blob files older than this are quarantined. Default 60 000; 0 only when no other process writes. */
  readonly orphanBlobMinAgeMs?: number;
}

export async function openArchive(options: OpenArchiveOptions): Promise<ArchiveWithAnalyses<ArchiveWithSecurity<ArchiveWithAnnotations>>> {
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
  // Issue 3: crash leftovers (blob files no row references) go to quarantine/blobs/ before any ingest of ours.
  try {
    await sweepOrphanBlobs({ index, blobs, ...(options.logger === undefined ? {} : { logger: options.logger }), ...(options.orphanBlobMinAgeMs === undefined ? {} : { minAgeMs: options.orphanBlobMinAgeMs }) });
  } catch (error) {
    options.logger?.warn('archive: the orphan blob sweep failed; continuing without it', { error: (error as Error).message });
  }
  // Issue 5: viewer measurements and calibrations live on the index's connection (annotations/);
  // issue 3: users, tokens, sessions, the audit trail and secrets too (security/).
  const withAnnotations = await attachAnnotationStore(createArchiveService({
    index,
    blobs,
    ...(options.maxInstanceBytes === undefined ? {} : { maxInstanceBytes: options.maxInstanceBytes }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.bulkDataBaseUri === undefined ? {} : { bulkDataBaseUri: options.bulkDataBaseUri }),
    ...(options.commitBatchMaxItems === undefined ? {} : { commitBatchMaxItems: options.commitBatchMaxItems }),
    ...(options.commitBatchMaxDelayMs === undefined ? {} : { commitBatchMaxDelayMs: options.commitBatchMaxDelayMs }),
    ...(options.tagForKeyword === undefined ? {} : { tagForKeyword: options.tagForKeyword }),
  }));
  // Issue 6: the per-series CT analyses and their job state (analyses/).
  return attachAnalysisStore(await attachSecurityStore(withAnnotations));
}
