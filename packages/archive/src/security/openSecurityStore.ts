/**
 * The SecurityStore on Kysely (SQLite or PostgreSQL, one code base) next to the metadata
 * index (issue 3). Storage rules enforced here, whatever the caller: user names are
 * 1-64 characters of [A-Za-z0-9._-]; roles come from the closed list; the last admin can
 * be neither removed nor demoted (checked inside the writing transaction, serialized on
 * PostgreSQL by an advisory lock, on SQLite by the write lock its first statement, a
 * write, takes);
 * removing a user removes their tokens and sessions; a password change ends the user's
 * sessions; audit text fields are capped in length; the audit table itself refuses
 * UPDATE and DELETE (createSecuritySchema.ts). Secrets are created race-free across
 * processes: INSERT … ON CONFLICT DO NOTHING, then SELECT.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { VertebraError } from '@vertebra/errors';
import type { Dialect } from '../createIndexSchema.js';
import { createSecuritySchema, securityAdvisoryLockKey, type ApiTokensTable, type AuditEventsTable, type SecurityDatabase, type SessionsTable, type UsersTable } from './createSecuritySchema.js';
import { isRole, type AuditEvent, type AuditEventInput, type AuditOutcome, type AuditQuery, type Role, type SecurityStore, type StoredApiToken, type StoredSession, type StoredUser } from './SecurityStore.js';

const usernamePattern = /^[A-Za-z0-9._-]{1,64}$/;
/** Longest audit detail kept (characters); longer text is cut and marked with '…'. */
export const maxAuditDetailLength = 2000;
/** Longest actor, source, action, patient ID or study UID kept in an audit record. */
const maxAuditFieldLength = 256;
const auditOutcomes: readonly AuditOutcome[] = ['success', 'failure', 'denied'];
const defaultAuditLimit = 100;
const maxAuditLimit = 10_000;

/** Throws REQUEST_INVALID_PARAMETER (subject 'username') unless the name is 1-64 characters of [A-Za-z0-9._-]. */
export function checkUsername(username: unknown): asserts username is string {
  if (typeof username !== 'string' || !usernamePattern.test(username)) {
    const shown = typeof username === 'string' ? JSON.stringify(username.slice(0, 80)) : String(username);
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `${shown} is not a valid user name: use 1-64 characters of letters, digits, '.', '_' and '-'`, { subject: 'username' });
  }
}

/** Throws REQUEST_INVALID_PARAMETER (subject 'role') unless the value is one of the roles. */
export function checkRole(role: unknown): asserts role is Role {
  if (!isRole(role)) {
    const shown = typeof role === 'string' ? JSON.stringify(role.slice(0, 40)) : String(role);
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `${shown} is not a role: use admin, radiologist, surgeon, technologist or researcher`, { subject: 'role' });
  }
}

function cap(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

function capOrNull(value: string | null | undefined, max: number): string | null {
  return value === undefined || value === null ? null : cap(value, max);
}

function toUser(row: Selectable<UsersTable>): StoredUser {
  return { username: row.username, role: row.role as Role, passwordHash: row.password_hash, createdAt: row.created_at, updatedAt: row.updated_at };
}

function toToken(row: Selectable<ApiTokensTable>): StoredApiToken {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    tokenSha256: row.token_sha256,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

function toSession(row: Selectable<SessionsTable>): StoredSession {
  return {
    idSha256: row.id_sha256,
    username: row.username,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    sourceAddress: row.source_address,
  };
}

function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: Number(row.id),
    at: row.at,
    actor: row.actor,
    actorRole: row.actor_role === null || !isRole(row.actor_role) ? null : row.actor_role,
    source: row.source,
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    patientId: row.patient_id,
    studyInstanceUid: row.study_instance_uid,
    detail: row.detail,
  };
}

function checkIsoTime(value: unknown, subject: string): asserts value is string {
  if (typeof value !== 'string' || value === '' || Number.isNaN(Date.parse(value))) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `${subject} must be an ISO 8601 time`, { subject });
  }
}

