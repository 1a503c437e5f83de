/**
 * Writes a multipart/related response body (RFC 2387; PS3.18 8.7.3.2) as a stream: one
 * part is produced at a time, so a study is never held in memory whole. The body starts
 * with the first boundary (no preamble) and ends with the closing delimiter.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

export interface OutgoingPart {
  /** Content-Type of the part, with parameters (e.g. `application/dicom; transfer-syntax=…`). */
  readonly contentType: string;
  readonly bytes: Uint8Array;
  readonly contentLocation?: string;
}

export function newBoundary(): string {
  return `vertebra-${randomUUID()}`;
}

export function multipartRelatedStream(boundary: string, parts: AsyncIterable<OutgoingPart>): Readable {
  async function* body(): AsyncGenerator<Buffer> {
    for await (const part of parts) {
      const location = part.contentLocation ? `Content-Location: ${part.contentLocation}\r\n` : '';
      yield Buffer.from(`--${boundary}\r\nContent-Type: ${part.contentType}\r\n${location}Content-Length: ${part.bytes.length}\r\n\r\n`, 'latin1');
      yield Buffer.from(part.bytes.buffer, part.bytes.byteOffset, part.bytes.byteLength);
      yield Buffer.from('\r\n', 'latin1');
    }
    yield Buffer.from(`--${boundary}--\r\n`, 'latin1');
  }
  return Readable.from(body(), { objectMode: false });
}
