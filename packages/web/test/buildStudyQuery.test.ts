import { describe, expect, it } from 'vitest';
import { buildBodyPartSeriesQuery, buildStudyQuery } from '../src/dicomweb/buildStudyQuery.js';
import { formatDicomDate, formatPersonName, numberValues, stringValue, stringValues } from '../src/dicomweb/dicomJson.js';
import { parseHashRoute, studyHref } from '../src/useHashRoute.js';

describe('buildStudyQuery (QIDO-RS /studies)', () => {
  it('turns the worklist form into attribute matching, wildcards and a date range', () => {
    const q = buildStudyQuery({ patientName: ' Doe ', patientId: 'P-1', dateFrom: '2024-01-02', dateTo: '2024-03-04', modality: 'ct', limit: 50, offset: 100 });
    expect(q.get('PatientName')).toBe('*Doe*');
    expect(q.get('PatientID')).toBe('P-1');
    expect(q.get('StudyDate')).toBe('20240102-20240304');
    expect(q.get('ModalitiesInStudy')).toBe('CT');
    expect(q.get('limit')).toBe('50');
    expect(q.get('offset')).toBe('100');
    expect(q.getAll('includefield')).toContain('StudyDescription');
  });

  it('keeps explicit wildcards, open-ended and single-day ranges, and omits empty fields', () => {
    expect(buildStudyQuery({ patientName: 'Doe^J*' }).get('PatientName')).toBe('Doe^J*');
    expect(buildStudyQuery({ dateFrom: '2024-01-02' }).get('StudyDate')).toBe('20240102-');
    expect(buildStudyQuery({ dateTo: '2024-01-02' }).get('StudyDate')).toBe('-20240102');
    expect(buildStudyQuery({ dateFrom: '2024-01-02', dateTo: '2024-01-02' }).get('StudyDate')).toBe('20240102');
    const empty = buildStudyQuery({ patientName: '  ', modality: '' });
    expect([...empty.keys()].filter((k) => k !== 'includefield')).toEqual([]);
  });
});

describe('body part search (BodyPartExamined is a series-level key)', () => {
  it('asks /series for the studies with such a series, with the patient and study keys, then /studies by UID list', () => {
    expect(buildBodyPartSeriesQuery({ patientName: 'Doe' }, { limit: 1000 })).toBeUndefined();
    expect(buildBodyPartSeriesQuery({ bodyPart: '  ' }, { limit: 1000 })).toBeUndefined();
    const series = buildBodyPartSeriesQuery({ bodyPart: ' lspine ', patientName: 'Doe', dateFrom: '2024-01-02', modality: 'CT' }, { limit: 1000 })!;
    expect(series.get('BodyPartExamined')).toBe('*LSPINE*');
    expect(series.get('PatientName')).toBe('*Doe*');
    expect(series.get('StudyDate')).toBe('20240102-');
    expect(series.has('ModalitiesInStudy')).toBe(false); // a study-level key: applied by the /studies query
    expect(series.getAll('includefield')).toEqual(['StudyInstanceUID']);
    expect(series.get('limit')).toBe('1000');
    expect(buildBodyPartSeriesQuery({ bodyPart: 'L*SPINE' }, { limit: 5 })!.get('BodyPartExamined')).toBe('L*SPINE');
    const studies = buildStudyQuery({ modality: 'CT', studyInstanceUids: ['1.2.3', '1.2.4'] });
    expect(studies.get('StudyInstanceUID')).toBe('1.2.3,1.2.4');
    expect(studies.get('ModalitiesInStudy')).toBe('CT');
  });
});

describe('DICOM JSON values and routes', () => {
  const dataset = {
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^John^Q' }] },
    '00080061': { vr: 'CS', Value: ['CT', 'SR'] },
    '00200032': { vr: 'DS', Value: [1.5, '-2', 3] },
  };
  it('reads person names, multi-valued strings and numbers', () => {
    expect(formatPersonName(stringValue(dataset, '00100010'))).toBe('Doe, John Q');
    expect(stringValues(dataset, '00080061')).toEqual(['CT', 'SR']);
    expect(numberValues(dataset, '00200032')).toEqual([1.5, -2, 3]);
    expect(stringValue(dataset, '00080020')).toBe('');
    expect(formatDicomDate('20240102')).toBe('2024-01-02');
  });
  it('round-trips study routes through the URL hash', () => {
    expect(parseHashRoute(studyHref('1.2.840.1'))).toEqual({ page: 'study', studyInstanceUid: '1.2.840.1' });
    expect(parseHashRoute('')).toEqual({ page: 'worklist' });
    expect(parseHashRoute('#/studies/')).toEqual({ page: 'worklist' });
  });
});
