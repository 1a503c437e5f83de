/**
 * Transcodes a Part 10 file or raw data set to Explicit VR Little Endian with native
 * Pixel Data (PS3.5 A.2; PS3.10 7.1 file meta rewritten), for WADO-RS transfer syntax
 * negotiation and peers that accept only uncompressed data. Encapsulated sources
 * (already explicit VR little endian outside Pixel Data) keep every other element's
 * bytes unchanged; implicit VR, big endian and deflated sources are rewritten by dcmjs.
 * Colour frames that a codec returned as RGB get PhotometricInterpretation RGB; lossy
 * sources get Lossy Image Compression (0028,2110) "01" (PS3.3 C.7.6.1.1.5).
 */
import { createRequire } from 'node:module';
import { VertebraError } from '@vertebra/errors';
import { decodeParsedFrame, describePixels } from './decodeFrame.js';
import { parseDataSet, stringOf, TransferSyntax, type Element, type ParsedDataSet } from './parseDataSet.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './writePart10.js';

const require = createRequire(import.meta.url);
const dcmjs = require('dcmjs') as any;

const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);
const LOSSY = new Set(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.4.203']);

export interface TranscodeOptions {
  readonly subject?: string;
  /** Transfer syntax of a raw data set without file meta. */
  readonly transferSyntaxUid?: string;
}

class ByteWriter {
  private readonly chunks: Uint8Array[] = [];
  length = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  element(group: number, element: number, vr: string, value: Uint8Array): void {
    const padded = value.length % 2 === 1 ? concatBytes([value, new Uint8Array([vr === 'UI' || vr === 'OB' ? 0 : 0x20])]) : value;
    const long = LONG_LENGTH_VRS.has(vr);
    const header = new Uint8Array(long ? 12 : 8);
    const view = new DataView(header.buffer);
    view.setUint16(0, group, true);
    view.setUint16(2, element, true);
    header[4] = vr.charCodeAt(0);
    header[5] = vr.charCodeAt(1);
    if (long) view.setUint32(8, padded.length, true);
    else view.setUint16(6, padded.length, true);
    this.push(header);
    this.push(padded);
  }

  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Preamble, "DICM" and the file meta information group for an Explicit VR Little Endian data set. */
function fileMeta(parsed: ParsedDataSet, sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string = TransferSyntax.explicitLittle): Uint8Array {
  const group = new ByteWriter();
  group.element(0x0002, 0x0001, 'OB', new Uint8Array([0, 1]));
  group.element(0x0002, 0x0002, 'UI', ascii(sopClassUid));
  group.element(0x0002, 0x0003, 'UI', ascii(sopInstanceUid));
  group.element(0x0002, 0x0010, 'UI', ascii(transferSyntaxUid));
  group.element(0x0002, 0x0012, 'UI', ascii(IMPLEMENTATION_CLASS_UID));
  group.element(0x0002, 0x0013, 'SH', ascii(IMPLEMENTATION_VERSION_NAME));
  const sourceAe = stringOf(parsed.dataSet, 'x00020016');
  if (sourceAe !== '') group.element(0x0002, 0x0016, 'AE', ascii(sourceAe));
  const body = group.bytes();
  const out = new ByteWriter();
  out.push(new Uint8Array(128));
  out.push(ascii('DICM'));
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, body.length, true);
  out.element(0x0002, 0x0000, 'UL', length);
  out.push(body);
  return out.bytes();
}

function sopUids(parsed: ParsedDataSet): { sopClassUid: string; sopInstanceUid: string } {
  return {
    sopClassUid: stringOf(parsed.dataSet, 'x00080016') || stringOf(parsed.dataSet, 'x00020002'),
    sopInstanceUid: stringOf(parsed.dataSet, 'x00080018') || stringOf(parsed.dataSet, 'x00020003'),
  };
}

function decodeAllFrames(parsed: ParsedDataSet, subjectOptions: { subject?: string }): { pixels: Uint8Array; photometricInterpretation: string; bitsAllocated: number } {
  const description = describePixels(parsed, subjectOptions);
  const frames: Uint8Array[] = [];
  let photometricInterpretation = description.photometricInterpretation;
  for (let index = 0; index < description.numberOfFrames; index += 1) {
    const frame = decodeParsedFrame(parsed, index, subjectOptions);
    photometricInterpretation = frame.photometricInterpretation;
    if (description.bitsAllocated === 1) {
      // repack bits (PS3.5 8.1.1: little-endian bit order, frames contiguous)
      frames.push(frame.pixels as Uint8Array);
    } else {
      frames.push(new Uint8Array(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength));
    }
  }
  let pixels = concatBytes(frames);
  if (description.bitsAllocated === 1) {
    const packed = new Uint8Array(Math.ceil(pixels.length / 8));
    for (let i = 0; i < pixels.length; i += 1) if (pixels[i]) packed[i >> 3] = (packed[i >> 3] ?? 0) | (1 << (i & 7));
    pixels = packed;
  }
  if (pixels.length % 2 === 1) pixels = concatBytes([pixels, new Uint8Array(1)]);
  return { pixels, photometricInterpretation, bitsAllocated: description.bitsAllocated };
}

function headerStart(element: Element): number {
  return element.dataOffset - (element.vr !== undefined && LONG_LENGTH_VRS.has(element.vr) ? 12 : 8);
}

/** Splices an explicit VR little endian data set: every element's bytes kept, Pixel Data replaced. */
function spliceExplicitLittle(parsed: ParsedDataSet, bytes: Uint8Array, subjectOptions: { subject?: string }): Uint8Array {
  const { dataSet } = parsed;
  const { pixels, photometricInterpretation, bitsAllocated } = decodeAllFrames(parsed, subjectOptions);
  const topLevel = Object.values(dataSet.elements)
    .filter((element) => !element.tag.startsWith('x0002') && typeof element.dataOffset === 'number')
    .sort((a, b) => a.dataOffset - b.dataOffset);
  const source = dataSet.byteArray;
  const replaced = new Map<string, Uint8Array | null>();
  const description = describePixels(parsed, subjectOptions);
  if (photometricInterpretation !== description.photometricInterpretation) {
    const writer = new ByteWriter();
    writer.element(0x0028, 0x0004, 'CS', ascii(photometricInterpretation));
    replaced.set('x00280004', writer.bytes());
  }
  if (dataSet.elements.x00280006) {
    const writer = new ByteWriter();
    writer.element(0x0028, 0x0006, 'US', new Uint8Array([0, 0]));
    replaced.set('x00280006', writer.bytes());
  }
  replaced.set('x7fe00001', null);
  replaced.set('x7fe00002', null);
  const pixelWriter = new ByteWriter();
  pixelWriter.element(0x7fe0, 0x0010, bitsAllocated > 8 ? 'OW' : 'OB', pixels);
  replaced.set('x7fe00010', pixelWriter.bytes());
  const additions: Array<[string, Uint8Array]> = [];
  if (LOSSY.has(parsed.transferSyntaxUid) && !dataSet.elements.x00282110) {
    const writer = new ByteWriter();
    writer.element(0x0028, 0x2110, 'CS', ascii('01'));
    additions.push(['x00282110', writer.bytes()]);
  }
  const chunks: Uint8Array[] = [];
  const pending = [...additions];
  topLevel.forEach((element, index) => {
    while (pending.length > 0 && (pending[0]?.[0] ?? '') < element.tag) chunks.push((pending.shift() as [string, Uint8Array])[1]);
    const next = topLevel[index + 1];
    const start = headerStart(element);
    const end = next ? headerStart(next) : source.length;
    if (replaced.has(element.tag)) {
      const replacement = replaced.get(element.tag);
      if (replacement) chunks.push(replacement);
      return;
    }
    chunks.push(source.subarray(start, end));
  });
  for (const [, chunk] of pending) chunks.push(chunk);
  const { sopClassUid, sopInstanceUid } = sopUids(parsed);
  return concatBytes([fileMeta(parsed, sopClassUid, sopInstanceUid), ...chunks]);
}

/** Rewrites implicit VR / big endian / deflated sources with dcmjs, Pixel Data replaced by decoded native frames. */
function rewriteWithDcmjs(parsed: ParsedDataSet, bytes: Uint8Array, subjectOptions: { subject?: string }): Uint8Array {
  const hasPixels = parsed.dataSet.elements.x7fe00010 !== undefined;
  const decoded = hasPixels ? decodeAllFrames(parsed, subjectOptions) : undefined;
  let part10 = bytes;
  if (!parsed.hasFileMeta) {
    const { sopClassUid, sopInstanceUid } = sopUids(parsed);
    // give dcmjs a file meta that names the raw data set's transfer syntax
    part10 = concatBytes([fileMeta(parsed, sopClassUid, sopInstanceUid, parsed.transferSyntaxUid), bytes]);
  }
  const buffer = part10.buffer.slice(part10.byteOffset, part10.byteOffset + part10.byteLength);
  const message = dcmjs.data.DicomMessage.readFile(buffer, { ignoreErrors: true, untilTag: null });
  const { sopClassUid, sopInstanceUid } = sopUids(parsed);
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: TransferSyntax.explicitLittle,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = message.dict;
  if (decoded) {
    dict.dict['7FE00010'] = { vr: decoded.bitsAllocated > 8 ? 'OW' : 'OB', Value: [decoded.pixels.buffer.slice(decoded.pixels.byteOffset, decoded.pixels.byteOffset + decoded.pixels.byteLength)] };
    if (dict.dict['00280004']) dict.dict['00280004'] = { vr: 'CS', Value: [decoded.photometricInterpretation] };
  }
  return new Uint8Array(dict.write() as ArrayBuffer);
}

/**
 * Returns the instance as a Part 10 file in Explicit VR Little Endian with native Pixel
 * Data (all frames). Already-explicit-little-endian Part 10 input is returned unchanged.
 * JPEG-family sources need `await loadPixelCodecs()` first. Throws VertebraError only.
 */
export function transcodeToExplicitLittle(bytes: Uint8Array, options: TranscodeOptions = {}): Uint8Array {
  const subjectOptions = options.subject === undefined ? {} : { subject: options.subject };
  const parsed = parseDataSet(bytes, options);
  const ts = parsed.transferSyntaxUid;
  if (ts === TransferSyntax.explicitLittle && parsed.hasFileMeta) return bytes;
  try {
    if (ts === TransferSyntax.implicitLittle || ts === TransferSyntax.explicitBig || ts === TransferSyntax.deflatedExplicitLittle) {
      return rewriteWithDcmjs(parsed, bytes, subjectOptions);
    }
    if (ts === TransferSyntax.explicitLittle) {
      const { sopClassUid, sopInstanceUid } = sopUids(parsed);
      return concatBytes([fileMeta(parsed, sopClassUid, sopInstanceUid), bytes]);
    }
    return spliceExplicitLittle(parsed, bytes, subjectOptions);
  } catch (error) {
    if (error instanceof VertebraError) throw error;
    throw new VertebraError('DICOM_DECODE_FAILED', `cannot transcode to Explicit VR Little Endian: ${error instanceof Error ? error.message : String(error)}`, { ...subjectOptions, cause: error });
  }
}
