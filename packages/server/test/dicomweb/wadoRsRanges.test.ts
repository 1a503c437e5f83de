/**
 * WADO-RS Retrieve over real HTTP with byte ranges (RFC 9110 14): when instances go out as
 * stored, the body is the same on every request (Content-Length, strong ETag, Accept-Ranges),
 * a single range is answered 206 with the right Content-Range, the ranges of a split put back
 * together equal the whole body byte for byte (wherever the cuts fall: inside part headers,
 * delimiters or pixel data), a range past the end is 416, several ranges or a stale If-Range
 * get the whole body (200), and a transcoded retrieve streams without ranges.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestInstance, multipartBody, newUid, parseMultipartResponse, type TestInstance } from '../support/makeTestInstance.js';
import { startTestServer, type TestServer } from '../support/startTestServer.js';

const asStored = 'multipart/related; type="application/dicom"; transfer-syntax=*';
const explicitLe = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1';

describe('WADO-RS retrieve with byte ranges', () => {
  let server: TestServer;
  const study = newUid();
  const series = newUid();
  let instances: TestInstance[];
  let seriesUrl: string;

  beforeAll(async () => {
    server = await startTestServer();
    instances = [1, 2, 3, 4].map((n) => makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: n, rows: 16 + n, columns: 20 }));
    const { body, contentType } = multipartBody(instances.map((i) => i.bytes));
    expect((await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': contentType }, body })).status).toBe(200);
    seriesUrl = `${server.dicomweb}/studies/${study}/series/${series}`;
  });
  afterAll(async () => {
    await server?.close();
  });

  async function get(url: string, headers: Record<string, string> = {}) {
    const response = await fetch(url, { headers: { ...server.authHeaders, accept: asStored, ...headers } });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  it('sends the same body on every request, with its length, a strong ETag and Accept-Ranges', async () => {
    const first = await get(seriesUrl);
    const second = await get(seriesUrl, { accept: explicitLe }); // stored in Explicit VR LE: nothing transcoded either
    expect(first.status).toBe(200);
    expect(first.headers.get('accept-ranges')).toBe('bytes');
    expect(first.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Number(first.headers.get('content-length'))).toBe(first.bytes.length);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(second.bytes.equals(first.bytes)).toBe(true);
    const parts = parseMultipartResponse(new Uint8Array(first.bytes), first.headers.get('content-type') ?? '');
    expect(parts.map((p) => Buffer.from(p.bytes).toString('hex')).sort()).toEqual(instances.map((i) => Buffer.from(i.bytes).toString('hex')).sort());
    // Another series gets another boundary and tag.
    const other = await get(`${seriesUrl}/instances/${instances[0]!.sopInstanceUid}`);
    expect(other.headers.get('etag')).not.toBe(first.headers.get('etag'));
    expect(other.headers.get('content-type')).not.toBe(first.headers.get('content-type'));
  });

  it('answers single ranges with 206, and the ranges of any split add up to the whole body', async () => {
    const whole = await get(seriesUrl);
    const length = whole.bytes.length;
    const etag = whole.headers.get('etag') ?? '';
    // Cuts inside the first part's headers, inside pixel data, right at and inside a delimiter.
    const second = whole.bytes.indexOf('--vertebra-', 10);
    for (const cuts of [[1, 70, length - 3], [second - 1, second + 3, second + 500], [Math.floor(length / 3), Math.floor((2 * length) / 3)]]) {
      const bounds = [0, ...cuts, length];
      const pieces: Buffer[] = [];
      for (let k = 0; k + 1 < bounds.length; k += 1) {
        const first = bounds[k]!;
        const last = bounds[k + 1]! - 1;
        const piece = await get(seriesUrl, { range: `bytes=${first}-${last}`, 'if-range': etag });
        expect(piece.status).toBe(206);
        expect(piece.headers.get('content-range')).toBe(`bytes ${first}-${last}/${length}`);
        expect(Number(piece.headers.get('content-length'))).toBe(last - first + 1);
        expect(piece.headers.get('etag')).toBe(etag);
        pieces.push(piece.bytes);
      }
      expect(Buffer.concat(pieces).equals(whole.bytes)).toBe(true);
    }
    const open = await get(seriesUrl, { range: 'bytes=100-' });
    expect(open.status).toBe(206);
    expect(open.headers.get('content-range')).toBe(`bytes 100-${length - 1}/${length}`);
    expect(open.bytes.equals(whole.bytes.subarray(100))).toBe(true);
    const suffix = await get(seriesUrl, { range: 'bytes=-20' });
    expect(suffix.status).toBe(206);
    expect(suffix.bytes.equals(whole.bytes.subarray(length - 20))).toBe(true);
    const beyond = await get(seriesUrl, { range: `bytes=${length - 5}-${length + 1000}` });
    expect(beyond.headers.get('content-range')).toBe(`bytes ${length - 5}-${length - 1}/${length}`);
    expect(beyond.bytes.equals(whole.bytes.subarray(length - 5))).toBe(true);
  });

  it('answers 416 for a range past the end, and the whole body for several ranges, a stale If-Range or a bad header', async () => {
    const whole = await get(seriesUrl);
    const length = whole.bytes.length;
    const past = await get(seriesUrl, { range: `bytes=${length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${length}`);
    expect((await get(seriesUrl, { range: 'bytes=-0' })).status).toBe(416);
    for (const headers of <Record<string, string>[]>[
      { range: 'bytes=0-9,20-29' },
      { range: 'bytes=0-9', 'if-range': '"0123456789abcdef0123456789abcdef"' },
      { range: 'bytes=0-9', 'if-range': `W/${whole.headers.get('etag') ?? ''}` },
      { range: 'bytes=0-9', 'if-range': 'Fri, 27 Nov 2026 03:00:00 GMT' },
      { range: 'bytes=9-0' },
      { range: 'items=0-9' },
    ]) {
      const result = await get(seriesUrl, headers);
      expect(result.status).toBe(200);
      expect(result.bytes.equals(whole.bytes)).toBe(true);
    }
  });

  it('streams a transcoded retrieve as before: no length, no ETag, Range ignored', async () => {
    const rleSeries = newUid();
    const source = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: rleSeries, rows: 8, columns: 10 });
    const dir = await mkdtemp(join(tmpdir(), 'vertebra-rle-'));
    try {
      await writeFile(join(dir, 'in.dcm'), source.bytes);
      execFileSync('dcmcrle', [join(dir, 'in.dcm'), join(dir, 'out.dcm')]);
      const stowed = multipartBody([new Uint8Array(await readFile(join(dir, 'out.dcm')))]);
      expect((await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': stowed.contentType }, body: stowed.body })).status).toBe(200);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const url = `${server.dicomweb}/studies/${study}/series/${rleSeries}`;
    const decoded = await get(url, { accept: explicitLe, range: 'bytes=0-9' });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('etag')).toBeNull();
    expect(decoded.headers.get('accept-ranges')).toBeNull();
    const [part] = parseMultipartResponse(new Uint8Array(decoded.bytes), decoded.headers.get('content-type') ?? '');
    expect(part!.headers['content-type']).toBe('application/dicom; transfer-syntax=1.2.840.10008.1.2.1');
    // As stored (RLE), nothing is transcoded: ranges again.
    const stored = await get(url, { range: 'bytes=0-9' });
    expect(stored.status).toBe(206);
    expect(stored.bytes.length).toBe(10);
  });
});