function auditRow(event: AuditEventInput): Omit<AuditEventsTable, 'id'> {
  checkIsoTime(event.at, 'at');
  if (!auditOutcomes.includes(event.outcome)) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `audit outcome must be success, failure or denied`, { subject: 'outcome' });
  }
  if (typeof event.action !== 'string' || event.action === '') throw new VertebraError('REQUEST_INVALID_PARAMETER', 'an audit event needs an action', { subject: 'action' });
  return {
    at: new Date(event.at).toISOString(),
    actor: cap(String(event.actor ?? ''), maxAuditFieldLength),
    actor_role: event.actorRole !== null && isRole(event.actorRole) ? event.actorRole : null,
    source: cap(String(event.source ?? ''), maxAuditFieldLength),
    action: cap(event.action, maxAuditFieldLength),
    outcome: event.outcome,
    patient_id: capOrNull(event.patientId, maxAuditFieldLength),
    study_instance_uid: capOrNull(event.studyInstanceUid, maxAuditFieldLength),
    detail: capOrNull(event.detail, maxAuditDetailLength),
  };
}

/** Creates the security tables when missing and returns the store on that connection. */
export async function openSecurityStore(options: { readonly db: Kysely<unknown>; readonly dialect: Dialect }): Promise<SecurityStore> {
  const db = options.db as unknown as Kysely<SecurityDatabase>;
  const dialect = options.dialect;
  await createSecuritySchema(db, dialect);

  /** Runs a user-changing transaction; on PostgreSQL serialized with every other one (last-admin rule). */
  const userTransaction = <T>(work: (trx: Transaction<SecurityDatabase>) => Promise<T>): Promise<T> =>
    db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${securityAdvisoryLockKey})`.execute(trx);
      return work(trx);
    });

  const countAdmins = async (trx: Transaction<SecurityDatabase>): Promise<number> => {
    const row = await trx.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).where('role', '=', 'admin').executeTakeFirstOrThrow();
    return Number(row.n);
  };

  const lastAdminError = (username: string, what: string): VertebraError =>
    new VertebraError('REQUEST_INVALID_PARAMETER', `${username} is the last admin: ${what} would leave nobody able to manage users; add another admin first`, { subject: 'username' });

  return {
    async countUsers() {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async getUser(username) {
      if (typeof username !== 'string' || !usernamePattern.test(username)) return undefined;
      const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async listUsers() {
      const rows = await db.selectFrom('users').selectAll().orderBy('username').execute();
      return rows.map(toUser);
    },

    async insertUser(user) {
      checkUsername(user.username);
      checkRole(user.role);
      if (typeof user.passwordHash !== 'string' || user.passwordHash === '') {
        throw new VertebraError('REQUEST_INVALID_PARAMETER', 'a user needs a password hash', { subject: 'passwordHash' });
      }
      const result = await db
        .insertInto('users')
        .values({ username: user.username, role: user.role, password_hash: user.passwordHash, created_at: user.createdAt, updated_at: user.updatedAt })
        .onConflict((oc) => oc.column('username').doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) {
        throw new VertebraError('USER_EXISTS', `a user named ${user.username} already exists`, { subject: user.username });
      }
    },

    async updateUser(username, change) {
      checkUsername(username);
      if (change.role !== undefined) checkRole(change.role);
      if (change.passwordHash !== undefined && (typeof change.passwordHash !== 'string' || change.passwordHash === '')) {
        throw new VertebraError('REQUEST_INVALID_PARAMETER', 'the new password hash is empty', { subject: 'passwordHash' });
      }
      return userTransaction(async (trx) => {
        // Writing first takes SQLite's write lock before anything is read (no stale read).
        const touched = await trx.updateTable('users').set({ updated_at: change.updatedAt }).where('username', '=', username).executeTakeFirst();
        if (Number(touched.numUpdatedRows) === 0) throw new VertebraError('USER_NOT_FOUND', `no user named ${username}`, { subject: username });
        const before = await trx.selectFrom('users').select('role').where('username', '=', username).executeTakeFirstOrThrow();
        if (change.role !== undefined && change.role !== 'admin' && before.role === 'admin' && (await countAdmins(trx)) <= 1) {
          throw lastAdminError(username, `changing the role to ${change.role}`);
        }
        const set: Partial<UsersTable> = {};
        if (change.role !== undefined) set.role = change.role;
        if (change.passwordHash !== undefined) set.password_hash = change.passwordHash;
        if (Object.keys(set).length > 0) await trx.updateTable('users').set(set).where('username', '=', username).execute();
        if (change.passwordHash !== undefined) await trx.deleteFrom('sessions').where('username', '=', username).execute();
        const row = await trx.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
        return toUser(row);
      });
    },

    async removeUser(username) {
      checkUsername(username);
      await userTransaction(async (trx) => {
        // A write first takes SQLite's write lock before anything is read (no stale read).
        const touched = await trx.updateTable('users').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('username', '=', username).executeTakeFirst();
        if (Number(touched.numUpdatedRows) === 0) throw new VertebraError('USER_NOT_FOUND', `no user named ${username}`, { subject: username });
        const before = await trx.selectFrom('users').select('role').where('username', '=', username).executeTakeFirstOrThrow();
        if (before.role === 'admin' && (await countAdmins(trx)) <= 1) throw lastAdminError(username, 'removing the user');
        await trx.deleteFrom('api_tokens').where('username', '=', username).execute();
        await trx.deleteFrom('sessions').where('username', '=', username).execute();
        await trx.deleteFrom('users').where('username', '=', username).execute();
      });
    },

    async insertToken(token) {
      checkUsername(token.username);
      await db
        .insertInto('api_tokens')
        .values({
          id: token.id,
          username: token.username,
          name: token.name,
          token_sha256: token.tokenSha256,
          created_at: token.createdAt,
          expires_at: token.expiresAt,
          last_used_at: token.lastUsedAt,
        })
        .execute();
    },

    async findTokenBySha256(tokenSha256) {
      const row = await db.selectFrom('api_tokens').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
      return row === undefined ? undefined : toToken(row);
    },

    async listTokens(username) {
      let query = db.selectFrom('api_tokens').selectAll();
      if (username !== undefined) query = query.where('username', '=', username);
      const rows = await query.orderBy('username').orderBy('created_at').orderBy('id').execute();
      return rows.map(toToken);
    },

    async removeToken(id) {
      const result = await db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async touchToken(id, lastUsedAt) {
      await db.updateTable('api_tokens').set({ last_used_at: lastUsedAt }).where('id', '=', id).execute();
    },

    async insertSession(session) {
      await db
        .insertInto('sessions')
        .values({
          id_sha256: session.idSha256,
          username: session.username,
          csrf_token: session.csrfToken,
          created_at: session.createdAt,
          expires_at: session.expiresAt,
          source_address: cap(session.sourceAddress, maxAuditFieldLength),
        })
        .execute();
    },

    async findSession(idSha256) {
      const row = await db.selectFrom('sessions').selectAll().where('id_sha256', '=', idSha256).executeTakeFirst();
      return row === undefined ? undefined : toSession(row);
    },

    async removeSession(idSha256) {
      await db.deleteFrom('sessions').where('id_sha256', '=', idSha256).execute();
    },

    async removeExpiredSessions(nowIso) {
      const result = await db.deleteFrom('sessions').where('expires_at', '<=', nowIso).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async appendAudit(events) {
      if (events.length === 0) return;
      const rows = events.map(auditRow);
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 200) await trx.insertInto('audit_events').values(rows.slice(i, i + 200)).execute();
      });
    },

    async queryAudit(query) {
      const limit = query.limit ?? defaultAuditLimit;
      if (!Number.isInteger(limit) || limit < 1 || limit > maxAuditLimit) {
        throw new VertebraError('REQUEST_INVALID_PARAMETER', `limit must be an integer 1-${maxAuditLimit}`, { subject: 'limit' });
      }
      let select = db.selectFrom('audit_events').selectAll();
      if (query.since !== undefined) {
        checkIsoTime(query.since, 'since');
        select = select.where('at', '>=', new Date(query.since).toISOString());
      }
      if (query.until !== undefined) {
        checkIsoTime(query.until, 'until');
        select = select.where('at', '<', new Date(query.until).toISOString());
      }
      if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
      if (query.action !== undefined) select = select.where('action', '=', query.action);
      if (query.outcome !== undefined) {
        if (!auditOutcomes.includes(query.outcome)) throw new VertebraError('REQUEST_INVALID_PARAMETER', 'outcome must be success, failure or denied', { subject: 'outcome' });
        select = select.where('outcome', '=', query.outcome);
      }
      if (query.patientId !== undefined) select = select.where('patient_id', '=', query.patientId);
      if (query.studyInstanceUid !== undefined) select = select.where('study_instance_uid', '=', query.studyInstanceUid);
      const rows = await select.orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toAuditEvent);
    },

    async getOrCreateSecret(name, create) {
      const existing = await db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirst();
      if (existing !== undefined) return existing.value;
      const value = create();
      if (typeof value !== 'string' || value === '') throw new VertebraError('INTERNAL', `the new value of secret ${name} is empty`, { subject: name });
      await db.insertInto('secrets').values({ name, value, created_at: new Date().toISOString() }).onConflict((oc) => oc.column('name').doNothing()).execute();
      // Whoever inserted first wins; every process reads the one stored value.
      const stored = await db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
      return stored.value;
    },
  };
}
