/**
 * STOW-RS over real HTTP (PS3.18 10.5): preamble tolerance, per-part success and failure
 * with PS3.18 failure reasons, study UID in the URL, limits (413 with nothing stored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestInstance, multipartBody, newUid } from '../support/makeTestInstance.js';
import { startTestServer, type TestServer } from '../support/startTestServer.js';

type Json = Record<string, { vr: string; Value?: unknown[] }>;

async function stow(server: TestServer, parts: Uint8Array[], options: { preamble?: string; path?: string; partType?: string } = {}) {
  const { body, contentType } = multipartBody(parts, options);
  const response = await fetch(`${server.dicomweb}${options.path ?? '/studies'}`, {
    method: 'POST',
    headers: { ...server.authHeaders, 'content-type': contentType, accept: 'application/dicom+json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', json: text ? (JSON.parse(text) as Json) : {} };
}

function items(json: Json, tag: string): Json[] {
  return (json[tag]?.Value ?? []) as Json[];
}

describe('STOW-RS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('stores instances sent with a CRLF preamble before the first boundary and answers 200 with ReferencedSOPSequence', async () => {
    const study = newUid();
    const series = newUid();
    const a = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 1 });
    const b = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 2 });
    const result = await stow(server, [a.bytes, b.bytes], { preamble: '\r\n' });
    expect(result.status).toBe(200);
    expect(result.contentType).toMatch(/^application\/dicom\+json/);
    const referenced = items(result.json, '00081199');
    expect(referenced.map((i) => i['00081155']?.Value?.[0]).sort()).toEqual([a.sopInstanceUid, b.sopInstanceUid].sort());
    expect(referenced[0]?.['00081150']?.Value?.[0]).toBe(a.sopClassUid);
    expect(String(referenced[0]?.['00081190']?.Value?.[0])).toContain(`/dicomweb/studies/${study}/series/${series}/instances/`);
    expect(result.json['00081198']).toBeUndefined();
    const stored = await server.archive.listInstances({ studyInstanceUid: study });
    expect(stored).toHaveLength(2);
    expect(Buffer.from(await server.archive.readInstance(stored.find((r) => r.sopInstanceUid === a.sopInstanceUid)!)).equals(Buffer.from(a.bytes))).toBe(true);
  });

  it('stores every part byte-identical when parts span many chunks and requests overlap (pooled part buffers are reused only after ingest)', async () => {
    const study = newUid();
    const series = newUid();
    const requests = Array.from({ length: 3 }, (_, r) =>
      Array.from({ length: 6 }, (_, i) => makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: r * 6 + i + 1, rows: 256, columns: 256, valueOffset: r * 6 + i })),
    );
    // Two rounds: the second reuses the buffers the first gave back.
    for (const round of [0, 1]) {
      const sent = round === 0 ? requests : requests.map((parts) => parts.map((p) => makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, rows: 256, columns: 256, valueOffset: p.sopInstanceUid.length + 7 })));
      const results = await Promise.all(sent.map((parts) => stow(server, parts.map((p) => p.bytes))));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      const stored = await server.archive.listInstances({ studyInstanceUid: study });
      for (const instance of sent.flat()) {
        const record = stored.find((r) => r.sopInstanceUid === instance.sopInstanceUid);
        expect(record).toBeDefined();
        expect(Buffer.from(await server.archive.readInstance(record!)).equals(Buffer.from(instance.bytes))).toBe(true);
      }
    }
  });

  it('refuses a truncated part even when its reused buffer still holds a complete earlier instance past its end', async () => {
    const study = newUid();
    const series = newUid();
    const earlier = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, rows: 256, columns: 256 });
    expect((await stow(server, [earlier.bytes])).status).toBe(200);
    // Same size and layout; only its last 1000 bytes (inside Pixel Data) are missing.
    const later = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, rows: 256, columns: 256, valueOffset: 3 });
    const result = await stow(server, [later.bytes.subarray(0, later.bytes.length - 1000)]);
    expect(result.status).toBe(409);
    expect(items(result.json, '00081198')[0]?.['00091001']?.Value?.[0]).toBe('DICOM_LENGTH_PAST_END'); // Pixel Data's length runs past the part's end
    expect(await server.archive.listInstances({ studyInstanceUid: study, sopInstanceUid: later.sopInstanceUid })).toHaveLength(0);
  });

  it('tolerates a longer text preamble too', async () => {
    const a = makeTestInstance({ studyInstanceUid: newUid(), seriesInstanceUid: newUid() });
    const result = await stow(server, [a.bytes], { preamble: 'This is a preamble.\r\nIgnore it.\r\n' });
    expect(result.status).toBe(200);
  });

  it('reports each bad part in FailedSOPSequence with its FailureReason and stores the good ones (202)', async () => {
    const study = newUid();
    const series = newUid();
    const good = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series });
    const original = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 5 });
    const first = await stow(server, [original.bytes]);
    expect(first.status).toBe(200);
    const conflicting = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: original.sopInstanceUid, instanceNumber: 5, valueOffset: 7 });
    const notDicom = new TextEncoder().encode('this is a text file, not DICOM at all');
    const result = await stow(server, [new Uint8Array(0), notDicom, good.bytes, conflicting.bytes]);
    expect(result.status).toBe(202);
    const failed = items(result.json, '00081198');
    expect(failed).toHaveLength(3);
    const reasons = failed.map((f) => f['00081197']?.Value?.[0]);
    // zero-byte and non-DICOM parts: 0xC000 cannot understand; conflict: 0x0111 duplicate SOP instance
    expect(reasons[0]).toBe(0xc000);
    expect(reasons[1]).toBe(0xc000);
    expect(reasons[2]).toBe(0x0111);
    const messages = failed.map((f) => String(f['00091002']?.Value?.[0]));
    expect(messages[0]).toContain('part 1');
    expect(messages[1]).toContain('part 2');
    expect(messages[2]).toContain('part 4');
    expect(failed.map((f) => f['00091001']?.Value?.[0])).toEqual(['DICOM_EMPTY_FILE', 'DICOM_NOT_DICOM', 'ARCHIVE_INSTANCE_CONFLICT']);
    expect(failed[2]?.['00081155']?.Value?.[0]).toBe(original.sopInstanceUid);
    expect(items(result.json, '00081199').map((i) => i['00081155']?.Value?.[0])).toEqual([good.sopInstanceUid]);
    // The conflicting object did not replace the stored one.
    const [stored] = await server.archive.listInstances({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: original.sopInstanceUid });
    expect(Buffer.from(await server.archive.readInstance(stored!)).equals(Buffer.from(original.bytes))).toBe(true);
  });

  it('answers 409 when every part fails', async () => {
    const result = await stow(server, [new Uint8Array(0)]);
    expect(result.status).toBe(409);
    expect(items(result.json, '00081198')).toHaveLength(1);
    expect(result.json['00081199']).toBeUndefined();
  });

  it('treats the same instance sent twice as success (idempotent)', async () => {
    const a = makeTestInstance({ studyInstanceUid: newUid(), seriesInstanceUid: newUid() });
    expect((await stow(server, [a.bytes])).status).toBe(200);
    const again = await stow(server, [a.bytes]);
    expect(again.status).toBe(200);
    expect(items(again.json, '00081199')[0]?.['00091001']?.Value).toContain('DUPLICATE');
  });

  it('fails an instance whose Study Instance UID differs from the one in the URL (PS3.18 10.5.1)', async () => {
    const study = newUid();
    const inStudy = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: newUid() });
    const otherStudy = makeTestInstance({ studyInstanceUid: newUid(), seriesInstanceUid: newUid() });
    const result = await stow(server, [inStudy.bytes, otherStudy.bytes], { path: `/studies/${study}` });
    expect(result.status).toBe(202);
    const failed = items(result.json, '00081198');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.['00081155']?.Value?.[0]).toBe(otherStudy.sopInstanceUid);
    expect(failed[0]?.['00081197']?.Value?.[0]).toBe(0xa900);
    expect(String(result.json['00081190']?.Value?.[0])).toContain(`/studies/${study}`);
    expect(await server.archive.listInstances({ studyInstanceUid: otherStudy.sopInstanceUid })).toHaveLength(0);
  });

  it('refuses a part that is not application/dicom', async () => {
    const a = makeTestInstance({ studyInstanceUid: newUid(), seriesInstanceUid: newUid() });
    const { body } = multipartBody([a.bytes], { boundary: 'b1', partType: 'application/pdf' });
    const response = await fetch(`${server.dicomweb}/studies`, {
      method: 'POST',
      headers: { ...server.authHeaders, 'content-type': 'multipart/related; boundary=b1' },
      body,
    });
    expect(response.status).toBe(409);
    const json = (await response.json()) as Json;
    expect(items(json, '00081198')[0]?.['00091001']?.Value?.[0]).toBe('REQUEST_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 415 for a body that is not multipart/related and 400 for a malformed one', async () => {
    const json = await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    const noBoundary = await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': 'multipart/related; type="application/dicom"' }, body: 'x' });
    expect(noBoundary.status).toBe(400);
    expect(((await noBoundary.json()) as { code: string }).code).toBe('REQUEST_MALFORMED_MULTIPART');
    const truncated = await fetch(`${server.dicomweb}/studies`, {
      method: 'POST',
      headers: { ...server.authHeaders, 'content-type': 'multipart/related; type="application/dicom"; boundary=zz' },
      body: '--zz\r\nContent-Type: application/dicom\r\n\r\nDICM-but-the-body-stops-here',
    });
    expect(truncated.status).toBe(400);
    expect(((await truncated.json()) as { message: string }).message).toMatch(/closing boundary/);
  });
});

describe('STOW-RS limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ limits: { maxRequestBytes: 20_000, maxInstancesPerRequest: 2 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 413 naming the limit when the body is too large, and stores nothing', async () => {
    const study = newUid();
    const parts = [1, 2].map((n) => makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: newUid(), instanceNumber: n, rows: 80, columns: 80 }).bytes);
    const { body, contentType } = multipartBody(parts);
    expect(body.length).toBeGreaterThan(20_000);
    const response = await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': contentType }, body });
    expect(response.status).toBe(413);
    const error = (await response.json()) as { code: string; message: string };
    expect(error.code).toBe('REQUEST_BODY_TOO_LARGE');
    expect(error.message).toContain('20000');
    expect(await server.archive.listInstances({ studyInstanceUid: study })).toHaveLength(0);
    // The server is still up.
    expect((await fetch(`${server.origin}/health`)).status).toBe(200);
  });

  it('answers 413 when a chunked body (no Content-Length) grows past the limit', async () => {
    const study = newUid();
    const parts = [1, 2].map((n) => makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: newUid(), instanceNumber: n, rows: 110, columns: 110 }).bytes);
    const { body, contentType } = multipartBody(parts);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < body.length; at += 4096) controller.enqueue(body.subarray(at, at + 4096));
        controller.close();
      },
    });
    const response = await fetch(`${server.dicomweb}/studies`, {
      method: 'POST',
      headers: { ...server.authHeaders, 'content-type': contentType },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    // Part 1 alone (24 kB) is past the limit, so no part was complete: nothing stored.
    expect(await server.archive.listInstances({ studyInstanceUid: study })).toHaveLength(0);
  });

  it('answers 413 when there are more parts than maxInstancesPerRequest', async () => {
    const study = newUid();
    const parts = [1, 2, 3].map((n) => makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: newUid(), instanceNumber: n, rows: 4, columns: 4 }).bytes);
    const { body, contentType } = multipartBody(parts);
    const response = await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': contentType }, body });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toContain('maxInstancesPerRequest');
  });
});
