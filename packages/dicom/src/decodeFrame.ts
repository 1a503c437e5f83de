/**
 * Decodes one frame of an image to typed-array pixels with its Image Pixel module
 * (PS3.3 C.7.6.3) and Modality LUT rescale (C.11.1.1.2). Native pixel data in implicit /
 * explicit little endian, explicit big endian (PS3.5 A.1–A.3, 8.2) and deflated (A.5);
 * RLE (Annex G, in JS); JPEG baseline/extended/lossless (A.4.1), JPEG-LS (A.4.3),
 * JPEG 2000 (A.4.4) and HTJ2K (A.4.11) through the dcmjs-codecs WebAssembly.
 * Encapsulated frames follow PS3.5 A.4 (Basic / Extended Offset Table or none).
 */
import { VertebraError } from '@vertebra/errors';
import { decodeRle } from './decodeRle.js';
import { encapsulatedFrame } from './encapsulatedFrames.js';
import { loadedCodecs, loadPixelCodecs } from './pixelCodecs.js';
import { numberOf, parseDataSet, stringOf, TransferSyntax, type ParsedDataSet } from './parseDataSet.js';

export type PixelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

export interface DecodedFrame {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  readonly pixelRepresentation: number;
  /** After decoding: colour JPEG/J2K frames come back as RGB. */
  readonly photometricInterpretation: string;
  /** Always 0 (samples interleaved) in `pixels`. */
  readonly planarConfiguration: 0;
  /** rows × columns × samplesPerPixel values, row by row, samples interleaved; stored values (before rescale). */
  readonly pixels: PixelArray;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  readonly frameIndex: number;
  readonly numberOfFrames: number;
  readonly transferSyntaxUid: string;
}

export interface DecodeFrameOptions {
  readonly subject?: string;
  /** Transfer syntax of a raw data set without file meta. */
  readonly transferSyntaxUid?: string;
}

