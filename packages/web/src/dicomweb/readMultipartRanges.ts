/**
 * Reads one multipart/related GET response (RFC 2387) as several concurrent byte ranges
 * (RFC 9110 14) when the server offers them, handing over each part as soon as it is complete.
 * In headless Chromium one response of a loopback download tops out at ~160–260 MB/s, while two
 * at once get ~2× the bytes through (bench/viewer/runSeriesDownloadBench, 2026-11-26), so a
 * 158 MB series comes in faster as a few ranges than as one stream.
 *
 * The first request asks for `bytes=0-`: a server without ranges answers 200 and that one stream
 * is read as before (readMultipartStream); a 206 with a strong ETag gives the total length, the
 * body is cut into `streams` ranges, the first response is read up to the first cut and then
 * cancelled, and the others are requested with If-Range (RFC 9110 13.1.5), so a body that changed
 * meanwhile comes back 200 and is refused rather than mixed. Each range after the first starts
 * inside some part: its bytes up to its first delimiter are the tail of the part the range before
 * it ended in, and the two pieces are joined and parsed once both ranges are read. Requests
 * bypass the HTTP cache (`no-store`): nothing of a study is written to the browser's disk cache.
 */
import { boundaryOf, concatBytes, indexOfBytes, MultipartReader, readMultipartStream, type MultipartPart } from './readMultipartStream.js';

export interface MultipartRangesOptions {
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
  /** Concurrent ranges at most (1: one stream). */
  readonly streams: number;
  /** No range shorter than this: a small body is read as one stream. */
  readonly minRangeBytes: number;
}

/** What one range gave: its bytes before its first delimiter (all of them when it has none), and what its last part left unfinished. */
interface RangeResult {
  readonly prefix: Uint8Array;
  readonly foundDelimiter: boolean;
  readonly leftover: Uint8Array;
  readonly closed: boolean;
}

/** How many bytes a reader handed over, and whether it had to be cut short. */
async function readRange(
  body: ReadableStream<Uint8Array>,
  lengthBytes: number,
  boundary: string,
  atPartStart: boolean,
  onPart: (part: MultipartPart) => void,
): Promise<RangeResult> {
  const parts = new MultipartReader(boundary, onPart);
  const token = new TextEncoder().encode(`\r\n--${boundary}`);
  const reader = body.getReader();
  let prefix: Uint8Array = new Uint8Array(0);
  let found = atPartStart;
  let received = 0;
  try {
    while (received < lengthBytes) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`byte range ended after ${received} of ${lengthBytes} bytes`);
      const chunk = value.length > lengthBytes - received ? value.subarray(0, lengthBytes - received) : value;
      received += chunk.length;
      if (found) {
        parts.push(chunk);
        continue;
      }
      const from = Math.max(0, prefix.length - token.length + 1);
      prefix = concatBytes(prefix, chunk);
      const at = indexOfBytes(prefix, token, from, prefix.length);
      if (at < 0) continue;
      found = true;
      parts.push(prefix.subarray(at));
      prefix = prefix.slice(0, at);
    }
  } finally {
    if (received >= lengthBytes) await reader.cancel().catch(() => undefined);
    else reader.releaseLock();
  }
  return { prefix, foundDelimiter: found, leftover: found ? parts.leftover() : new Uint8Array(0), closed: parts.done };
}

export async function readMultipartRanges(url: string, options: MultipartRangesOptions, onPart: (part: MultipartPart) => void): Promise<{ readonly ranges: number }> {
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const controller = new AbortController();
  const outer = options.signal;
  const onAbort = (): void => controller.abort();
  if (outer?.aborted) controller.abort();
  outer?.addEventListener('abort', onAbort);
  try {
    const first = await fetchFn(url, { headers: { ...options.headers, range: 'bytes=0-' }, cache: 'no-store', signal: controller.signal });
    if (!first.ok || first.body === null) throw new Error(`${url} answered ${first.status}`);
    const contentType = first.headers.get('content-type') ?? '';
    const total = /^bytes 0-(\d+)\/(\d+)$/.exec(first.headers.get('content-range') ?? '');
    const etag = first.headers.get('etag') ?? '';
    const totalBytes = total === null ? 0 : Number(total[2]);
    const streams = Math.max(1, Math.min(options.streams, Math.floor(totalBytes / Math.max(1, options.minRangeBytes))));
    // 200 (no ranges), an open range that is not the whole body, no strong validator, or a small body: one stream.
    if (first.status !== 206 || total === null || Number(total[1]) !== totalBytes - 1 || !/^"/.test(etag) || streams < 2) {
      await readMultipartStream(first.body, contentType, onPart);
      return { ranges: 1 };
    }
    const boundary = boundaryOf(contentType);
    const cuts = Array.from({ length: streams + 1 }, (_, k) => Math.round((totalBytes * k) / streams));
    const reads: Promise<RangeResult>[] = [readRange(first.body, cuts[1] as number, boundary, true, onPart)];
    for (let k = 1; k < streams; k += 1) {
      const from = cuts[k] as number;
      const to = (cuts[k + 1] as number) - 1;
      reads.push(
        fetchFn(url, { headers: { ...options.headers, range: `bytes=${from}-${to}`, 'if-range': etag }, cache: 'no-store', signal: controller.signal }).then((response) => {
          if (response.status !== 206 || response.body === null) throw new Error(`range ${from}-${to} of ${url} answered ${response.status}`);
          if (response.headers.get('content-range') !== `bytes ${from}-${to}/${totalBytes}` || response.headers.get('content-type') !== contentType) {
            throw new Error(`range ${from}-${to} of ${url} came back as another body`);
          }
          return readRange(response.body, to - from + 1, boundary, false, onPart);
        }),
      );
    }
    const results = await Promise.all(reads.map((read) => read.catch((error: unknown) => {
      controller.abort();
      throw error;
    })));
    // The parts cut by a range boundary: the unfinished end of one range and the head of the next (or of several, for a part longer than a range).
    let carry: Uint8Array = new Uint8Array(0);
    for (const result of results) {
      carry = concatBytes(carry, result.prefix);
      if (!result.foundDelimiter) continue;
      if (carry.length > 0) {
        const joined = new MultipartReader(boundary, onPart);
        joined.push(carry);
        if (!joined.push(new TextEncoder().encode(`\r\n--${boundary}--`))) throw new Error('a part cut between two byte ranges did not join up');
      }
      carry = result.leftover;
    }
    if (!results.at(-1)?.closed || carry.length > 0) throw new Error('multipart response ended before its close delimiter');
    return { ranges: streams };
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
}
