/**
 * QIDO-RS over real HTTP (PS3.18 10.6): keys by keyword and tag, wildcard, ranges, UID
 * lists, includefield, limit/offset with the Warning header, ModalitiesInStudy, 400 for
 * bad parameters, 200 [] for no match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestInstance, multipartBody, newUid } from '../support/makeTestInstance.js';
import { startTestServer, type TestServer } from '../support/startTestServer.js';

type Row = Record<string, { vr: string; Value?: unknown[] }>;

describe('QIDO-RS', () => {
  let server: TestServer;
  const tag = `Q${Date.now()}`;
  const studies = [
    { uid: newUid(), series: newUid(), name: `Smith^Anna^${tag}`, id: `${tag}-1`, date: '20240110', modality: 'CT' },
    { uid: newUid(), series: newUid(), name: `Smithers^Bob^${tag}`, id: `${tag}-2`, date: '20240220', modality: 'MR' },
    { uid: newUid(), series: newUid(), name: `Jones^Carl^${tag}`, id: `${tag}-3`, date: '20230505', modality: 'CT' },
  ];

  async function qido(path: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${server.dicomweb}${path}`, { headers: { ...server.authHeaders, accept: 'application/dicom+json', ...headers } });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : null };
  }
  const uidsOf = (rows: unknown, t = '0020000D') => (rows as Row[]).map((r) => r[t]?.Value?.[0]).sort();

  beforeAll(async () => {
    server = await startTestServer();
    const parts = studies.flatMap((s) =>
      [1, 2].map((n) =>
        makeTestInstance({ studyInstanceUid: s.uid, seriesInstanceUid: s.series, patientName: s.name, patientId: s.id, studyDate: s.date, modality: s.modality, instanceNumber: n }).bytes,
      ),
    );
    const { body, contentType } = multipartBody(parts);
    const response = await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': contentType }, body });
    expect(response.status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('finds studies by PatientID, by keyword and by tag', async () => {
    const byKeyword = await qido(`/studies?PatientID=${studies[0]!.id}`);
    expect(byKeyword.status).toBe(200);
    expect(byKeyword.headers.get('content-type')).toMatch(/application\/dicom\+json/);
    expect(uidsOf(byKeyword.body)).toEqual([studies[0]!.uid]);
    const byTag = await qido(`/studies?00100020=${studies[1]!.id}`);
    expect(uidsOf(byTag.body)).toEqual([studies[1]!.uid]);
  });

  it('matches PatientName with wildcards, case-insensitively', async () => {
    const result = await qido(`/studies?PatientName=${encodeURIComponent(`smith*${tag.toLowerCase()}`)}`);
    expect(result.status).toBe(200);
    expect(uidsOf(result.body)).toEqual([studies[0]!.uid, studies[1]!.uid].sort());
  });

  it('matches any name component prefix with fuzzymatching=true', async () => {
    const fuzzy = await qido(`/studies?PatientName=carl&fuzzymatching=true&PatientID=${encodeURIComponent(`${tag}-*`)}`);
    expect(uidsOf(fuzzy.body)).toEqual([studies[2]!.uid]);
    const exact = await qido(`/studies?PatientName=carl&PatientID=${encodeURIComponent(`${tag}-*`)}`);
    expect(exact.body).toEqual([]);
  });

  it('matches date ranges and UID lists', async () => {
    const range = await qido(`/studies?StudyDate=20240101-20241231&PatientID=${encodeURIComponent(`${tag}-*`)}`);
    expect(uidsOf(range.body)).toEqual([studies[0]!.uid, studies[1]!.uid].sort());
    const list = await qido(`/studies?StudyInstanceUID=${studies[0]!.uid},${studies[2]!.uid}`);
    expect(uidsOf(list.body)).toEqual([studies[0]!.uid, studies[2]!.uid].sort());
    const repeated = await qido(`/studies?StudyInstanceUID=${studies[1]!.uid}&StudyInstanceUID=${studies[2]!.uid}`);
    expect(uidsOf(repeated.body)).toEqual([studies[1]!.uid, studies[2]!.uid].sort());
  });

  it('matches ModalitiesInStudy', async () => {
    const result = await qido(`/studies?ModalitiesInStudy=MR&PatientID=${encodeURIComponent(`${tag}-*`)}`);
    expect(uidsOf(result.body)).toEqual([studies[1]!.uid]);
  });

  it('pages with limit/offset and sets the Warning header when rows were left out', async () => {
    const first = await qido(`/studies?PatientID=${encodeURIComponent(`${tag}-*`)}&limit=2`);
    expect((first.body as Row[]).length).toBe(2);
    expect(first.headers.get('warning')).toMatch(/^299 /);
    const rest = await qido(`/studies?PatientID=${encodeURIComponent(`${tag}-*`)}&limit=2&offset=2`);
    expect((rest.body as Row[]).length).toBe(1);
    expect(rest.headers.get('warning')).toBeNull();
    expect([...uidsOf(first.body), ...uidsOf(rest.body)].sort()).toEqual(studies.map((s) => s.uid).sort());
  });

  it('returns included fields (repeatable, comma list, all)', async () => {
    const plain = await qido(`/studies?PatientID=${studies[0]!.id}`);
    const withFields = await qido(`/studies?PatientID=${studies[0]!.id}&includefield=NumberOfStudyRelatedInstances,00081030&includefield=NumberOfStudyRelatedSeries`);
    const row = (withFields.body as Row[])[0]!;
    expect(Number(row['00201208']?.Value?.[0])).toBe(2);
    expect(Number(row['00201206']?.Value?.[0])).toBe(1);
    const all = await qido(`/studies?PatientID=${studies[0]!.id}&includefield=all`);
    expect(Object.keys((all.body as Row[])[0]!).length).toBeGreaterThanOrEqual(Object.keys((plain.body as Row[])[0]!).length);
  });

  it('searches series and instances at every path', async () => {
    const s = studies[0]!;
    const series = await qido(`/studies/${s.uid}/series`);
    expect(uidsOf(series.body, '0020000E')).toEqual([s.series]);
    const allSeries = await qido(`/series?Modality=MR&PatientID=${encodeURIComponent(`${tag}-*`)}`);
    expect(uidsOf(allSeries.body, '0020000E')).toEqual([studies[1]!.series]);
    const instances = await qido(`/studies/${s.uid}/series/${s.series}/instances`);
    expect((instances.body as Row[]).length).toBe(2);
    const studyInstances = await qido(`/studies/${s.uid}/instances`);
    expect((studyInstances.body as Row[]).length).toBe(2);
    const allInstances = await qido(`/instances?PatientID=${s.id}`);
    expect((allInstances.body as Row[]).length).toBe(2);
    const byNumber = await qido(`/studies/${s.uid}/instances?InstanceNumber=2`);
    expect((byNumber.body as Row[]).length).toBe(1);
  });

  it('answers 200 with an empty array when nothing matches', async () => {
    const result = await qido('/studies?PatientID=nobody-has-this-id');
    expect(result.status).toBe(200);
    expect(result.body).toEqual([]);
  });

  it('answers 400 naming the parameter for unknown keys and bad values', async () => {
    for (const [query, name] of [
      ['PatientNme=x', 'PatientNme'],
      ['limit=ten', 'limit'],
      ['offset=-1', 'offset'],
      ['fuzzymatching=maybe', 'fuzzymatching'],
      ['includefield=not%20a%20keyword', 'includefield'],
    ] as const) {
      const result = await qido(`/studies?${query}`);
      expect(result.status, query).toBe(400);
      const error = result.body as { code: string; message: string };
      expect(error.code).toBe('REQUEST_INVALID_PARAMETER');
      expect(error.message).toContain(name);
    }
  });

  it('answers 406 when the client accepts only XML', async () => {
    const result = await fetch(`${server.dicomweb}/studies`, { headers: { ...server.authHeaders, accept: 'multipart/related; type="application/dicom+xml"' } });
    expect(result.status).toBe(406);
  });
});
