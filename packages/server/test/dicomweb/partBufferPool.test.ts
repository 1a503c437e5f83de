/**
 * PartBufferPool: buffers come back for parts of a similar size only, idle bytes are capped,
 * and a buffer given back twice is pooled once (two parts must never share one buffer).
 */
import { describe, expect, it } from 'vitest';
import { PartBufferPool } from '../../src/dicomweb/PartBufferPool.js';

describe('PartBufferPool', () => {
  it('reuses a released buffer for a part of a similar size and never hands one out twice', () => {
    const pool = new PartBufferPool();
    const a = pool.acquire(525_000);
    expect(a.byteLength).toBeGreaterThanOrEqual(525_000);
    pool.release(a);
    pool.release(a);
    expect(pool.idleBytes).toBe(a.byteLength);
    const b = pool.acquire(524_500);
    expect(b).toBe(a);
    const c = pool.acquire(524_500);
    expect(c).not.toBe(a);
    expect(pool.idleBytes).toBe(0);
  });

  it('does not hand a large buffer to a small part, nor a small one to a large part', () => {
    const pool = new PartBufferPool();
    const big = pool.acquire(4 * 1024 * 1024);
    pool.release(big);
    expect(pool.acquire(1000)).not.toBe(big);
    const small = pool.acquire(100_000);
    pool.release(small);
    expect(pool.acquire(300_000)).not.toBe(small);
  });

  it('keeps at most maxPooledBytes idle and ignores buffers it did not make', () => {
    const pool = new PartBufferPool({ maxPooledBytes: 1024 * 1024 });
    const buffers = Array.from({ length: 4 }, () => pool.acquire(500_000));
    for (const b of buffers) pool.release(b);
    expect(pool.idleBytes).toBeLessThanOrEqual(1024 * 1024);
    pool.release(Buffer.alloc(1000));
    expect(pool.idleBytes).toBeLessThanOrEqual(1024 * 1024);
  });
});
