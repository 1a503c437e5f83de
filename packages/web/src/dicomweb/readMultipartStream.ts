/**
 * Reads a multipart/related response body (RFC 2387, RFC 2046 5.1.1; PS3.18 8.7.3.2) as it
 * streams in and hands over each part as soon as it is complete. Parts are cut by their
 * Content-Length header, which this server sends on every part, so the bytes of a part are
 * never scanned; a part without Content-Length is an error (the caller falls back).
 */

export interface MultipartPart {
  /** Header names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Uint8Array;
}

/** Part headers are short; a longer header block is taken as a broken body. */
const maxHeaderBytes = 16384;

function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=("([^"]+)"|[^;\s]+)/i.exec(contentType);
  const boundary = match?.[2] ?? match?.[1];
  if (boundary === undefined || boundary === '') throw new Error('multipart response without a boundary');
  return boundary;
}

function indexOf(bytes: Uint8Array, token: Uint8Array, from: number, to: number): number {
  const end = Math.min(to, bytes.length) - token.length;
  for (let i = from; i <= end; i += 1) {
    if (bytes[i] !== token[0]) continue;
    let k = 1;
    while (k < token.length && bytes[i + k] === token[k]) k += 1;
    if (k === token.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export async function readMultipartStream(stream: ReadableStream<Uint8Array>, contentType: string, onPart: (part: MultipartPart) => void): Promise<void> {
  const encoder = new TextEncoder();
  const delimiter = encoder.encode(`--${boundaryOf(contentType)}`);
  const headerEnd = encoder.encode('\r\n\r\n');
  const reader = stream.getReader();
  let pending: Uint8Array = new Uint8Array(0);
  let part: { headers: Map<string, string>; body: Uint8Array; filled: number } | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error('multipart response ended before its close delimiter');
      let chunk: Uint8Array = value;
      for (;;) {
        if (part !== undefined) {
          const n = Math.min(chunk.length, part.body.length - part.filled);
          part.body.set(chunk.subarray(0, n), part.filled);
          part.filled += n;
          chunk = chunk.subarray(n);
          if (part.filled < part.body.length) break;
          onPart({ headers: part.headers, body: part.body });
          part = undefined;
        }
        pending = concat(pending, chunk);
        chunk = new Uint8Array(0);
        const at = indexOf(pending, delimiter, 0, maxHeaderBytes);
        if (at < 0) {
          if (pending.length > maxHeaderBytes) throw new Error('multipart delimiter not found');
          break;
        }
        const after = at + delimiter.length;
        if (pending.length < after + 2) break;
        if (pending[after] === 0x2d && pending[after + 1] === 0x2d) return; // close delimiter
        const end = indexOf(pending, headerEnd, after, after + maxHeaderBytes);
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
        part = { headers, body: new Uint8Array(Number(length)), filled: 0 };
        chunk = pending.subarray(end + headerEnd.length);
        pending = new Uint8Array(0);
        if (chunk.length === 0 && part.body.length > 0) break;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
