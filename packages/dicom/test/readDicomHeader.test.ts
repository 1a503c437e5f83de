import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VertebraError } from '@vertebra/errors';
import { isValidUid, readDicomHeader } from '@vertebra/dicom';
import { codeOf, crDir, dcmtk, findTag, jp2kFiles, makeTempDir, metaEnd, readBytes } from './testData.js';
import { join } from 'node:path';

const cr1 = readBytes(join(crDir, 'CR1.dcm'));
let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir('vertebra-dicom-header-');
});
afterAll(() => temp.cleanup());

describe('readDicomHeader on real samples', () => {
  it('reads the JPEG 2000 CT slice, taking SOP UIDs from the file meta with warnings', () => {
    const path = jp2kFiles()[0] ?? '';
    const header = readDicomHeader(readBytes(path), { subject: path });
    expect(header.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.90');
    expect(header.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(header.sopInstanceUid).toMatch(/^1\.3\.12\.2\.1107\.5\.1\.4\.60064\./);
    expect(header.studyInstanceUid).toBe('');
    expect(header.seriesInstanceUid).toBe('');
    expect(header.patientId).toBe('');
    expect(header.modality).toBe('CT');
    expect(header.rows).toBe(512);
    expect(header.columns).toBe(512);
    expect(header.bitsAllocated).toBe(16);
    expect(header.numberOfFrames).toBe(1);
    expect(header.sliceThicknessMm).toBe(3);
    expect(header.imageOrientationPatient).toHaveLength(6);
    expect(header.imagePositionPatient).toHaveLength(3);
    expect(header.pixelDataOffset).toBeGreaterThan(132);
    expect(header.warnings).toHaveLength(2);
    expect(header.warnings[0]).toContain('(0002,0002)');
    expect(header.warnings[1]).toContain('(0002,0003)');
    expect(header.warnings[0]).toContain(path);
  });

  it('reads every slice of the series with distinct instance UIDs and falling InstanceNumber', () => {
    const headers = jp2kFiles().map((path) => readDicomHeader(readBytes(path)));
    expect(new Set(headers.map((h) => h.sopInstanceUid)).size).toBe(20);
    expect(new Set(headers.map((h) => h.frameOfReferenceUid)).size).toBe(1);
    const numbers = headers.map((h) => h.instanceNumber ?? 0).sort((a, b) => a - b);
    expect(numbers[0]).toBe(267);
    expect(numbers[19]).toBe(286);
  });

  it('reads the CR radiographs', () => {
    const header = readDicomHeader(cr1, { subject: 'CR1.dcm' });
    expect(header.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(header.modality).toBe('CR');
    expect(header.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.1');
    expect(header.sopInstanceUid).toBe('1.3.6.1.4.1.5962.1.1.0.0.0.1196527414.5534.0.11');
    expect(header.accessionNumber).toBe('2');
    expect(header.studyDate).toBe('20010101');
    expect(header.warnings).toEqual([]);
    expect(header.studyInstanceUid).not.toBe('');
    for (const name of ['CR2.dcm', 'CR3.dcm']) {
      const other = readDicomHeader(readBytes(join(crDir, name)));
      expect(other.studyInstanceUid).toBe(header.studyInstanceUid);
      expect(other.sopInstanceUid).not.toBe(header.sopInstanceUid);
    }
  });

  it('reads raw explicit and implicit VR little endian data sets without preamble (as C-STORE delivers)', () => {
    const rawExplicit = cr1.subarray(metaEnd(cr1));
    const explicitHeader = readDicomHeader(rawExplicit);
    expect(explicitHeader.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(explicitHeader.sopInstanceUid).toBe('1.3.6.1.4.1.5962.1.1.0.0.0.1196527414.5534.0.11');
    const implicitFile = dcmtk('dcmconv', ['+ti'], cr1, temp.dir, 'implicit');
    const rawImplicit = implicitFile.subarray(metaEnd(implicitFile));
    const detected = readDicomHeader(rawImplicit);
    expect(detected.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    expect(detected.modality).toBe('CR');
    expect(detected.rows).toBe(explicitHeader.rows);
    const given = readDicomHeader(rawImplicit, { transferSyntaxUid: '1.2.840.10008.1.2' });
    expect(given.sopInstanceUid).toBe(explicitHeader.sopInstanceUid);
  });

  it('reads explicit VR big endian files', () => {
    const big = dcmtk('dcmconv', ['+tb'], cr1, temp.dir, 'big');
    const header = readDicomHeader(big);
    expect(header.transferSyntaxUid).toBe('1.2.840.10008.1.2.2');
    expect(header.rows).toBe(readDicomHeader(cr1).rows);
    expect(header.bitsAllocated).toBe(16);
  });
});

describe('readDicomHeader on bad input', () => {
  it('rejects a zero-byte file', () => {
    expect(() => readDicomHeader(new Uint8Array(0), { subject: 'empty.dcm' })).toThrow(/empty\.dcm: .*empty/);
    expect(codeOf(() => readDicomHeader(new Uint8Array(0)))).toBe('DICOM_EMPTY_FILE');
  });

  it('rejects non-DICOM data', () => {
    const text = new TextEncoder().encode('hello, this is not a DICOM file\n'.repeat(20));
    expect(codeOf(() => readDicomHeader(text, { subject: 'notes.txt' }))).toBe('DICOM_NOT_DICOM');
    expect(() => readDicomHeader(text, { subject: 'notes.txt' })).toThrow(/^notes\.txt: not DICOM/);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    expect(codeOf(() => readDicomHeader(png))).toBe('DICOM_NOT_DICOM');
    expect(codeOf(() => readDicomHeader(new Uint8Array([1, 2, 3])))).toBe('DICOM_NOT_DICOM');
  });

  it('rejects truncated files at every cut position with a catalogue error, never a raw exception', () => {
    const slice = readBytes(jp2kFiles()[0] ?? '');
    const headerEnd = (readDicomHeader(slice).pixelDataOffset ?? 0) + 16;
    const codes = new Set<string>();
    for (let cut = 1; cut < headerEnd; cut += 7) {
      const code = codeOf(() => readDicomHeader(slice.subarray(0, cut), { subject: 'cut.dcm' }));
      codes.add(code);
    }
    expect([...codes].every((code) => ['DICOM_TRUNCATED', 'DICOM_NOT_DICOM', 'DICOM_LENGTH_PAST_END', 'DICOM_MALFORMED'].includes(code))).toBe(true);
    expect(codes.has('DICOM_TRUNCATED')).toBe(true);
    // cut inside the data set's elements
    expect(codeOf(() => readDicomHeader(cr1.subarray(0, metaEnd(cr1) + 301)))).toBe('DICOM_TRUNCATED');
    // cut inside the JPEG 2000 codestream (encapsulated pixel data)
    expect(codeOf(() => readDicomHeader(slice.subarray(0, slice.length - 100)))).toBe('DICOM_TRUNCATED');
    // cut inside the native pixel data
    expect(codeOf(() => readDicomHeader(cr1.subarray(0, cr1.length - 10)))).toBe('DICOM_TRUNCATED');
  });

  it('rejects absurd declared lengths (0xFFFFFFF0) as lengths past the end', () => {
    const implicitFile = dcmtk('dcmconv', ['+ti'], cr1, temp.dir, 'implicit-len');
    const patched = implicitFile.slice();
    const at = findTag(patched, 0x0008, 0x0060, metaEnd(patched));
    new DataView(patched.buffer).setUint32(at + 4, 0xfffffff0, true);
    expect(codeOf(() => readDicomHeader(patched, { subject: 'absurd.dcm' }))).toBe('DICOM_LENGTH_PAST_END');
    expect(() => readDicomHeader(patched, { subject: 'absurd.dcm' })).toThrow(/absurd\.dcm: element \(0008,0060\).*4294967280/);

    const pixels = cr1.slice();
    const pixelAt = findTag(pixels, 0x7fe0, 0x0010);
    new DataView(pixels.buffer).setUint32(pixelAt + 8, 0xfffffff0, true);
    expect(codeOf(() => readDicomHeader(pixels))).toBe('DICOM_LENGTH_PAST_END');

    const meta = cr1.slice();
    const metaAt = findTag(meta, 0x0002, 0x0001);
    new DataView(meta.buffer).setUint32(metaAt + 8, 0xfffffff0, true);
    expect(codeOf(() => readDicomHeader(meta))).toBe('DICOM_LENGTH_PAST_END');
  });

  it('rejects a file meta without transfer syntax', () => {
    const patched = cr1.slice();
    const at = findTag(patched, 0x0002, 0x0010);
    patched[at + 2] = 0x11; // (0002,0010) → (0002,0011)
    expect(codeOf(() => readDicomHeader(patched, { subject: 'nots.dcm' }))).toBe('DICOM_MISSING_TRANSFER_SYNTAX');
    expect(() => readDicomHeader(patched, { subject: 'nots.dcm' })).toThrow(/nots\.dcm: .*\(0002,0010\)/);
  });

  it('rejects a data set without SOP instance UID in data set and meta', () => {
    const patched = cr1.slice();
    patched[findTag(patched, 0x0002, 0x0003) + 2] = 0x04;
    patched[findTag(patched, 0x0008, 0x0018, metaEnd(patched)) + 2] = 0x19;
    expect(codeOf(() => readDicomHeader(patched, { subject: 'nouid.dcm' }))).toBe('DICOM_MISSING_SOP_INSTANCE_UID');
  });

  it('rejects path-like and malformed UIDs', () => {
    const patched = cr1.slice();
    const at = findTag(patched, 0x0008, 0x0018, metaEnd(patched));
    const length = new DataView(patched.buffer).getUint16(at + 6, true);
    const value = new TextEncoder().encode('../../x'.padEnd(length, ' '));
    patched.set(value, at + 8);
    expect(codeOf(() => readDicomHeader(patched, { subject: 'evil.dcm' }))).toBe('DICOM_INVALID_UID');
    expect(() => readDicomHeader(patched, { subject: 'evil.dcm' })).toThrow(/evil\.dcm: SOP Instance UID .*"\.\.\/\.\.\/x"/);
  });

  it('never throws anything but VertebraError on corrupted headers', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 300; round += 1) {
      const patched = cr1.slice();
      for (let flip = 0; flip < 4; flip += 1) {
        const at = 128 + Math.floor(random() * (patched.length - 128));
        patched[at] = Math.floor(random() * 256);
      }
      try {
        readDicomHeader(patched);
      } catch (error) {
        expect(error).toBeInstanceOf(VertebraError);
      }
    }
  });
});

describe('isValidUid', () => {
  it('follows PS3.5 9.1', () => {
    expect(isValidUid('1.2.840.10008.1.2.1')).toBe(true);
    expect(isValidUid('0')).toBe(true);
    expect(isValidUid('../../x')).toBe(false);
    expect(isValidUid('1.2.')).toBe(false);
    expect(isValidUid('1..2')).toBe(false);
    expect(isValidUid('1.02')).toBe(false);
    expect(isValidUid('')).toBe(false);
    expect(isValidUid('1.' + '2'.repeat(63))).toBe(false);
    expect(isValidUid('1.2.3a')).toBe(false);
  });
});
