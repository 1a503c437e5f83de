/**
 * dicomweb-client 0.11.3 (the library viewers such as OHIF use) against /dicomweb over
 * real HTTP: STOW (its multipart body has a CRLF preamble), QIDO, WADO retrieve,
 * metadata and frames. XMLHttpRequest comes from xhr2, installed on globalThis for this
 * test file only.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestInstance, newUid } from '../support/makeTestInstance.js';
import { startTestServer, type TestServer } from '../support/startTestServer.js';

const require = createRequire(import.meta.url);
type Json = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>;

describe('dicomweb-client against /dicomweb', () => {
  let server: TestServer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let client: any;
  const study = newUid();
  const series = newUid();
  const a = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 1, patientName: 'Client^Test' });
  const b = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 2, patientName: 'Client^Test' });
  let previousXhr: unknown;

  beforeAll(async () => {
    server = await startTestServer();
    previousXhr = (globalThis as Record<string, unknown>).XMLHttpRequest;
    (globalThis as Record<string, unknown>).XMLHttpRequest = require('xhr2');
    const { api } = require('dicomweb-client') as { api: { DICOMwebClient: new (options: { url: string; headers?: Record<string, string> }) => unknown } };
    client = new api.DICOMwebClient({ url: server.dicomweb, headers: { ...server.authHeaders } });
  });
  afterAll(async () => {
    (globalThis as Record<string, unknown>).XMLHttpRequest = previousXhr;
    await server?.close();
  });

  it('stores instances (STOW-RS)', async () => {
    const toArrayBuffer = (bytes: Uint8Array) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    await client.storeInstances({ datasets: [toArrayBuffer(a.bytes), toArrayBuffer(b.bytes)] });
    expect(await server.archive.listInstances({ studyInstanceUid: study })).toHaveLength(2);
  });

  it('searches studies, series and instances (QIDO-RS)', async () => {
    const studies = (await client.searchForStudies({ queryParams: { PatientName: 'client*' } })) as Json[];
    expect(studies.map((s) => s['0020000D']?.Value?.[0])).toEqual([study]);
    const seriesRows = (await client.searchForSeries({ studyInstanceUID: study })) as Json[];
    expect(seriesRows.map((s) => s['0020000E']?.Value?.[0])).toEqual([series]);
    const instances = (await client.searchForInstances({ studyInstanceUID: study, seriesInstanceUID: series })) as Json[];
    expect(instances.map((i) => i['00080018']?.Value?.[0]).sort()).toEqual([a.sopInstanceUid, b.sopInstanceUid].sort());
  });

  it('retrieves an instance byte-identical (WADO-RS)', async () => {
    const buffer = (await client.retrieveInstance({ studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: a.sopInstanceUid })) as ArrayBuffer;
    expect(Buffer.from(buffer).equals(Buffer.from(a.bytes))).toBe(true);
    const all = (await client.retrieveSeries({ studyInstanceUID: study, seriesInstanceUID: series })) as ArrayBuffer[];
    expect(all).toHaveLength(2);
  });

  it('retrieves metadata and frames, and follows the BulkDataURI', async () => {
    const metadata = (await client.retrieveInstanceMetadata({ studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: a.sopInstanceUid })) as Json[];
    expect(metadata[0]!['00080018']?.Value?.[0]).toBe(a.sopInstanceUid);
    const frames = (await client.retrieveInstanceFrames({ studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: a.sopInstanceUid, frameNumbers: [1] })) as ArrayBuffer[];
    expect(frames).toHaveLength(1);
    expect(Buffer.from(frames[0]!).equals(Buffer.from(a.pixels.buffer))).toBe(true);
    const bulk = (await client.retrieveBulkData({ BulkDataURI: metadata[0]!['7FE00010']!.BulkDataURI })) as ArrayBuffer[];
    expect(Buffer.from(bulk[0]!).equals(Buffer.from(a.pixels.buffer))).toBe(true);
  });

  it('retrieves a rendered image', async () => {
    const rendered = (await client.retrieveInstanceRendered({
      studyInstanceUID: study,
      seriesInstanceUID: series,
      sopInstanceUID: a.sopInstanceUid,
      mediaTypes: [{ mediaType: 'image/png' }],
    })) as ArrayBuffer | ArrayBuffer[];
    const png = Array.isArray(rendered) ? rendered[0]! : rendered;
    expect(Buffer.from(png).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
