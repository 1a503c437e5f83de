/**
 * The one part of a WADO-RS frame response (PS3.18 10.4.1.1.3, 8.7.3.3.2: one frame per
 * request, multipart/related, RFC 2046 5.1.1 delimiters) without scanning the pixel bytes:
 * the part's headers are read from the start, its end taken from its Content-Length when
 * given, else from the close delimiter found backwards from the end of the body. A body
 * that is not multipart is the frame itself. Returns the uncompressed frame's bytes and its
 * transfer syntax, or undefined when the part is not application/octet-stream (the caller
 * then leaves the frame to the regular loader).
 */

export interface FramePart {
  readonly pixelData: Uint8Array;
  /** From the part's transfer-syntax parameter; Implicit VR Little Endian when absent (as Cornerstone's wadors loader assumes). */
  readonly transferSyntaxUid: string;
  /** Gives the bytes' buffer back for reuse once they were read for the last time (series parts, PartBufferPool). */
  readonly release?: () => void;
}

const implicitVrLittleEndian = '1.2.840.10008.1.2';
/** Part headers are short; stop looking for their end after this many bytes. */
const maxHeaderBytes = 8192;

function mediaParameter(contentType: string, name: string): string | undefined {
  for (const piece of contentType.split(';').slice(1)) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    if (piece.slice(0, eq).trim().toLowerCase() === name) return piece.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i += 1) text += String.fromCharCode(bytes[i] as number);
  return text;
}

function indexOfBytes(bytes: Uint8Array, token: string, from: number, to: number): number {
  const first = token.charCodeAt(0);
  for (let i = from; i + token.length <= to; i += 1) {
    if (bytes[i] !== first) continue;
    let k = 1;
    while (k < token.length && bytes[i + k] === token.charCodeAt(k)) k += 1;
    if (k === token.length) return i;
  }
  return -1;
}

function lastIndexOfBytes(bytes: Uint8Array, token: string, from: number): number {
  for (let i = bytes.length - token.length; i >= from; i -= 1) {
    let k = 0;
    while (k < token.length && bytes[i + k] === token.charCodeAt(k)) k += 1;
    if (k === token.length) return i;
  }
  return -1;
}

function octetStreamPart(contentType: string, pixelData: Uint8Array): FramePart | undefined {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (mediaType !== 'application/octet-stream') return undefined;
  return { pixelData, transferSyntaxUid: mediaParameter(contentType, 'transfer-syntax') ?? implicitVrLittleEndian };
}

/** `body`: the response bytes; `contentType`: the response's Content-Type header. */
export function extractSingleFramePart(body: Uint8Array, contentType: string): FramePart | undefined {
  if (!/^\s*multipart\//i.test(contentType)) return octetStreamPart(contentType, body);
  const boundary = mediaParameter(contentType, 'boundary');
  if (boundary === undefined || boundary === '') return undefined;
  const start = indexOfBytes(body, `--${boundary}`, 0, Math.min(body.length, maxHeaderBytes));
  if (start < 0) return undefined;
  const headerEnd = indexOfBytes(body, '\r\n\r\n', start, Math.min(body.length, start + maxHeaderBytes));
  if (headerEnd < 0) return undefined;
  const headers = new Map<string, string>();
  for (const line of ascii(body, start, headerEnd).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const dataStart = headerEnd + 4;
  const declared = headers.get('content-length');
  let dataEnd: number;
  if (declared !== undefined && /^\d+$/.test(declared) && dataStart + Number(declared) <= body.length) {
    dataEnd = dataStart + Number(declared);
  } else {
    // The part ends at the CRLF before the next delimiter: a one-part body's close delimiter, near the end.
    const close = lastIndexOfBytes(body, `\r\n--${boundary}`, dataStart);
    if (close < 0) return undefined;
    dataEnd = close;
  }
  return octetStreamPart(headers.get('content-type') ?? 'text/plain', body.subarray(dataStart, dataEnd));
}
