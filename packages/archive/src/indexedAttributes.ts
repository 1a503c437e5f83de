/**
 * The attributes the metadata index holds, per query level (PS3.4 C.6.1.1 / C.6.2.1 key
 * attributes, PS3.18 Table 6.7.1-1 matching keys and Table 6.7.1-2 default return
 * attributes), with the column each one lives in. QIDO-RS and C-FIND both resolve
 * keywords and tags through this one table.
 */
import type { QueryLevel } from './ArchiveService.js';

export type AttributeKind =
  /** case-sensitive string (LO, SH, CS): single value, wildcard, backslash list */
  | 'string'
  /** person name: matched case-insensitively against an upper-case copy */
  | 'personName'
  | 'uid'
  | 'date'
  | 'time'
  | 'integer'
  /** computed per row (counts, ModalitiesInStudy); only ModalitiesInStudy can be matched */
  | 'computed';

export type IndexedColumn =
  | 'p.patient_id' | 'p.patient_name' | 'p.patient_birth_date' | 'p.patient_sex'
  | 'st.study_instance_uid' | 'st.study_date' | 'st.study_time' | 'st.accession_number' | 'st.study_id'
  | 'st.study_description' | 'st.referring_physician_name'
  | 'se.series_instance_uid' | 'se.modality' | 'se.series_number' | 'se.series_description' | 'se.series_date'
  | 'se.series_time' | 'se.body_part_examined' | 'se.frame_of_reference_uid'
  | 'i.sop_instance_uid' | 'i.sop_class_uid' | 'i.instance_number' | 'i.rows' | 'i.columns'
  | 'i.bits_allocated' | 'i.number_of_frames' | 'i.transfer_syntax_uid';

export interface IndexedAttribute {
  readonly keyword: string;
  /** 'GGGGEEEE', upper-case hex, as in DICOM JSON. */
  readonly tag: string;
  readonly vr: string;
  readonly level: QueryLevel;
  readonly kind: AttributeKind;
  /** Column holding the value; absent for computed attributes. */
  readonly column?: IndexedColumn;
  /** Column holding the upper-case copy used for case-insensitive matching. */
  readonly normalizedColumn?: 'p.patient_name_norm' | 'st.referring_physician_name_norm';
}

export const indexedAttributes: readonly IndexedAttribute[] = [
  { keyword: 'PatientName', tag: '00100010', vr: 'PN', level: 'PATIENT', kind: 'personName', column: 'p.patient_name', normalizedColumn: 'p.patient_name_norm' },
  { keyword: 'PatientID', tag: '00100020', vr: 'LO', level: 'PATIENT', kind: 'string', column: 'p.patient_id' },
  { keyword: 'PatientBirthDate', tag: '00100030', vr: 'DA', level: 'PATIENT', kind: 'date', column: 'p.patient_birth_date' },
  { keyword: 'PatientSex', tag: '00100040', vr: 'CS', level: 'PATIENT', kind: 'string', column: 'p.patient_sex' },
  { keyword: 'NumberOfPatientRelatedStudies', tag: '00201200', vr: 'IS', level: 'PATIENT', kind: 'computed' },
  { keyword: 'NumberOfPatientRelatedSeries', tag: '00201202', vr: 'IS', level: 'PATIENT', kind: 'computed' },
  { keyword: 'NumberOfPatientRelatedInstances', tag: '00201204', vr: 'IS', level: 'PATIENT', kind: 'computed' },

  { keyword: 'StudyDate', tag: '00080020', vr: 'DA', level: 'STUDY', kind: 'date', column: 'st.study_date' },
  { keyword: 'StudyTime', tag: '00080030', vr: 'TM', level: 'STUDY', kind: 'time', column: 'st.study_time' },
  { keyword: 'AccessionNumber', tag: '00080050', vr: 'SH', level: 'STUDY', kind: 'string', column: 'st.accession_number' },
  { keyword: 'InstanceAvailability', tag: '00080056', vr: 'CS', level: 'STUDY', kind: 'computed' },
  { keyword: 'ModalitiesInStudy', tag: '00080061', vr: 'CS', level: 'STUDY', kind: 'computed' },
  { keyword: 'ReferringPhysicianName', tag: '00080090', vr: 'PN', level: 'STUDY', kind: 'personName', column: 'st.referring_physician_name', normalizedColumn: 'st.referring_physician_name_norm' },
  { keyword: 'StudyDescription', tag: '00081030', vr: 'LO', level: 'STUDY', kind: 'string', column: 'st.study_description' },
  { keyword: 'StudyInstanceUID', tag: '0020000D', vr: 'UI', level: 'STUDY', kind: 'uid', column: 'st.study_instance_uid' },
  { keyword: 'StudyID', tag: '00200010', vr: 'SH', level: 'STUDY', kind: 'string', column: 'st.study_id' },
  { keyword: 'NumberOfStudyRelatedSeries', tag: '00201206', vr: 'IS', level: 'STUDY', kind: 'computed' },
  { keyword: 'NumberOfStudyRelatedInstances', tag: '00201208', vr: 'IS', level: 'STUDY', kind: 'computed' },

  { keyword: 'SeriesDate', tag: '00080021', vr: 'DA', level: 'SERIES', kind: 'date', column: 'se.series_date' },
  { keyword: 'SeriesTime', tag: '00080031', vr: 'TM', level: 'SERIES', kind: 'time', column: 'se.series_time' },
  { keyword: 'Modality', tag: '00080060', vr: 'CS', level: 'SERIES', kind: 'string', column: 'se.modality' },
  { keyword: 'SeriesDescription', tag: '0008103E', vr: 'LO', level: 'SERIES', kind: 'string', column: 'se.series_description' },
  { keyword: 'BodyPartExamined', tag: '00180015', vr: 'CS', level: 'SERIES', kind: 'string', column: 'se.body_part_examined' },
  { keyword: 'SeriesInstanceUID', tag: '0020000E', vr: 'UI', level: 'SERIES', kind: 'uid', column: 'se.series_instance_uid' },
  { keyword: 'SeriesNumber', tag: '00200011', vr: 'IS', level: 'SERIES', kind: 'integer', column: 'se.series_number' },
  { keyword: 'FrameOfReferenceUID', tag: '00200052', vr: 'UI', level: 'SERIES', kind: 'uid', column: 'se.frame_of_reference_uid' },
  { keyword: 'NumberOfSeriesRelatedInstances', tag: '00201209', vr: 'IS', level: 'SERIES', kind: 'computed' },

  { keyword: 'SOPClassUID', tag: '00080016', vr: 'UI', level: 'IMAGE', kind: 'uid', column: 'i.sop_class_uid' },
  { keyword: 'SOPInstanceUID', tag: '00080018', vr: 'UI', level: 'IMAGE', kind: 'uid', column: 'i.sop_instance_uid' },
  { keyword: 'AvailableTransferSyntaxUID', tag: '00083002', vr: 'UI', level: 'IMAGE', kind: 'uid', column: 'i.transfer_syntax_uid' },
  { keyword: 'InstanceNumber', tag: '00200013', vr: 'IS', level: 'IMAGE', kind: 'integer', column: 'i.instance_number' },
  { keyword: 'NumberOfFrames', tag: '00280008', vr: 'IS', level: 'IMAGE', kind: 'integer', column: 'i.number_of_frames' },
  { keyword: 'Rows', tag: '00280010', vr: 'US', level: 'IMAGE', kind: 'integer', column: 'i.rows' },
  { keyword: 'Columns', tag: '00280011', vr: 'US', level: 'IMAGE', kind: 'integer', column: 'i.columns' },
  { keyword: 'BitsAllocated', tag: '00280100', vr: 'US', level: 'IMAGE', kind: 'integer', column: 'i.bits_allocated' },
];

