/**
 * The one query path (QIDO-RS and C-FIND), against SQLite and PostgreSQL: PS3.4 C.2.2.2
 * matching (single value, wildcards with literal % and _, ranges, UID lists,
 * multiple values), case-insensitive and fuzzy person names, ModalitiesInStudy,
 * includefield, limit/offset, the four levels and their computed attributes, and the
 * errors for bad parameters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VertebraError } from '@vertebra/errors';
import type { Archive, QueryRequest } from '@vertebra/archive';
import { archiveBackends } from './archiveBackends.js';
import { makeTestInstance, type TestInstanceOptions } from './makeTestDicom.js';

interface SeedStudy {
  readonly key: string;
  readonly study: string;
  readonly patient: Pick<TestInstanceOptions, 'patientId' | 'patientName'>;
  readonly studyFields: TestInstanceOptions;
  readonly series: Array<{ uid: string; modality: string; number: number; instances: number }>;
}

const uid = (n: string) => `1.2.826.0.1.3680043.10.543.${n}`;
const seed: SeedStudy[] = [
  {
    key: 'S1', study: uid('1'), patient: { patientId: 'A%1', patientName: 'Doe^John' },
    studyFields: { studyDate: '20200315', studyTime: '101500', accessionNumber: 'ACC-1', studyDescription: 'LUMBAR SPINE', referringPhysicianName: 'Smith^Anna', extra: [{ tag: '00180050', vr: 'DS', value: '3' }] },
    series: [{ uid: uid('1.1'), modality: 'CT', number: 1, instances: 2 }, { uid: uid('1.2'), modality: 'MR', number: 2, instances: 1 }],
  },
  { key: 'S2', study: uid('2'), patient: { patientId: 'A_1', patientName: 'DOE^JANE' }, studyFields: { studyDate: '20201231', studyTime: '235959', accessionNumber: 'ACC-2' }, series: [{ uid: uid('2.1'), modality: 'CT', number: 1, instances: 1 }] },
  { key: 'S3', study: uid('3'), patient: { patientId: 'AB1', patientName: 'Müller^Jürgen' }, studyFields: { studyDate: '20190101', studyTime: '080000', accessionNumber: 'ACC-3' }, series: [{ uid: uid('3.1'), modality: 'MR', number: 5, instances: 1 }] },
  { key: 'S4', study: uid('4'), patient: { patientId: 'AX1', patientName: 'Smith^Doe' }, studyFields: { studyDate: '20210601', studyTime: '120000', accessionNumber: 'ACC-4' }, series: [{ uid: uid('4.1'), modality: 'CR', number: 1, instances: 1 }] },
  { key: 'S5', study: uid('5'), patient: { patientId: 'A!1', patientName: "O'Brien^Pat" }, studyFields: { studyDate: '', studyTime: '', accessionNumber: '' }, series: [{ uid: uid('5.1'), modality: 'OT', number: 1, instances: 1 }] },
];
const keyOfStudy = new Map(seed.map((s) => [s.study, s.key]));

describe.each(archiveBackends)('archive query on $name', (backend) => {
  let archive: Archive;

  beforeAll(async () => {
    ({ archive } = await backend.open());
    for (const s of seed) {
      for (const series of s.series) {
        for (let i = 1; i <= series.instances; i++) {
          const x = makeTestInstance({
            ...s.studyFields, ...s.patient, studyInstanceUid: s.study, seriesInstanceUid: series.uid, sopInstanceUid: `${series.uid}.${i}`,
            modality: series.modality, seriesNumber: series.number, instanceNumber: i,
          });
          const result = await archive.ingest({ bytes: x.bytes, source: { kind: 'import', label: `${s.key}-${i}` } });
          expect(result.outcome, result.error?.message).toBe('stored');
        }
      }
    }
  });
  afterAll(async () => {
    await archive?.close();
    await backend.cleanup();
  });

  const studies = async (match: Record<string, string>, extra: Partial<QueryRequest> = {}): Promise<string[]> => {
    const result = await archive.query({ level: 'STUDY', match, ...extra });
    return result.rows.map((r) => keyOfStudy.get(String(r['0020000D']?.Value?.[0])) ?? '?').sort();
  };
  const invalid = async (request: QueryRequest, subject: string): Promise<void> => {
    const error = await archive.query(request).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(VertebraError);
    expect((error as VertebraError).code).toBe('REQUEST_INVALID_PARAMETER');
    expect((error as VertebraError).subject).toBe(subject);
    expect((error as VertebraError).message).toContain(subject);
  };

  it('returns every study with the PS3.18 default study attributes and computed counts', async () => {
    const result = await archive.query({ level: 'STUDY', match: {} });
    expect(result.truncated).toBe(false);
    expect(result.rows).toHaveLength(5);
    const s1 = result.rows.find((r) => r['0020000D']?.Value?.[0] === uid('1'))!;
    for (const tag of ['00080020', '00080030', '00080050', '00080056', '00080061', '00080090', '00100010', '00100020', '00100030', '00100040', '0020000D', '00200010', '00201206', '00201208']) {
      expect(s1[tag], tag).toBeDefined();
    }
    expect(s1['00080061']).toEqual({ vr: 'CS', Value: ['CT', 'MR'] });
    expect(s1['00201206']).toEqual({ vr: 'IS', Value: [2] });
    expect(s1['00201208']).toEqual({ vr: 'IS', Value: [3] });
    expect(s1['00080056']).toEqual({ vr: 'CS', Value: ['ONLINE'] });
    expect(s1['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Doe^John' }] });
    expect(s1['00080090']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Smith^Anna' }] });
    const s5 = result.rows.find((r) => r['0020000D']?.Value?.[0] === uid('5'))!;
    expect(s5['00080020']).toEqual({ vr: 'DA' });
    expect(Object.keys(s1)).toEqual([...Object.keys(s1)].sort());
  });

  it('matches single values exactly and treats % and _ in values literally', async () => {
    expect(await studies({ PatientID: 'A%1' })).toEqual(['S1']);
    expect(await studies({ PatientID: 'A_1' })).toEqual(['S2']);
    expect(await studies({ PatientID: 'A!1' })).toEqual(['S5']);
    expect(await studies({ PatientID: 'a%1' })).toEqual([]);
    expect(await studies({ AccessionNumber: 'ACC-3' })).toEqual(['S3']);
    expect(await studies({ '00100020': 'AB1' })).toEqual(['S3']);
  });

  it('matches wildcards * and ? with literal %, _ and the escape character kept literal', async () => {
    expect(await studies({ PatientID: 'A_*' })).toEqual(['S2']);
    expect(await studies({ PatientID: 'A%*' })).toEqual(['S1']);
    expect(await studies({ PatientID: 'A!*' })).toEqual(['S5']);
    expect(await studies({ PatientID: 'A*1' })).toEqual(['S1', 'S2', 'S3', 'S4', 'S5']);
    expect(await studies({ PatientID: 'A?1' })).toEqual(['S1', 'S2', 'S3', 'S4', 'S5']);
    expect(await studies({ PatientID: '?B*' })).toEqual(['S3']);
    expect(await studies({ PatientID: '*' })).toEqual(['S1', 'S2', 'S3', 'S4', 'S5']);
    expect(await studies({ AccessionNumber: 'ACC-?' })).toEqual(['S1', 'S2', 'S3', 'S4']);
    expect(await studies({ PatientID: 'A%1\\AB1' })).toEqual(['S1', 'S3']);
  });

  it('matches PatientName case-insensitively, and by name-component prefix with fuzzy matching', async () => {
    expect(await studies({ PatientName: 'doe^john' })).toEqual(['S1']);
    expect(await studies({ PatientName: 'DOE*' })).toEqual(['S1', 'S2']);
    expect(await studies({ PatientName: '*doe' })).toEqual(['S4']);
    expect(await studies({ PatientName: 'müller*' })).toEqual(['S3']);
    expect(await studies({ PatientName: "o'brien^pat" })).toEqual(['S5']);
    expect(await studies({ PatientName: 'doe' })).toEqual([]);
    expect(await studies({ PatientName: 'jo' }, { fuzzyMatching: true })).toEqual(['S1']);
    expect(await studies({ PatientName: 'doe' }, { fuzzyMatching: true })).toEqual(['S1', 'S2', 'S4']);
    expect(await studies({ PatientName: 'jürg' }, { fuzzyMatching: true })).toEqual(['S3']);
    expect(await studies({ ReferringPhysicianName: 'SMITH*' })).toEqual(['S1']);
  });

  it('matches date and time ranges, open ranges and partial dates, never matching empty values', async () => {
    expect(await studies({ StudyDate: '20200101-20201231' })).toEqual(['S1', 'S2']);
    expect(await studies({ StudyDate: '-2019' })).toEqual(['S3']);
    expect(await studies({ StudyDate: '-20191231' })).toEqual(['S3']);
    expect(await studies({ StudyDate: '2021-' })).toEqual(['S4']);
    expect(await studies({ StudyDate: '2020' })).toEqual(['S1', 'S2']);
    expect(await studies({ StudyDate: '20200315' })).toEqual(['S1']);
    expect(await studies({ StudyDate: '202012-202106' })).toEqual(['S2', 'S4']);
    expect(await studies({ StudyTime: '100000-120000' })).toEqual(['S1', 'S4']);
    expect(await studies({ StudyTime: '23-' })).toEqual(['S2']);
    expect(await studies({ StudyTime: '10' })).toEqual(['S1']);
    expect(await studies({ StudyDate: '2020', PatientName: 'doe*' })).toEqual(['S1', 'S2']);
  });

  it('matches UID lists separated by backslash or comma', async () => {
    expect(await studies({ StudyInstanceUID: uid('1') })).toEqual(['S1']);
    expect(await studies({ StudyInstanceUID: `${uid('1')}\\${uid('3')}` })).toEqual(['S1', 'S3']);
    expect(await studies({ StudyInstanceUID: `${uid('2')},${uid('4')}` })).toEqual(['S2', 'S4']);
    expect(await studies({ StudyInstanceUID: '1.2.3.404' })).toEqual([]);
  });

  it('matches ModalitiesInStudy by any series modality', async () => {
    expect(await studies({ ModalitiesInStudy: 'MR' })).toEqual(['S1', 'S3']);
    expect(await studies({ ModalitiesInStudy: 'CT\\CR' })).toEqual(['S1', 'S2', 'S4']);
    expect(await studies({ ModalitiesInStudy: 'CT,CR' })).toEqual(['S1', 'S2', 'S4']);
    expect(await studies({ ModalitiesInStudy: 'C*' })).toEqual(['S1', 'S2', 'S4']);
    expect(await studies({ ModalitiesInStudy: 'ct' })).toEqual([]);
  });

  it('pages with limit and offset and reports truncation', async () => {
    const page1 = await archive.query({ level: 'STUDY', match: {}, limit: 2 });
    const page2 = await archive.query({ level: 'STUDY', match: {}, limit: 2, offset: 2 });
    const page3 = await archive.query({ level: 'STUDY', match: {}, limit: 2, offset: 4 });
    expect([page1.rows.length, page2.rows.length, page3.rows.length]).toEqual([2, 2, 1]);
    expect([page1.truncated, page2.truncated, page3.truncated]).toEqual([true, true, false]);
    const all = [...page1.rows, ...page2.rows, ...page3.rows].map((r) => r['0020000D']?.Value?.[0]);
    expect(new Set(all).size).toBe(5);
    const offsetOnly = await archive.query({ level: 'STUDY', match: {}, offset: 3 });
    expect(offsetOnly.rows).toHaveLength(2);
    expect((await archive.query({ level: 'STUDY', match: {}, limit: 5 })).truncated).toBe(false);
    expect((await archive.query({ level: 'STUDY', match: {}, limit: 0 })).rows).toEqual([]);
  });

  it('returns include fields: indexed ones, others from the stored metadata, and includefield=all at IMAGE level', async () => {
    const s1 = await archive.query({ level: 'STUDY', match: { StudyInstanceUID: uid('1') }, includeFields: ['00180050', 'StudyDescription'] });
    expect(s1.rows[0]!['00180050']).toEqual({ vr: 'DS', Value: [3] });
    expect(s1.rows[0]!['00081030']).toEqual({ vr: 'LO', Value: ['LUMBAR SPINE'] });
    // C-FIND style: an empty key asks for the attribute.
    const cfind = await archive.query({ level: 'STUDY', match: { StudyInstanceUID: uid('2'), '00180050': '' } });
    expect(cfind.rows[0]!['00180050']).toBeDefined();
    const series = await archive.query({ level: 'SERIES', match: { SeriesInstanceUID: uid('1.1') }, includeFields: ['00180050,00200013'] });
    expect(series.rows[0]!['00180050']).toEqual({ vr: 'DS', Value: [3] });
    const images = await archive.query({ level: 'IMAGE', match: { SOPInstanceUID: `${uid('1.1')}.2` }, includeFields: ['all'] });
    expect(images.rows).toHaveLength(1);
    const image = images.rows[0]!;
    expect(image['00180050']).toEqual({ vr: 'DS', Value: [3] });
    expect(image['00280002']).toEqual({ vr: 'US', Value: [1] });
    expect(image['7FE00010']).toBeUndefined();
    expect(image['00083002']).toEqual({ vr: 'UI', Value: ['1.2.840.10008.1.2.1'] });
  });

  it('queries at SERIES level with series counts and the study attributes', async () => {
    const ct = await archive.query({ level: 'SERIES', match: { Modality: 'CT' } });
    expect(ct.rows.map((r) => r['0020000E']?.Value?.[0]).sort()).toEqual([uid('1.1'), uid('2.1')]);
    const s1ct = ct.rows.find((r) => r['0020000E']?.Value?.[0] === uid('1.1'))!;
    expect(s1ct['00201209']).toEqual({ vr: 'IS', Value: [2] });
    expect(s1ct['00200011']).toEqual({ vr: 'IS', Value: [1] });
    expect(s1ct['00080060']).toEqual({ vr: 'CS', Value: ['CT'] });
    expect(s1ct['0020000D']).toEqual({ vr: 'UI', Value: [uid('1')] });
    expect(s1ct['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Doe^John' }] });
    const inStudy = await archive.query({ level: 'SERIES', match: { StudyInstanceUID: uid('1') } });
    expect(inStudy.rows).toHaveLength(2);
    expect((await archive.query({ level: 'SERIES', match: { SeriesNumber: '5' } })).rows.map((r) => r['0020000E']?.Value?.[0])).toEqual([uid('3.1')]);
    expect((await archive.query({ level: 'SERIES', match: { SeriesNumber: '1\\2', StudyInstanceUID: uid('1') } })).rows).toHaveLength(2);
  });

  it('queries at IMAGE level ordered by instance number', async () => {
    const images = await archive.query({ level: 'IMAGE', match: { StudyInstanceUID: uid('1') } });
    expect(images.rows.map((r) => r['00080018']?.Value?.[0])).toEqual([`${uid('1.1')}.1`, `${uid('1.1')}.2`, `${uid('1.2')}.1`]);
    const image = images.rows[0]!;
    for (const tag of ['00080016', '00080018', '00080056', '00200013', '00280010', '00280011', '00280100', '00280008', '0020000E', '0020000D']) expect(image[tag], tag).toBeDefined();
    expect(image['00280010']).toEqual({ vr: 'US', Value: [4] });
    expect((await archive.query({ level: 'IMAGE', match: { InstanceNumber: '2' } })).rows).toHaveLength(1);
    expect((await archive.query({ level: 'IMAGE', match: { SOPInstanceUID: `${uid('1.1')}.1,${uid('3.1')}.1` } })).rows).toHaveLength(2);
  });

  it('queries at PATIENT level with patient counts', async () => {
    const patients = await archive.query({ level: 'PATIENT', match: { PatientName: 'doe*' } });
    expect(patients.rows).toHaveLength(2);
    const john = patients.rows.find((r) => r['00100020']?.Value?.[0] === 'A%1')!;
    expect(john['00201200']).toEqual({ vr: 'IS', Value: [1] });
    expect(john['00201202']).toEqual({ vr: 'IS', Value: [2] });
    expect(john['00201204']).toEqual({ vr: 'IS', Value: [3] });
  });

  it('rejects bad parameters with REQUEST_INVALID_PARAMETER naming the key', async () => {
    await invalid({ level: 'STUDY', match: { NotAKeyword: 'x' } }, 'NotAKeyword');
    await invalid({ level: 'STUDY', match: { StudyDate: '2020-13-01' } }, 'StudyDate');
    await invalid({ level: 'STUDY', match: { StudyDate: '20201301' } }, 'StudyDate');
    await invalid({ level: 'STUDY', match: { StudyDate: 'yesterday' } }, 'StudyDate');
    await invalid({ level: 'STUDY', match: { StudyDate: '20201231-20200101' } }, 'StudyDate');
    await invalid({ level: 'STUDY', match: { StudyTime: '25' } }, 'StudyTime');
    await invalid({ level: 'STUDY', match: { StudyInstanceUID: '../../etc' } }, 'StudyInstanceUID');
    await invalid({ level: 'STUDY', match: { Modality: 'CT' } }, 'Modality');
    await invalid({ level: 'STUDY', match: { NumberOfStudyRelatedInstances: '5' } }, 'NumberOfStudyRelatedInstances');
    await invalid({ level: 'SERIES', match: { SeriesNumber: 'one' } }, 'SeriesNumber');
    await invalid({ level: 'STUDY', match: {}, includeFields: ['NotAKeyword'] }, 'includefield');
    await invalid({ level: 'STUDY', match: {}, limit: -1 }, 'limit');
    await invalid({ level: 'STUDY', match: {}, offset: 1.5 }, 'offset');
    await invalid({ level: 'WORKLIST' as never, match: {} }, 'level');
  });
});
