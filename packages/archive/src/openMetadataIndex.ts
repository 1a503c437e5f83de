/**
 * Opens the metadata index on SQLite (better-sqlite3, WAL) or PostgreSQL (pg pool), both
 * through the one Kysely code base in KyselyMetadataIndex.
 *
 * SQLite durability. The connection runs WAL with PRAGMA synchronous=NORMAL: COMMIT writes
 * the WAL frames to the OS page cache without fsync, so a committed transaction already
 * survives SIGKILL of the process. With durability 'FULL' (the default) the index then
 * fdatasyncs the WAL file itself, on the libuv pool, after every commit and before the
 * batch's ingests are acknowledged: the same guarantee as synchronous=FULL (the commit
 * record is on disk; survives power loss), but the event loop is never blocked by the
 * fsync, and one fsync covers the whole group-committed batch. With 'NORMAL' that fsync is
 * skipped: acknowledged ingests survive a process kill but an OS crash or power loss may
 * roll back the last transactions (their blobs stay as unreferenced files, never partial
 * rows). Checkpoints (SQLite fsyncs the WAL and the database file there) stay SQLite's.
 * Statements are prepared once and cached (the statement cache below), which is what
 * better-sqlite3 needs for speed: Kysely itself prepares on every execution.
 */
import { close as fsClose, fdatasync, open as fsOpen } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import { VertebraError } from '@vertebra/errors';
import { KyselyMetadataIndex } from './KyselyMetadataIndex.js';
import type { IndexDatabase } from './createIndexSchema.js';

export interface SqliteIndexOptions {
  readonly file: string;
  /** 'FULL' (default): the WAL is fsynced after every commit. 'NORMAL': see the module comment. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

export interface PostgresIndexOptions {
  readonly url: string;
  /** Schema to hold the tables (created when missing); default 'public'. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

const statementCacheSize = 512;

/** Wraps better-sqlite3 so that each SQL text is prepared once (bounded LRU). */
function cachingDatabase(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare: (text: string): SqliteStatement => {
      const cached = cache.get(text);
      if (cached) {
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      const statement = db.prepare(text) as unknown as SqliteStatement;
      cache.set(text, statement);
      if (cache.size > statementCacheSize) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return statement;
    },
  };
}

/** fdatasync of the WAL file through a descriptor of our own (fsync acts on the file, whoever wrote it). */
function walSyncer(walFile: string): { sync: () => Promise<void>; close: () => Promise<void> } {
  let fd: Promise<number> | null = null;
  const sync = async (): Promise<void> => {
    fd ??= new Promise<number>((resolve, reject) => fsOpen(walFile, 'r', (error, value) => (error ? reject(error) : resolve(value))));
    let descriptor: number;
    try {
      descriptor = await fd;
    } catch (error) {
      fd = null;
      throw error;
    }
    await new Promise<void>((resolve, reject) => fdatasync(descriptor, (error) => (error ? reject(error) : resolve())));
  };
  const close = async (): Promise<void> => {
    const pending = fd;
    fd = null;
    if (pending) await pending.then((value) => new Promise<void>((resolve) => fsClose(value, () => resolve())), () => undefined);
  };
  return { sync, close };
}

export type OpenMetadataIndexOptions =
  | ({ readonly kind: 'sqlite' } & SqliteIndexOptions)
  | ({ readonly kind: 'postgres' } & PostgresIndexOptions);

/** Opens (and migrates) the metadata index on SQLite or PostgreSQL. */
export function openMetadataIndex(options: OpenMetadataIndexOptions): Promise<KyselyMetadataIndex> {
  return options.kind === 'sqlite' ? openSqliteIndex(options) : openPostgresIndex(options);
}

export async function openSqliteIndex(options: SqliteIndexOptions): Promise<KyselyMetadataIndex> {
  await mkdir(dirname(options.file), { recursive: true });
  let database: Database.Database;
  try {
    database = new Database(options.file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    // LIKE must be case-sensitive as in PostgreSQL; case-insensitive matching uses the *_norm columns.
    database.pragma('case_sensitive_like = ON');
    database.pragma('cache_size = -65536');
    database.pragma('temp_store = MEMORY');
  } catch (error) {
    throw new VertebraError('CONFIG_INVALID', `cannot open the SQLite index: ${(error as Error).message}`, { subject: options.file, cause: error });
  }
  const db = new Kysely<IndexDatabase>({ dialect: new SqliteDialect({ database: cachingDatabase(database) }) });
  const wal = options.synchronous === 'NORMAL' ? null : walSyncer(`${options.file}-wal`);
  const index = new KyselyMetadataIndex(db, 'sqlite', wal ? { afterCommit: wal.sync, onClose: wal.close } : {});
  await index.migrate();
  return index;
}

export async function openPostgresIndex(options: PostgresIndexOptions): Promise<KyselyMetadataIndex> {
  const schema = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new VertebraError('CONFIG_INVALID', `${JSON.stringify(schema)} is not a plain lower-case PostgreSQL schema name`, { subject: 'databaseSchema' });
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 8,
    options: `-c search_path=${schema}`,
  });
  // An idle connection that breaks (server restart) must not crash the process: the pool
  // drops it, and the next query opens a new one or fails with an error the caller reports.
  pool.on('error', () => undefined);
  const db = new Kysely<IndexDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new VertebraError('CONFIG_INVALID', `cannot open the PostgreSQL index: ${(error as Error).message}`, { subject: options.url.replace(/:[^:@/]*@/, ':***@'), cause: error });
  }
  const index = new KyselyMetadataIndex(db, 'postgres');
  await index.migrate();
  return index;
}
