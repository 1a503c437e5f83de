/**
 * Unit tests of the DIMSE adapter's byte-level helpers: Part 10 framing of received
 * data sets, and identifier conversion to archive queries and back.
 */
import { describe, expect, it } from 'vitest';
import { readDicomHeader } from '@vertebra/dicom';
import { splitPart10, wrapDatasetAsPart10 } from '../../src/dimse/part10Framing.js';
import { encodeIdentifier, parseIdentifier } from '../../src/dimse/queryIdentifier.js';
import { datasetBytes, makeCtInstance } from './dimseTestSupport.js';

const ROOT = '1.2.826.0.1.3680043.8.498.78';

describe('Part 10 framing', () => {
  it('wraps a received data set without touching its bytes, and splits it back', () => {
    const original = makeCtInstance({
      patientName: 'A^B', patientId: 'X', studyInstanceUid: `${ROOT}.1`, seriesInstanceUid: `${ROOT}.1.1`,
      sopInstanceUid: `${ROOT}.1.1.1`, studyDate: '20240101', instanceNumber: 1,
    });
    const dataset = datasetBytes(original);
    const wrapped = wrapDatasetAsPart10({
      dataset, sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: `${ROOT}.1.1.1`,
      transferSyntaxUid: '1.2.840.10008.1.2.1', sourceAeTitle: 'MODALITY',
    });
    const split = splitPart10(wrapped);
    expect(split.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(split.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(split.sopInstanceUid).toBe(`${ROOT}.1.1.1`);
    expect(Buffer.from(split.dataset).equals(Buffer.from(dataset))).toBe(true);
    const header = readDicomHeader(wrapped);
    expect(header.sopInstanceUid).toBe(`${ROOT}.1.1.1`);
  });

  it('refuses bytes without the DICM prefix', () => {
    expect(() => splitPart10(new Uint8Array(200))).toThrow(/DICM/);
  });
});

describe('identifiers', () => {
  it('turns non-empty keys into matching keys and every key into a return key', () => {
    const parsed = parseIdentifier({
      QueryRetrieveLevel: 'STUDY',
      SpecificCharacterSet: 'ISO_IR 100',
      PatientName: [{ Alphabetic: 'DOE*' }],
      StudyDate: '20240101-20241231',
      ModalitiesInStudy: ['CT', 'MR'],
      StudyInstanceUID: '',
      AccessionNumber: '*',
      NumberOfStudyRelatedInstances: undefined,
      ReferencedStudySequence: [{ ReferencedSOPClassUID: '1.2' }],
    });
    expect(parsed.level).toBe('STUDY');
    expect(parsed.match).toEqual({ PatientName: 'DOE*', StudyDate: '20240101-20241231', ModalitiesInStudy: 'CT\\MR' });
    expect(parsed.returnKeys).toEqual([
      'PatientName', 'StudyDate', 'ModalitiesInStudy', 'StudyInstanceUID', 'AccessionNumber', 'NumberOfStudyRelatedInstances', 'ReferencedStudySequence',
    ]);
    expect(parsed.ignoredKeys).toEqual(['ReferencedStudySequence']);
    expect(parseIdentifier({ QueryRetrieveLevel: 'FRAME' }).level).toBeUndefined();
  });

  it('encodes a DICOM JSON row with exactly the requested keys, empty when unknown', () => {
    const bytes = encodeIdentifier({
      row: {
        '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JANE' }] },
        '0020000D': { vr: 'UI', Value: [`${ROOT}.1`] },
        '00201208': { vr: 'IS', Value: [12] },
        '00081030': { vr: 'LO', Value: ['not requested'] },
      },
      level: 'STUDY',
      returnKeys: ['PatientName', 'StudyInstanceUID', 'NumberOfStudyRelatedInstances', 'AccessionNumber'],
      transferSyntaxUid: '1.2.840.10008.1.2.1',
    });
    const text = Buffer.from(bytes).toString('latin1');
    expect(text).toContain('STUDY');
    expect(text).toContain('DOE^JANE');
    expect(text).toContain(`${ROOT}.1`);
    expect(text).toContain('12');
    expect(text).not.toContain('not requested');
    // (0008,0050) AccessionNumber present with zero length: tag 08 00 50 00, VR SH, length 0.
    expect(Buffer.from(bytes).includes(Buffer.from([0x08, 0x00, 0x50, 0x00, 0x53, 0x48, 0x00, 0x00]))).toBe(true);
  });
});
