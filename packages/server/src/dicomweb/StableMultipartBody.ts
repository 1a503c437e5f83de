/**
 * A multipart/related body (RFC 2387; PS3.18 8.7.3.2) of stored instances sent as stored,
 * laid out before a byte is read: a boundary derived from the instances (so the same request
 * gives the same bytes), every part's offset, the total length, and a strong entity tag (RFC 9110
 * 8.8.3). That lets Retrieve responses carry Content-Length and serve byte ranges (RFC 9110 14)
 * from the stored files, reading only the instances a range touches: a client may fetch one
 * series as several concurrent ranges. The bytes are those multipartRelatedStream writes for the
 * same parts and boundary.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export interface StablePart<R> {
  /** Content-Type of the part, with parameters. */
  readonly contentType: string;
  readonly contentLocation?: string;
  /** Length of the stored bytes `read` returns. */
  readonly sizeBytes: number;
  /** Identifies the stored bytes (e.g. their SHA-256): part of the boundary and the entity tag. */
  readonly contentId: string;
  readonly source: R;
}

type Segment<R> = { readonly offset: number; readonly bytes: Buffer } | { readonly offset: number; readonly part: StablePart<R> };

export interface StableMultipartBody<R> {
  readonly boundary: string;
  /** Strong entity tag, quoted. */
  readonly etag: string;
  readonly lengthBytes: number;
  /** The bytes from `first` to `last` inclusive (default: all), reading stored parts with `read`. */
  stream(read: (source: R) => Promise<Uint8Array>, first?: number, last?: number): Readable;
}

function segmentLength<R>(segment: Segment<R>): number {
  return 'bytes' in segment ? segment.bytes.length : segment.part.sizeBytes;
}

export function planStableMultipartBody<R>(parts: readonly StablePart<R>[]): StableMultipartBody<R> {
  const ids = createHash('sha256');
  for (const part of parts) ids.update(`${part.contentId}\n`);
  const boundary = `vertebra-${ids.digest('hex').slice(0, 40)}`;
  const tag = createHash('sha256').update(boundary);
  const segments: Segment<R>[] = [];
  let offset = 0;
  const text = (s: string): void => {
    const bytes = Buffer.from(s, 'latin1');
    segments.push({ offset, bytes });
    tag.update(bytes);
    offset += bytes.length;
  };
  for (const part of parts) {
    const location = part.contentLocation ? `Content-Location: ${part.contentLocation}\r\n` : '';
    text(`--${boundary}\r\nContent-Type: ${part.contentType}\r\n${location}Content-Length: ${part.sizeBytes}\r\n\r\n`);
    segments.push({ offset, part });
    offset += part.sizeBytes;
    text('\r\n');
  }
  text(`--${boundary}--\r\n`);
  const lengthBytes = offset;
  const etag = `"${tag.digest('hex').slice(0, 32)}"`;

  function stream(read: (source: R) => Promise<Uint8Array>, first = 0, last = lengthBytes - 1): Readable {
    async function* body(): AsyncGenerator<Buffer> {
      // First segment that ends after `first`.
      let lo = 0;
      let hi = segments.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const s = segments[mid] as Segment<R>;
        if (s.offset + segmentLength(s) <= first) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < segments.length; i += 1) {
        const segment = segments[i] as Segment<R>;
        if (segment.offset > last) return;
        const from = Math.max(0, first - segment.offset);
        const to = Math.min(segmentLength(segment), last + 1 - segment.offset);
        if (to <= from) continue;
        if ('bytes' in segment) {
          yield segment.bytes.subarray(from, to);
          continue;
        }
        const stored = await read(segment.part.source);
        if (stored.length !== segment.part.sizeBytes) {
          // Past the headers: the response can only be cut short, which the client sees.
          throw new Error(`stored instance is ${stored.length} bytes, its index says ${segment.part.sizeBytes}`);
        }
        yield Buffer.from(stored.buffer, stored.byteOffset + from, to - from);
      }
    }
    return Readable.from(body(), { objectMode: false });
  }
  return { boundary, etag, lengthBytes, stream };
}
