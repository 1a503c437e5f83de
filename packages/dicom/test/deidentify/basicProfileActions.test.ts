/** The Table E.1-1 data (PS3.15 Annex E) checked against the data dictionary, and the keyed helpers. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { basicProfileActions, dateOffsetDays, patientPseudonym, pseudonymousUid, resolveAction } from '@vertebra/dicom';
import { shiftDate, shiftDateTime } from '../../src/deidentify/pseudonyms.js';

const require = createRequire(import.meta.url);
const dictionary = (require('dcmjs') as { data: { DicomMetaDictionary: { dictionary: Record<string, { name: string; vr: string } | undefined> } } }).data.DicomMetaDictionary.dictionary;

describe('basicProfileActions (PS3.15 Table E.1-1)', () => {
  it('names every tag by its PS3.6 keyword (retired ones included) and is large enough to cover CT/MR/DX/XA/SR', () => {
    expect(basicProfileActions.size).toBeGreaterThan(300);
    for (const [tag, entry] of basicProfileActions) {
      const known = dictionary[`(${tag.slice(0, 4)},${tag.slice(4)})`];
      expect(known, tag).toBeDefined();
      expect(known?.name.replace(/^RETIRED_/, ''), tag).toBe(entry.keyword);
      if (entry.temporal) expect(['DA', 'DT', 'TM'], `${tag} temporal`).toContain(known?.vr);
    }
  });

  it('holds the attributes that identify patients in common objects, with the table actions', () => {
    const expected: Record<string, string> = {
      PatientName: 'Z', PatientID: 'Z', PatientBirthDate: 'Z', PatientSex: 'Z', OtherPatientIDsSequence: 'X', InstitutionName: 'X/Z/D',
      ReferringPhysicianName: 'Z', AccessionNumber: 'Z', StudyInstanceUID: 'U', SeriesInstanceUID: 'U', SOPInstanceUID: 'U', FrameOfReferenceUID: 'U',
      StudyDate: 'Z', ContentDate: 'Z/D', OperatorsName: 'X/Z/D', DeviceSerialNumber: 'X/Z/D', ReferencedImageSequence: 'X/Z/U*', ContentSequence: 'X',
      VerifyingObserverName: 'D', PersonName: 'D', RequestAttributesSequence: 'X', IconImageSequence: 'X', ImageComments: 'X', PatientAge: 'X',
    };
    const byKeyword = new Map([...basicProfileActions.values()].map((entry) => [entry.keyword, entry.action]));
    for (const [keyword, action] of Object.entries(expected)) expect(byKeyword.get(keyword), keyword).toBe(action);
  });

  it('resolves compound actions to one action', () => {
    expect(resolveAction('X/Z/D')).toBe('Z');
    expect(resolveAction('X/D')).toBe('X');
    expect(resolveAction('X/Z/U*')).toBe('U');
    expect(resolveAction('K')).toBe('K');
  });
});

describe('keyed pseudonyms and date shifts', () => {
  it('makes 2.25 UIDs from HMAC-SHA256 truncated to 128 bits', () => {
    const uid = pseudonymousUid('k', '1.2.3');
    expect(uid).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
    expect(BigInt(uid.slice(5)) < 2n ** 128n).toBe(true);
    expect(pseudonymousUid('k', '1.2.3')).toBe(uid);
    expect(pseudonymousUid('k2', '1.2.3')).not.toBe(uid);
  });

  it('derives the patient pseudonym and offset from key and Patient ID only', () => {
    expect(patientPseudonym('k', 'A')).toBe(patientPseudonym(new TextEncoder().encode('k'), 'A'));
    expect(patientPseudonym('k', 'A')).not.toBe(patientPseudonym('k', 'B'));
    for (const id of ['A', 'B', 'C', '', 'MRN-1']) {
      const offset = dateOffsetDays('k', id);
      expect(offset).toBeGreaterThanOrEqual(-3650);
      expect(offset).toBeLessThanOrEqual(-365);
    }
  });

  it('shifts DA and DT across month and leap-year boundaries, keeping time and precision', () => {
    expect(shiftDate('20240301', -1)).toBe('20240229');
    expect(shiftDate('2024.03.01', -1)).toBe('20240229');
    expect(shiftDate('20240230', -1)).toBeUndefined();
    expect(shiftDate('garbage', -1)).toBeUndefined();
    expect(shiftDateTime('20240301101500.123+0100', -1)).toBe('20240229101500.123+0100');
    expect(shiftDateTime('2024', -400)).toBe('2022');
    expect(shiftDateTime('202403', -1)).toBe('202402');
  });
});