const JPEG_PROCESS = new Set(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70']);
const JPEG_LS = new Set(['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81']);
const JPEG_2000 = new Set(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91']);
const HTJ2K = new Set(['1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203']);
const RLE = '1.2.840.10008.1.2.5';
const NATIVE = new Set<string>([TransferSyntax.implicitLittle, TransferSyntax.explicitLittle, TransferSyntax.deflatedExplicitLittle, TransferSyntax.explicitBig]);

/** True when decodeFrame can decode this transfer syntax (JPEG family after loadPixelCodecs). */
export function isDecodableTransferSyntax(transferSyntaxUid: string): boolean {
  return NATIVE.has(transferSyntaxUid) || transferSyntaxUid === RLE || JPEG_PROCESS.has(transferSyntaxUid) || JPEG_LS.has(transferSyntaxUid) || JPEG_2000.has(transferSyntaxUid) || HTJ2K.has(transferSyntaxUid);
}

/** True when the transfer syntax needs the WebAssembly codecs (loadPixelCodecs). */
export function needsPixelCodecs(transferSyntaxUid: string): boolean {
  return JPEG_PROCESS.has(transferSyntaxUid) || JPEG_LS.has(transferSyntaxUid) || JPEG_2000.has(transferSyntaxUid) || HTJ2K.has(transferSyntaxUid);
}

export interface ImagePixelDescription {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly pixelRepresentation: number;
  readonly photometricInterpretation: string;
  readonly planarConfiguration: number;
  readonly numberOfFrames: number;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
}

function uint16(parsed: ParsedDataSet, tag: string): number | undefined {
  const element = parsed.dataSet.elements[tag];
  if (!element || element.length < 2) return undefined;
  return parsed.dataSet.uint16(tag);
}

export function describePixels(parsed: ParsedDataSet, subjectOptions: { subject?: string }): ImagePixelDescription {
  const rows = uint16(parsed, 'x00280010');
  const columns = uint16(parsed, 'x00280011');
  const bitsAllocated = uint16(parsed, 'x00280100');
  if (!rows || !columns || !bitsAllocated) {
    throw new VertebraError('DICOM_NO_PIXEL_DATA', `the data set lacks Rows (0028,0010), Columns (0028,0011) or Bits Allocated (0028,0100)`, subjectOptions);
  }
  if (![1, 8, 16, 32].includes(bitsAllocated)) {
    throw new VertebraError('DICOM_DECODE_FAILED', `Bits Allocated ${bitsAllocated} is not supported (1, 8, 16, 32)`, subjectOptions);
  }
  const samplesPerPixel = uint16(parsed, 'x00280002') ?? 1;
  const bitsStored = uint16(parsed, 'x00280101') ?? bitsAllocated;
  const frames = numberOf(parsed.dataSet, 'x00280008');
  const slope = numberOf(parsed.dataSet, 'x00281053');
  const intercept = numberOf(parsed.dataSet, 'x00281052');
  return {
    rows,
    columns,
    samplesPerPixel: samplesPerPixel >= 1 ? samplesPerPixel : 1,
    bitsAllocated,
    bitsStored: bitsStored >= 1 && bitsStored <= bitsAllocated ? bitsStored : bitsAllocated,
    pixelRepresentation: uint16(parsed, 'x00280103') === 1 ? 1 : 0,
    photometricInterpretation: stringOf(parsed.dataSet, 'x00280004') || (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2'),
    planarConfiguration: uint16(parsed, 'x00280006') === 1 ? 1 : 0,
    numberOfFrames: frames !== null && frames >= 1 ? Math.trunc(frames) : 1,
    rescaleSlope: slope !== null && slope !== 0 ? slope : 1,
    rescaleIntercept: intercept ?? 0,
  };
}

/** Typed view (copy) of little-endian sample bytes. */
function toPixelArray(bytes: Uint8Array, bitsAllocated: number, signed: boolean, count: number): PixelArray {
  const needed = count * (bitsAllocated / 8);
  const copy = new Uint8Array(needed);
  copy.set(bytes.subarray(0, needed));
  switch (bitsAllocated) {
    case 8:
      return signed ? new Int8Array(copy.buffer) : copy;
    case 16:
      return signed ? new Int16Array(copy.buffer) : new Uint16Array(copy.buffer);
    default:
      return signed ? new Int32Array(copy.buffer) : new Uint32Array(copy.buffer);
  }
}

/** Sign-extends (signed) or masks (unsigned) values whose Bits Stored is less than Bits Allocated. */
function normaliseStoredBits(pixels: PixelArray, bitsStored: number, bitsAllocated: number, signed: boolean): void {
  if (bitsStored >= bitsAllocated || bitsAllocated === 1) return;
  const mask = bitsStored >= 32 ? 0xffffffff : 2 ** bitsStored - 1;
  const signBit = 2 ** (bitsStored - 1);
  const range = 2 ** bitsStored;
  for (let i = 0; i < pixels.length; i += 1) {
    const value = (pixels[i] ?? 0) & mask;
    pixels[i] = signed && value >= signBit ? value - range : value;
  }
}

function swapBytes(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let b = 0; b < size; b += 1) out[i + b] = bytes[i + size - 1 - b] ?? 0;
  }
  return out;
}

function planarToInterleaved(bytes: Uint8Array, pixelCount: number, samples: number, bytesPerSample: number): Uint8Array {
  const out = new Uint8Array(pixelCount * samples * bytesPerSample);
  for (let s = 0; s < samples; s += 1) {
    for (let p = 0; p < pixelCount; p += 1) {
      for (let b = 0; b < bytesPerSample; b += 1) {
        out[(p * samples + s) * bytesPerSample + b] = bytes[(s * pixelCount + p) * bytesPerSample + b] ?? 0;
      }
    }
  }
  return out;
}

function nativeFrame(parsed: ParsedDataSet, description: ImagePixelDescription, frameIndex: number, subjectOptions: { subject?: string }): Uint8Array {
  const { dataSet } = parsed;
  const pixelData = dataSet.elements.x7fe00010;
  if (!pixelData) throw new VertebraError('DICOM_NO_PIXEL_DATA', 'the data set has no Pixel Data (7FE0,0010)', subjectOptions);
  const { rows, columns, samplesPerPixel, bitsAllocated } = description;
  const pixelCount = rows * columns;
  const bytes = dataSet.byteArray;
  if (bitsAllocated === 1) {
    const bitsPerFrame = pixelCount * samplesPerPixel;
    const out = new Uint8Array(bitsPerFrame);
    const firstBit = frameIndex * bitsPerFrame;
    if (Math.ceil((firstBit + bitsPerFrame) / 8) > pixelData.length) {
      throw new VertebraError('DICOM_TRUNCATED', `Pixel Data holds ${pixelData.length} bytes, too few for frame index ${frameIndex} of 1-bit pixels`, subjectOptions);
    }
    for (let i = 0; i < bitsPerFrame; i += 1) {
      const bit = firstBit + i;
      out[i] = ((bytes[pixelData.dataOffset + (bit >> 3)] ?? 0) >> (bit & 7)) & 1;
    }
    return out;
  }
  const frameBytes = pixelCount * samplesPerPixel * (bitsAllocated / 8);
  const start = pixelData.dataOffset + frameIndex * frameBytes;
  if ((frameIndex + 1) * frameBytes > pixelData.length) {
    throw new VertebraError('DICOM_TRUNCATED', `Pixel Data holds ${pixelData.length} bytes, too few for frame index ${frameIndex} of ${frameBytes} bytes (${rows}×${columns}×${samplesPerPixel}×${bitsAllocated} bits)`, subjectOptions);
  }
  let frame = bytes.subarray(start, start + frameBytes);
  if (parsed.transferSyntaxUid === TransferSyntax.explicitBig) {
    if (bitsAllocated > 8) frame = swapBytes(frame, bitsAllocated / 8);
    else if (pixelData.vr === 'OW') frame = swapBytes(frame, 2);
  }
  if (samplesPerPixel > 1 && description.planarConfiguration === 1) {
    frame = planarToInterleaved(frame, pixelCount, samplesPerPixel, bitsAllocated / 8);
  }
  return frame;
}

function codecDecode(parsed: ParsedDataSet, description: ImagePixelDescription, frameIndex: number, subjectOptions: { subject?: string }): { bytes: Uint8Array; photometricInterpretation: string } {
  const ts = parsed.transferSyntaxUid;
  const pixelData = parsed.dataSet.elements.x7fe00010;
  if (!pixelData) throw new VertebraError('DICOM_NO_PIXEL_DATA', 'the data set has no Pixel Data (7FE0,0010)', subjectOptions);
  if (pixelData.length !== 0xffffffff && !pixelData.encapsulatedPixelData) {
    throw new VertebraError('DICOM_DECODE_FAILED', `transfer syntax ${ts} requires encapsulated Pixel Data but the element has a defined length`, subjectOptions);
  }
  const encoded = encapsulatedFrame(parsed.dataSet, pixelData, frameIndex, description.numberOfFrames, subjectOptions);
  const { rows, columns, samplesPerPixel, bitsAllocated } = description;
  if (ts === RLE) {
    return { bytes: decodeRle(encoded, description, subjectOptions), photometricInterpretation: description.photometricInterpretation };
  }
  const { NativeCodecs, Context } = loadedCodecs(ts, subjectOptions);
  const context = new Context({
    width: columns,
    height: rows,
    bitsAllocated,
    bitsStored: description.bitsStored,
    samplesPerPixel,
    pixelRepresentation: description.pixelRepresentation,
    planarConfiguration: description.planarConfiguration,
    photometricInterpretation: description.photometricInterpretation,
    encodedBuffer: encoded,
  });
  let result: ReturnType<typeof NativeCodecs.decodeJpeg>;
  try {
    if (JPEG_PROCESS.has(ts)) result = NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: samplesPerPixel === 3 });
    else if (JPEG_LS.has(ts)) result = NativeCodecs.decodeJpegLs(context, {});
    else if (JPEG_2000.has(ts)) result = NativeCodecs.decodeJpeg2000(context, {});
    else result = NativeCodecs.decodeHtJpeg2000(context, {});
  } catch (error) {
    const message = typeof error === 'string' ? error : error instanceof Error ? error.message : String(error);
    throw new VertebraError('DICOM_DECODE_FAILED', `cannot decode frame index ${frameIndex} (${ts}): ${message}`, { ...subjectOptions, cause: error });
  }
  const decoded = result.getDecodedBuffer();
  const expected = rows * columns * samplesPerPixel * Math.ceil(bitsAllocated / 8);
  if (!decoded || decoded.length < expected) {
    throw new VertebraError('DICOM_DECODE_FAILED', `frame index ${frameIndex} (${ts}) decoded to ${decoded?.length ?? 0} bytes, expected ${expected}`, subjectOptions);
  }
  let photometricInterpretation = description.photometricInterpretation;
  if (samplesPerPixel === 3 && /^YBR_(FULL_422|FULL|ICT|RCT|PARTIAL_420|PARTIAL_422)$/.test(photometricInterpretation)) {
    photometricInterpretation = JPEG_LS.has(ts) && photometricInterpretation === 'YBR_FULL' ? photometricInterpretation : 'RGB';
  }
  return { bytes: decoded, photometricInterpretation };
}

