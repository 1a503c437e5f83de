/**
 * Sign-in for the web UI and who a request is (issue 3), over real HTTP: the session
 * cookie's flags, CSRF on unsafe methods, logout, the /login form (open redirects refused,
 * values escaped, cross-site posts refused), idle and absolute session expiry on an
 * injected clock, the caller's own password change, and that removing or demoting a user
 * takes effect on the very next request whatever the credential (session, cached Basic,
 * token).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthHeaders, startTestServer, testAdminPassword, type TestServer, type TestUser } from '../support/startTestServer.js';
import { makeTestInstance, newUid } from '../support/makeTestInstance.js';
import { jsonOf, login, sessionCookieOf } from './sessionSupport.js';

const hour = 3600_000;

describe('web sessions', () => {
  let server: TestServer;
  let clock = Date.parse('2030-01-01T08:00:00Z');
  const study = newUid();

  beforeAll(async () => {
    server = await startTestServer({ auth: { now: () => new Date(clock) } });
    const instance = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: newUid() });
    expect((await server.archive.ingest({ bytes: instance.bytes, source: { kind: 'import', label: 'test' } })).outcome).toBe('stored');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('signs in with JSON: an HttpOnly, SameSite=Strict, Path=/ cookie (not Secure over plain HTTP) and the CSRF token', async () => {
    const response = await fetch(`${server.origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: testAdminPassword }) });
    expect(response.status).toBe(200);
    const body = await jsonOf(response);
    expect(body).toEqual({ username: 'admin', role: 'admin', csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const { setCookie, cookieValue } = sessionCookieOf(response);
    expect(cookieValue).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const attributes = setCookie.split(';').slice(1).map((a) => a.trim());
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict']));
    expect(attributes).not.toContain('Secure');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('says who is signed in: the CSRF token for a cookie session, null for Basic', async () => {
    const session = await login(server.origin, 'admin', testAdminPassword);
    const bySession = await fetch(`${server.origin}/api/session`, { headers: { cookie: session.cookie } });
    expect(await jsonOf(bySession)).toEqual({ username: 'admin', role: 'admin', csrfToken: session.csrfToken });
    const byBasic = await fetch(`${server.origin}/api/session`, { headers: server.authHeaders });
    expect(await jsonOf(byBasic)).toEqual({ username: 'admin', role: 'admin', csrfToken: null });
    const nobody = await fetch(`${server.origin}/api/session`, { headers: { 'x-requested-with': 'XMLHttpRequest' } });
    expect(nobody.status).toBe(401);
    expect(nobody.headers.get('www-authenticate')).toBeNull();
  });

  it('refuses unsafe cookie requests without the right X-CSRF-Token, accepts them with it; safe ones need none', async () => {
    const session = await login(server.origin, 'admin', testAdminPassword);
    const viewed = (headers: Record<string, string>) => fetch(`${server.origin}/api/studies/${study}/viewed`, { method: 'POST', headers: { cookie: session.cookie, ...headers } });
    const missing = await viewed({});
    expect(missing.status).toBe(403);
    expect((await jsonOf(missing)).code).toBe('AUTH_CSRF_FAILED');
    const wrong = await viewed({ 'x-csrf-token': 'A'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect((await jsonOf(wrong)).code).toBe('AUTH_CSRF_FAILED');
    const otherSession = await login(server.origin, 'admin', testAdminPassword);
    expect((await viewed({ 'x-csrf-token': otherSession.csrfToken })).status).toBe(403);
    expect((await viewed({ 'x-csrf-token': session.csrfToken })).status).toBe(204);
    const read = await fetch(`${server.dicomweb}/studies?StudyInstanceUID=${study}`, { headers: { cookie: session.cookie, accept: 'application/dicom+json' } });
    expect(read.status).toBe(200);
    // Basic and bearer requests carry no cookie, so no CSRF token is needed.
    expect((await fetch(`${server.origin}/api/studies/${study}/viewed`, { method: 'POST', headers: server.authHeaders })).status).toBe(204);
  });

  it('signs out: the session is removed and the cookie cleared; the old cookie no longer works', async () => {
    const session = await login(server.origin, 'admin', testAdminPassword);
    expect((await fetch(`${server.origin}/api/session`, { method: 'DELETE', headers: { cookie: session.cookie } })).status).toBe(403);
    const out = await fetch(`${server.origin}/api/session`, { method: 'DELETE', headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken } });
    expect(out.status).toBe(204);
    expect(sessionCookieOf(out).setCookie).toMatch(/^vertebra_session=; .*Max-Age=0/);
    const after = await fetch(`${server.origin}/api/session`, { headers: { cookie: session.cookie } });
    expect(after.status).toBe(401);
    expect((await jsonOf(after)).code).toBe('AUTH_REQUIRED');
    // A stale cookie never raises the browser's Basic dialog.
    expect(after.headers.get('www-authenticate')).toBeNull();
  });

  it('serves the sign-in page: self-contained, strict CSP, `next` escaped', async () => {
    const next = '/studies/1.2"><script>alert(1)</script>';
    const response = await fetch(`${server.origin}/login?next=${encodeURIComponent(next)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await response.text();
    expect(html).toContain('<form method="post" action="/api/session">');
    expect(html).toContain('name="password" type="password"');
    expect(html).not.toContain('<script>');
    expect(html).toContain('value="/studies/1.2&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const offsite = await (await fetch(`${server.origin}/login?next=${encodeURIComponent('//evil.example/x')}`)).text();
    expect(offsite).toContain('name="next" value="/"');
  });

  it('signs in with the form: 303 to a same-origin `next` only, a 401 page on a wrong password, 403 from another site', async () => {
    const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${server.origin}/api/session`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
    const ok = await form({ username: 'admin', password: testAdminPassword, next: '/studies/1.2.3?tab=series' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/studies/1.2.3?tab=series');
    const { cookie } = sessionCookieOf(ok);
    expect((await fetch(`${server.origin}/api/session`, { headers: { cookie } })).status).toBe(200);
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const redirected = await form({ username: 'admin', password: testAdminPassword, next });
      expect(redirected.headers.get('location'), next).toBe('/');
    }
    const wrong = await form({ username: 'admin<b>', password: 'wrong-password', next: '/x' });
    expect(wrong.status).toBe(401);
    expect(sessionCookieOf(wrong).cookie).toBe('');
    const page = await wrong.text();
    expect(page).toContain('Wrong user name or password.');
    expect(page).toContain('value="admin&#60;b&#62;"');
    const crossSite = await form({ username: 'admin', password: testAdminPassword }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(sessionCookieOf(crossSite).cookie).toBe('');
    const sameSite = await form({ username: 'admin', password: testAdminPassword }, { origin: server.origin });
    expect(sameSite.status).toBe(303);
  });

  it('answers a wrong password or unknown user with 401 AUTH_INVALID_CREDENTIALS and no cookie', async () => {
    for (const body of [{ username: 'admin', password: 'wrong-password' }, { username: 'nobody', password: 'whatever-password' }]) {
      const response = await fetch(`${server.origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(401);
      expect((await jsonOf(response)).code).toBe('AUTH_INVALID_CREDENTIALS');
      expect(sessionCookieOf(response).cookie).toBe('');
    }
    const missing = await fetch(`${server.origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"admin"}' });
    expect(missing.status).toBe(400);
  });

  it('ends a session after 8 h without a request, and after 12 h whatever the activity', async () => {
    const idle = await login(server.origin, 'admin', testAdminPassword);
    const busy = await login(server.origin, 'admin', testAdminPassword);
    const status = async (cookie: string) => (await fetch(`${server.origin}/api/session`, { headers: { cookie } })).status;
    for (let elapsedHours = 2; elapsedHours <= 8; elapsedHours += 2) {
      clock += 2 * hour;
      expect(await status(busy.cookie), `busy after ${elapsedHours} h`).toBe(200);
    }
    clock += 1000;
    expect(await status(idle.cookie)).toBe(401);
    clock += 3 * hour;
    expect(await status(busy.cookie)).toBe(200);
    clock += hour;
    expect(await status(busy.cookie)).toBe(401);
  });

  describe('users that change', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await server.createUser('radiologist', 'changer');
    });

    it('changes the caller\'s own password: the old one and every old session stop working, a new session is issued', async () => {
      const session = await login(server.origin, user.username, user.password);
      const other = await login(server.origin, user.username, user.password);
      expect((await fetch(`${server.origin}/api/session`, { headers: user.authHeaders })).status).toBe(200); // Basic now cached
      const put = (body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${server.origin}/api/session/password`, { method: 'PUT', headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      const wrong = await put({ currentPassword: 'not-my-password', newPassword: 'a-new-password' });
      expect(wrong.status).toBe(401);
      expect((await jsonOf(wrong)).code).toBe('AUTH_INVALID_CREDENTIALS');
      expect((await put({ currentPassword: user.password, newPassword: 'short' })).status).toBe(400);
      const changed = await put({ currentPassword: user.password, newPassword: 'a-new-password' });
      expect(changed.status).toBe(200);
      const body = await jsonOf(changed);
      expect(body).toMatchObject({ username: 'changer', role: 'radiologist' });
      const renewed = sessionCookieOf(changed);
      expect(renewed.cookie).not.toBe('');
      expect(renewed.cookie).not.toBe(session.cookie);
      for (const headers of [{ cookie: session.cookie }, { cookie: other.cookie }, user.authHeaders]) {
        expect((await fetch(`${server.origin}/api/session`, { headers })).status).toBe(401);
      }
      expect((await fetch(`${server.origin}/api/session`, { headers: { cookie: renewed.cookie } })).status).toBe(200);
      expect((await fetch(`${server.origin}/api/session`, { headers: basicAuthHeaders('changer', 'a-new-password') })).status).toBe(200);
    });

    it('applies a role change on the next request, cached Basic credentials included', async () => {
      const tech = await server.createUser('technologist', 'demoted');
      const qido = () => fetch(`${server.dicomweb}/studies`, { headers: { ...tech.authHeaders, accept: 'application/dicom+json' } });
      expect((await qido()).status).toBe(200);
      const put = await fetch(`${server.origin}/api/users/demoted`, { method: 'PUT', headers: { ...server.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'researcher' }) });
      expect(put.status).toBe(200);
      expect(await jsonOf(put)).toMatchObject({ username: 'demoted', role: 'researcher' });
      expect((await qido()).status).toBe(403);
    });

    it('rejects a removed user at once: session, cached Basic and token alike', async () => {
      const leaver = await server.createUser('surgeon', 'leaver');
      const session = await login(server.origin, leaver.username, leaver.password);
      const tokenResponse = await fetch(`${server.origin}/api/tokens`, { method: 'POST', headers: { ...leaver.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'script' }) });
      const { token } = (await jsonOf(tokenResponse)) as { token: string };
      const credentials = [{ cookie: session.cookie }, leaver.authHeaders, { authorization: `Bearer ${token}` }];
      for (const headers of credentials) expect((await fetch(`${server.origin}/api/session`, { headers })).status).toBe(200);
      expect((await fetch(`${server.origin}/api/users/leaver`, { method: 'DELETE', headers: server.authHeaders })).status).toBe(204);
      for (const headers of credentials) expect((await fetch(`${server.origin}/api/session`, { headers })).status).toBe(401);
    });

    it('manages users: no password hash ever leaves, names are unique, the last admin stays', async () => {
      const post = (body: unknown) => fetch(`${server.origin}/api/users`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const created = await post({ username: 'newcomer', role: 'surgeon', password: 'newcomer-password' });
      expect(created.status).toBe(201);
      expect(await jsonOf(created)).toEqual({ username: 'newcomer', role: 'surgeon', createdAt: expect.any(String), updatedAt: expect.any(String) });
      expect((await jsonOf(await post({ username: 'newcomer', role: 'surgeon', password: 'newcomer-password' }))).code).toBe('USER_EXISTS');
      expect((await post({ username: 'x', role: 'janitor', password: 'some-password' })).status).toBe(400);
      expect((await post({ username: 'bad name!', role: 'surgeon', password: 'some-password' })).status).toBe(400);
      expect((await fetch(`${server.origin}/api/session`, { headers: basicAuthHeaders('newcomer', 'newcomer-password') })).status).toBe(200);
      const list = await (await fetch(`${server.origin}/api/users`, { headers: server.authHeaders })).text();
      expect(list).toContain('"newcomer"');
      expect(list).not.toMatch(/scrypt|passwordHash/);
      const removeAdmin = await fetch(`${server.origin}/api/users/admin`, { method: 'DELETE', headers: server.authHeaders });
      expect(removeAdmin.status).toBe(400);
      const demoteAdmin = await fetch(`${server.origin}/api/users/admin`, { method: 'PUT', headers: { ...server.authHeaders, 'content-type': 'application/json' }, body: '{"role":"surgeon"}' });
      expect(demoteAdmin.status).toBe(400);
      expect((await fetch(`${server.origin}/api/users/ghost`, { method: 'DELETE', headers: server.authHeaders })).status).toBe(404);
    });
  });
});
