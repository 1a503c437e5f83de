/**
 * WADO-RS over real HTTP (PS3.18 10.4): instance/series/study retrieval, metadata with
 * retrievable BulkDataURIs, frames, rendered PNG/JPEG with window and viewport,
 * thumbnails, 404 and 406.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestInstance, multipartBody, newUid, parseMultipartResponse, type TestInstance } from '../support/makeTestInstance.js';
import { startTestServer, type TestServer } from '../support/startTestServer.js';

type Json = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>;

describe('WADO-RS', () => {
  let server: TestServer;
  const study = newUid();
  const series = newUid();
  let a: TestInstance;
  let b: TestInstance;
  let instancePath: string;

  beforeAll(async () => {
    server = await startTestServer();
    a = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 1, iccProfileBytes: 3000 });
    b = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 2 });
    const { body, contentType } = multipartBody([a.bytes, b.bytes], { preamble: '\r\n' });
    const response = await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': contentType }, body });
    expect(response.status).toBe(200);
    instancePath = `/studies/${study}/series/${series}/instances/${a.sopInstanceUid}`;
  });
  afterAll(async () => {
    await server?.close();
  });

  async function get(path: string, accept?: string) {
    const response = await fetch(path.startsWith('http') ? path : `${server.dicomweb}${path}`, { headers: accept === undefined ? { ...server.authHeaders } : { ...server.authHeaders, accept } });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  it('retrieves an instance byte-identical with transfer-syntax=*', async () => {
    const result = await get(instancePath, 'multipart/related; type="application/dicom"; transfer-syntax=*');
    expect(result.status).toBe(200);
    expect(result.contentType).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
    const parts = parseMultipartResponse(result.bytes, result.contentType);
    expect(parts).toHaveLength(1);
    expect(parts[0]!.headers['content-type']).toBe('application/dicom; transfer-syntax=1.2.840.10008.1.2.1');
    expect(Buffer.from(parts[0]!.bytes).equals(Buffer.from(a.bytes))).toBe(true);
  });

  it('retrieves a series and a study as one part per instance', async () => {
    for (const path of [`/studies/${study}/series/${series}`, `/studies/${study}`]) {
      const result = await get(path, 'multipart/related; type="application/dicom"');
      expect(result.status).toBe(200);
      const parts = parseMultipartResponse(result.bytes, result.contentType);
      expect(parts.map((p) => p.bytes.length).sort()).toEqual([a.bytes.length, b.bytes.length].sort());
    }
  });

  it('answers 404 with a message naming what is missing', async () => {
    const missing = newUid();
    const result = await get(`/studies/${missing}`, 'multipart/related; type="application/dicom"');
    expect(result.status).toBe(404);
    const error = JSON.parse(Buffer.from(result.bytes).toString()) as { code: string; message: string };
    expect(error.code).toBe('ARCHIVE_NOT_FOUND');
    expect(error.message).toContain(missing);
  });

  it('answers 406 when nothing acceptable can be produced', async () => {
    expect((await get(instancePath, 'application/pdf')).status).toBe(406);
    expect((await get(instancePath, 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50')).status).toBe(406);
    expect((await get(`${instancePath}/rendered`, 'image/gif')).status).toBe(406);
  });

  it('serves metadata at each level, with a Pixel Data BulkDataURI that really retrieves the pixels', async () => {
    for (const path of [`/studies/${study}/metadata`, `/studies/${study}/series/${series}/metadata`]) {
      const result = await get(path, 'application/dicom+json');
      expect(result.status).toBe(200);
      expect((JSON.parse(Buffer.from(result.bytes).toString()) as Json[]).length).toBe(2);
    }
    const result = await get(`${instancePath}/metadata`, 'application/dicom+json');
    expect(result.contentType).toMatch(/^application\/dicom\+json/);
    const [metadata] = JSON.parse(Buffer.from(result.bytes).toString()) as Json[];
    expect(metadata!['00080018']?.Value?.[0]).toBe(a.sopInstanceUid);
    const uri = metadata!['7FE00010']?.BulkDataURI;
    expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dicomweb\/studies\/.+\/frames\/1$/);
    const pixels = await get(uri!, 'multipart/related; type="application/octet-stream"');
    expect(pixels.status).toBe(200);
    const [part] = parseMultipartResponse(pixels.bytes, pixels.contentType);
    expect(Buffer.from(part!.bytes).equals(Buffer.from(a.pixels.buffer))).toBe(true);
  });

  it('serves other bulk data at the BulkDataURI the metadata gives', async () => {
    const result = await get(`${instancePath}/metadata`, 'application/dicom+json');
    const [metadata] = JSON.parse(Buffer.from(result.bytes).toString()) as Json[];
    const uri = metadata!['00282000']?.BulkDataURI;
    expect(uri).toMatch(/\/bulkdata\/00282000$/);
    const expected = new Uint8Array(3000).map((_, i) => i % 251);
    const multipart = await get(uri!, 'multipart/related; type="application/octet-stream"');
    expect(multipart.status).toBe(200);
    expect(Buffer.from(parseMultipartResponse(multipart.bytes, multipart.contentType)[0]!.bytes).equals(Buffer.from(expected))).toBe(true);
    const single = await get(uri!, 'application/octet-stream');
    expect(Buffer.from(single.bytes).equals(Buffer.from(expected))).toBe(true);
    expect((await get(`${instancePath}/bulkdata/00282001`)).status).toBe(404);
    expect((await get(`${instancePath}/bulkdata/7FE0zz10/x`)).status).toBe(400);
  });

  it('serves frames as uncompressed little-endian octet-stream by default and 404s a frame past the end', async () => {
    const result = await get(`${instancePath}/frames/1`);
    expect(result.status).toBe(200);
    expect(result.contentType).toMatch(/^multipart\/related; type="application\/octet-stream"/);
    const [part] = parseMultipartResponse(result.bytes, result.contentType);
    expect(part!.headers['content-type']).toMatch(/^application\/octet-stream/);
    expect(Buffer.from(part!.bytes).equals(Buffer.from(a.pixels.buffer))).toBe(true);
    const past = await get(`${instancePath}/frames/2`);
    expect(past.status).toBe(404);
    expect(JSON.parse(Buffer.from(past.bytes).toString()).code).toBe('DICOM_FRAME_OUT_OF_RANGE');
    expect((await get(`${instancePath}/frames/0`)).status).toBe(400);
  });

  it('serves several frames of a multi-frame instance, natively and as RLE codestreams', async () => {
    const multiSeries = newUid();
    const multi = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: multiSeries, numberOfFrames: 3, rows: 8, columns: 10 });
    const native = multipartBody([multi.bytes]);
    expect((await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': native.contentType }, body: native.body })).status).toBe(200);
    const path = `/studies/${study}/series/${multiSeries}/instances/${multi.sopInstanceUid}`;
    const result = await get(`${path}/frames/3,1`, 'multipart/related; type="application/octet-stream"');
    expect(result.status).toBe(200);
    const parts = parseMultipartResponse(result.bytes, result.contentType);
    const frameBytes = 8 * 10 * 2;
    const all = Buffer.from(multi.pixels.buffer);
    expect(Buffer.from(parts[0]!.bytes).equals(all.subarray(2 * frameBytes, 3 * frameBytes))).toBe(true);
    expect(Buffer.from(parts[1]!.bytes).equals(all.subarray(0, frameBytes))).toBe(true);
    expect((await get(`${path}/frames/2/rendered`, 'image/png')).status).toBe(200);
    expect((await get(`${path}/frames/4`)).status).toBe(404);
    expect((await get(`${path}/frames/1,2/rendered`, 'image/png')).status).toBe(400);

    // The same frames RLE-compressed by dcmtk (another SOP Instance UID): stored codestream or decoded.
    const rleSource = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: multiSeries, numberOfFrames: 3, rows: 8, columns: 10 });
    const dir = await mkdtemp(join(tmpdir(), 'vertebra-rle-'));
    try {
      await writeFile(join(dir, 'in.dcm'), rleSource.bytes);
      execFileSync('dcmcrle', [join(dir, 'in.dcm'), join(dir, 'out.dcm')]);
      const rle = new Uint8Array(await readFile(join(dir, 'out.dcm')));
      const stowed = multipartBody([rle]);
      expect((await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': stowed.contentType }, body: stowed.body })).status).toBe(200);
      const rlePath = `/studies/${study}/series/${multiSeries}/instances/${rleSource.sopInstanceUid}`;
      const codestream = await get(`${rlePath}/frames/2`, 'multipart/related; type="image/dicom-rle"');
      expect(codestream.status).toBe(200);
      const [rlePart] = parseMultipartResponse(codestream.bytes, codestream.contentType);
      expect(rlePart!.headers['content-type']).toBe('image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5');
      // An RLE frame starts with its 64-byte header: the segment count (2 for 16-bit) then offset 64.
      expect(new DataView(rlePart!.bytes.buffer, rlePart!.bytes.byteOffset).getUint32(0, true)).toBe(2);
      expect(new DataView(rlePart!.bytes.buffer, rlePart!.bytes.byteOffset).getUint32(4, true)).toBe(64);
      const decoded = await get(`${rlePath}/frames/2`, 'multipart/related; type="application/octet-stream"');
      const [decodedPart] = parseMultipartResponse(decoded.bytes, decoded.contentType);
      expect(Buffer.from(decodedPart!.bytes).equals(Buffer.from(rleSource.pixels.buffer).subarray(frameBytes, 2 * frameBytes))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('renders a PNG of the right size with non-constant pixels', async () => {
    const result = await get(`${instancePath}/rendered`, 'image/png');
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('image/png');
    const { data, info } = await sharp(result.bytes).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(a.columns);
    expect(info.height).toBe(a.rows);
    expect(new Set(data).size).toBeGreaterThan(2);
  });

  it('renders JPEG by default, honours viewport and quality, and renders single frames', async () => {
    const jpeg = await get(`${instancePath}/rendered`);
    expect(jpeg.contentType).toBe('image/jpeg');
    const small = await get(`${instancePath}/rendered?viewport=24,24&quality=50`, 'image/jpeg');
    const meta = await sharp(small.bytes).metadata();
    expect(meta.width).toBe(24);
    expect(meta.height).toBe(16);
    const frame = await get(`${instancePath}/frames/1/rendered`, 'image/png');
    expect(frame.status).toBe(200);
  });

  it('changes the output with the window parameter', async () => {
    const pixelsOf = async (query: string) => {
      const result = await get(`${instancePath}/rendered${query}`, 'image/png');
      expect(result.status, query).toBe(200);
      // Rendered greyscale stays greyscale: one channel per pixel.
      expect((await sharp(result.bytes).metadata()).channels).toBe(1);
      return sharp(result.bytes).extractChannel(0).raw().toBuffer();
    };
    const narrow = await pixelsOf('?window=0,200,linear');
    const wide = await pixelsOf('?window=500,3000,linear');
    const sigmoid = await pixelsOf('?window=500,3000,sigmoid');
    expect(Buffer.compare(narrow, wide)).not.toBe(0);
    expect(Buffer.compare(wide, sigmoid)).not.toBe(0);
    // Stored 2000 → HU 976: white in a 0±100 window, mid-grey in 500±1500.
    const centre = (a.rows / 2) * a.columns + a.columns / 2;
    expect(narrow[centre]).toBe(255);
    expect(wide[centre]).toBeGreaterThan(100);
    expect(wide[centre]).toBeLessThan(200);
  });

  it('answers 400 naming a bad rendering parameter', async () => {
    for (const [query, name] of [
      ['window=abc,1,linear', 'window'],
      ['window=0,0,linear', 'window'],
      ['viewport=0,10', 'viewport'],
      ['quality=500', 'quality'],
      ['annotation=patient', 'annotation'],
    ] as const) {
      const result = await get(`${instancePath}/rendered?${query}`, 'image/png');
      expect(result.status, query).toBe(400);
      expect(JSON.parse(Buffer.from(result.bytes).toString()).message).toContain(name);
    }
  });

  it('serves small thumbnails for study, series and instance', async () => {
    for (const path of [`/studies/${study}/thumbnail`, `/studies/${study}/series/${series}/thumbnail`, `${instancePath}/thumbnail`]) {
      const result = await get(path);
      expect(result.status, path).toBe(200);
      expect(result.contentType).toBe('image/jpeg');
      const meta = await sharp(result.bytes).metadata();
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(128);
    }
    const png = await get(`/studies/${study}/thumbnail?viewport=64,64`, 'image/png');
    expect(png.contentType).toBe('image/png');
    expect((await sharp(png.bytes).metadata()).width).toBe(64);
  });
});
