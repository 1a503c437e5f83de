/**
 * The real JPEG 2000 CT series (../shared/data/ct-abdomen-dicom-jp2k: empty study/series
 * UIDs, SOP UIDs only in the file meta) through STOW-RS, QIDO-RS and WADO-RS: one series,
 * found by ModalitiesInStudy=CT; transfer syntax negotiation (original bytes vs Explicit
 * VR Little Endian) and frames as stored codestream or decoded pixels.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, readDicomHeader } from '@vertebra/dicom';
import { multipartBody, parseMultipartResponse } from '../support/makeTestInstance.js';
import { startTestServer, type TestServer } from '../support/startTestServer.js';

const seriesDir = resolve(import.meta.dirname, '../../../../../shared/data/ct-abdomen-dicom-jp2k');
type Json = Record<string, { vr: string; Value?: unknown[] }>;

describe.runIf(existsSync(seriesDir))('real JPEG 2000 CT series over DICOMweb', () => {
  let server: TestServer;
  let files: { name: string; bytes: Uint8Array }[];
  let stowResponse: Json;
  let stowStatus: number;

  beforeAll(async () => {
    server = await startTestServer();
    const names = (await readdir(seriesDir)).sort();
    files = await Promise.all(names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(seriesDir, name))) })));
    const { body, contentType } = multipartBody(
      files.map((f) => f.bytes),
      { preamble: '\r\n' },
    );
    const response = await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': contentType }, body });
    stowStatus = response.status;
    stowResponse = (await response.json()) as Json;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('stores all 20 files, with ingest warnings returned per instance', () => {
    expect(stowStatus).toBe(200);
    const referenced = (stowResponse['00081199']?.Value ?? []) as Json[];
    expect(referenced).toHaveLength(20);
    // Study/series UIDs were derived: each instance carries WarningReason B000 and the Vertebra notes.
    expect(referenced[0]?.['00081196']?.Value?.[0]).toBe(0xb000);
    expect((referenced[0]?.['00091002']?.Value ?? []).length).toBeGreaterThan(0);
  });

  it('groups into one series, found by QIDO with ModalitiesInStudy=CT', async () => {
    const studies = (await (await fetch(`${server.dicomweb}/studies?ModalitiesInStudy=CT`, { headers: { ...server.authHeaders, accept: 'application/dicom+json' } })).json()) as Json[];
    expect(studies).toHaveLength(1);
    const studyUid = String(studies[0]!['0020000D']?.Value?.[0]);
    const series = (await (await fetch(`${server.dicomweb}/studies/${studyUid}/series`, { headers: server.authHeaders })).json()) as Json[];
    expect(series).toHaveLength(1);
    const seriesUid = String(series[0]!['0020000E']?.Value?.[0]);
    const instances = (await (await fetch(`${server.dicomweb}/studies/${studyUid}/series/${seriesUid}/instances`, { headers: server.authHeaders })).json()) as Json[];
    expect(instances).toHaveLength(20);
  });

  async function firstInstance(): Promise<{ url: string; file: { name: string; bytes: Uint8Array } }> {
    const referenced = (stowResponse['00081199']?.Value ?? []) as Json[];
    const sop = String(referenced[0]!['00081155']?.Value?.[0]);
    const file = files.find((f) => readDicomHeader(f.bytes).sopInstanceUid === sop)!;
    return { url: String(referenced[0]!['00081190']?.Value?.[0]), file };
  }

  it('returns the stored JPEG 2000 bytes byte-identical for transfer-syntax=* and for the original syntax', async () => {
    const { url, file } = await firstInstance();
    for (const ts of ['*', '1.2.840.10008.1.2.4.90']) {
      const response = await fetch(url, { headers: { ...server.authHeaders, accept: `multipart/related; type="application/dicom"; transfer-syntax=${ts}` } });
      expect(response.status).toBe(200);
      const [part] = parseMultipartResponse(new Uint8Array(await response.arrayBuffer()), response.headers.get('content-type') ?? '');
      expect(part!.headers['content-type']).toBe('application/dicom; transfer-syntax=1.2.840.10008.1.2.4.90');
      expect(Buffer.from(part!.bytes).equals(Buffer.from(file.bytes))).toBe(true);
    }
  });

  it('transcodes to Explicit VR Little Endian on request, and the result decodes to the CT range', async () => {
    const { url } = await firstInstance();
    const response = await fetch(url, { headers: { ...server.authHeaders, accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1' } });
    expect(response.status).toBe(200);
    const [part] = parseMultipartResponse(new Uint8Array(await response.arrayBuffer()), response.headers.get('content-type') ?? '');
    expect(part!.headers['content-type']).toBe('application/dicom; transfer-syntax=1.2.840.10008.1.2.1');
    const header = readDicomHeader(part!.bytes);
    expect(header.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(header.pixelDataOffset).not.toBeNull();
    // The native result decodes without codecs; in Hounsfield units it spans air to bone.
    const frame = decodeFrame(part!.bytes, 0);
    expect(frame.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    let min = Infinity;
    let max = -Infinity;
    for (const v of frame.pixels) {
      const hu = v * frame.rescaleSlope + frame.rescaleIntercept;
      if (hu < min) min = hu;
      if (hu > max) max = hu;
    }
    expect(min).toBeGreaterThanOrEqual(-1024);
    expect(min).toBeLessThan(-900);
    expect(max).toBeGreaterThan(300);
    expect(max).toBeLessThanOrEqual(1839);
  });

  it('transcodes by default (no transfer-syntax parameter means Explicit VR Little Endian, PS3.18 8.7.3.5)', async () => {
    const { url } = await firstInstance();
    const response = await fetch(url, { headers: { ...server.authHeaders, accept: 'multipart/related; type="application/dicom"' } });
    const [part] = parseMultipartResponse(new Uint8Array(await response.arrayBuffer()), response.headers.get('content-type') ?? '');
    expect(part!.headers['content-type']).toBe('application/dicom; transfer-syntax=1.2.840.10008.1.2.1');
  });

  it('points the metadata Pixel Data BulkDataURI at decoded frames', async () => {
    const { url } = await firstInstance();
    const [metadata] = (await (await fetch(`${url}/metadata`, { headers: server.authHeaders })).json()) as (Json & Record<string, { BulkDataURI?: string }>)[];
    const uri = metadata!['7FE00010']?.BulkDataURI;
    expect(uri).toBe(`${url}/frames/1`);
    const response = await fetch(uri!, { headers: { ...server.authHeaders, accept: 'multipart/related; type="application/octet-stream"' } });
    expect(response.status).toBe(200);
    const [pixels] = parseMultipartResponse(new Uint8Array(await response.arrayBuffer()), response.headers.get('content-type') ?? '');
    expect(pixels!.bytes.length).toBe(512 * 512 * 2);
  });

  it('serves frames as the stored JPEG 2000 codestream or as decoded little-endian pixels', async () => {
    const { url } = await firstInstance();
    const original = await fetch(`${url}/frames/1`, { headers: { ...server.authHeaders, accept: 'multipart/related; type="image/jp2"; transfer-syntax=1.2.840.10008.1.2.4.90' } });
    expect(original.status).toBe(200);
    const [codestream] = parseMultipartResponse(new Uint8Array(await original.arrayBuffer()), original.headers.get('content-type') ?? '');
    expect(codestream!.headers['content-type']).toBe('image/jp2; transfer-syntax=1.2.840.10008.1.2.4.90');
    // A J2K codestream starts with SOC (FF 4F) followed by SIZ (FF 51).
    expect([...codestream!.bytes.subarray(0, 4)]).toEqual([0xff, 0x4f, 0xff, 0x51]);
    const raw = await fetch(`${url}/frames/1`, { headers: { ...server.authHeaders, accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1' } });
    expect(raw.status).toBe(200);
    const [pixels] = parseMultipartResponse(new Uint8Array(await raw.arrayBuffer()), raw.headers.get('content-type') ?? '');
    expect(pixels!.bytes.length).toBe(512 * 512 * 2);
  });

  it('renders a PNG of a slice', async () => {
    const { url } = await firstInstance();
    const response = await fetch(`${url}/rendered?window=40,400,linear`, { headers: { ...server.authHeaders, accept: 'image/png' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
  });
});
