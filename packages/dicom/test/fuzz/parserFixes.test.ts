/** Regression tests for what the parser fuzz found in parseDataSet (each case also replayable from the fuzz seed). */
import { describe, expect, it } from 'vitest';
import { VertebraError } from '@vertebra/errors';
import { deidentifyPart10, dicomToJson, readDicomHeader } from '@vertebra/dicom';
import { afterAll } from 'vitest';
import { parseDataSet } from '../../src/parseDataSet.js';
import { identifyingFile } from '../deidentify/identifyingFile.js';
import { dcmtk, makeTempDir } from '../testData.js';
import { deeplyNestedFile } from './fuzzCorpus.js';

function rejection(call: () => unknown): VertebraError {
  try {
    call();
  } catch (error) {
    if (error instanceof VertebraError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('parseDataSet fixes found by the fuzz test', () => {
  it('sequences nested deeper than 64 levels: DICOM_MALFORMED naming the depth, for stack-overflowing depths too', () => {
    for (const depth of [65, 20000]) {
      const error = rejection(() => readDicomHeader(deeplyNestedFile(depth, false), { subject: 'deep.dcm' }));
      expect(error.code).toBe('DICOM_MALFORMED');
      expect(error.message).toMatch(/^deep\.dcm: sequences? .*nested/);
    }
    expect(Object.keys(dicomToJson(deeplyNestedFile(64, false)))).toContain('0040A730');
  });

  it('a sequence of undefined length cut before its delimiter: DICOM_TRUNCATED, not the parser\'s TypeError (found by the fuzz, e.g. seed 20261126 index 437)', () => {
    // the fuzz case: a defined-length sequence whose length field now says undefined, so no delimiter follows
    const bytes = deeplyNestedFile(5, false);
    const sq = Buffer.from([0x40, 0x00, 0x30, 0xa7, 0x53, 0x51]);
    const at = Buffer.from(bytes).indexOf(sq, Buffer.from(bytes).indexOf(sq) + 1); // the second level: nested item data sets lack dicom-parser's warning list
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(at + 8, 0xffffffff, true);
    const error = rejection(() => dicomToJson(bytes));
    expect(error.code).toBe('DICOM_TRUNCATED');
    expect(error.message).toMatch(/no delimiter/);
    expect(error.message).not.toMatch(/Cannot read properties/);
  });

  it('an element inside a sequence item whose length points past the end: DICOM_LENGTH_PAST_END in every entry point', () => {
    const bytes = identifyingFile({}, '1.2.840.10008.1.2');
    const at = Buffer.from(bytes).indexOf(Buffer.from('OTHER-ID-77'));
    expect(at).toBeGreaterThan(0);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(at - 4, 0x7ffffff0, true);
    for (const call of [() => readDicomHeader(bytes), () => dicomToJson(bytes), () => deidentifyPart10(bytes, { key: 'k' })]) {
      const error = rejection(call);
      expect(error.code).toBe('DICOM_LENGTH_PAST_END');
      expect(error.message).toMatch(/\(0010,0020\).*7FFFFFF0/);
    }
  });

  it('deflated data sets parse from the meta information on, whatever the preamble holds (no junk elements from the preamble)', () => {
    const temp = makeTempDir('vertebra-deflate-');
    afterAll(() => temp.cleanup());
    const deflated = dcmtk('dcmconv', ['+td'], identifyingFile(), temp.dir, 'deflate');
    const withPreamble = new Uint8Array(deflated);
    withPreamble.fill(0x41, 0, 128); // a non-zero preamble (PS3.10 7.1 allows any content, e.g. a TIFF header)
    for (const bytes of [deflated, withPreamble]) {
      const { dataSet, transferSyntaxUid } = parseDataSet(bytes);
      expect(transferSyntaxUid).toBe('1.2.840.10008.1.2.1.99');
      const junk = Object.keys(dataSet.elements).filter((key) => key.startsWith('x0000') || key === 'x4944434d' || key === 'x49444d43');
      expect(junk).toEqual([]);
      expect(readDicomHeader(bytes).patientId).toBe('MRN-0042');
      const keys = Object.keys(dicomToJson(bytes));
      expect(keys).toContain('00080005');
      expect(keys.filter((key) => key.startsWith('0000') || key === '4944434D')).toEqual([]);
    }
  });
});
