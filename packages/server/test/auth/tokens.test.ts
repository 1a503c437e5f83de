/**
 * API tokens and HTTP Basic for programs (issue 3): a DICOMweb client authenticates with
 * `Authorization: Bearer vtb_…` or Basic; tokens are listed without their secret, refused
 * once expired (injected clock) or revoked, and a user can revoke only their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../support/startTestServer.js';
import { jsonOf } from './sessionSupport.js';

describe('API tokens', () => {
  let server: TestServer;
  let clock = Date.parse('2030-03-01T08:00:00Z');
  let radiologist: TestUser;
  let surgeon: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ auth: { now: () => new Date(clock) } });
    radiologist = await server.createUser('radiologist', 'reader');
    surgeon = await server.createUser('surgeon', 'cutter');
  });
  afterAll(async () => {
    await server?.close();
  });

  const createToken = async (user: TestUser, body: unknown) => {
    const response = await fetch(`${server.origin}/api/tokens`, { method: 'POST', headers: { ...user.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; name: string; token: string; expiresAt: string | null };
  };
  const qido = (token: string) => fetch(`${server.dicomweb}/studies`, { headers: { authorization: `Bearer ${token}`, accept: 'application/dicom+json' } });

  it('issues a token shown once, which then authenticates DICOMweb requests as its user', async () => {
    const created = await createToken(radiologist, { name: 'nightly-qido' });
    expect(created).toEqual({ id: expect.any(String), name: 'nightly-qido', token: expect.stringMatching(/^vtb_[A-Za-z0-9_-]{43}$/), expiresAt: null });
    expect((await qido(created.token)).status).toBe(200);
    const who = await fetch(`${server.origin}/api/session`, { headers: { authorization: `Bearer ${created.token}` } });
    expect(await jsonOf(who)).toEqual({ username: 'reader', role: 'radiologist', csrfToken: null });
    const list = await (await fetch(`${server.origin}/api/tokens`, { headers: radiologist.authHeaders })).text();
    expect(list).toContain('nightly-qido');
    expect(list).not.toContain(created.token);
    expect(list).not.toMatch(/tokenSha256|[0-9a-f]{64}/);
    expect(JSON.parse(list).tokens[0].lastUsedAt).not.toBeNull();
  });

  it('refuses an expired token', async () => {
    const created = await createToken(radiologist, { name: 'short-lived', expiresInDays: 1 });
    expect(Date.parse(created.expiresAt ?? '')).toBe(clock + 86_400_000);
    expect((await qido(created.token)).status).toBe(200);
    clock += 86_400_000 + 1000;
    const expired = await qido(created.token);
    expect(expired.status).toBe(401);
    expect((await jsonOf(expired)).code).toBe('AUTH_INVALID_CREDENTIALS');
  });

  it('refuses a revoked token at once; only its owner or an admin may revoke it', async () => {
    const created = await createToken(radiologist, { name: 'to-revoke' });
    expect((await qido(created.token)).status).toBe(200);
    const byOther = await fetch(`${server.origin}/api/tokens/${created.id}`, { method: 'DELETE', headers: surgeon.authHeaders });
    expect(byOther.status).toBe(404);
    expect((await qido(created.token)).status).toBe(200);
    const othersList = await (await fetch(`${server.origin}/api/tokens`, { headers: surgeon.authHeaders })).json();
    expect(othersList).toEqual({ tokens: [] });
    expect((await fetch(`${server.origin}/api/tokens/${created.id}`, { method: 'DELETE', headers: radiologist.authHeaders })).status).toBe(204);
    expect((await qido(created.token)).status).toBe(401);
    const another = await createToken(radiologist, { name: 'admin-revokes' });
    expect((await fetch(`${server.origin}/api/tokens/${another.id}`, { method: 'DELETE', headers: server.authHeaders })).status).toBe(204);
    expect((await qido(another.token)).status).toBe(401);
  });

  it('gives a token no more than its user\'s role, and validates the request', async () => {
    const created = await createToken(surgeon, { name: 'surgeon-script' });
    const stow = await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { authorization: `Bearer ${created.token}`, 'content-type': 'multipart/related; type="application/dicom"; boundary=x' }, body: '--x--' });
    expect(stow.status).toBe(403);
    for (const body of [{ name: '' }, { name: 'x', expiresInDays: -1 }, { name: 'x', expiresInDays: 'soon' }]) {
      const response = await fetch(`${server.origin}/api/tokens`, { method: 'POST', headers: { ...surgeon.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
  });
});
