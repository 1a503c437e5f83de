/**
 * The security store (issue 3) on both index back-ends, opened through openArchive as the
 * server and the CLI do: users with name and role rules and the last-admin guard, API
 * tokens stored as SHA-256 only, sessions, the append-only audit trail (UPDATE, DELETE and
 * TRUNCATE through raw SQL are refused by the database), secrets created once across two
 * connections at once, the admin bootstrap and the de-identification key.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import {
  createApiToken,
  deidentificationKeyOf,
  ensureAdminUser,
  hashPassword,
  KyselyMetadataIndex,
  securityStoreOf,
  sha256Hex,
  verifyPassword,
  type Archive,
  type AuditEventInput,
  type SecurityStore,
  type StoredUser,
} from '@vertebra/archive';
import { archiveBackends } from './archiveBackends.js';

function storeOf(archive: Archive): SecurityStore {
  const store = securityStoreOf(archive);
  if (store === undefined) throw new Error('openArchive attached no security store');
  return store;
}

function rawDb(archive: Archive): Kysely<unknown> {
  if (!(archive.index instanceof KyselyMetadataIndex)) throw new Error('not a Kysely index');
  return archive.index.db as unknown as Kysely<unknown>;
}

function archiveDialect(archive: Archive): 'sqlite' | 'postgres' {
  if (!(archive.index instanceof KyselyMetadataIndex)) throw new Error('not a Kysely index');
  return archive.index.dialect;
}

const t0 = '2026-03-01T10:00:00.000Z';

function user(username: string, role: StoredUser['role'], passwordHash = 'scrypt$1024$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA=='): StoredUser {
  return { username, role, passwordHash, createdAt: t0, updatedAt: t0 };
}

function event(at: string, more: Partial<AuditEventInput> = {}): AuditEventInput {
  return { at, actor: 'alice', actorRole: 'radiologist', source: '10.0.0.7', action: 'wado', outcome: 'success', patientId: 'P1', studyInstanceUid: '1.2.3', detail: 'GET /dicomweb/studies/1.2.3', ...more };
}

describe.each(archiveBackends)('security store on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('keeps users with their roles, refuses bad names, bad roles and duplicates, and survives a reopen', async () => {
    const opened = await backend.open();
    const store = storeOf(opened.archive);
    expect(await store.countUsers()).toBe(0);
    await store.insertUser(user('admin', 'admin'));
    await store.insertUser(user('dr.house_2-b', 'radiologist'));
    await expect(store.insertUser(user('admin', 'surgeon'))).rejects.toMatchObject({ code: 'USER_EXISTS' });
    for (const bad of ['', 'a b', 'x'.repeat(65), '../etc', 'élise', 'semi;colon']) {
      await expect(store.insertUser(user(bad, 'surgeon')), bad).rejects.toMatchObject({ code: 'REQUEST_INVALID_PARAMETER', subject: 'username' });
    }
    await expect(store.insertUser(user('bob', 'superuser' as never))).rejects.toMatchObject({ code: 'REQUEST_INVALID_PARAMETER', subject: 'role', message: expect.stringContaining('radiologist') });
    expect(await store.countUsers()).toBe(2);
    expect((await store.listUsers()).map((u) => [u.username, u.role])).toEqual([
      ['admin', 'admin'],
      ['dr.house_2-b', 'radiologist'],
    ]);
    expect(await store.getUser('nobody')).toBeUndefined();
    expect(await store.getUser('a b')).toBeUndefined();
    await opened.archive.close();

    const again = await opened.reopen();
    try {
      expect(await storeOf(again).getUser('dr.house_2-b')).toEqual(user('dr.house_2-b', 'radiologist'));
    } finally {
      await again.close();
    }
  });

  it('never removes or demotes the last admin, and a password change ends the sessions', async () => {
    const { archive } = await backend.open();
    try {
      const store = storeOf(archive);
      await store.insertUser(user('root', 'admin'));
      await store.insertUser(user('tech', 'technologist'));
      await expect(store.removeUser('root')).rejects.toMatchObject({ code: 'REQUEST_INVALID_PARAMETER', message: expect.stringContaining('last admin') });
      await expect(store.updateUser('root', { role: 'surgeon', updatedAt: t0 })).rejects.toMatchObject({ code: 'REQUEST_INVALID_PARAMETER', message: expect.stringContaining('last admin') });
      expect((await store.getUser('root'))?.role).toBe('admin'); // rolled back
      await expect(store.updateUser('ghost', { role: 'surgeon', updatedAt: t0 })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
      await expect(store.removeUser('ghost')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });

      const promoted = await store.updateUser('tech', { role: 'admin', updatedAt: '2026-03-02T00:00:00.000Z' });
      expect(promoted).toMatchObject({ username: 'tech', role: 'admin', createdAt: t0, updatedAt: '2026-03-02T00:00:00.000Z' });
      // Two admins: demoting one at a time works until one is left.
      await store.updateUser('root', { role: 'surgeon', updatedAt: t0 });
      await expect(store.updateUser('tech', { role: 'researcher', updatedAt: t0 })).rejects.toMatchObject({ message: expect.stringContaining('last admin') });
      // Keeping the admin role while changing the password is fine.
      await store.insertSession({ idSha256: sha256Hex('s1'), username: 'tech', csrfToken: 'c1', createdAt: t0, expiresAt: '2099-01-01T00:00:00.000Z', sourceAddress: '127.0.0.1' });
      await store.insertSession({ idSha256: sha256Hex('s2'), username: 'root', csrfToken: 'c2', createdAt: t0, expiresAt: '2099-01-01T00:00:00.000Z', sourceAddress: '127.0.0.1' });
      const changed = await store.updateUser('tech', { role: 'admin', passwordHash: 'scrypt$new', updatedAt: t0 });
      expect(changed.passwordHash).toBe('scrypt$new');
      expect(await store.findSession(sha256Hex('s1'))).toBeUndefined();
      expect(await store.findSession(sha256Hex('s2'))).toMatchObject({ username: 'root', csrfToken: 'c2' });
      // A non-admin can be removed, with their sessions and tokens.
      const { record } = await createApiToken(store, { username: 'root', name: 'script' });
      await store.removeUser('root');
      expect(await store.getUser('root')).toBeUndefined();
      expect(await store.findSession(sha256Hex('s2'))).toBeUndefined();
      expect(await store.listTokens('root')).toEqual([]);
      expect(await store.findTokenBySha256(record.tokenSha256)).toBeUndefined();
    } finally {
      await archive.close();
    }
  });

  it('two connections demoting the two admins at once leave exactly one admin; non-admins change freely', async () => {
    const opened = await backend.open();
    const second = await opened.reopen();
    try {
      const one = storeOf(opened.archive);
      const two = storeOf(second);
      await one.insertUser(user('a1', 'admin'));
      await one.insertUser(user('a2', 'admin'));
      // PostgreSQL: truly concurrent (the advisory lock serializes). SQLite: two connections in one
      // process share its one thread, so one cannot wait for the other's lock; run them in turn
      // (across processes SQLite's write lock, taken by the first statement, serializes them).
      const concurrent = archiveDialect(opened.archive) === 'postgres';
      const demote = () => one.updateUser('a1', { role: 'surgeon', updatedAt: t0 });
      const remove = () => two.removeUser('a2');
      const results = concurrent ? await Promise.allSettled([demote(), remove()]) : [...(await Promise.allSettled([demote()])), ...(await Promise.allSettled([remove()]))];
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.objectContaining({ message: expect.stringContaining('last admin') })]);
      expect((await one.listUsers()).filter((u) => u.role === 'admin')).toHaveLength(1);
    } finally {
      await second.close();
      await opened.archive.close();
    }
    // Without any admin (users inserted directly), non-admin changes are not blocked.
    const { archive } = await backend.open();
    try {
      const store = storeOf(archive);
      await store.insertUser(user('s1', 'surgeon'));
      await store.insertUser(user('s2', 'surgeon'));
      expect((await store.updateUser('s1', { role: 'researcher', updatedAt: t0 })).role).toBe('researcher');
      await store.removeUser('s2');
      expect((await store.listUsers()).map((u) => u.username)).toEqual(['s1']);
    } finally {
      await archive.close();
    }
  });

  it('keeps only the SHA-256 of API tokens; lists, touches and revokes them', async () => {
    const { archive } = await backend.open();
    try {
      const store = storeOf(archive);
      await store.insertUser(user('admin', 'admin'));
      await store.insertUser(user('pacs', 'technologist'));
      const now = () => new Date(t0);
      const a = await createApiToken(store, { username: 'pacs', name: 'nightly-stow', now });
      const b = await createApiToken(store, { username: 'pacs', name: 'qido', expiresAt: '2026-04-01T00:00:00Z', now });
      const c = await createApiToken(store, { username: 'admin', name: 'backup', now });
      expect(a.token).toMatch(/^vtb_[A-Za-z0-9_-]{43}$/);
      expect(a.token).not.toBe(b.token);
      expect(a.record).toMatchObject({ username: 'pacs', name: 'nightly-stow', createdAt: t0, expiresAt: null, lastUsedAt: null, tokenSha256: sha256Hex(a.token) });
      expect(a.record.id).not.toContain(a.token.slice(4, 12));
      expect(b.record.expiresAt).toBe('2026-04-01T00:00:00.000Z');
      // Nothing stored holds the token value.
      const rows = await sql<Record<string, unknown>>`select * from api_tokens`.execute(rawDb(archive));
      expect(JSON.stringify(rows.rows)).not.toContain(a.token.slice(4));

      expect(await store.findTokenBySha256(sha256Hex(b.token))).toEqual(b.record);
      expect(await store.findTokenBySha256(sha256Hex(`${b.token}x`))).toBeUndefined();
      expect((await store.listTokens('pacs')).map((t) => t.name).sort()).toEqual(['nightly-stow', 'qido']);
      expect(await store.listTokens()).toHaveLength(3);
      await store.touchToken(c.record.id, '2026-03-05T00:00:00.000Z');
      expect((await store.findTokenBySha256(c.record.tokenSha256))?.lastUsedAt).toBe('2026-03-05T00:00:00.000Z');
      expect(await store.removeToken(a.record.id)).toBe(true);
      expect(await store.removeToken(a.record.id)).toBe(false);
      expect(await store.findTokenBySha256(sha256Hex(a.token))).toBeUndefined();

      await expect(createApiToken(store, { username: 'nobody', name: 'x' })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
      await expect(createApiToken(store, { username: 'pacs', name: '' })).rejects.toMatchObject({ code: 'REQUEST_INVALID_PARAMETER', subject: 'name' });
      await expect(createApiToken(store, { username: 'pacs', name: 'old', expiresAt: '2020-01-01T00:00:00Z', now })).rejects.toMatchObject({ subject: 'expiresAt' });
    } finally {
      await archive.close();
    }
  });

  it('finds sessions and removes the expired ones', async () => {
    const { archive } = await backend.open();
    try {
      const store = storeOf(archive);
      await store.insertUser(user('admin', 'admin'));
      const session = { idSha256: sha256Hex('cookie-1'), username: 'admin', csrfToken: 'csrf-1', createdAt: t0, expiresAt: '2026-03-01T18:00:00.000Z', sourceAddress: '::1' };
      await store.insertSession(session);
      await store.insertSession({ ...session, idSha256: sha256Hex('cookie-2'), expiresAt: '2026-03-02T18:00:00.000Z' });
      expect(await store.findSession(sha256Hex('cookie-1'))).toEqual(session);
      expect(await store.removeExpiredSessions('2026-03-01T18:00:00.000Z')).toBe(1);
      expect(await store.findSession(sha256Hex('cookie-1'))).toBeUndefined();
      await store.removeSession(sha256Hex('cookie-2'));
      expect(await store.findSession(sha256Hex('cookie-2'))).toBeUndefined();
    } finally {
      await archive.close();
    }
  });

  it('appends audit events, queries them newest first by every filter, and caps the detail', async () => {
    const { archive } = await backend.open();
    try {
      const store = storeOf(archive);
      await store.appendAudit([
        event('2026-03-01T10:00:00.000Z'),
        event('2026-03-01T11:00:00.000Z', { actor: 'bob', actorRole: 'surgeon', action: 'viewer-open', patientId: 'P2', studyInstanceUid: '1.2.4' }),
        event('2026-03-01T12:00:00.000Z', { actor: '', actorRole: null, action: 'login', outcome: 'failure', patientId: null, studyInstanceUid: null, detail: 'unknown user "mallory"' }),
      ]);
      await store.appendAudit([event('2026-03-01T13:00:00+01:00', { action: 'stow', detail: 'x'.repeat(5000) })]);
      await store.appendAudit([]);

      const all = await store.queryAudit({});
      expect(all.map((e) => e.action)).toEqual(['stow', 'login', 'viewer-open', 'wado']);
      expect(all[0]?.id).toBeGreaterThan(all[1]?.id ?? Infinity);
      expect(all[0]?.at).toBe('2026-03-01T12:00:00.000Z'); // normalized to UTC
      expect(all[0]?.detail?.length).toBe(2000);
      expect(all[1]).toMatchObject({ actor: '', actorRole: null, outcome: 'failure', patientId: null, studyInstanceUid: null });
      expect(all[3]).toEqual({ id: all[3]?.id, ...event('2026-03-01T10:00:00.000Z') });

      expect((await store.queryAudit({ since: '2026-03-01T11:00:00Z', until: '2026-03-01T12:00:00Z' })).map((e) => e.action)).toEqual(['viewer-open']);
      expect((await store.queryAudit({ actor: 'bob' })).map((e) => e.action)).toEqual(['viewer-open']);
      expect((await store.queryAudit({ action: 'wado' })).length).toBe(1);
      expect((await store.queryAudit({ outcome: 'failure' })).map((e) => e.action)).toEqual(['login']);
      expect((await store.queryAudit({ patientId: 'P1' })).map((e) => e.action)).toEqual(['stow', 'wado']);
      expect((await store.queryAudit({ studyInstanceUid: '1.2.4' })).map((e) => e.actor)).toEqual(['bob']);
      expect((await store.queryAudit({ limit: 2 })).map((e) => e.action)).toEqual(['stow', 'login']);
      await expect(store.queryAudit({ limit: 0 })).rejects.toMatchObject({ subject: 'limit' });
      await expect(store.queryAudit({ limit: 10_001 })).rejects.toMatchObject({ subject: 'limit' });
      await expect(store.queryAudit({ since: 'yesterday' })).rejects.toMatchObject({ subject: 'since' });
      await expect(store.appendAudit([event('not a time')])).rejects.toMatchObject({ subject: 'at' });
      await expect(store.appendAudit([event(t0, { outcome: 'maybe' as never })])).rejects.toMatchObject({ subject: 'outcome' });
    } finally {
      await archive.close();
    }
  });

  it('refuses UPDATE, DELETE (and TRUNCATE on PostgreSQL) of audit records in the database itself', async () => {
    const { archive } = await backend.open();
    try {
      const store = storeOf(archive);
      await store.appendAudit([event(t0), event('2026-03-01T10:00:01.000Z', { action: 'qido' })]);
      const db = rawDb(archive);
      await expect(sql`update audit_events set actor = 'someone else'`.execute(db)).rejects.toThrow(/append-only/);
      await expect(sql`update audit_events set detail = null where action = 'qido'`.execute(db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_events where action = 'wado'`.execute(db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_events`.execute(db)).rejects.toThrow(/append-only/);
      if (archiveDialect(archive) === 'postgres') {
        await expect(sql`truncate audit_events`.execute(db)).rejects.toThrow(/append-only/);
      }
      const after = await store.queryAudit({});
      expect(after.map((e) => [e.action, e.actor, e.detail])).toEqual([
        ['qido', 'alice', 'GET /dicomweb/studies/1.2.3'],
        ['wado', 'alice', 'GET /dicomweb/studies/1.2.3'],
      ]);
      // Appending still works after the refused statements.
      await store.appendAudit([event('2026-03-01T10:00:02.000Z', { action: 'stow' })]);
      expect(await store.queryAudit({})).toHaveLength(3);
    } finally {
      await archive.close();
    }
  });

  it('creates a secret once even when two connections ask at the same moment; the de-identification key is stable', async () => {
    const opened = await backend.open();
    const second = await opened.reopen();
    try {
      const one = storeOf(opened.archive);
      const two = storeOf(second);
      let created = 0;
      const make = (value: string) => () => {
        created += 1;
        return value;
      };
      const values = await Promise.all([
        one.getOrCreateSecret('race', make('from-one')),
        two.getOrCreateSecret('race', make('from-two')),
        one.getOrCreateSecret('race', make('from-one-again')),
        two.getOrCreateSecret('race', make('from-two-again')),
      ]);
      expect(new Set(values).size).toBe(1);
      expect(created).toBeGreaterThanOrEqual(1);
      expect(await two.getOrCreateSecret('race', make('later'))).toBe(values[0]);

      const [keyA, keyB] = await Promise.all([deidentificationKeyOf(one), deidentificationKeyOf(two)]);
      expect(keyA).toMatch(/^[0-9a-f]{64}$/);
      expect(keyB).toBe(keyA);
      await second.close();
      const third = await opened.reopen();
      try {
        expect(await deidentificationKeyOf(storeOf(third))).toBe(keyA);
      } finally {
        await third.close();
      }
      // Another archive has another key.
      const other = await backend.open();
      try {
        expect(await deidentificationKeyOf(storeOf(other.archive))).not.toBe(keyA);
      } finally {
        await other.archive.close();
      }
    } finally {
      await opened.archive.close();
      await second.close().catch(() => undefined);
    }
  });

  it('bootstraps one admin on first start: given password, or a generated one returned once', async () => {
    const opened = await backend.open();
    const second = await opened.reopen();
    try {
      const now = () => new Date(t0);
      const results = await Promise.all([
        ensureAdminUser(storeOf(opened.archive), { password: 'from-the-environment', now, cost: 'test' }),
        ensureAdminUser(storeOf(second), { password: 'from-the-environment', now, cost: 'test' }),
      ]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results.every((r) => r.generatedPassword === undefined)).toBe(true);
      const store = storeOf(opened.archive);
      const admin = await store.getUser('admin');
      expect(admin?.role).toBe('admin');
      expect(await verifyPassword('from-the-environment', admin?.passwordHash ?? '')).toBe(true);
      expect(await ensureAdminUser(store, { password: 'another-password', cost: 'test' })).toEqual({ created: false });
      const audit = await store.queryAudit({ action: 'user-add' });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor: 'system', outcome: 'success' });
      expect(audit[0]?.detail).not.toContain('from-the-environment');
    } finally {
      await second.close();
      await opened.archive.close();
    }

    const fresh = await backend.open();
    try {
      const store = storeOf(fresh.archive);
      const result = await ensureAdminUser(store, { cost: 'test' });
      expect(result.created).toBe(true);
      expect(result.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(await verifyPassword(result.generatedPassword ?? '', (await store.getUser('admin'))?.passwordHash ?? '')).toBe(true);
      expect(JSON.stringify(await store.queryAudit({}))).not.toContain(result.generatedPassword);
      // With a user present, nothing happens, even without an admin named 'admin'.
      await store.insertUser(user('x', 'surgeon', await hashPassword('password123', { cost: 'test' })));
      expect(await ensureAdminUser(store, { cost: 'test' })).toEqual({ created: false });
    } finally {
      await fresh.archive.close();
    }
  });
});
