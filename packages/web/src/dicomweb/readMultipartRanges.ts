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
import { BodyReader } from './BodyReader.js';
import { boundaryOf, concatBytes, indexOfBytes, feedMultipart, MultipartReader, readMultipartStream, type MultipartPart } from './readMultipartStream.js';

/** Reads while looking for a range's first delimiter (BYOB: at most this much at once; a part's tail can be ~0.5 MB). */
const prefixReadBytes = 64 * 1024;

export interface MultipartRangesOptions {
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
  /** Concurrent ranges at most (1: one stream). */
  readonly streams: number;
  /** No range shorter than this: a small body is read as one stream. */
  readonly minRangeBytes: number;
  /** Where each part's buffer comes from (a PartBufferPool); new arrays by default. */
  readonly allocate?: (length: number) => Uint8Array;
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
  allocate: ((length: number) => Uint8Array) | undefined,
): Promise<RangeResult> {
  const parts = new MultipartReader(boundary, onPart, allocate);
  const token = new TextEncoder().encode(`\r\n--${boundary}`);
  const reader = new BodyReader(body);
  let prefix: Uint8Array = new Uint8Array(0);
  let found = atPartStart;
  let received = 0;
  try {
    // A range that starts inside a part: its bytes up to the first delimiter are kept aside (the tail of that part).
    // The pieces are joined once (joining at every read copied the tail again and again: a part's tail is ~0.5 MB).
    const pieces: Uint8Array[] = [];
    let tail: Uint8Array = new Uint8Array(0);
    while (!found && received < lengthBytes) {
      const value = await reader.read(Math.min(lengthBytes - received, prefixReadBytes));
      if (value === undefined) throw new Error(`byte range ended after ${received} of ${lengthBytes} bytes`);
      const chunk = value.length > lengthBytes - received ? value.subarray(0, lengthBytes - received) : value;
      received += chunk.length;
      // The delimiter may straddle the previous piece and this one: search this piece with the last token-length − 1 bytes before it.
      const window = concatBytes(tail, chunk);
      const at = indexOfBytes(window, token, 0, window.length);
      if (at < 0) {
        pieces.push(chunk);
        tail = window.slice(Math.max(0, window.length - token.length + 1));
        continue;
      }
      found = true;
      const atInChunk = at - tail.length; // negative: the delimiter began in earlier pieces
      const whole = joinPieces(pieces);
      prefix = atInChunk >= 0 ? concatBytes(whole, chunk.subarray(0, atInChunk)) : whole.slice(0, whole.length + atInChunk);
      parts.push(window.subarray(at));
    }
    if (!found) prefix = joinPieces(pieces); // no delimiter at all: the whole range is the middle of one part
    // Then every part straight into its buffer where the body is a byte stream (BodyReader).
    if (found && received < lengthBytes) received += await feedMultipart(reader, parts, lengthBytes - received);
  } finally {
    if (received >= lengthBytes || parts.done) await reader.cancel().catch(() => undefined);
    else reader.releaseLock();
  }
  return { prefix, foundDelimiter: found, leftover: found ? parts.leftover() : new Uint8Array(0), closed: parts.done };
}

function joinPieces(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
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
      await readMultipartStream(first.body, contentType, onPart, options.allocate);
      return { ranges: 1 };
    }
    const boundary = boundaryOf(contentType);
    const cuts = Array.from({ length: streams + 1 }, (_, k) => Math.round((totalBytes * k) / streams));
    const reads: Promise<RangeResult>[] = [readRange(first.body, cuts[1] as number, boundary, true, onPart, options.allocate)];
    for (let k = 1; k < streams; k += 1) {
      const from = cuts[k] as number;
      const to = (cuts[k + 1] as number) - 1;
      reads.push(
        fetchFn(url, { headers: { ...options.headers, range: `bytes=${from}-${to}`, 'if-range': etag }, cache: 'no-store', signal: controller.signal }).then((response) => {
          if (response.status !== 206 || response.body === null) throw new Error(`range ${from}-${to} of ${url} answered ${response.status}`);
          if (response.headers.get('content-range') !== `bytes ${from}-${to}/${totalBytes}` || response.headers.get('content-type') !== contentType) {
            throw new Error(`range ${from}-${to} of ${url} came back as another body`);
          }
          return readRange(response.body, to - from + 1, boundary, false, onPart, options.allocate);
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
