/**
 * The research API (issue 3: "a researcher never receives an identifying attribute"):
 * studies with identifying attributes are archived; a researcher's study list holds only
 * pseudonyms and shifted dates (intervals kept: PS3.15 E.3.6), every instance they
 * retrieve passes checkDeidentified (PS3.15 E.1 Basic Profile) with the originals' UIDs and
 * identifying values, pseudonyms are consistent per patient and across app instances on
 * the same archive, and every identified route (QIDO, WADO, measurements) refuses them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDeidentified, readDicomHeader } from '@vertebra/dicom';
import { buildApp } from '../../src/buildApp.js';
import { makeTestInstance, newUid, parseMultipartResponse, type TestInstance } from '../support/makeTestInstance.js';
import { startTestServer, type TestServer, type TestUser } from '../support/startTestServer.js';
import { jsonOf } from './sessionSupport.js';

interface ResearchStudy {
  studyInstanceUid: string;
  patientId: string;
  studyDate: string | null;
  modalities: string[];
  numberOfSeries: number;
  numberOfInstances: number;
}

const identifying = {
  patientA: { PatientName: 'Zyxwvut^Qwerty', PatientID: 'MRN-778899' },
  patientB: { PatientName: 'Plumtree^Ofelia', PatientID: 'MRN-112233' },
  shared: {
    AccessionNumber: 'ACC-5544',
    StudyDescription: 'Lumbar spine of Mr Zyxwvut',
    InstitutionName: 'Saint Elsewhere Hospital',
    ReferringPhysicianName: 'Strangelove^Herbert',
    OtherPatientIDs: 'OLD-MRN-4455',
    PatientAddress: '12 Quarry Lane, Springfield',
  },
};
const originalValues = ['Zyxwvut', 'Qwerty', 'MRN-778899', 'Plumtree', 'Ofelia', 'MRN-112233', 'ACC-5544', 'Saint Elsewhere', 'Strangelove', 'OLD-MRN-4455', 'Quarry Lane'];

describe('research API', () => {
  let server: TestServer;
  let researcher: TestUser;
  const studies: { studyInstanceUid: string; seriesInstanceUid: string; patient: 'A' | 'B'; date: string; instances: TestInstance[] }[] = [];
  const originalUids: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    researcher = await server.createUser('researcher', 'scholar');
    for (const [patient, date] of [['A', '20240115'], ['A', '20240415'], ['B', '20231201']] as const) {
      const studyInstanceUid = newUid();
      const seriesInstanceUid = newUid();
      const who = patient === 'A' ? identifying.patientA : identifying.patientB;
      const instances = [1, 2].map((instanceNumber) =>
        makeTestInstance({
          studyInstanceUid,
          seriesInstanceUid,
          instanceNumber,
          studyDate: date,
          patientName: who.PatientName,
          patientId: who.PatientID,
          extraAttributes: identifying.shared,
        }),
      );
      for (const instance of instances) {
        expect((await server.archive.ingest({ bytes: instance.bytes, source: { kind: 'import', label: 'test' } })).outcome).toBe('stored');
        originalUids.push(instance.sopInstanceUid);
      }
      originalUids.push(studyInstanceUid, seriesInstanceUid, `${studyInstanceUid}.1`);
      studies.push({ studyInstanceUid, seriesInstanceUid, patient, date, instances });
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  const list = async (user: TestUser = researcher): Promise<{ text: string; studies: ResearchStudy[] }> => {
    const response = await fetch(`${server.origin}/api/research/studies`, { headers: user.authHeaders });
    expect(response.status).toBe(200);
    const text = await response.text();
    return { text, studies: (JSON.parse(text) as { studies: ResearchStudy[] }).studies };
  };

  it('lists studies with pseudonyms and shifted dates only', async () => {
    const { text, studies: listed } = await list();
    expect(listed).toHaveLength(3);
    for (const value of [...originalValues, ...originalUids, '20240115', '20240415', '20231201', '19700101']) {
      expect(text, `the list holds ${value}`).not.toContain(value);
    }
    for (const study of listed) {
      expect(study.patientId).toMatch(/^VTB[0-9A-F]{20}$/);
      expect(study.studyInstanceUid).toMatch(/^2\.25\.\d+$/);
      expect(study.studyDate).toMatch(/^\d{8}$/);
      expect(study).toMatchObject({ modalities: ['CT'], numberOfSeries: 1, numberOfInstances: 2 });
      expect(Object.keys(study).sort()).toEqual(['modalities', 'numberOfInstances', 'numberOfSeries', 'patientId', 'studyDate', 'studyInstanceUid']);
    }
    const patients = new Set(listed.map((s) => s.patientId));
    expect(patients.size).toBe(2);
    // The interval between patient A's studies survives the shift (91 days).
    const aDates = listed.filter((s) => listed.filter((o) => o.patientId === s.patientId).length === 2).map((s) => Date.parse(`${s.studyDate!.slice(0, 4)}-${s.studyDate!.slice(4, 6)}-${s.studyDate!.slice(6)}`));
    expect(aDates).toHaveLength(2);
    expect(Math.abs(aDates[0]! - aDates[1]!) / 86_400_000).toBe(91);
  });

  it('retrieves every instance de-identified: checkDeidentified passes against the originals', async () => {
    const { studies: listed } = await list();
    let checked = 0;
    for (const study of listed) {
      const response = await fetch(`${server.origin}/api/research/studies/${study.studyInstanceUid}`, { headers: { ...researcher.authHeaders, accept: 'multipart/related; type="application/dicom"' } });
      expect(response.status).toBe(200);
      const contentType = response.headers.get('content-type') ?? '';
      expect(contentType).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
      const parts = parseMultipartResponse(new Uint8Array(await response.arrayBuffer()), contentType);
      expect(parts).toHaveLength(2);
      for (const part of parts) {
        expect(part.headers['content-location']).toBeUndefined();
        const result = checkDeidentified(part.bytes, { originalUids, originalValues });
        expect(result.violations).toEqual([]);
        expect(result.ok).toBe(true);
        const header = readDicomHeader(part.bytes);
        expect(header.studyInstanceUid).toBe(study.studyInstanceUid);
        expect(header.patientId).toBe(study.patientId);
        checked += 1;
      }
    }
    expect(checked).toBe(6);
  });

  it('finds a pseudonymous study in a fresh app on the same archive (the map is rebuilt), never by its real UID', async () => {
    const { studies: listed } = await list();
    const app = await buildApp({ archive: server.archive, audit: server.audit, auth: { passwordCost: 'test' } });
    try {
      const fresh = await app.inject({ method: 'GET', url: `/api/research/studies/${listed[0]!.studyInstanceUid}`, headers: researcher.authHeaders });
      expect(fresh.statusCode).toBe(200);
      const again = await app.inject({ method: 'GET', url: '/api/research/studies', headers: researcher.authHeaders });
      expect(again.json()).toEqual({ studies: listed, truncated: false });
      for (const real of studies) {
        const byRealUid = await app.inject({ method: 'GET', url: `/api/research/studies/${real.studyInstanceUid}`, headers: researcher.authHeaders });
        expect(byRealUid.statusCode).toBe(404);
        expect(byRealUid.body).not.toContain('MRN');
      }
      expect((await app.inject({ method: 'GET', url: '/api/research/studies/2.25.1', headers: researcher.authHeaders })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/api/research/studies/not-a-uid', headers: researcher.authHeaders })).statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });

  it('refuses every identified route to a researcher with 403', async () => {
    const { studyInstanceUid, seriesInstanceUid, instances } = studies[0]!;
    const instancePath = `/dicomweb/studies/${studyInstanceUid}/series/${seriesInstanceUid}/instances/${instances[0]!.sopInstanceUid}`;
    const paths = [
      '/dicomweb/studies',
      `/dicomweb/studies?PatientID=MRN-778899`,
      `/dicomweb/studies/${studyInstanceUid}/series`,
      `/dicomweb/studies/${studyInstanceUid}`,
      `/dicomweb/studies/${studyInstanceUid}/metadata`,
      instancePath,
      `${instancePath}/frames/1`,
      `${instancePath}/rendered`,
      `${instancePath}/thumbnail`,
      `/api/studies/${studyInstanceUid}/measurements`,
      `/api/audit`,
      `/api/users`,
    ];
    for (const path of paths) {
      const response = await fetch(`${server.origin}${path}`, { headers: researcher.authHeaders });
      expect(response.status, path).toBe(403);
      const body = await response.text();
      for (const value of originalValues) expect(body, path).not.toContain(value);
    }
    const viewed = await fetch(`${server.origin}/api/studies/${studyInstanceUid}/viewed`, { method: 'POST', headers: researcher.authHeaders });
    expect(viewed.status).toBe(403);
    expect((await jsonOf(viewed)).code).toBe('AUTH_FORBIDDEN');
  });

  it('lets an admin use the research API too, and no clinical role', async () => {
    expect((await list(server.admin)).studies).toHaveLength(3);
    for (const role of ['radiologist', 'surgeon', 'technologist'] as const) {
      const user = await server.createUser(role);
      expect((await fetch(`${server.origin}/api/research/studies`, { headers: user.authHeaders })).status).toBe(403);
    }
  });
});
