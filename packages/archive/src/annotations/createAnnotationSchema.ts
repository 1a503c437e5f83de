/**
 * Tables of the annotation store (issue 5: viewer measurements and user calibrations of
 * projection radiographs), created with Kysely's schema builder on the metadata index's
 * own connection, SQLite or PostgreSQL. They are kept apart from the DICOM information
 * model tables (createIndexSchema.ts): rows are keyed by UIDs, not by index row keys, so
 * that re-ingesting a study keeps its measurements. Safe to run on each open.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../createIndexSchema.js';

export interface AnnotationMeasurementsTable {
  id: string;
  study_instance_uid: string;
  series_instance_uid: string;
  sop_instance_uid: string;
  tool_type: string;
  /** The whole measurement as JSON (the REST contract's shape). */
  body: string;
  created_at: string;
  updated_at: string;
}

export interface AnnotationCalibrationsTable {
  series_instance_uid: string;
  study_instance_uid: string;
  mm_per_pixel: number;
  body: string;
  created_at: string;
  updated_at: string;
}

export interface AnnotationDatabase {
  annotation_measurements: AnnotationMeasurementsTable;
  annotation_calibrations: AnnotationCalibrationsTable;
}

export async function createAnnotationSchema(db: Kysely<AnnotationDatabase>, dialect: Dialect): Promise<void> {
  const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  await db.schema
    .createTable('annotation_measurements')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('study_instance_uid', text, (c) => c.notNull())
    .addColumn('series_instance_uid', text, (c) => c.notNull())
    .addColumn('sop_instance_uid', text, (c) => c.notNull())
    .addColumn('tool_type', text, (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('annotation_measurements_study').ifNotExists().on('annotation_measurements').columns(['study_instance_uid', 'created_at']).execute();
  await db.schema
    .createTable('annotation_calibrations')
    .ifNotExists()
    .addColumn('series_instance_uid', text, (c) => c.primaryKey())
    .addColumn('study_instance_uid', text, (c) => c.notNull())
    .addColumn('mm_per_pixel', real, (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('annotation_calibrations_study').ifNotExists().on('annotation_calibrations').columns(['study_instance_uid']).execute();
}
