/**
 * Presents an accepted TCP socket to dcmjs-dimse as a stream of whole PDUs (PS3.8 9.3: a
 * 6-byte header whose bytes 2–5 are the big-endian length of the rest). dcmjs-dimse's own
 * reader joins every incoming chunk to the part of the PDU received so far
 * (Buffer.concat per chunk: quadratic in the PDU size), which is why the SCP could not
 * announce a large maximum PDU length. Here chunks are kept in a list and joined once per
 * PDU (not at all when a chunk holds whole PDUs), so a 512 KB data set can arrive in one
 * PDU. Everything else is passed through to the socket. A PDU longer than `maxPduBytes`
 * (the peer ignored our maximum) is a protocol error: reported as 'error', which ends the
 * connection, instead of buffering without bound.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';

const HEADER_BYTES = 6;
const PASSED_THROUGH = ['connect', 'error', 'timeout', 'close', 'end', 'drain'] as const;

export class PduFramedSocket extends EventEmitter {
  readonly socket: Socket;
  readonly #maxPduBytes: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Bytes of the PDU being received, header included; 0 while its header is incomplete. */
  #needed = 0;
  #failed = false;

  constructor(socket: Socket, options: { readonly maxPduBytes: number }) {
    super();
    this.socket = socket;
    this.#maxPduBytes = options.maxPduBytes;
    socket.on('data', (chunk: Buffer) => this.#feed(chunk));
    for (const event of PASSED_THROUGH) socket.on(event, (...args: unknown[]) => this.emit(event, ...args));
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  write(data: Uint8Array | string, callback?: (error?: Error | null) => void): boolean {
    return this.socket.write(data, callback);
  }

  end(callback?: () => void): this {
    this.socket.end(callback);
    return this;
  }

  destroy(error?: Error): this {
    this.socket.destroy(error);
    return this;
  }

  setTimeout(timeoutMs: number, callback?: () => void): this {
    this.socket.setTimeout(timeoutMs, callback);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }

  #feed(chunk: Buffer): void {
    if (this.#failed || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    for (;;) {
      if (this.#needed === 0) {
        if (this.#buffered < HEADER_BYTES) return;
        const first = this.#chunks[0] as Buffer;
        const header = first.length >= HEADER_BYTES ? first : this.#join(HEADER_BYTES, false);
        const length = header.readUInt32BE(2);
        if (length > this.#maxPduBytes - HEADER_BYTES) {
          this.#failed = true;
          this.#chunks = [];
          this.emit('error', new Error(`a PDU of ${length} bytes is longer than the ${this.#maxPduBytes} bytes accepted (PS3.8 9.3.1: maximum PDU length)`));
          return;
        }
        this.#needed = HEADER_BYTES + length;
      }
      if (this.#buffered < this.#needed) return;
      const pdu = this.#join(this.#needed, true);
      this.#needed = 0;
      this.emit('data', pdu);
      if (this.#buffered === 0) return;
    }
  }

  /** The first `size` buffered bytes as one Buffer (a view when one chunk holds them), removed from the buffer when `consume`. */
  #join(size: number, consume: boolean): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= size) {
      if (!consume) return first;
      if (first.length === size) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(size);
      this.#buffered -= size;
      return first.subarray(0, size);
    }
    const out = Buffer.allocUnsafe(size);
    let filled = 0;
    let index = 0;
    while (filled < size) {
      const chunk = this.#chunks[index] as Buffer;
      const take = Math.min(chunk.length, size - filled);
      chunk.copy(out, filled, 0, take);
      filled += take;
      if (!consume) index += 1;
      else if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
    if (consume) this.#buffered -= size;
    return out;
  }
}
