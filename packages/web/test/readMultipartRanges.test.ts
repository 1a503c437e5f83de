/**
 * readMultipartRanges against an in-memory server that answers byte ranges as RFC 9110 14
 * says: every part comes out whole and once, wherever the range cuts fall (inside a part's
 * headers, its delimiter, its body, or with a part longer than a whole range), however the
 * responses are chunked; a server without ranges is read as one stream; a body that changed
 * between the requests (If-Range no longer matching, answered 200) is refused, not mixed.
 */
import { describe, expect, it } from 'vitest';
import { readMultipartRanges } from '../src/dicomweb/readMultipartRanges.js';
import { byteStreamInChunks, multipartBody, streamInChunks } from './support/multipartBody.js';

const boundary = 'vertebra-0123456789abcdef';
const contentType = `multipart/related; type="application/dicom"; boundary=${boundary}`;
const multipart = (parts: Uint8Array[]): Uint8Array => multipartBody(boundary, parts);

/** A fetch that serves `body` (one representation, tag `etag`) with single byte ranges, or without ranges. */
function server(body: Uint8Array, options: { ranges?: boolean; chunk?: number; etagAfterFirst?: string; byteStreams?: boolean } = {}) {
  const requests: string[] = [];
  // Byte streams (as fetch bodies are) are read with BYOB readers, straight into the parts' buffers; others chunk by chunk.
  const chunked = (bytes: Uint8Array, chunk: number) => (options.byteStreams === true ? byteStreamInChunks(bytes, chunk) : streamInChunks(bytes, chunk));
  const fetchFn = (async (_url: string, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const etag = requests.length > 0 && options.etagAfterFirst !== undefined ? options.etagAfterFirst : '"tag-1"';
    requests.push(headers.get('range') ?? '');
    const common = { 'content-type': contentType, etag, 'accept-ranges': 'bytes' };
    const range = /^bytes=(\d+)-(\d*)$/.exec(headers.get('range') ?? '');
    const ifRange = headers.get('if-range');
    if (options.ranges === false || range === null || (ifRange !== null && ifRange !== etag)) {
      return new Response(chunked(body, options.chunk ?? 1000), { status: 200, headers: common });
    }
    const first = Number(range[1]);
    const last = range[2] === '' ? body.length - 1 : Math.min(body.length - 1, Number(range[2]));
    return new Response(chunked(body.subarray(first, last + 1), options.chunk ?? 1000), { status: 206, headers: { ...common, 'content-range': `bytes ${first}-${last}/${body.length}` } });
  }) as typeof fetch;
  return { fetch: fetchFn, requests };
}

const filled = (length: number, seed: number) => new Uint8Array(length).map((_, i) => (i * 31 + seed) & 0xff);

async function readAll(body: Uint8Array, streams: number, options: Parameters<typeof server>[1] = {}) {
  const s = server(body, options);
  const parts: Uint8Array[] = [];
  const result = await readMultipartRanges('http://x/series', { fetch: s.fetch, streams, minRangeBytes: 1 }, (p) => parts.push(p.body));
  return { parts, ranges: result.ranges, requests: s.requests };
}

const hex = (parts: Uint8Array[]) => parts.map((p) => Buffer.from(p).toString('hex')).sort();

describe('readMultipartRanges', () => {
  it('hands over every part once, wherever the cuts fall', async () => {
    for (let shift = 0; shift <= 240; shift += 1) {
      const input = [filled(shift, 1), filled(100, 2), filled(7, 3), filled(240 - shift, 4)];
      for (const streams of [2, 3, 4]) {
        const { parts, ranges, requests } = await readAll(multipart(input), streams, { chunk: 1 + (shift % 13) });
        expect(ranges).toBe(streams);
        expect(requests[0]).toBe('bytes=0-');
        expect(requests).toHaveLength(streams);
        expect(hex(parts)).toEqual(hex(input));
      }
    }
  });

  it('hands over every part once from byte streams read straight into the parts, wherever the cuts fall', async () => {
    for (let shift = 0; shift <= 240; shift += 7) {
      const input = [filled(shift, 1), filled(3000, 2), filled(7, 3), filled(240 - shift, 4), filled(20_000, 5)];
      for (const streams of [2, 3, 7]) {
        for (const chunk of [1 + (shift % 13), 500, 70_000]) {
          const { parts, ranges } = await readAll(multipart(input), streams, { chunk, byteStreams: true });
          expect(ranges).toBe(streams);
          expect(hex(parts)).toEqual(hex(input));
        }
      }
    }
  });

  it('joins a part longer than a whole range', async () => {
    const input = [filled(50, 1), filled(20_000, 2), filled(10, 3), filled(0, 4)];
    for (const streams of [2, 5, 9]) {
      const { parts, ranges } = await readAll(multipart(input), streams, { chunk: 333 });
      expect(ranges).toBe(streams);
      expect(hex(parts)).toEqual(hex(input));
    }
  });

  it('reads one stream when the server has no ranges or the body is small', async () => {
    const input = [filled(3000, 1), filled(10, 2)];
    const plain = await readAll(multipart(input), 3, { ranges: false });
    expect(plain.ranges).toBe(1);
    expect(plain.requests).toHaveLength(1);
    expect(hex(plain.parts)).toEqual(hex(input));
    const s = server(multipart(input));
    const parts: Uint8Array[] = [];
    expect((await readMultipartRanges('http://x/series', { fetch: s.fetch, streams: 3, minRangeBytes: 1 << 20 }, (p) => parts.push(p.body))).ranges).toBe(1);
    expect(hex(parts)).toEqual(hex(input));
  });

  it('refuses a body that changed between the requests', async () => {
    const input = [filled(3000, 1), filled(3000, 2), filled(3000, 3)];
    await expect(readAll(multipart(input), 3, { etagAfterFirst: '"tag-2"' })).rejects.toThrow(/answered 200/);
  });

  it('fails on a body cut short', async () => {
    const whole = multipart([filled(3000, 1), filled(3000, 2)]);
    const s = server(whole);
    const cut = (async (url: string, init?: RequestInit) => {
      const response = await s.fetch(url, init);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return new Response(bytes.subarray(0, bytes.length - 5), { status: response.status, headers: response.headers });
    }) as typeof fetch;
    await expect(readMultipartRanges('http://x/series', { fetch: cut, streams: 2, minRangeBytes: 1 }, () => undefined)).rejects.toThrow(/ended/);
  });
});
