/**
 * Table of the analysis store (issue 6: one CT spine analysis per series, run by the
 * server's job queue), created with Kysely's schema builder on the metadata index's own
 * connection, SQLite or PostgreSQL. Rows are keyed by Series Instance UID, not by index row
 * keys, so that re-ingesting a study keeps its analyses. Safe to run on each open.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../createIndexSchema.js';

export interface AnalysesTable {
  series_instance_uid: string;
  study_instance_uid: string;
  frame_of_reference_uid: string | null;
  /** 'queued' | 'running' | 'done' | 'failed' */
  state: string;
  /** Raised each time the series is queued again: a finish for an older attempt is ignored. */
  attempt: number;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  instance_count: number;
  error_code: string | null;
  error_message: string | null;
  /** The analysis result as JSON (state 'done'). */
  result: string | null;
  algorithm_version: string | null;
  /** Findings graded by the result, for the worklist summary without parsing results. */
  finding_count: number;
  /** Labels of the result's vertebrae, comma separated in cranio-caudal order. */
  labels: string;
}

export interface AnalysisDatabase {
  analyses: AnalysesTable;
}

export async function createAnalysisSchema(db: Kysely<AnalysisDatabase>, dialect: Dialect): Promise<void> {
  const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable('analyses')
    .ifNotExists()
    .addColumn('series_instance_uid', text, (c) => c.primaryKey())
    .addColumn('study_instance_uid', text, (c) => c.notNull())
    .addColumn('frame_of_reference_uid', text)
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('queued_at', text, (c) => c.notNull())
    .addColumn('started_at', text)
    .addColumn('finished_at', text)
    .addColumn('instance_count', 'integer', (c) => c.notNull())
    .addColumn('error_code', text)
    .addColumn('error_message', 'text')
    .addColumn('result', 'text')
    .addColumn('algorithm_version', text)
    .addColumn('finding_count', 'integer', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('analyses_study').ifNotExists().on('analyses').columns(['study_instance_uid', 'queued_at']).execute();
  await db.schema.createIndex('analyses_state').ifNotExists().on('analyses').columns(['state', 'queued_at']).execute();
}
