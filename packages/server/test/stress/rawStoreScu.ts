/**
 * Test-only C-STORE SCU that sends arbitrary bytes as the data set (PS3.8 9.3: A-ASSOCIATE,
 * P-DATA-TF, A-RELEASE; PS3.7 9.1.1 / 9.3.1: C-STORE-RQ/RSP command sets in Implicit VR
 * Little Endian, E.1). Real SCUs (storescu, dcmjs-dimse) parse and re-encode a file before
 * sending it, so a malformed data set never reaches the SCP; this writes the PDUs by hand
 * so that the fuzz and stress tests can put any byte sequence on the wire.
 */
import net from 'node:net';

const APPLICATION_CONTEXT = '1.2.840.10008.3.1.1.1';
const IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.777.99';

export interface PresentationContextProposal {
  readonly abstractSyntax: string;
  readonly transferSyntaxes: readonly string[];
}

export interface RawStoreScuOptions {
  readonly host: string;
  readonly port: number;
  readonly callingAeTitle: string;
  readonly calledAeTitle?: string;
  readonly contexts: readonly PresentationContextProposal[];
  /** Longest wait for any answer of the SCP, in ms. Default 30 000. */
  readonly timeoutMs?: number;
}

export type StoreOutcome =
  | { readonly kind: 'status'; readonly status: number; readonly errorComment: string }
  | { readonly kind: 'aborted'; readonly reason: string };

export type AssociateOutcome =
  | { readonly kind: 'accepted'; readonly scu: RawStoreScu }
  | { readonly kind: 'rejected'; readonly reason: string };

function uidBytes(uid: string): Buffer {
  const text = Buffer.from(uid, 'latin1');
  return text.length % 2 === 0 ? text : Buffer.concat([text, Buffer.from([0])]);
}

function aeTitle(title: string): Buffer {
  return Buffer.from(title.padEnd(16, ' ').slice(0, 16), 'latin1');
}

