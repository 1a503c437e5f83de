/**
 * VerbatimFrameCache: uncompressed frames (PS3.18 8.7.3.3.2) are sent as a slice of the stored
 * file only where that slice equals what decoding produces; frames whose stored values need
 * masking to Bits Stored (PS3.5 8.1.1) keep going through the decoder. Over HTTP, a frame
 * retrieved twice (decoded, then from the cache) comes back with the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFramePixelBytes } from '../../src/dicomweb/pixelAccess.js';
import { VerbatimFrameCache } from '../../src/dicomweb/VerbatimFrameCache.js';
import { makeTestInstance, multipartBody, newUid, parseMultipartResponse } from '../support/makeTestInstance.js';
import { startTestServer, type TestServer } from '../support/startTestServer.js';

const sha = (n: number): string => n.toString(16).padStart(64, '0');

describe('VerbatimFrameCache', () => {
  it('hands out the stored slice of a clean frame once it has been decoded, and only then', async () => {
    const instance = makeTestInstance({ studyInstanceUid: newUid(), seriesInstanceUid: newUid(), numberOfFrames: 3 });
    const cache = new VerbatimFrameCache();
    expect(cache.slice(sha(1), instance.bytes, 1)).toBeUndefined();
    const decoded = await readFramePixelBytes(instance.bytes, 1, 'test');
    cache.learn(sha(1), instance.bytes, 3, 1, decoded);
    const slice = cache.slice(sha(1), instance.bytes, 1);
    expect(slice).toBeDefined();
    expect(slice!.buffer).toBe(instance.bytes.buffer); // no copy
    expect(Buffer.from(slice!).equals(Buffer.from(decoded))).toBe(true);
    // Frames are judged one by one: frame 3 has not been decoded yet.
    expect(cache.slice(sha(1), instance.bytes, 2)).toBeUndefined();
    const third = await readFramePixelBytes(instance.bytes, 2, 'test');
    cache.learn(sha(1), instance.bytes, 3, 2, third);
    expect(Buffer.from(cache.slice(sha(1), instance.bytes, 2)!).equals(Buffer.from(third))).toBe(true);
  });

  it('never hands out a frame whose stored values carry bits above Bits Stored', async () => {
    // 12 bits stored in 16 with high bits set: decoding masks them, so the stored bytes differ.
    const instance = makeTestInstance({ studyInstanceUid: newUid(), seriesInstanceUid: newUid(), valueOffset: 8192, extraAttributes: { BitsStored: 12, HighBit: 11, PixelRepresentation: 0 } });
    const cache = new VerbatimFrameCache();
    const decoded = await readFramePixelBytes(instance.bytes, 0, 'test');
    cache.learn(sha(2), instance.bytes, 1, 0, decoded);
    expect(cache.slice(sha(2), instance.bytes, 0)).toBeUndefined();
  });

  it('forgets the oldest blob beyond its size', async () => {
    const instance = makeTestInstance({ studyInstanceUid: newUid(), seriesInstanceUid: newUid() });
    const decoded = await readFramePixelBytes(instance.bytes, 0, 'test');
    const cache = new VerbatimFrameCache(2);
    for (const n of [1, 2, 3]) cache.learn(sha(n), instance.bytes, 1, 0, decoded);
    expect(cache.slice(sha(1), instance.bytes, 0)).toBeUndefined();
    expect(cache.slice(sha(2), instance.bytes, 0)).toBeDefined();
    expect(cache.slice(sha(3), instance.bytes, 0)).toBeDefined();
  });
});

describe('WADO-RS frames through the cache', () => {
  let server: TestServer;
  const study = newUid();
  const series = newUid();
  const clean = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 1, numberOfFrames: 2 });
  const dirty = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 2, valueOffset: 8192, extraAttributes: { BitsStored: 12, HighBit: 11, PixelRepresentation: 0 } });

  beforeAll(async () => {
    server = await startTestServer();
    const { body, contentType } = multipartBody([clean.bytes, dirty.bytes]);
    const response = await fetch(`${server.dicomweb}/studies`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': contentType }, body });
    expect(response.status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
  });

  async function frame(sopInstanceUid: string, frames: string): Promise<Uint8Array[]> {
    const response = await fetch(`${server.dicomweb}/studies/${study}/series/${series}/instances/${sopInstanceUid}/frames/${frames}`, {
      headers: { ...server.authHeaders, accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' },
    });
    expect(response.status).toBe(200);
    return parseMultipartResponse(new Uint8Array(await response.arrayBuffer()), response.headers.get('content-type') ?? '').map((p) => p.bytes);
  }

  it('sends the same bytes the first (decoded) and the second (cached) time', async () => {
    for (const [instance, frames] of [[clean, '2,1'], [dirty, '1']] as const) {
      const first = await frame(instance.sopInstanceUid, frames);
      const second = await frame(instance.sopInstanceUid, frames);
      expect(second.map((b) => Buffer.from(b).toString('hex'))).toEqual(first.map((b) => Buffer.from(b).toString('hex')));
      const frameNumbers = frames.split(',').map(Number);
      for (const [i, n] of frameNumbers.entries()) {
        expect(Buffer.from(second[i]!).equals(Buffer.from(await readFramePixelBytes(instance.bytes, n - 1, 'test')))).toBe(true);
      }
    }
  });
});
