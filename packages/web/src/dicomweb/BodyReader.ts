/**
 * Reads a response body either straight into buffers the caller names (a BYOB reader, WHATWG Streams "ReadableStream
 * BYOB reader": fetch bodies are byte streams) or, where the stream is not a byte stream, chunk by chunk as before.
 * The multipart readers use it to write each part's bytes straight into that part's own buffer: with the default
 * reader every ~64–130 KB chunk of a 158 MB series was a new ArrayBuffer, copied into the part and then garbage
 * (158 MB of allocations and copies per 300-slice load, which V8 counts as external memory: they set off major GCs).
 */

/** Largest read between parts (delimiter and header block, ~150–300 bytes): what it reads past them is copied into the next part. */
const headerReadBytes = 1024;

export class BodyReader {
  private readonly byob: ReadableStreamBYOBReader | undefined;
  private readonly plain: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private scratch = new Uint8Array(headerReadBytes);

  constructor(stream: ReadableStream<Uint8Array>) {
    let byob: ReadableStreamBYOBReader | undefined;
    try {
      byob = stream.getReader({ mode: 'byob' });
    } catch {
      byob = undefined; // not a byte stream
    }
    this.byob = byob;
    this.plain = byob === undefined ? stream.getReader() : undefined;
  }

  /** Whether reads go straight into the caller's buffers. */
  get direct(): boolean {
    return this.byob !== undefined;
  }

  /**
   * The next bytes of the body, at most `maxBytes` where the reader can limit them (a chunk of the default reader may
   * be longer: the caller cuts it); undefined at the end. With `into` (BYOB only) they are written into its start and
   * come back as a view of the same memory on a new ArrayBuffer: `into`'s own buffer is detached (transferred), so
   * the caller must take the returned view's buffer in its place. Without `into` the bytes are the caller's to keep.
   */
  async read(maxBytes: number, into?: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.byob === undefined) {
      const { done, value } = await (this.plain as ReadableStreamDefaultReader<Uint8Array>).read();
      return done ? undefined : value;
    }
    if (into !== undefined && into.length > 0) {
      const { done, value } = await this.byob.read(into.subarray(0, Math.max(1, Math.min(into.length, maxBytes))));
      return done || value === undefined || value.length === 0 ? undefined : value;
    }
    const { done, value } = await this.byob.read(this.scratch.subarray(0, Math.max(1, Math.min(this.scratch.length, maxBytes))));
    if (value !== undefined) this.scratch = new Uint8Array(value.buffer, 0, headerReadBytes);
    return done || value === undefined || value.length === 0 ? undefined : value.slice();
  }

  async cancel(): Promise<void> {
    await (this.byob ?? this.plain)?.cancel();
  }

  releaseLock(): void {
    (this.byob ?? this.plain)?.releaseLock();
  }
}