function item(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header[0] = type;
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function pdu(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header[0] = type;
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function associateRq(options: RawStoreScuOptions): Buffer {
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(1, 0);
  aeTitle(options.calledAeTitle ?? 'VERTEBRA').copy(fixed, 4);
  aeTitle(options.callingAeTitle).copy(fixed, 20);
  const contexts = options.contexts.map((context, i) =>
    item(0x20, Buffer.concat([Buffer.from([1 + 2 * i, 0, 0, 0]), item(0x30, Buffer.from(context.abstractSyntax, 'latin1')), ...context.transferSyntaxes.map((ts) => item(0x40, Buffer.from(ts, 'latin1')))])),
  );
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(64 * 1024, 0);
  const userInfo = item(0x50, Buffer.concat([item(0x51, maxLength), item(0x52, Buffer.from(IMPLEMENTATION_CLASS_UID, 'latin1'))]));
  return pdu(0x01, Buffer.concat([fixed, item(0x10, Buffer.from(APPLICATION_CONTEXT, 'latin1')), ...contexts, userInfo]));
}

/** A command set (group 0000, Implicit VR LE) with its group length first. */
function commandSet(elements: ReadonlyArray<[number, Buffer]>): Buffer {
  const body = Buffer.concat(
    elements.map(([element, value]) => {
      const header = Buffer.alloc(8);
      header.writeUInt16LE(0x0000, 0);
      header.writeUInt16LE(element, 2);
      header.writeUInt32LE(value.length, 4);
      return Buffer.concat([header, value]);
    }),
  );
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt32LE(0x00000000, 0);
  groupLength.writeUInt32LE(4, 4);
  groupLength.writeUInt32LE(body.length, 8);
  return Buffer.concat([groupLength, body]);
}

function us(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16LE(value, 0);
  return out;
}

function parseCommand(bytes: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let at = 0;
  while (at + 8 <= bytes.length) {
    const element = bytes.readUInt16LE(at + 2);
    const length = bytes.readUInt32LE(at + 4);
    out.set(element, bytes.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return out;
}

interface Pdu {
  readonly type: number;
  readonly body: Buffer;
}

export class RawStoreScu {
  readonly #socket: net.Socket;
  readonly #timeoutMs: number;
  #buffer = Buffer.alloc(0);
  #pdus: Pdu[] = [];
  #waiter: ((pdu: Pdu | Error) => void) | null = null;
  #closed: Error | null = null;
  #messageId = 1;
  /** Accepted presentation contexts: id → transfer syntax. */
  readonly accepted = new Map<number, string>();
  #maxPduBytes = 16 * 1024;

  private constructor(socket: net.Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 6) {
        const length = this.#buffer.readUInt32BE(2);
        if (this.#buffer.length < 6 + length) break;
        this.#deliver({ type: this.#buffer[0] ?? 0, body: this.#buffer.subarray(6, 6 + length) });
        this.#buffer = this.#buffer.subarray(6 + length);
      }
    });
    const fail = (error: Error): void => {
      this.#closed ??= error;
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter?.(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the SCP closed the connection')));
  }

  #deliver(next: Pdu): void {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter(next);
    } else this.#pdus.push(next);
  }

  #nextPdu(): Promise<Pdu> {
    const queued = this.#pdus.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(new Error(`no answer from the SCP within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#waiter = (value) => {
        clearTimeout(timer);
        if (value instanceof Error) reject(value);
        else resolve(value);
      };
    });
  }

  /** Opens an association; rejections (A-ASSOCIATE-RJ, A-ABORT, a closed socket) are outcomes, not throws. */
  static async associate(options: RawStoreScuOptions): Promise<AssociateOutcome> {
    const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const scu = new RawStoreScu(socket, options.timeoutMs ?? 30_000);
    socket.write(associateRq(options));
    let answer: Pdu;
    try {
      answer = await scu.#nextPdu();
    } catch (error) {
      socket.destroy();
      return { kind: 'rejected', reason: (error as Error).message };
    }
    if (answer.type === 0x03) {
      socket.destroy();
      return { kind: 'rejected', reason: `A-ASSOCIATE-RJ result ${answer.body[1]} source ${answer.body[2]} reason ${answer.body[3]}` };
    }
    if (answer.type !== 0x02) {
      socket.destroy();
      return { kind: 'rejected', reason: `PDU type ${answer.type} instead of A-ASSOCIATE-AC` };
    }
    let at = 68;
    const body = answer.body;
    while (at + 4 <= body.length) {
      const type = body[at] ?? 0;
      const length = body.readUInt16BE(at + 2);
      const content = body.subarray(at + 4, at + 4 + length);
      if (type === 0x21 && content[2] === 0) {
        const ts = content.length >= 8 ? content.subarray(8, 8 + content.readUInt16BE(6)).toString('latin1') : '';
        scu.accepted.set(content[0] ?? 0, ts.replace(/\0+$/, ''));
      } else if (type === 0x50) {
        let sub = 0;
        while (sub + 4 <= content.length) {
          const subLength = content.readUInt16BE(sub + 2);
          if (content[sub] === 0x51 && subLength === 4) {
            const max = content.readUInt32BE(sub + 4);
            if (max > 0) scu.#maxPduBytes = max;
          }
          sub += 4 + subLength;
        }
      }
      at += 4 + length;
    }
    return { kind: 'accepted', scu };
  }

  /** Sends one C-STORE-RQ with `dataset` as the data set bytes, unchanged, and waits for its response. */
  async store(request: { contextId: number; sopClassUid: string; sopInstanceUid: string; dataset: Uint8Array }): Promise<StoreOutcome> {
    const messageId = this.#messageId++;
    const command = commandSet([
      [0x0002, uidBytes(request.sopClassUid)],
      [0x0100, us(0x0001)],
      [0x0110, us(messageId)],
      [0x0700, us(0)],
      [0x0800, us(0x0000)],
      [0x1000, uidBytes(request.sopInstanceUid)],
    ]);
    const maxData = Math.max(64, this.#maxPduBytes - 6 - 6);
    const send = (bytes: Uint8Array, isCommand: boolean): void => {
      let offset = 0;
      do {
        const chunk = bytes.subarray(offset, offset + maxData);
        offset += chunk.length;
        const last = offset >= bytes.length;
        const header = Buffer.alloc(6);
        header.writeUInt32BE(chunk.length + 2, 0);
        header[4] = request.contextId;
        header[5] = (isCommand ? 1 : 0) | (last ? 2 : 0);
        this.#socket.write(pdu(0x04, Buffer.concat([header, chunk])));
      } while (offset < bytes.length);
    };
    try {
      send(command, true);
      send(request.dataset, false);
    } catch (error) {
      return { kind: 'aborted', reason: (error as Error).message };
    }
    const fragments: Buffer[] = [];
    for (;;) {
      let next: Pdu;
      try {
        next = await this.#nextPdu();
      } catch (error) {
        return { kind: 'aborted', reason: (error as Error).message };
      }
      if (next.type === 0x07) return { kind: 'aborted', reason: `A-ABORT source ${next.body[2]} reason ${next.body[3]}` };
      if (next.type !== 0x04) return { kind: 'aborted', reason: `PDU type ${next.type} instead of P-DATA-TF` };
      let at = 0;
      let complete = false;
      while (at + 6 <= next.body.length) {
        const length = next.body.readUInt32BE(at);
        const control = next.body[at + 5] ?? 0;
        fragments.push(next.body.subarray(at + 6, at + 4 + length));
        if ((control & 1) === 1 && (control & 2) === 2) complete = true;
        at += 4 + length;
      }
      if (!complete) continue;
      const elements = parseCommand(Buffer.concat(fragments));
      const status = elements.get(0x0900)?.readUInt16LE(0) ?? -1;
      const errorComment = (elements.get(0x0902)?.toString('latin1') ?? '').replace(/[\0 ]+$/, '');
      return { kind: 'status', status, errorComment };
    }
  }

  /** A-RELEASE-RQ and wait for A-RELEASE-RP (or the connection's end). */
  async release(): Promise<void> {
    if (!this.#closed) {
      this.#socket.write(pdu(0x05, Buffer.alloc(4)));
      try {
        await this.#nextPdu();
      } catch {
        // closed already
      }
    }
    this.#socket.destroy();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}
