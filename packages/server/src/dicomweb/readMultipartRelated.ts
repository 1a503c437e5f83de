/**
 * Streams the parts of a multipart/related body (RFC 2387, RFC 2046 5.1) one at a time,
 * as STOW-RS needs (PS3.18 10.5.1.2): only the part being read is held in memory.
 * RFC 2046 allows a preamble before the first boundary; dicomweb-client sends a CRLF
 * there, which @remix-run/multipart-parser refuses, so the preamble is skipped here
 * before the bytes reach the parser. Limits: whole body, one part, number of parts.
 * A part spread over several chunks is copied into one buffer, from `pool` when given (the
 * caller then calls `release()` once nothing uses the part's bytes any more; see PartBufferPool).
 */
import {
  MultipartParser,
  MultipartParseError,
  MaxFileSizeExceededError,
  MaxPartsExceededError,
  MaxHeaderSizeExceededError,
} from '@remix-run/multipart-parser';
import { VertebraError } from '@vertebra/errors';
import type { PartBufferPool } from './PartBufferPool.js';

export interface MultipartRelatedPart {
  /** 1-based position in the body. */
  readonly index: number;
  /** Lower-case media type of the part's Content-Type, '' when the part has none. */
  readonly mediaType: string;
  readonly bytes: Uint8Array;
  /** Returns the part's buffer to the pool: call once, after the last use of `bytes` (a no-op without a pool). */
  readonly release: () => void;
}

export interface ReadMultipartRelatedOptions {
  readonly body: AsyncIterable<Uint8Array>;
  readonly boundary: string;
  readonly maxRequestBytes: number;
  readonly maxPartBytes: number;
  readonly maxParts: number;
  /** Where multi-chunk parts are joined; without one each part gets a fresh buffer. */
  readonly pool?: PartBufferPool;
}

/** The longest preamble accepted before the first boundary. */
const maxPreambleBytes = 64 * 1024;

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(
    Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength),
  );
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const noRelease = (): void => undefined;

function joinChunks(chunks: readonly Uint8Array[], pool: PartBufferPool | undefined): { bytes: Uint8Array; release: () => void } {
  if (chunks.length === 1) return { bytes: chunks[0] as Uint8Array, release: noRelease };
  let size = 0;
  for (const c of chunks) size += c.length;
  if (size === 0) return { bytes: new Uint8Array(0), release: noRelease };
  // Every byte up to `size` is overwritten below: no zero fill.
  const buffer = pool ? pool.acquire(size) : Buffer.allocUnsafe(size);
  let offset = 0;
  for (const c of chunks) {
    buffer.set(c, offset);
    offset += c.length;
  }
  if (!pool) return { bytes: buffer, release: noRelease };
  let released = false;
  return {
    bytes: buffer.subarray(0, size),
    release: () => {
      if (released) return;
      released = true;
      pool.release(buffer);
    },
  };
}

function tooLarge(limitBytes: number): VertebraError {
  return new VertebraError('REQUEST_BODY_TOO_LARGE', `the request body is larger than the limit of ${limitBytes} bytes (maxRequestBytes)`, {
    subject: 'STOW-RS request',
    details: { limitBytes },
  });
}

export async function* readMultipartRelated(options: ReadMultipartRelatedOptions): AsyncGenerator<MultipartRelatedPart, void, undefined> {
  const { boundary, maxRequestBytes, maxPartBytes, maxParts } = options;
  const parser = new MultipartParser(boundary, {
    maxFileSize: maxPartBytes,
    // +1 so that our own check names the limit first; the parser counts parts as they end.
    maxParts: maxParts + 1,
    maxTotalSize: Number.MAX_SAFE_INTEGER,
    maxHeaderSize: 16 * 1024,
  });
  const opening = new TextEncoder().encode(`--${boundary}`);
  let pending: Uint8Array | null = new Uint8Array(0); // non-null while still looking for the first boundary
  let receivedBytes = 0;
  let partIndex = 0;
  let ended = false; // the closing boundary was seen: the rest is the epilogue (RFC 2046 5.1.1)

  const emit = function* (chunk: Uint8Array): Generator<MultipartRelatedPart> {
    if (ended) return;
    try {
      for (const part of parser.write(chunk)) {
        partIndex += 1;
        if (partIndex > maxParts) {
          throw new VertebraError('REQUEST_BODY_TOO_LARGE', `the request has more than ${maxParts} parts (maxInstancesPerRequest)`, {
            subject: 'STOW-RS request',
            details: { limitInstances: maxParts },
          });
        }
        const contentType = part.headers['content-type'] ?? '';
        const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
        const { bytes, release } = joinChunks(part.content, options.pool);
        yield { index: partIndex, mediaType, bytes, release };
      }
    } catch (error) {
      if (error instanceof MultipartParseError && /after end of stream/i.test(error.message)) {
        ended = true;
        return;
      }
      throw mapParserError(error, partIndex + 1, { maxPartBytes, maxParts });
    }
  };

  for await (const raw of options.body) {
    const chunk = raw instanceof Uint8Array ? raw : new Uint8Array(raw as ArrayBuffer);
    receivedBytes += chunk.length;
    if (receivedBytes > maxRequestBytes) throw tooLarge(maxRequestBytes);
    if (chunk.length === 0) continue;
    if (pending !== null) {
      const buffered: Uint8Array = pending.length === 0 ? chunk : concat(pending, chunk);
      const at = indexOfBytes(buffered, opening);
      if (at < 0) {
        if (buffered.length > maxPreambleBytes + opening.length) {
          throw new VertebraError('REQUEST_MALFORMED_MULTIPART', `no boundary "--${boundary}" within the first ${maxPreambleBytes} bytes`, {
            subject: 'STOW-RS request',
          });
        }
        pending = buffered;
        continue;
      }
      pending = null;
      yield* emit(buffered.subarray(at));
      continue;
    }
    yield* emit(chunk);
  }
  if (pending !== null) {
    throw new VertebraError('REQUEST_MALFORMED_MULTIPART', `the body has no boundary "--${boundary}"`, { subject: 'STOW-RS request' });
  }
  try {
    parser.finish();
  } catch (error) {
    throw mapParserError(error, partIndex + 1, { maxPartBytes, maxParts });
  }
}

function mapParserError(error: unknown, partNumber: number, limits: { maxPartBytes: number; maxParts: number }): unknown {
  if (error instanceof VertebraError) return error;
  if (error instanceof MaxFileSizeExceededError) {
    return new VertebraError('REQUEST_BODY_TOO_LARGE', `the part is larger than the limit of ${limits.maxPartBytes} bytes (maxPartBytes)`, {
      subject: `part ${partNumber} of the STOW-RS request`,
      details: { limitBytes: limits.maxPartBytes },
    });
  }
  if (error instanceof MaxPartsExceededError) {
    return new VertebraError('REQUEST_BODY_TOO_LARGE', `the request has more than ${limits.maxParts} parts (maxInstancesPerRequest)`, {
      subject: 'STOW-RS request',
    });
  }
  if (error instanceof MaxHeaderSizeExceededError) {
    return new VertebraError('REQUEST_MALFORMED_MULTIPART', 'the part headers are larger than 16 KiB', {
      subject: `part ${partNumber} of the STOW-RS request`,
    });
  }
  if (error instanceof MultipartParseError) {
    const reason = /not finished/i.test(error.message) ? 'the body ends before the closing boundary' : error.message;
    return new VertebraError('REQUEST_MALFORMED_MULTIPART', reason, { subject: `part ${partNumber} of the STOW-RS request` });
  }
  return error;
}
