/**
 * The series path of the frame prefetcher, in pieces: readMultipartStream cuts parts by
 * Content-Length however the body is chunked (a delimiter inside the bytes does not matter)
 * and rejects parts without it; readNativeFrames returns the frames of native little-endian
 * Part 10 files as views of the file (as the WADO-RS frames resource would send them), and
 * nothing for data it must not pass on as is (unsigned values with bits above Bits Stored).
 */
import { describe, expect, it } from 'vitest';
import { writePart10 } from '@vertebra/dicom';
import { readMultipartStream, type MultipartPart } from '../src/dicomweb/readMultipartStream.js';
import { readNativeFrames } from '../src/dicomweb/readNativeFrames.js';
import { byteStreamInChunks, multipartBody, streamInChunks as streamOf } from './support/multipartBody.js';

const boundary = 'b-123';
const contentType = `multipart/related; type="application/dicom"; boundary=${boundary}`;
// A preamble CRLF, as some servers send.
const multipart = (parts: Uint8Array[], withLength = true): Uint8Array => multipartBody(boundary, parts, { withLength, preamble: '\r\n' });

describe('readMultipartStream', () => {
  const a = new Uint8Array(5000).map((_, i) => i & 0xff);
  a.set(new TextEncoder().encode(`\r\n--${boundary}\r\n`), 1200);
  const b = new Uint8Array(0);
  const c = new Uint8Array(37).fill(9);

  it('hands over every part, whole, however the body is chunked', async () => {
    for (const chunk of [1, 7, 64, 4096, 100_000]) {
      const parts: MultipartPart[] = [];
      await readMultipartStream(streamOf(multipart([a, b, c]), chunk), contentType, (p) => parts.push(p));
      expect(parts.map((p) => p.body.length)).toEqual([5000, 0, 37]);
      expect([...parts[0]!.body]).toEqual([...a]);
      expect([...parts[2]!.body]).toEqual([...c]);
      expect(parts[0]!.headers.get('content-type')).toBe('application/dicom');
    }
  });

  it('reads a byte stream straight into each part’s own buffer, however it is chunked', async () => {
    for (const chunk of [1, 7, 64, 4096, 100_000]) {
      const requests: number[] = [];
      const parts: MultipartPart[] = [];
      await readMultipartStream(byteStreamInChunks(multipart([a, b, c]), chunk, requests), contentType, (p) => parts.push(p));
      expect(parts.map((p) => p.body.length)).toEqual([5000, 0, 37]);
      expect([...parts[0]!.body]).toEqual([...a]);
      expect([...parts[2]!.body]).toEqual([...c]);
      // Each body is a buffer of its own, and the reads asked for the rest of the part (5000 bytes from the first read into it on), not header-sized pieces.
      expect(parts.every((p) => p.body.byteOffset === 0 && p.body.buffer.byteLength === p.body.length)).toBe(true);
      expect(Math.max(...requests)).toBeGreaterThan(1024);
    }
    await expect(readMultipartStream(byteStreamInChunks(multipart([a]).subarray(0, 3000), 512), contentType, () => undefined)).rejects.toThrow(/ended/);
  });

  it('rejects parts without Content-Length and bodies cut short', async () => {
    await expect(readMultipartStream(streamOf(multipart([c], false), 16), contentType, () => undefined)).rejects.toThrow(/Content-Length/);
    const whole = multipart([a]);
    await expect(readMultipartStream(streamOf(whole.subarray(0, 3000), 512), contentType, () => undefined)).rejects.toThrow(/ended/);
  });
});

function ct(options: { frames: number; bitsStored: number; signed: boolean; values: (i: number) => number; transferSyntaxUid?: string }): Uint8Array {
  const rows = 4;
  const columns = 3;
  const pixels = options.signed ? new Int16Array(rows * columns * options.frames) : new Uint16Array(rows * columns * options.frames);
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = options.values(i);
  return writePart10(
    {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      SOPInstanceUID: '1.2.3.4.5',
      Rows: rows,
      Columns: columns,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16,
      BitsStored: options.bitsStored,
      HighBit: options.bitsStored - 1,
      PixelRepresentation: options.signed ? 1 : 0,
      ...(options.frames > 1 ? { NumberOfFrames: options.frames } : {}),
      PixelData: new Uint8Array(pixels.buffer),
    },
    options.transferSyntaxUid === undefined ? {} : { transferSyntaxUid: options.transferSyntaxUid },
  );
}

describe('readNativeFrames', () => {
  it('returns each frame of a native little-endian instance as a view of the file', () => {
    const file = ct({ frames: 2, bitsStored: 12, signed: true, values: (i) => i * 10 - 50 });
    const native = readNativeFrames(file);
    expect(native?.sopInstanceUid).toBe('1.2.3.4.5');
    expect(native?.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(native?.frames).toHaveLength(2);
    const second = native!.frames[1]!;
    expect(second.buffer).toBe(file.buffer);
    expect([...new Int16Array(second.slice().buffer)]).toEqual(Array.from({ length: 12 }, (_, i) => (i + 12) * 10 - 50));
  });

  it('returns nothing for unsigned values with bits above Bits Stored, or for other transfer syntaxes', () => {
    expect(readNativeFrames(ct({ frames: 1, bitsStored: 12, signed: false, values: () => 0xf123 }))).toBeUndefined();
    expect(readNativeFrames(ct({ frames: 1, bitsStored: 16, signed: false, values: () => 0xf123 }))).toBeDefined();
    expect(readNativeFrames(ct({ frames: 1, bitsStored: 16, signed: false, values: () => 1, transferSyntaxUid: '1.2.840.10008.1.2.2' }))).toBeUndefined();
    expect(readNativeFrames(new Uint8Array(300))).toBeUndefined();
  });
});
