/**
 * The audit trail of HTTP requests (issue 3; IHE ATNA / DICOM PS3.15 A.5 in spirit): QIDO,
 * WADO, STOW, viewer opens, research retrievals, sign-ins and failed sign-ins are written
 * with who, from where, which patient and study, and the outcome; refused requests as
 * 'access-denied'. No password, token, session id or CSRF token appears in any audit row
 * or in any line the Fastify logger writes (captured at trace level).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@vertebra/archive';
import { basicAuthHeaders, startTestServer, testAdminPassword, type TestServer, type TestUser } from '../support/startTestServer.js';
import { makeTestInstance, multipartBody, newUid } from '../support/makeTestInstance.js';
import { jsonOf, login } from './sessionSupport.js';

describe('audit of HTTP requests', () => {
  let server: TestServer;
  let radiologist: TestUser;
  let researcher: TestUser;
  const logLines: string[] = [];
  /** Every secret this test sends: none may reach the audit trail or the log. */
  const secrets: string[] = [];
  const patientId = 'MRN-AUDIT-1';
  const study = newUid();
  const series = newUid();
  const instances = [1, 2].map((instanceNumber) => makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber, patientId, patientName: 'Audit^Subject' }));
  let events: AuditEvent[] = [];

  const eventsWhere = (match: Partial<AuditEvent>) => events.filter((e) => Object.entries(match).every(([key, value]) => (e as unknown as Record<string, unknown>)[key] === value));

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split('\n').filter((line) => line !== ''));
        done();
      },
    });
    // Every request its own event here (no read coalescing), so each one's detail can be checked.
    server = await startTestServer({ logger: { level: 'trace', stream }, auditReadWindowMs: 0 });
    radiologist = await server.createUser('radiologist', 'auditee');
    researcher = await server.createUser('researcher', 'prober');
    secrets.push(testAdminPassword, radiologist.password, researcher.password, 'Wr0ng-Secret-Guess-77', 'An0ther-Wr0ng-Guess', 'brand-new-Secret-99');
    for (const headers of [server.authHeaders, radiologist.authHeaders, researcher.authHeaders]) secrets.push(headers.authorization!.slice('Basic '.length));
    secrets.push(basicAuthHeaders('auditee', 'An0ther-Wr0ng-Guess').authorization!.slice('Basic '.length));

    // STOW, QIDO, WADO by the radiologist (HTTP Basic).
    const { body, contentType } = multipartBody(instances.map((i) => i.bytes));
    expect((await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...radiologist.authHeaders, 'content-type': contentType }, body })).status).toBe(200);
    expect((await fetch(`${server.dicomweb}/studies?PatientID=${patientId}&includefield=all`, { headers: radiologist.authHeaders })).status).toBe(200);
    expect((await fetch(`${server.dicomweb}/studies/${study}/series`, { headers: radiologist.authHeaders })).status).toBe(200);
    const wado = await fetch(`${server.dicomweb}/studies/${study}/series/${series}/instances/${instances[0]!.sopInstanceUid}`, { headers: radiologist.authHeaders });
    expect(wado.status).toBe(200);
    await wado.arrayBuffer();
    expect((await fetch(`${server.dicomweb}/studies/${newUid()}/metadata`, { headers: radiologist.authHeaders })).status).toBe(404);

    // Sign-ins: a good one, a wrong password, a wrong Basic password; then a session that opens the study, makes a token and changes its password.
    const session = await login(server.origin, 'auditee', radiologist.password);
    secrets.push(session.cookieValue, session.csrfToken);
    expect((await fetch(`${server.origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'auditee', password: 'Wr0ng-Secret-Guess-77' }) })).status).toBe(401);
    expect((await fetch(`${server.dicomweb}/studies`, { headers: basicAuthHeaders('auditee', 'An0ther-Wr0ng-Guess') })).status).toBe(401);
    const cookieHeaders = { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
    expect((await fetch(`${server.origin}/api/studies/${study}/viewed`, { method: 'POST', headers: cookieHeaders })).status).toBe(204);
    const tokenResponse = await fetch(`${server.origin}/api/tokens`, { method: 'POST', headers: { ...cookieHeaders, 'content-type': 'application/json' }, body: '{"name":"audit-script"}' });
    const { token, id: tokenId } = (await jsonOf(tokenResponse)) as { token: string; id: string };
    secrets.push(token);
    expect((await fetch(`${server.dicomweb}/studies/${study}/metadata?token=${token}&password=${radiologist.password}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${server.origin}/api/tokens/${tokenId}`, { method: 'DELETE', headers: cookieHeaders })).status).toBe(204);
    const changed = await fetch(`${server.origin}/api/session/password`, { method: 'PUT', headers: { ...cookieHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ currentPassword: radiologist.password, newPassword: 'brand-new-Secret-99' }) });
    expect(changed.status).toBe(200);
    const renewed = (await jsonOf(changed)) as { csrfToken: string };
    const renewedCookie = changed.headers.getSetCookie()[0]!.split(';')[0]!;
    secrets.push(renewed.csrfToken, renewedCookie.slice('vertebra_session='.length));
    expect((await fetch(`${server.origin}/api/session`, { method: 'DELETE', headers: { cookie: renewedCookie, 'x-csrf-token': renewed.csrfToken } })).status).toBe(204);

    // Refused: a researcher's QIDO, an anonymous WADO; and the researcher's own de-identified retrieval.
    expect((await fetch(`${server.dicomweb}/studies`, { headers: researcher.authHeaders })).status).toBe(403);
    expect((await fetch(`${server.dicomweb}/studies/${study}`)).status).toBe(401);
    const listed = (await (await fetch(`${server.origin}/api/research/studies`, { headers: researcher.authHeaders })).json()) as { studies: { studyInstanceUid: string }[] };
    const retrieved = await fetch(`${server.origin}/api/research/studies/${listed.studies[0]!.studyInstanceUid}`, { headers: researcher.authHeaders });
    expect(retrieved.status).toBe(200);
    await retrieved.arrayBuffer();

    await server.audit.flush();
    events = await server.store.queryAudit({ limit: 10_000 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('writes STOW, QIDO and WADO with actor, role, source, patient, study and outcome', () => {
    const base = { actor: 'auditee', actorRole: 'radiologist', source: '127.0.0.1' };
    expect(eventsWhere({ action: 'stow' })).toEqual([expect.objectContaining({ ...base, outcome: 'success', patientId, studyInstanceUid: study })]);
    const qido = eventsWhere({ action: 'qido', actor: 'auditee' });
    expect(qido).toHaveLength(2);
    expect(qido.find((e) => e.studyInstanceUid === null)?.detail).toContain(`GET /dicomweb/studies?PatientID=${patientId}&includefield=all`);
    expect(qido.find((e) => e.studyInstanceUid === study)).toMatchObject({ ...base, outcome: 'success', patientId });
    const wado = eventsWhere({ action: 'wado', actor: 'auditee' });
    expect(wado).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ...base, outcome: 'success', patientId, studyInstanceUid: study, detail: expect.stringContaining(`/instances/${instances[0]!.sopInstanceUid}`) }),
        expect.objectContaining({ ...base, outcome: 'failure', patientId: null, detail: expect.stringContaining('status 404') }),
      ]),
    );
    // The bearer request is written as the token's user; its secret-looking query parameters are dropped.
    const byToken = wado.find((e) => e.detail?.includes('/metadata') && e.outcome === 'success');
    expect(byToken).toMatchObject({ ...base, patientId, studyInstanceUid: study });
    expect(byToken?.detail).not.toMatch(/token=|password=/);
  });

  it('writes sign-ins, failed sign-ins (the name tried in detail, no actor) and sign-outs', () => {
    expect(eventsWhere({ action: 'login', outcome: 'success', actor: 'auditee' })).toHaveLength(1);
    const failed = eventsWhere({ action: 'login', outcome: 'failure' });
    expect(failed).toHaveLength(2);
    for (const event of failed) {
      expect(event.actor).toBe('');
      expect(event.detail).toContain('"auditee"');
    }
    expect(failed.some((e) => e.detail?.includes('HTTP Basic'))).toBe(true);
    expect(eventsWhere({ action: 'logout', actor: 'auditee', outcome: 'success' })).toHaveLength(1);
    expect(eventsWhere({ action: 'user-passwd', actor: 'auditee', outcome: 'success' })).toHaveLength(1);
    expect(eventsWhere({ action: 'token-create', actor: 'auditee' })).toHaveLength(1);
    expect(eventsWhere({ action: 'token-revoke', actor: 'auditee' })).toHaveLength(1);
  });

  it('writes viewer opens and research retrievals with the real patient and study', () => {
    expect(eventsWhere({ action: 'viewer-open' })).toEqual([expect.objectContaining({ actor: 'auditee', outcome: 'success', patientId, studyInstanceUid: study })]);
    expect(eventsWhere({ action: 'research-list' })).toEqual([expect.objectContaining({ actor: 'prober', actorRole: 'researcher', outcome: 'success' })]);
    expect(eventsWhere({ action: 'research-retrieve' })).toEqual([expect.objectContaining({ actor: 'prober', outcome: 'success', patientId, studyInstanceUid: study, detail: expect.stringContaining('2 instances') })]);
  });

  it('writes refused requests as access-denied: the wrong role and no credentials', () => {
    const denied = eventsWhere({ action: 'access-denied' });
    expect(denied).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'prober', actorRole: 'researcher', outcome: 'denied', detail: expect.stringMatching(/GET \/dicomweb\/studies; status 403; wanted qido/) }),
        expect.objectContaining({ actor: '', actorRole: null, outcome: 'denied', patientId, studyInstanceUid: study, detail: expect.stringMatching(/status 401; wanted wado/) }),
      ]),
    );
  });

  it('serves the trail to admins only, filtered', async () => {
    const response = await fetch(`${server.origin}/api/audit?action=stow&patientId=${patientId}`, { headers: server.authHeaders });
    expect(response.status).toBe(200);
    const { events: stows } = (await response.json()) as { events: AuditEvent[] };
    expect(stows).toHaveLength(1);
    expect(stows[0]).toMatchObject({ action: 'stow', actor: 'auditee', studyInstanceUid: study });
    expect((await fetch(`${server.origin}/api/audit?outcome=maybe`, { headers: server.authHeaders })).status).toBe(400);
    expect((await fetch(`${server.origin}/api/audit`, { headers: radiologist.authHeaders })).status).toBe(401); // password changed
    expect((await fetch(`${server.origin}/api/audit`, { headers: basicAuthHeaders('auditee', 'brand-new-Secret-99') })).status).toBe(403);
  });

  it('never writes a password, token, session id or CSRF token to the audit trail or the log', () => {
    expect(logLines.length).toBeGreaterThan(20);
    expect(events.length).toBeGreaterThan(15);
    const trail = JSON.stringify(events);
    const log = logLines.join('\n');
    expect(log).toContain('/dicomweb/studies');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(trail.includes(secret), `audit holds ${secret.slice(0, 6)}…`).toBe(false);
      expect(log.includes(secret), `log holds ${secret.slice(0, 6)}…`).toBe(false);
    }
    expect(log).not.toMatch(/authorization|cookie|x-csrf-token/i);
  });
});
