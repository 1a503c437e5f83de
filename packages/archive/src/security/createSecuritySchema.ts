/**
 * Tables of the security store (issue 3), created with Kysely's schema builder on the
 * metadata index's connection, SQLite or PostgreSQL: users, api_tokens, sessions,
 * audit_events and secrets. audit_events is append-only, enforced by the database itself
 * (in the spirit of IHE ATNA / DICOM PS3.15 A.5: an audit record is never changed): on
 * SQLite BEFORE UPDATE/DELETE triggers RAISE(ABORT); on PostgreSQL a trigger function
 * raises an exception on UPDATE, DELETE and TRUNCATE. On PostgreSQL the whole creation
 * runs in one transaction under an advisory lock, so that several processes opening the
 * same database at once do not race. Safe to run on each open.
 */
import { sql, type Generated, type Kysely } from 'kysely';
import type { Dialect } from '../createIndexSchema.js';

export interface UsersTable {
  username: string;
  role: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

export interface ApiTokensTable {
  id: string;
  username: string;
  name: string;
  token_sha256: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export interface SessionsTable {
  id_sha256: string;
  username: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  source_address: string;
}

export interface AuditEventsTable {
  id: Generated<number | string>;
  at: string;
  actor: string;
  actor_role: string | null;
  source: string;
  action: string;
  outcome: string;
  patient_id: string | null;
  study_instance_uid: string | null;
  detail: string | null;
}

export interface SecretsTable {
  name: string;
  value: string;
  created_at: string;
}

export interface SecurityDatabase {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  secrets: SecretsTable;
}

/** Advisory lock key serializing schema creation and user-role changes on PostgreSQL ('vtbs'). */
export const securityAdvisoryLockKey = 0x76746273;

async function createTables(db: Kysely<SecurityDatabase>, dialect: Dialect): Promise<void> {
  const text = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable('users')
    .ifNotExists()
    .addColumn('username', text, (c) => c.primaryKey())
    .addColumn('role', text, (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('api_tokens')
    .ifNotExists()
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('username', text, (c) => c.notNull().references('users.username').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_sha256', text, (c) => c.notNull().unique())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('expires_at', text)
    .addColumn('last_used_at', text)
    .execute();
  await db.schema.createIndex('api_tokens_username').ifNotExists().on('api_tokens').column('username').execute();
  await db.schema
    .createTable('sessions')
    .ifNotExists()
    .addColumn('id_sha256', text, (c) => c.primaryKey())
    .addColumn('username', text, (c) => c.notNull().references('users.username').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('expires_at', text, (c) => c.notNull())
    .addColumn('source_address', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_username').ifNotExists().on('sessions').column('username').execute();
  await db.schema.createIndex('sessions_expires_at').ifNotExists().on('sessions').column('expires_at').execute();
  await db.schema
    .createTable('audit_events')
    .ifNotExists()
    .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('at', text, (c) => c.notNull())
    .addColumn('actor', text, (c) => c.notNull())
    .addColumn('actor_role', text)
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('action', text, (c) => c.notNull())
    .addColumn('outcome', text, (c) => c.notNull())
    .addColumn('patient_id', text)
    .addColumn('study_instance_uid', text)
    .addColumn('detail', 'text')
    .execute();
  for (const column of ['at', 'actor', 'patient_id', 'study_instance_uid'] as const) {
    await db.schema.createIndex(`audit_events_${column}`).ifNotExists().on('audit_events').column(column).execute();
  }
  await db.schema
    .createTable('secrets')
    .ifNotExists()
    .addColumn('name', text, (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
  if (dialect === 'sqlite') {
    await sql`create trigger if not exists audit_events_no_update before update on audit_events begin select raise(abort, 'audit_events is append-only: audit records cannot be changed'); end`.execute(db);
    await sql`create trigger if not exists audit_events_no_delete before delete on audit_events begin select raise(abort, 'audit_events is append-only: audit records cannot be deleted'); end`.execute(db);
  } else {
    await sql`create or replace function vertebra_audit_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
end
$$`.execute(db);
    await sql`create or replace trigger audit_events_no_update_delete before update or delete on audit_events for each row execute function vertebra_audit_events_append_only()`.execute(db);
    await sql`create or replace trigger audit_events_no_truncate before truncate on audit_events for each statement execute function vertebra_audit_events_append_only()`.execute(db);
  }
}

export async function createSecuritySchema(db: Kysely<SecurityDatabase>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await createTables(db, dialect);
    return;
  }
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${securityAdvisoryLockKey})`.execute(trx);
    await createTables(trx, dialect);
  });
}
