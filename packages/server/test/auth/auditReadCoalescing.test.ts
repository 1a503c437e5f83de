/**
 * WADO-RS reads of one study by one user are audited as one event per minute (PS3.15 A.5.3.2
 * "DICOM Instances Accessed" per study), with the further requests counted in a summary event
 * written when the window closes — here when the app closes. Other users, other studies and
 * failures are never folded in.
 */
import { describe, expect, it } from 'vitest';
import { makeTestInstance, multipartBody, newUid } from '../support/makeTestInstance.js';
import { startTestServer } from '../support/startTestServer.js';

describe('audit: coalesced study reads', () => {
  it('writes the first read at once, counts the rest into one summary, and keeps users, studies and failures apart', async () => {
    const server = await startTestServer();
    const study = newUid();
    const series = newUid();
    const instances = [1, 2, 3].map((instanceNumber) => makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber, patientId: 'MRN-COALESCE' }));
    const { body, contentType } = multipartBody(instances.map((i) => i.bytes));
    expect((await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': contentType }, body })).status).toBe(200);
    const surgeon = await server.createUser('surgeon');
    const read = async (headers: Readonly<Record<string, string>>, path: string): Promise<number> => {
      const response = await fetch(`${server.dicomweb}${path}`, { headers });
      await response.arrayBuffer();
      return response.status;
    };
    for (const instance of instances) {
      expect(await read(server.authHeaders, `/studies/${study}/series/${series}/instances/${instance.sopInstanceUid}`)).toBe(200);
      expect(await read(server.authHeaders, `/studies/${study}/series/${series}/instances/${instance.sopInstanceUid}/metadata`)).toBe(200);
    }
    expect(await read(surgeon.authHeaders, `/studies/${study}/metadata`)).toBe(200);
    expect(await read(server.authHeaders, `/studies/${study}/series/${series}/instances/${newUid()}`)).toBe(404);

    await server.audit.flush();
    const before = await server.store.queryAudit({ action: 'wado', limit: 100 });
    const adminReads = before.filter((e) => e.actor === 'admin' && e.outcome === 'success');
    expect(adminReads).toHaveLength(1);
    expect(adminReads[0]).toMatchObject({ studyInstanceUid: study, patientId: 'MRN-COALESCE' });
    expect(before.filter((e) => e.actor === surgeon.username && e.outcome === 'success')).toHaveLength(1);
    expect(before.filter((e) => e.outcome === 'failure')).toHaveLength(1);

    // Closing the app closes the window: the five further reads are written as one counted event.
    await server.app.close();
    await server.audit.flush();
    const after = await server.store.queryAudit({ action: 'wado', actor: 'admin', outcome: 'success', limit: 100 });
    expect(after).toHaveLength(2);
    const summary = after.find((e) => e.id !== adminReads[0]!.id);
    expect(summary).toMatchObject({ studyInstanceUid: study, patientId: 'MRN-COALESCE', actorRole: 'admin' });
    expect(summary?.detail).toMatch(/^5 further wado requests on this study within 60 s/);
    await server.close();
  });
});
