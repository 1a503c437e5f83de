/**
 * Reads a multipart/related response body (RFC 2387, RFC 2046 5.1.1; PS3.18 8.7.3.2) as it
 * streams in and hands over each part as soon as it is complete. Parts are cut by their
 * Content-Length header, which this server sends on every part, so the bytes of a part are
 * never scanned; a part without Content-Length is an error (the caller falls back).
 * MultipartReader is the same reader fed chunk by chunk, which also gives back the bytes of an
 * unfinished part (readMultipartRanges joins a part cut between two byte ranges from them), or
 * written into directly: where the body is a byte stream (BodyReader, a BYOB reader) each part's
 * bytes are read straight into that part's buffer (bodyTarget / filled), with no chunk in between.
 */
import { BodyReader } from './BodyReader.js';

export interface MultipartPart {
  /** Header names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Uint8Array;
}

/** Part headers are short; a longer header block is taken as a broken body. */
const maxHeaderBytes = 16384;

export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=("([^"]+)"|[^;\s]+)/i.exec(contentType);
  const boundary = match?.[2] ?? match?.[1];
  if (boundary === undefined || boundary === '') throw new Error('multipart response without a boundary');
  return boundary;
}

export function indexOfBytes(bytes: Uint8Array, token: Uint8Array, from: number, to: number): number {
  const end = Math.min(to, bytes.length) - token.length;
  const first = token[0];
  for (let i = Math.max(0, from); i <= end; i += 1) {
    if (bytes[i] !== first) continue;
    let k = 1;
    while (k < token.length && bytes[i + k] === token[k]) k += 1;
    if (k === token.length) return i;
  }
  return -1;
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const empty = new Uint8Array(0);

export class MultipartReader {
  private readonly delimiter: Uint8Array;
  private readonly headerEnd = new TextEncoder().encode('\r\n\r\n');
  private pending: Uint8Array = empty;
  /** The part being filled; `raw` is its delimiter and header block as received. */
  /** `length`: the body's size (kept apart: a BYOB read detaches `body`'s buffer until `filled` takes the new one). */
  private part: { headers: Map<string, string>; raw: Uint8Array; body: Uint8Array; length: number; filled: number } | undefined;
  private closed = false;

  /** `allocate`: where each part's buffer comes from (a PartBufferPool); a new array by default. */
  constructor(
    boundary: string,
    private readonly onPart: (part: MultipartPart) => void,
    private readonly allocate: (length: number) => Uint8Array = (length) => new Uint8Array(length),
  ) {
    this.delimiter = new TextEncoder().encode(`--${boundary}`);
  }

  /** True once the close delimiter was read (bytes after it are ignored). */
  get done(): boolean {
    return this.closed;
  }

  /** The bytes read after the last complete part: an unfinished part (delimiter, headers, body so far) or a cut delimiter. */
  leftover(): Uint8Array {
    if (this.part === undefined) return this.pending;
    return concatBytes(concatBytes(this.part.raw, this.part.body.subarray(0, this.part.filled)), this.pending);
  }

  /**
   * The unfilled rest of the part being read, for a reader to write its next bytes into (then `filled`);
   * undefined between parts (delimiter and headers come through `push`).
   */
  bodyTarget(): Uint8Array | undefined {
    const part = this.part;
    return part === undefined || part.filled >= part.length ? undefined : part.body.subarray(part.filled);
  }

  /**
   * Takes bytes written into the start of the last bodyTarget(): `written` is that view as the reader gave it back,
   * possibly on a new ArrayBuffer (a BYOB read transfers the buffer it writes into), which becomes the part's buffer.
   * Hands the part over when it is complete; returns `done`.
   */
  filled(written: Uint8Array): boolean {
    const part = this.part;
    if (part === undefined || written.byteOffset !== part.filled || written.byteLength > part.length - part.filled) throw new Error('bytes written outside the part being read');
    if (written.buffer !== part.body.buffer) {
      if (written.buffer.byteLength !== part.length) throw new Error('bytes written outside the part being read');
      part.body = new Uint8Array(written.buffer as ArrayBuffer, 0, part.length);
    }
    part.filled += written.byteLength;
    if (part.filled === part.length) {
      this.part = undefined;
      this.onPart({ headers: part.headers, body: part.body });
    }
    return this.closed;
  }

  /** Feeds the next bytes of the body; returns `done`. */
  push(value: Uint8Array): boolean {
    let chunk = value;
    while (!this.closed) {
      const part = this.part;
      if (part !== undefined) {
        const n = Math.min(chunk.length, part.body.length - part.filled);
        part.body.set(chunk.subarray(0, n), part.filled);
        part.filled += n;
        chunk = chunk.subarray(n);
        if (part.filled < part.body.length) break;
        this.part = undefined;
        this.onPart({ headers: part.headers, body: part.body });
      }
      const pending = concatBytes(this.pending, chunk);
      this.pending = pending;
      chunk = empty;
      const at = indexOfBytes(pending, this.delimiter, 0, maxHeaderBytes);
      if (at < 0) {
        if (pending.length > maxHeaderBytes) throw new Error('multipart delimiter not found');
        break;
      }
      const after = at + this.delimiter.length;
      if (pending.length < after + 2) break;
      if (pending[after] === 0x2d && pending[after + 1] === 0x2d) {
        this.closed = true; // close delimiter
        this.pending = empty;
        break;
      }
      const end = indexOfBytes(pending, this.headerEnd, after, after + maxHeaderBytes);
      if (end < 0) {
        if (pending.length > after + maxHeaderBytes) throw new Error('multipart part headers too long');
        break;
      }
      const headers = new Map<string, string>();
      for (const line of new TextDecoder('latin1').decode(pending.subarray(after, end)).split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const length = headers.get('content-length');
      if (length === undefined || !/^\d+$/.test(length)) throw new Error('multipart part without Content-Length');
      const bodyStart = end + this.headerEnd.length;
      this.part = { headers, raw: pending.slice(at, bodyStart), body: this.allocate(Number(length)), length: Number(length), filled: 0 };
      chunk = pending.subarray(bodyStart);
      this.pending = empty;
      if (chunk.length === 0 && this.part.body.length > 0) break;
    }
    return this.closed;
  }
}

/**
 * Reads `lengthBytes` of a body (all of it: Infinity) into `parts`, each part's bytes straight into its buffer where
 * the reader can (BodyReader.direct); stops early at the close delimiter. Returns the bytes read; rejects when the body
 * ends first (unless `lengthBytes` is Infinity and the close delimiter came).
 */
export async function feedMultipart(reader: BodyReader, parts: MultipartReader, lengthBytes: number): Promise<number> {
  let received = 0;
  while (received < lengthBytes && !parts.done) {
    const target = reader.direct ? parts.bodyTarget() : undefined;
    const value = await reader.read(lengthBytes - received, target);
    if (value === undefined) {
      if (lengthBytes === Infinity) throw new Error('multipart response ended before its close delimiter');
      throw new Error(`byte range ended after ${received} of ${lengthBytes} bytes`);
    }
    const chunk = value.length > lengthBytes - received ? value.subarray(0, lengthBytes - received) : value;
    received += chunk.length;
    if (target !== undefined) parts.filled(chunk);
    else parts.push(chunk);
  }
  return received;
}

export async function readMultipartStream(stream: ReadableStream<Uint8Array>, contentType: string, onPart: (part: MultipartPart) => void, allocate?: (length: number) => Uint8Array): Promise<void> {
  const parts = new MultipartReader(boundaryOf(contentType), onPart, allocate);
  const reader = new BodyReader(stream);
  try {
    await feedMultipart(reader, parts, Infinity);
  } finally {
    reader.releaseLock();
  }
}