/** Decodes a frame of an already parsed data set (internal; used by assembleVolume and transcoding). */
export function decodeParsedFrame(parsed: ParsedDataSet, frameIndex: number, subjectOptions: { subject?: string } = {}): DecodedFrame {
  const description = describePixels(parsed, subjectOptions);
  if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= description.numberOfFrames) {
    throw new VertebraError('DICOM_FRAME_OUT_OF_RANGE', `frame index ${frameIndex} is outside 0..${description.numberOfFrames - 1}`, { ...subjectOptions, details: { frameIndex, numberOfFrames: description.numberOfFrames } });
  }
  if (!parsed.dataSet.elements.x7fe00010) {
    throw new VertebraError('DICOM_NO_PIXEL_DATA', 'the data set has no Pixel Data (7FE0,0010)', subjectOptions);
  }
  const ts = parsed.transferSyntaxUid;
  let frameBytes: Uint8Array;
  let photometricInterpretation = description.photometricInterpretation;
  if (NATIVE.has(ts)) {
    frameBytes = nativeFrame(parsed, description, frameIndex, subjectOptions);
  } else if (isDecodableTransferSyntax(ts)) {
    const decoded = codecDecode(parsed, description, frameIndex, subjectOptions);
    frameBytes = decoded.bytes;
    photometricInterpretation = decoded.photometricInterpretation;
  } else {
    throw new VertebraError('DICOM_UNSUPPORTED_TRANSFER_SYNTAX', `cannot decode pixel data in transfer syntax ${ts}`, { ...subjectOptions, details: { transferSyntaxUid: ts } });
  }
  const count = description.rows * description.columns * description.samplesPerPixel;
  const signed = description.pixelRepresentation === 1;
  const pixels = description.bitsAllocated === 1 ? frameBytes : toPixelArray(frameBytes, description.bitsAllocated, signed, count);
  normaliseStoredBits(pixels, description.bitsStored, description.bitsAllocated, signed);
  return {
    rows: description.rows,
    columns: description.columns,
    samplesPerPixel: description.samplesPerPixel,
    bitsAllocated: description.bitsAllocated,
    bitsStored: description.bitsStored,
    pixelRepresentation: description.pixelRepresentation,
    photometricInterpretation,
    planarConfiguration: 0,
    pixels,
    rescaleSlope: description.rescaleSlope,
    rescaleIntercept: description.rescaleIntercept,
    frameIndex,
    numberOfFrames: description.numberOfFrames,
    transferSyntaxUid: ts,
  };
}

