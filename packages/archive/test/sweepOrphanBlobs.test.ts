/**
 * Orphan sweep on open (issue 3, crash recovery), on SQLite and PostgreSQL: a blob file that
 * no index row references (what a crash between the durable blob write and the index
 * commit leaves) is moved to quarantine/blobs/ when the archive opens, and the count is
 * logged; a referenced blob stays and reads back byte-identical; a file younger than the age
 * threshold (another process may be about to commit its row) is left alone; an empty index
 * in front of many blobs (a wrong database) moves nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepOrphanBlobs, FileSystemBlobStore, type ArchiveLogger } from '@vertebra/archive';
import { archiveBackends } from './archiveBackends.js';
import { makeTestInstance } from './makeTestDicom.js';

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const blobPath = (dataDir: string, sha256: string): string => join(dataDir, 'blobs', sha256.slice(0, 2), sha256);
const quarantinePath = (dataDir: string, sha256: string): string => join(dataDir, 'quarantine', 'blobs', sha256);

function recordingLogger(): ArchiveLogger & { lines: Array<{ level: string; message: string; details?: Record<string, unknown> }> } {
  const lines: Array<{ level: string; message: string; details?: Record<string, unknown> }> = [];
  const log = (level: string) => (message: string, details?: Record<string, unknown>) => void lines.push({ level, message, ...(details === undefined ? {} : { details }) });
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

/** Writes bytes through the real blob store, as an ingest does before its index commit, and ages the file. */
async function writeOrphan(dataDir: string, ageMs: number): Promise<string> {
  const bytes = randomBytes(1000 + Math.floor(Math.random() * 1000));
  const sha256 = sha256Of(bytes);
  const store = await FileSystemBlobStore.open({ root: dataDir });
  await store.put(sha256, bytes);
  await store.close();
  const when = (Date.now() - ageMs) / 1000;
  utimesSync(blobPath(dataDir, sha256), when, when);
  return sha256;
}

describe.each(archiveBackends)('orphan blob sweep on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('quarantines an old unreferenced blob on open, keeps referenced and young ones, and logs the count', async () => {
    const { archive, dataDir, reopen } = await backend.open();
    const instance = makeTestInstance();
    const stored = await archive.ingest({ bytes: instance.bytes, source: { kind: 'import', label: 'kept.dcm' } });
    expect(stored.outcome).toBe('stored');
    const keptSha = sha256Of(instance.bytes);
    await archive.close();
    // The referenced blob is old too: age alone never makes a blob an orphan.
    utimesSync(blobPath(dataDir, keptSha), new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    const orphan = await writeOrphan(dataDir, 120_000);
    const young = await writeOrphan(dataDir, 0);

    const logger = recordingLogger();
    const reopened = await reopen({ logger });
    try {
      expect(existsSync(blobPath(dataDir, orphan))).toBe(false);
      expect(existsSync(quarantinePath(dataDir, orphan))).toBe(true);
      expect(existsSync(blobPath(dataDir, young)), 'a blob younger than the threshold may be in flight elsewhere').toBe(true);
      expect(existsSync(blobPath(dataDir, keptSha))).toBe(true);
      const [record] = await reopened.listInstances({ studyInstanceUid: instance.studyInstanceUid });
      expect(record).toBeDefined();
      if (record) expect(sha256Of(await reopened.readInstance(record))).toBe(keptSha);
      const line = logger.lines.find((l) => l.message.includes('orphan sweep'));
      expect(line?.level).toBe('info');
      expect(line?.details).toMatchObject({ quarantined: 1, tooYoung: 1 });
    } finally {
      await reopened.close();
    }

    // A maintenance open with nothing else writing sweeps the young one too.
    const again = await reopen({ orphanBlobMinAgeMs: 0 });
    try {
      expect(existsSync(blobPath(dataDir, young))).toBe(false);
      expect(existsSync(quarantinePath(dataDir, young))).toBe(true);
      expect(existsSync(blobPath(dataDir, keptSha))).toBe(true);
      const report = await sweepOrphanBlobs({ index: again.index, blobs: again.blobs as FileSystemBlobStore, minAgeMs: 0 });
      expect(report).toMatchObject({ blobFiles: 1, unreferenced: 0, quarantined: [] });
    } finally {
      await again.close();
    }
  });

  it('moves nothing when an empty index faces many blobs (wrong database), and says so', async () => {
    const { archive, dataDir, reopen } = await backend.open();
    await archive.close();
    const orphans: string[] = [];
    for (let i = 0; i < 12; i += 1) orphans.push(await writeOrphan(dataDir, 3_600_000));
    const logger = recordingLogger();
    const reopened = await reopen({ logger, orphanBlobMinAgeMs: 0 });
    try {
      for (const sha256 of orphans) expect(existsSync(blobPath(dataDir, sha256))).toBe(true);
      expect(logger.lines.find((l) => l.level === 'error')?.message).toMatch(/orphan sweep refused.*12 blob files/);
    } finally {
      await reopened.close();
    }
  });
});
