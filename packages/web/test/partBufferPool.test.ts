/**
 * PartBufferPool and the multipart readers using it: a part's buffer given back once its bytes were read is the
 * buffer of a later part of the same size, every part still comes out whole (the reader overwrites all of a reused
 * buffer), with byte streams (BYOB reads into the buffers) and with plain streams alike; views of part of a buffer,
 * detached buffers and buffers beyond the cap are not kept.
 */
import { describe, expect, it } from 'vitest';
import { PartBufferPool } from '../src/dicomweb/PartBufferPool.js';
import { readMultipartStream } from '../src/dicomweb/readMultipartStream.js';
import { byteStreamInChunks, multipartBody, streamInChunks } from './support/multipartBody.js';

const boundary = 'pool-1';
const contentType = `multipart/related; type="application/dicom"; boundary=${boundary}`;
const filled = (length: number, seed: number) => new Uint8Array(length).map((_, i) => (i * 17 + seed) & 0xff);

describe('PartBufferPool', () => {
  it('hands a given-back buffer out again for the same length only', () => {
    const pool = new PartBufferPool(2);
    const a = pool.take(100);
    pool.give(a);
    expect(pool.take(50)).not.toBe(a);
    expect(pool.take(100)).toBe(a);
    expect(pool.size).toBe(0);
  });

  it('keeps no partial views, detached buffers or more than its cap', () => {
    const pool = new PartBufferPool(1);
    pool.give(new Uint8Array(100).subarray(10));
    const detached = new Uint8Array(100);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    pool.give(detached);
    expect(pool.size).toBe(0);
    pool.give(new Uint8Array(10));
    pool.give(new Uint8Array(10));
    expect(pool.size).toBe(1);
  });

  for (const [name, streamOf] of [['byte stream', byteStreamInChunks], ['plain stream', streamInChunks]] as const) {
    it(`reuses the buffers of parts read and given back, every part whole (${name})`, async () => {
      const input = [filled(3000, 1), filled(3000, 2), filled(10, 3), filled(3000, 4), filled(3000, 5)];
      for (const chunk of [1, 100, 5000]) {
        const pool = new PartBufferPool();
        let allocated = 0;
        const seen: string[] = [];
        await readMultipartStream(streamOf(multipartBody(boundary, input), chunk), contentType, (part) => {
          seen.push(Buffer.from(part.body).toString('hex'));
          pool.give(part.body); // read for the last time
        }, (length) => {
          allocated += 1;
          return pool.take(length);
        });
        expect(seen).toEqual(input.map((p) => Buffer.from(p).toString('hex')));
        expect(allocated).toBe(5);
        // Each part was given back before the next began: one buffer per size was ever needed (without reuse, five).
        expect(pool.size).toBe(2);
      }
    });
  }
});
