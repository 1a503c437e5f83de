/**
 * Test fixtures for the multipart/related readers (PS3.18 8.6.1.2): a body of parts with
 * optional Content-Length headers and preamble, and a ReadableStream that hands it out in
 * chunks of a chosen size (so that cuts fall inside headers, delimiters and bodies).
 */

export function multipartBody(boundary: string, parts: readonly Uint8Array[], options: { withLength?: boolean; preamble?: string } = {}): Uint8Array {
  const pieces: Uint8Array[] = [];
  const text = (s: string) => pieces.push(new TextEncoder().encode(s));
  if (options.preamble !== undefined) text(options.preamble);
  for (const part of parts) {
    text(`--${boundary}\r\nContent-Type: application/dicom\r\n${options.withLength === false ? '' : `Content-Length: ${part.length}\r\n`}\r\n`);
    pieces.push(part);
    text('\r\n');
  }
  text(`--${boundary}--\r\n`);
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) out.set(p, (at += p.length) - p.length);
  return out;
}

export function streamInChunks(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, (at += chunk)));
    },
  });
}
