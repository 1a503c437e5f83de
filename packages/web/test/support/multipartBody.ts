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

/**
 * The same bytes as a byte stream (type 'bytes', as fetch bodies are): a BYOB read gets at most `chunk` bytes written
 * into its own view; a default read gets a chunk of `chunk` bytes. `requests` collects the size of every BYOB view asked to be filled.
 */
export function byteStreamInChunks(bytes: Uint8Array, chunk: number, requests: number[] = []): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: 'bytes',
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const request = controller.byobRequest;
      if (request?.view == null) {
        controller.enqueue(bytes.slice(at, (at += chunk)));
        return;
      }
      const view = new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength);
      requests.push(view.length);
      const n = Math.min(chunk, view.length, bytes.length - at);
      view.set(bytes.subarray(at, at + n));
      at += n;
      request.respond(n);
    },
  });
}
