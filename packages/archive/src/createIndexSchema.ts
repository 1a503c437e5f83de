/**
 * The metadata index schema, written once with Kysely's schema builder for SQLite and
 * PostgreSQL. Tables follow the DICOM information model (PS3.3 A.1.2: patient → study →
 * series → instance); indexes cover the QIDO-RS / C-FIND matching paths (PS3.18 Table
 * 6.7.1-1): StudyInstanceUID, PatientID, PatientName (upper-case copy), StudyDate,
 * AccessionNumber, Modality per study (ModalitiesInStudy), SOP Instance UID, blob digest.
 * On PostgreSQL text columns use the "C" collation so that range and prefix matching is
 * by code point, exactly as SQLite's BINARY collation.
 */
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export interface PatientsTable {
  pk: Generated<number>;
  patient_key: string;
  patient_id: string;
  patient_name: string;
  patient_name_norm: string;
  patient_birth_date: string;
  patient_sex: string;
  created_at: string;
}

export interface StudiesTable {
  pk: Generated<number>;
  study_instance_uid: string;
  patient_pk: number;
  study_date: string;
  study_time: string;
  accession_number: string;
  study_id: string;
  study_description: string;
  referring_physician_name: string;
  referring_physician_name_norm: string;
  uid_derived: number;
  created_at: string;
}

export interface SeriesTable {
  pk: Generated<number>;
  series_instance_uid: string;
  study_pk: number;
  modality: string;
  series_number: number | null;
  series_description: string;
  series_date: string;
  series_time: string;
  body_part_examined: string;
  frame_of_reference_uid: string;
  uid_derived: number;
  created_at: string;
}

export interface InstancesTable {
  pk: Generated<number>;
  sop_instance_uid: string;
  series_pk: number;
  sop_class_uid: string;
  transfer_syntax_uid: string;
  instance_number: number | null;
  number_of_frames: number;
  rows: number | null;
  columns: number | null;
  bits_allocated: number | null;
  /** bigint on PostgreSQL: read back as a string. */
  size_bytes: ColumnType<number | string, number, number>;
  sha256: string;
  created_at: string;
}

export interface InstanceMetadataTable {
  instance_pk: number;
  dataset: string;
}

export interface IngestWarningsTable {
  pk: Generated<number>;
  study_pk: number;
  code: string;
  message: string;
  created_at: string;
}

export interface IndexDatabase {
  patients: PatientsTable;
  studies: StudiesTable;
  series: SeriesTable;
  instances: InstancesTable;
  instance_metadata: InstanceMetadataTable;
  ingest_warnings: IngestWarningsTable;
}

/** Creates every table and index that is missing. Safe to run on each open. */
export async function createIndexSchema(db: Kysely<IndexDatabase>, dialect: Dialect): Promise<void> {
  const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const pk = dialect === 'postgres' ? 'serial' : 'integer';

  await db.schema
    .createTable('patients')
    .ifNotExists()
    .addColumn('pk', pk, (c) => c.primaryKey())
    .addColumn('patient_key', text, (c) => c.notNull().unique())
    .addColumn('patient_id', text, (c) => c.notNull())
    .addColumn('patient_name', text, (c) => c.notNull())
    .addColumn('patient_name_norm', text, (c) => c.notNull())
    .addColumn('patient_birth_date', text, (c) => c.notNull())
    .addColumn('patient_sex', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('studies')
    .ifNotExists()
    .addColumn('pk', pk, (c) => c.primaryKey())
    .addColumn('study_instance_uid', text, (c) => c.notNull().unique())
    .addColumn('patient_pk', 'integer', (c) => c.notNull().references('patients.pk'))
    .addColumn('study_date', text, (c) => c.notNull())
    .addColumn('study_time', text, (c) => c.notNull())
    .addColumn('accession_number', text, (c) => c.notNull())
    .addColumn('study_id', text, (c) => c.notNull())
    .addColumn('study_description', text, (c) => c.notNull())
    .addColumn('referring_physician_name', text, (c) => c.notNull())
    .addColumn('referring_physician_name_norm', text, (c) => c.notNull())
    .addColumn('uid_derived', 'integer', (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('series')
    .ifNotExists()
    .addColumn('pk', pk, (c) => c.primaryKey())
    .addColumn('series_instance_uid', text, (c) => c.notNull().unique())
    .addColumn('study_pk', 'integer', (c) => c.notNull().references('studies.pk'))
    .addColumn('modality', text, (c) => c.notNull())
    .addColumn('series_number', 'integer')
    .addColumn('series_description', text, (c) => c.notNull())
    .addColumn('series_date', text, (c) => c.notNull())
    .addColumn('series_time', text, (c) => c.notNull())
    .addColumn('body_part_examined', text, (c) => c.notNull())
    .addColumn('frame_of_reference_uid', text, (c) => c.notNull())
    .addColumn('uid_derived', 'integer', (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('instances')
    .ifNotExists()
    .addColumn('pk', pk, (c) => c.primaryKey())
    .addColumn('sop_instance_uid', text, (c) => c.notNull().unique())
    .addColumn('series_pk', 'integer', (c) => c.notNull().references('series.pk'))
    .addColumn('sop_class_uid', text, (c) => c.notNull())
    .addColumn('transfer_syntax_uid', text, (c) => c.notNull())
    .addColumn('instance_number', 'integer')
    .addColumn('number_of_frames', 'integer', (c) => c.notNull())
    .addColumn('rows', 'integer')
    .addColumn('columns', 'integer')
    .addColumn('bits_allocated', 'integer')
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('instance_metadata')
    .ifNotExists()
    .addColumn('instance_pk', 'integer', (c) => c.primaryKey().references('instances.pk'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('ingest_warnings')
    .ifNotExists()
    .addColumn('pk', pk, (c) => c.primaryKey())
    .addColumn('study_pk', 'integer', (c) => c.notNull().references('studies.pk'))
    .addColumn('code', text, (c) => c.notNull())
    .addColumn('message', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addUniqueConstraint('ingest_warnings_unique', ['study_pk', 'code', 'message'])
    .execute();

  const indexes: Array<[name: string, table: keyof IndexDatabase, columns: string[]]> = [
    ['patients_patient_id', 'patients', ['patient_id']],
    ['patients_patient_name_norm', 'patients', ['patient_name_norm']],
    ['studies_patient_pk', 'studies', ['patient_pk']],
    ['studies_study_date', 'studies', ['study_date']],
    ['studies_accession_number', 'studies', ['accession_number']],
    ['series_study_pk_modality', 'series', ['study_pk', 'modality']],
    ['series_modality', 'series', ['modality']],
    ['instances_series_pk_number', 'instances', ['series_pk', 'instance_number']],
    ['instances_sha256', 'instances', ['sha256']],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
  }
}