/**
 * Decodes frame `frameIndex` (0-based) of a Part 10 file or raw data set. JPEG-family
 * transfer syntaxes need `await loadPixelCodecs()` first. Throws VertebraError only:
 * DICOM_UNSUPPORTED_TRANSFER_SYNTAX, DICOM_DECODE_FAILED, DICOM_NO_PIXEL_DATA,
 * DICOM_FRAME_OUT_OF_RANGE, DICOM_TRUNCATED and the parse errors of readDicomHeader.
 */
export function decodeFrame(bytes: Uint8Array, frameIndex: number, options: DecodeFrameOptions = {}): DecodedFrame {
  const subjectOptions = options.subject === undefined ? {} : { subject: options.subject };
  try {
    const parsed = parseDataSet(bytes, options);
    return decodeParsedFrame(parsed, frameIndex, subjectOptions);
  } catch (error) {
    if (error instanceof VertebraError) throw error;
    throw new VertebraError('DICOM_DECODE_FAILED', `cannot decode frame index ${frameIndex}: ${error instanceof Error ? error.message : String(error)}`, { ...subjectOptions, cause: error });
  }
}

/** decodeFrame after making sure the codecs are loaded. */
export async function decodeFrameAsync(bytes: Uint8Array, frameIndex: number, options: DecodeFrameOptions = {}): Promise<DecodedFrame> {
  await loadPixelCodecs();
  return decodeFrame(bytes, frameIndex, options);
}
