/**
 * FramePrefetcher: frames are requested in the order given, at most `concurrency` at once,
 * with the wadors: loader's URL and Accept header; each is handed over once; failed or
 * non-octet-stream responses hand over undefined (the regular loader then fetches them);
 * cancel() settles everything still pending.
 */
import { describe, expect, it } from 'vitest';
import { FramePrefetcher, frameAcceptHeader } from '../src/viewer/FramePrefetcher.js';

const octet = (bytes: number[]) => new Response(new Uint8Array(bytes), { headers: { 'content-type': 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1' } });

describe('FramePrefetcher', () => {
  it('fetches in order, a few at a time, and hands each frame over once', async () => {
    const requested: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const prefetcher = new FramePrefetcher({
      concurrency: 2,
      fetch: async (input, init) => {
        requested.push(String(input));
        expect(new Headers(init?.headers).get('accept')).toBe(frameAcceptHeader);
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return String(input).endsWith('/3') ? new Response('nope', { status: 500 }) : octet([Number(String(input).slice(-1))]);
      },
    });
    const ids = ['wadors:/f/2', 'wadors:/f/1', 'wadors:/f/3', 'wadors:/f/4'];
    prefetcher.prefetch(ids);
    prefetcher.prefetch(['wadors:/f/1']); // already queued: not fetched twice
    const parts = await Promise.all(ids.map((id) => prefetcher.take(id)));
    expect(requested).toEqual(['/f/2', '/f/1', '/f/3', '/f/4']);
    expect(maxInFlight).toBe(2);
    expect(parts.map((p) => (p === undefined ? undefined : [...p.pixelData]))).toEqual([[2], [1], undefined, [4]]);
    expect(parts[0]?.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(prefetcher.take('wadors:/f/2')).toBeUndefined(); // handed over once
    expect(prefetcher.take('wadors:/never-queued')).toBeUndefined();
  });

  it('settles pending frames with undefined when cancelled', async () => {
    const prefetcher = new FramePrefetcher({ concurrency: 1, fetch: () => new Promise<Response>(() => undefined) });
    prefetcher.prefetch(['wadors:/a', 'wadors:/b']);
    const pending = [prefetcher.take('wadors:/a'), prefetcher.take('wadors:/b')];
    prefetcher.cancel();
    expect(await Promise.all(pending)).toEqual([undefined, undefined]);
  });
});

describe('FramePrefetcher.prefetchSeries', () => {
  const base = 'wadors:http://h/dicomweb/studies/1/series/2';
  const ids = [`${base}/instances/3/frames/1`, `${base}/instances/4/frames/1`, `${base}/instances/4/frames/2`, `${base}/instances/5/frames/1`];

  it('asks for each series once and hands over the frames it delivers; the rest go to the regular loader', async () => {
    const asked: string[] = [];
    const prefetcher = new FramePrefetcher({
      readSeries: async (url, _signal, onInstance) => {
        asked.push(url);
        onInstance({ sopInstanceUid: '4', transferSyntaxUid: '1.2.840.10008.1.2.1', frames: [new Uint8Array([41]), new Uint8Array([42])] });
        onInstance({ sopInstanceUid: '3', transferSyntaxUid: '1.2.840.10008.1.2', frames: [new Uint8Array([31])] });
        onInstance({ sopInstanceUid: '9', transferSyntaxUid: '1.2.840.10008.1.2.1', frames: [new Uint8Array([91])] }); // not asked for
      },
    });
    prefetcher.prefetchSeries(ids);
    const parts = await Promise.all(ids.map((id) => prefetcher.take(id)));
    expect(asked).toEqual(['http://h/dicomweb/studies/1/series/2']);
    expect(parts.map((p) => (p === undefined ? undefined : [...p.pixelData]))).toEqual([[31], [41], [42], undefined]);
    expect(parts[0]?.transferSyntaxUid).toBe('1.2.840.10008.1.2');
  });

  it('leaves every frame to the regular loader when the series request fails midway', async () => {
    const prefetcher = new FramePrefetcher({
      readSeries: async (_url, _signal, onInstance) => {
        onInstance({ sopInstanceUid: '3', transferSyntaxUid: '1.2.840.10008.1.2.1', frames: [new Uint8Array([31])] });
        throw new Error('connection reset');
      },
    });
    prefetcher.prefetchSeries(ids);
    const parts = await Promise.all(ids.map((id) => prefetcher.take(id)));
    expect(parts.map((p) => (p === undefined ? undefined : [...p.pixelData]))).toEqual([[31], undefined, undefined, undefined]);
  });
});