const byKeyword = new Map(indexedAttributes.map((a) => [a.keyword.toLowerCase(), a]));
const byTag = new Map(indexedAttributes.map((a) => [a.tag, a]));

/** Looks an attribute up by keyword (case-insensitive) or 'GGGGEEEE' tag. */
export function findIndexedAttribute(key: string): IndexedAttribute | undefined {
  const trimmed = key.trim();
  if (/^[0-9a-fA-F]{8}$/.test(trimmed)) return byTag.get(trimmed.toUpperCase());
  return byKeyword.get(trimmed.toLowerCase());
}

export const levelDepth: Readonly<Record<QueryLevel, number>> = { PATIENT: 0, STUDY: 1, SERIES: 2, IMAGE: 3 };

/** PS3.18 Table 6.7.1-2 default return attributes (plus StudyDescription), per level. */
const defaultKeywords: Readonly<Record<QueryLevel, readonly string[]>> = {
  PATIENT: ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'NumberOfPatientRelatedStudies', 'NumberOfPatientRelatedSeries', 'NumberOfPatientRelatedInstances'],
  STUDY: [
    'StudyDate', 'StudyTime', 'AccessionNumber', 'InstanceAvailability', 'ModalitiesInStudy', 'ReferringPhysicianName',
    'StudyDescription', 'PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyInstanceUID', 'StudyID',
    'NumberOfStudyRelatedSeries', 'NumberOfStudyRelatedInstances',
  ],
  SERIES: ['Modality', 'SeriesDescription', 'SeriesInstanceUID', 'SeriesNumber', 'NumberOfSeriesRelatedInstances'],
  IMAGE: ['SOPClassUID', 'SOPInstanceUID', 'InstanceAvailability', 'InstanceNumber', 'Rows', 'Columns', 'BitsAllocated', 'NumberOfFrames'],
};

function attributesOf(keywords: readonly string[]): IndexedAttribute[] {
  return keywords.map((k) => {
    const attribute = findIndexedAttribute(k);
    if (!attribute) throw new Error(`indexedAttributes: unknown default keyword ${k}`);
    return attribute;
  });
}

/**
 * Default return attributes of a query at `level`: that level's own, plus those of the
 * levels above it (PS3.18 6.7.1.2.2: a series or instance query that does not name its
 * study in the path returns the study's attributes too).
 */
export function defaultReturnAttributes(level: QueryLevel): IndexedAttribute[] {
  const levels: QueryLevel[] = level === 'PATIENT' ? ['PATIENT'] : level === 'STUDY' ? ['STUDY'] : level === 'SERIES' ? ['STUDY', 'SERIES'] : ['STUDY', 'SERIES', 'IMAGE'];
  const seen = new Set<string>();
  const result: IndexedAttribute[] = [];
  for (const l of levels) {
    for (const a of attributesOf(defaultKeywords[l])) {
      if (!seen.has(a.tag)) {
        seen.add(a.tag);
        result.push(a);
      }
    }
  }
  return result;
}

/** Every indexed attribute a row at `level` can carry (includefield=all). */
export function allReturnAttributes(level: QueryLevel): IndexedAttribute[] {
  const depth = levelDepth[level];
  return indexedAttributes.filter((a) => {
    if (a.keyword.startsWith('NumberOfPatientRelated')) return level === 'PATIENT';
    if (level === 'PATIENT') return a.level === 'PATIENT';
    return levelDepth[a.level] <= depth || a.keyword === 'InstanceAvailability';
  });
}
