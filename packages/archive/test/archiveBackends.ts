/**
 * The two metadata index back-ends every archive test runs against (describe.each):
 * SQLite in the data directory, and the real PostgreSQL server (a fresh schema per
 * archive, dropped when the suite ends). Set VERTEBRA_TEST_POSTGRES_URL to point
 * elsewhere; VERTEBRA_SKIP_POSTGRES=1 leaves PostgreSQL out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openArchive, type Archive, type OpenArchiveOptions } from '@vertebra/archive';

export const postgresUrl = process.env.VERTEBRA_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test';

export interface ArchiveBackend {
  readonly name: string;
  /** A fresh archive in a fresh data directory (and schema). */
  open(extra?: Partial<OpenArchiveOptions>): Promise<TestArchive>;
  /** Drops every schema and directory this back-end made. */
  cleanup(): Promise<void>;
}

export interface TestArchive {
  readonly archive: Archive;
  readonly dataDir: string;
  /** Opens the same data directory (and schema) again, e.g. after close. */
  reopen(extra?: Partial<OpenArchiveOptions>): Promise<Archive>;
}

function makeBackend(name: string, postgres: boolean): ArchiveBackend {
  const dirs: string[] = [];
  const schemas: string[] = [];
  const open = async (extra: Partial<OpenArchiveOptions> = {}): Promise<TestArchive> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vertebra-archive-test-'));
    dirs.push(dataDir);
    const schema = `vertebra_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    if (postgres) schemas.push(schema);
    const options = (more: Partial<OpenArchiveOptions>): OpenArchiveOptions => ({
      dataDir,
      ...(postgres ? { databaseUrl: postgresUrl, databaseSchema: schema } : {}),
      ...more,
    });
    const archive = await openArchive(options(extra));
    return { archive, dataDir, reopen: (more = {}) => openArchive(options({ ...extra, ...more })) };
  };
  const cleanup = async (): Promise<void> => {
    if (schemas.length > 0) {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        for (const schema of schemas.splice(0)) await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  return { name, open, cleanup };
}

export const archiveBackends: ArchiveBackend[] = [
  makeBackend('SQLite', false),
  ...(process.env.VERTEBRA_SKIP_POSTGRES === '1' ? [] : [makeBackend('PostgreSQL', true)]),
];
