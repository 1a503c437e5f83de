/**
 * Orphan sweep (issue 3, "no partial or orphaned record" after a crash): blob files that no
 * index row references are leftovers of ingests a crash interrupted between the durable
 * blob write and the index commit (see FileSystemBlobStore and createArchiveService). They
 * are never visible, but they hold disk and make an audit of "blobs = rows" fail.
 *
 * Choices:
 * - Moved, not deleted: each orphan is renamed into `<dataDir>/quarantine/blobs/<sha256>`.
 *   "Unreferenced" is only as true as the index that was opened: an index restored from an
 *   older backup, or a `--database-url`/schema that points at the wrong database, makes
 *   acknowledged instances look orphaned, and then the blob is the only copy. A rename on the
 *   same filesystem is atomic and reversible (move the files back and re-import them);
 *   an operator empties the folder when satisfied. Not `lost+found`: at a mount root that
 *   name belongs to fsck (owned by root, mode 0700). As a second guard, an index with no
 *   instance at all in front of more than `emptyIndexGuard` blob files is treated as a wrong
 *   database and nothing is moved (an error is logged instead).
 * - An age threshold, not "older than this open": several processes may share one data
 *   directory (`vertebra import` next to `vertebra serve` on SQLite; several servers on one
 *   PostgreSQL and a shared volume). Another live process has blobs that are durable but
 *   whose index row is still being committed; those files were written moments ago. Only
 *   files last modified more than `minAgeMs` (default 60 s, far above any put → commit
 *   window, which is milliseconds to a few seconds under load) before the sweep are moved.
 *   A rewrite of an existing blob (the put path for the same bytes) refreshes its mtime, so
 *   a blob being re-ingested is never old. After each move the index is asked again; if a
 *   row referencing the blob was committed meanwhile, the file is moved back. Leftovers of a
 *   crash younger than `minAgeMs` stay where they are (harmless: unreferenced, and reused by
 *   a later put of the same bytes) and are moved by a later open; a maintenance run with
 *   nothing else writing may pass `minAgeMs: 0`.
 * The sweep runs once when the archive opens (openArchive), before any ingest of this
 * process, and reports its counts through the archive logger.
 */
import type { ArchiveLogger } from './createArchiveService.js';
import type { FileSystemBlobStore } from './FileSystemBlobStore.js';
import { KyselyMetadataIndex } from './KyselyMetadataIndex.js';
import type { MetadataIndex } from './MetadataIndex.js';

export interface SweepOrphanBlobsOptions {
  readonly index: MetadataIndex;
  readonly blobs: FileSystemBlobStore;
  /** Blob files modified less than this many ms ago are left alone. Default 60 000. */
  readonly minAgeMs?: number;
  /** An index without instances in front of more blob files than this is not trusted. Default 10. */
  readonly emptyIndexGuard?: number;
  readonly now?: () => number;
  readonly logger?: ArchiveLogger;
}

export interface SweepOrphanBlobsReport {
  readonly blobFiles: number;
  readonly unreferenced: number;
  /** SHA-256s of the blob files moved to the quarantine folder. */
  readonly quarantined: readonly string[];
  /** Unreferenced files left in place because they are younger than minAgeMs. */
  readonly tooYoung: number;
  /** Set when the sweep refused to move anything. */
  readonly refused?: string;
}

export const defaultOrphanBlobMinAgeMs = 60_000;
const queryChunk = 500;

/** The subset of `keys` that some instance row references. */
async function referencedAmong(index: MetadataIndex, keys: readonly string[]): Promise<Set<string>> {
  const referenced = new Set<string>();
  if (index instanceof KyselyMetadataIndex) {
    for (let i = 0; i < keys.length; i += queryChunk) {
      const rows = await index.db.selectFrom('instances').select('sha256').where('sha256', 'in', keys.slice(i, i + queryChunk)).execute();
      for (const row of rows) referenced.add(row.sha256);
    }
    return referenced;
  }
  for (const key of keys) if (await index.isBlobReferenced(key)) referenced.add(key);
  return referenced;
}

export async function sweepOrphanBlobs(options: SweepOrphanBlobsOptions): Promise<SweepOrphanBlobsReport> {
  const { index, blobs, logger } = options;
  const minAgeMs = options.minAgeMs ?? defaultOrphanBlobMinAgeMs;
  const now = options.now ?? Date.now;
  const keys = await blobs.listBlobKeys();
  const referenced = await referencedAmong(index, keys);
  const unreferenced = keys.filter((key) => !referenced.has(key));
  if (unreferenced.length === 0) return { blobFiles: keys.length, unreferenced: 0, quarantined: [], tooYoung: 0 };

  const guard = options.emptyIndexGuard ?? 10;
  if (referenced.size === 0 && keys.length > guard && (await index.counts()).instances === 0) {
    const refused = `the metadata index holds no instance but the blob store holds ${keys.length} blob files: is this the right database? No blob was moved`;
    logger?.error(`archive: orphan sweep refused: ${refused}`, { blobFiles: keys.length });
    return { blobFiles: keys.length, unreferenced: unreferenced.length, quarantined: [], tooYoung: 0, refused };
  }

  const modifiedBeforeMs = now() - minAgeMs;
  const quarantined: string[] = [];
  let tooYoung = 0;
  for (const sha256 of unreferenced) {
    const outcome = await blobs.quarantine(sha256, { modifiedBeforeMs });
    if (outcome === 'too-young') tooYoung += 1;
    if (outcome !== 'moved') continue;
    // Another process may have committed a row for it between our query and the move.
    if (await index.isBlobReferenced(sha256)) {
      await blobs.restoreFromQuarantine(sha256);
      logger?.warn('archive: orphan sweep moved a blob that was referenced meanwhile back into place', { sha256 });
      continue;
    }
    quarantined.push(sha256);
  }
  if (quarantined.length > 0 || tooYoung > 0) {
    logger?.info(`archive: orphan sweep moved ${quarantined.length} unreferenced blob file(s) (leftovers of interrupted ingests) to ${blobs.quarantineDirectory}` + (tooYoung > 0 ? `; ${tooYoung} younger than ${minAgeMs} ms left for a later sweep` : ''), {
      blobFiles: keys.length,
      quarantined: quarantined.length,
      tooYoung,
    });
  }
  return { blobFiles: keys.length, unreferenced: unreferenced.length, quarantined, tooYoung };
}
