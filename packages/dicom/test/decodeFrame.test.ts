import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import {
  decodeFrame,
  decodeFrameAsync,
  dicomToJson,
  loadPixelCodecs,
  readDicomHeader,
  transcodeToExplicitLittle,
  writePart10,
  type NaturalizedDataset,
  type PixelArray,
} from '@vertebra/dicom';
import { codeOf, dcmtk, jp2kFiles, makeTempDir, readBytes, syntheticDataset, syntheticPixels, type SyntheticImageSpec } from './testData.js';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

function frameOf(all: ArrayLike<number>, spec: SyntheticImageSpec, frame: number): number[] {
  const size = (spec.rows ?? 48) * (spec.columns ?? 64) * (spec.samplesPerPixel ?? 1);
  return Array.from({ length: size }, (_, i) => all[frame * size + i] ?? 0);
}

/** Transcodes with dcmjs-codecs' Transcoder (the codec library's own encoder). */
function encodeWithCodecLibrary(bytes: Uint8Array, transferSyntaxUid: string): Uint8Array {
  const { Transcoder } = require('dcmjs-codecs') as { Transcoder: new (buffer: ArrayBuffer) => { transcode(ts: string): void; getDicomPart10(): ArrayBuffer } };
  const transcoder = new Transcoder(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  transcoder.transcode(transferSyntaxUid);
  return new Uint8Array(transcoder.getDicomPart10());
}

let temp: ReturnType<typeof makeTempDir>;
beforeAll(async () => {
  temp = makeTempDir('vertebra-dicom-decode-');
  await loadPixelCodecs();
});
afterAll(() => temp.cleanup());

const ct12: SyntheticImageSpec = { bitsAllocated: 16, bitsStored: 12, signed: false, frames: 3, rescaleIntercept: -1024 };
const ct16s: SyntheticImageSpec = { bitsAllocated: 16, bitsStored: 16, signed: true, frames: 2 };
const mono8: SyntheticImageSpec = { bitsAllocated: 8, frames: 1 };
const rgb8: SyntheticImageSpec = { bitsAllocated: 8, samplesPerPixel: 3, frames: 2 };

function part10(spec: SyntheticImageSpec): Uint8Array {
  return writePart10(syntheticDataset(spec) as NaturalizedDataset);
}

function expectFrames(bytes: Uint8Array, spec: SyntheticImageSpec, tolerance: number, transferSyntaxUid: string): void {
  const expected = syntheticPixels(spec);
  const frames = spec.frames ?? 1;
  expect(readDicomHeader(bytes).transferSyntaxUid).toBe(transferSyntaxUid);
  for (let frame = 0; frame < frames; frame += 1) {
    const decoded = decodeFrame(bytes, frame, { subject: transferSyntaxUid });
    expect(decoded.rows).toBe(spec.rows ?? 48);
    expect(decoded.columns).toBe(spec.columns ?? 64);
    expect(decoded.numberOfFrames).toBe(frames);
    const diff = maxAbsDiff(decoded.pixels as PixelArray, frameOf(expected, spec, frame));
    if (tolerance === 0) expect(diff).toBe(0);
    else expect(diff).toBeLessThanOrEqual(tolerance);
  }
}

describe('decodeFrame: native transfer syntaxes', () => {
  it('decodes explicit VR little endian, multi-frame, signed and 12-bit', () => {
    expectFrames(part10(ct16s), ct16s, 0, '1.2.840.10008.1.2.1');
    expectFrames(part10(ct12), ct12, 0, '1.2.840.10008.1.2.1');
    const frame = decodeFrame(part10(ct16s), 1);
    expect(frame.pixels).toBeInstanceOf(Int16Array);
    expect(frame.pixelRepresentation).toBe(1);
    expect(decodeFrame(part10(ct12), 0).rescaleIntercept).toBe(-1024);
  });

  it('decodes implicit VR little endian, explicit big endian and deflated (dcmconv)', () => {
    for (const spec of [ct16s, ct12, mono8, rgb8]) {
      const source = part10(spec);
      expectFrames(dcmtk('dcmconv', ['+ti'], source, temp.dir, 'ti'), spec, 0, '1.2.840.10008.1.2');
      expectFrames(dcmtk('dcmconv', ['+tb'], source, temp.dir, 'tb'), spec, 0, '1.2.840.10008.1.2.2');
      expectFrames(dcmtk('dcmconv', ['+td'], source, temp.dir, 'td'), spec, 0, '1.2.840.10008.1.2.1.99');
    }
  });

  it('decodes planar colour data (PlanarConfiguration 1) to interleaved samples', () => {
    const spec = { ...rgb8, frames: 1 };
    const dataset = syntheticDataset(spec);
    const interleaved = syntheticPixels(spec);
    const planar = new Uint8Array(interleaved.length);
    const pixels = interleaved.length / 3;
    for (let p = 0; p < pixels; p += 1) for (let s = 0; s < 3; s += 1) planar[s * pixels + p] = interleaved[p * 3 + s] ?? 0;
    const bytes = writePart10({ ...dataset, PlanarConfiguration: 1, PixelData: planar } as NaturalizedDataset);
    expect(Array.from(decodeFrame(bytes, 0).pixels)).toEqual(Array.from(interleaved));
  });
});

describe('decodeFrame: compressed transfer syntaxes made by dcmtk', () => {
  it('RLE lossless (dcmcrle) is bit-exact, grey and colour', () => {
    for (const spec of [ct16s, ct12, mono8, rgb8]) {
      expectFrames(dcmtk('dcmcrle', [], part10(spec), temp.dir, 'rle'), spec, 0, '1.2.840.10008.1.2.5');
    }
  });

  it('JPEG lossless process 14 (.57) and SV1 (.70) are bit-exact, incl. fragments spanning frames and an empty offset table', () => {
    for (const spec of [ct16s, ct12, mono8]) {
      expectFrames(dcmtk('dcmcjpeg', ['+el'], part10(spec), temp.dir, 'jl'), spec, 0, '1.2.840.10008.1.2.4.57');
      expectFrames(dcmtk('dcmcjpeg', ['+e1'], part10(spec), temp.dir, 'j1'), spec, 0, '1.2.840.10008.1.2.4.70');
    }
    const big: SyntheticImageSpec = { ...ct12, rows: 96, columns: 128 };
    expectFrames(dcmtk('dcmcjpeg', ['+e1', '+fs', '1'], part10(big), temp.dir, 'jfrag'), big, 0, '1.2.840.10008.1.2.4.70');
    expectFrames(dcmtk('dcmcjpeg', ['+e1', '+fs', '1', '-ot'], part10(big), temp.dir, 'jfragnobot'), big, 0, '1.2.840.10008.1.2.4.70');
  });

  it('JPEG baseline (.50) and extended (.51) decode within lossy tolerance', () => {
    expectFrames(dcmtk('dcmcjpeg', ['+eb', '+q', '95'], part10(mono8), temp.dir, 'jb'), mono8, 40, '1.2.840.10008.1.2.4.50');
    const colour = dcmtk('dcmcjpeg', ['+eb', '+q', '95'], part10(rgb8), temp.dir, 'jbrgb');
    const frame = decodeFrame(colour, 1);
    expect(frame.photometricInterpretation).toBe('RGB');
    expect(frame.samplesPerPixel).toBe(3);
    const reference = frameOf(syntheticPixels(rgb8), rgb8, 1);
    const meanDiff = reference.reduce((sum, value, i) => sum + Math.abs(value - (frame.pixels[i] ?? 0)), 0) / reference.length;
    expect(meanDiff).toBeLessThan(8);
    expectFrames(dcmtk('dcmcjpeg', ['+ee', '+q', '95'], part10(ct12), temp.dir, 'je'), ct12, 200, '1.2.840.10008.1.2.4.51');
  });

  it('JPEG-LS lossless (.80) is bit-exact and near-lossless (.81) stays within NEAR', () => {
    for (const spec of [ct16s, ct12, mono8, rgb8]) {
      expectFrames(dcmtk('dcmcjpls', ['+el'], part10(spec), temp.dir, 'ls'), spec, 0, '1.2.840.10008.1.2.4.80');
    }
    expectFrames(dcmtk('dcmcjpls', ['+en', '+md', '2'], part10(ct12), temp.dir, 'lsn'), ct12, 2, '1.2.840.10008.1.2.4.81');
  });
});

describe('decodeFrame: JPEG 2000 and HTJ2K', () => {
  it('decodes the real JPEG 2000 series to Hounsfield units about -1024…1839', () => {
    let min = Infinity;
    let max = -Infinity;
    for (const path of jp2kFiles()) {
      const frame = decodeFrame(readBytes(path), 0, { subject: path });
      expect(frame.rows).toBe(512);
      expect(frame.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.90');
      for (const value of frame.pixels) {
        const hu = value * frame.rescaleSlope + frame.rescaleIntercept;
        if (hu < min) min = hu;
        if (hu > max) max = hu;
      }
    }
    expect(min).toBe(-1024);
    expect(max).toBeGreaterThan(1800);
    expect(max).toBeLessThan(1900);
  });

  it('round-trips JPEG 2000 lossless and HTJ2K lossless encoded by the codec library bit-exactly', () => {
    for (const spec of [ct16s, ct12, mono8]) {
      expectFrames(encodeWithCodecLibrary(part10(spec), '1.2.840.10008.1.2.4.90'), spec, 0, '1.2.840.10008.1.2.4.90');
      expectFrames(encodeWithCodecLibrary(part10(spec), '1.2.840.10008.1.2.4.201'), spec, 0, '1.2.840.10008.1.2.4.201');
    }
  });
});

describe('decodeFrame: failures', () => {
  it('rejects unknown transfer syntaxes', () => {
    const bytes = writePart10(syntheticDataset(mono8) as NaturalizedDataset, { transferSyntaxUid: '1.2.840.10008.1.2.4.100' });
    expect(codeOf(() => decodeFrame(bytes, 0, { subject: 'mpeg.dcm' }))).toBe('DICOM_UNSUPPORTED_TRANSFER_SYNTAX');
  });

  it('rejects corrupt codestreams with DICOM_DECODE_FAILED', () => {
    const original = readBytes(jp2kFiles()[0] ?? '');
    const offset = readDicomHeader(original).pixelDataOffset ?? 0;
    const corrupt = original.slice();
    // first fragment: BOT item header (8) + fragment item header (8), then the codestream; break its main header
    corrupt.fill(0x5a, offset + 16 + 4, offset + 16 + 60);
    expect(codeOf(() => decodeFrame(corrupt, 0, { subject: 'corrupt.dcm' }))).toBe('DICOM_DECODE_FAILED');
    const ls = dcmtk('dcmcjpls', ['+el'], part10(ct12), temp.dir, 'lsbad').slice();
    const lsOffset = readDicomHeader(ls).pixelDataOffset ?? 0;
    const codestream = lsOffset + 8 + new DataView(ls.buffer).getUint32(lsOffset + 4, true) + 8;
    expect(ls[codestream]).toBe(0xff);
    ls.fill(0x00, codestream + 2, codestream + 40);
    expect(codeOf(() => decodeFrame(ls, 0))).toBe('DICOM_DECODE_FAILED');
  });

  it('rejects out-of-range frames and instances without pixel data', () => {
    expect(codeOf(() => decodeFrame(part10(ct16s), 2))).toBe('DICOM_FRAME_OUT_OF_RANGE');
    expect(codeOf(() => decodeFrame(part10(ct16s), -1))).toBe('DICOM_FRAME_OUT_OF_RANGE');
    const dataset = syntheticDataset(mono8);
    delete dataset.PixelData;
    expect(codeOf(() => decodeFrame(writePart10(dataset as NaturalizedDataset), 0))).toBe('DICOM_NO_PIXEL_DATA');
  });

  it('decodeFrameAsync loads the codecs itself', async () => {
    const frame = await decodeFrameAsync(readBytes(jp2kFiles()[0] ?? ''), 0);
    expect(frame.pixels.length).toBe(512 * 512);
  });
});

describe('transcodeToExplicitLittle', () => {
  it('turns the JPEG 2000 sample into a valid explicit little endian file with the same pixels and attributes', () => {
    const original = readBytes(jp2kFiles()[0] ?? '');
    const native = transcodeToExplicitLittle(original);
    const header = readDicomHeader(native);
    expect(header.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(header.sopInstanceUid).toBe(readDicomHeader(original).sopInstanceUid);
    expect(Array.from(decodeFrame(native, 0).pixels)).toEqual(Array.from(decodeFrame(original, 0).pixels));
    const before = dicomToJson(original);
    const after = dicomToJson(native);
    delete before['7FE00010'];
    delete after['7FE00010'];
    expect(after).toEqual(before);
    const path = join(temp.dir, 'native.dcm');
    writeFileSync(path, native);
    expect(execFileSync('dcmdump', ['+E', path], { encoding: 'utf8' })).toContain('LittleEndianExplicit');
  });

  it('transcodes big endian, implicit, RLE, JPEG-LS and multi-frame JPEG lossless sources', () => {
    for (const [tool, args] of [['dcmconv', ['+tb']], ['dcmconv', ['+ti']], ['dcmcrle', []], ['dcmcjpls', ['+el']], ['dcmcjpeg', ['+e1', '+fs', '1']]] as const) {
      for (const spec of [ct16s, rgb8]) {
        if (tool === 'dcmcjpeg' && spec === rgb8) continue;
        const source = dcmtk(tool, [...args], part10(spec), temp.dir, `tx-${tool}`);
        const native = transcodeToExplicitLittle(source, { subject: tool });
        expectFrames(native, spec, 0, '1.2.840.10008.1.2.1');
        expect(dicomToJson(native)['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Synthetic^Spine' }] });
      }
    }
  });

  it('returns explicit little endian Part 10 input unchanged and wraps raw data sets in file meta', () => {
    const source = part10(ct16s);
    expect(transcodeToExplicitLittle(source)).toBe(source);
    const raw = source.subarray(132 + 12 + new DataView(source.buffer, source.byteOffset).getUint32(140, true));
    const wrapped = transcodeToExplicitLittle(raw);
    expect(readDicomHeader(wrapped).transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expectFrames(wrapped, ct16s, 0, '1.2.840.10008.1.2.1');
  });
});

describe('writePart10', () => {
  it('writes a file dcmtk reads, with Pixel Data as OW', () => {
    const path = join(temp.dir, 'written.dcm');
    writeFileSync(path, part10(ct16s));
    const dump = execFileSync('dcmdump', ['+E', path], { encoding: 'utf8' });
    expect(dump).toMatch(/\(7fe0,0010\) OW/);
    expect(dump).toContain('Synthetic^Spine');
  });

  it('refuses path-like UIDs', () => {
    expect(codeOf(() => writePart10({ ...syntheticDataset(mono8), SOPInstanceUID: '../../x' } as NaturalizedDataset))).toBe('DICOM_INVALID_UID');
  });
});
