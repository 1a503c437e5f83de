/**
 * Encodes a tree of data elements in the transfer syntax of the source (PS3.5 7.1: explicit
 * or implicit VR, little or big endian): element headers are written anew, values are the
 * bytes given (copied unchanged from the source where the de-identifier keeps them, so
 * Pixel Data stays byte-identical). Sequences and items get defined lengths (PS3.5 7.5);
 * encapsulated Pixel Data keeps its undefined length and its items as they were.
 */

export interface OutputElement {
  /** (group << 16 | element) >>> 0. */
  readonly tag: number;
  readonly vr: string;
  /** Value bytes, or the items of a sequence (each a list of elements). */
  readonly value: Uint8Array | ReadonlyArray<readonly OutputElement[]>;
  /** Write the length as undefined (0xFFFFFFFF): encapsulated Pixel Data whose value bytes hold the items and delimiter. */
  readonly undefinedLength?: boolean;
}

export interface Encoding {
  readonly explicit: boolean;
  readonly littleEndian: boolean;
}

/** VRs with a 2-byte reserved field and a 32-bit length in explicit VR (PS3.5 Table 7.1-1). */
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

/** Pads a string value to even length: NUL for UI, space otherwise (PS3.5 6.2). */
export function stringValue(text: string, vr: string): Uint8Array {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length % 2 === 0) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes);
  padded[bytes.length] = vr === 'UI' ? 0 : 0x20;
  return padded;
}

interface Sink {
  readonly chunks: Uint8Array[];
  length: number;
}

function push(sink: Sink, chunk: Uint8Array): void {
  sink.chunks.push(chunk);
  sink.length += chunk.length;
}

function header(tag: number, vr: string, length: number, encoding: Encoding): Uint8Array {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  const isItemTag = group === 0xfffe;
  const long = !encoding.explicit || isItemTag || LONG_LENGTH_VRS.has(vr);
  const size = !encoding.explicit || isItemTag ? 8 : long ? 12 : 8;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const le = encoding.littleEndian;
  view.setUint16(0, group, le);
  view.setUint16(2, element, le);
  if (!encoding.explicit || isItemTag) {
    view.setUint32(4, length, le);
  } else if (long) {
    out[4] = vr.charCodeAt(0);
    out[5] = vr.charCodeAt(1);
    view.setUint32(8, length, le);
  } else {
    out[4] = vr.charCodeAt(0);
    out[5] = vr.charCodeAt(1);
    view.setUint16(6, length, le);
  }
  return out;
}

function encodeInto(elements: readonly OutputElement[], encoding: Encoding, sink: Sink): void {
  for (const element of elements) {
    if (element.value instanceof Uint8Array) {
      const length = element.value.length;
      let vr = element.vr;
      if (encoding.explicit && !LONG_LENGTH_VRS.has(vr) && (length > 0xffff || element.undefinedLength)) vr = 'UN';
      push(sink, header(element.tag, vr, element.undefinedLength ? 0xffffffff : length, encoding));
      if (length > 0) push(sink, element.value);
      continue;
    }
    const itemSinks: Sink[] = element.value.map((item) => {
      const itemSink: Sink = { chunks: [], length: 0 };
      encodeInto(item, encoding, itemSink);
      return itemSink;
    });
    const total = itemSinks.reduce((sum, itemSink) => sum + 8 + itemSink.length, 0);
    push(sink, header(element.tag, 'SQ', total, encoding));
    for (const itemSink of itemSinks) {
      push(sink, header(0xfffee000, '', itemSink.length, encoding));
      for (const chunk of itemSink.chunks) push(sink, chunk);
    }
  }
}

/** Encodes the elements (sorted by the caller) and returns the bytes. */
export function encodeElements(elements: readonly OutputElement[], encoding: Encoding): Uint8Array {
  const sink: Sink = { chunks: [], length: 0 };
  encodeInto(elements, encoding, sink);
  return Buffer.concat(sink.chunks, sink.length);
}
