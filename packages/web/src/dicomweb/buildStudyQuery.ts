/**
 * Worklist search criteria → QIDO-RS query parameters for /studies (PS3.18 10.6.1.2):
 * attribute matching by keyword, `*` wildcards for names (PS3.4 C.2.2.2.4), DA ranges
 * 'YYYYMMDD-YYYYMMDD' (C.2.2.2.5), includefield for the columns the table shows.
 * BodyPartExamined (0018,0015) is a series-level attribute (PS3.4 C.6.1.1.4), so a body part
 * search first asks /series (with the patient and study keys, which a series-level query may
 * carry) for the studies that have such a series, then /studies for those UIDs (UID list
 * matching, C.2.2.2.2).
 */
export interface StudySearchCriteria {
  /** Free text; matched as a prefix/substring wildcard on PatientName. */
  readonly patientName?: string;
  readonly patientId?: string;
  /** 'YYYY-MM-DD' (from an <input type=date>) or 'YYYYMMDD'. */
  readonly dateFrom?: string;
  readonly dateTo?: string;
  /** One modality code (CT, MR, CR, DX, XA, RF, …); empty for any. */
  readonly modality?: string;
  /** BodyPartExamined of any series of the study (LSPINE, CSPINE, SPINE…); a substring unless it has wildcards. */
  readonly bodyPart?: string;
  /** Only these studies (UID list matching); set by the body part search. */
  readonly studyInstanceUids?: readonly string[];
  readonly limit?: number;
  readonly offset?: number;
}

const includeFields = ['StudyDescription', 'ModalitiesInStudy', 'NumberOfStudyRelatedSeries', 'NumberOfStudyRelatedInstances', 'AccessionNumber', 'StudyTime'];

function toDicomDate(value: string): string {
  return value.replace(/-/g, '');
}

function wildcard(text: string): string {
  const trimmed = text.trim();
  if (trimmed.includes('*') || trimmed.includes('?')) return trimmed;
  return `*${trimmed}*`;
}

/** Patient and study keys, valid at the study and the series level. */
function setPatientAndStudyKeys(params: URLSearchParams, criteria: StudySearchCriteria): void {
  if (criteria.patientName?.trim()) params.set('PatientName', wildcard(criteria.patientName));
  if (criteria.patientId?.trim()) params.set('PatientID', criteria.patientId.trim());
  const from = criteria.dateFrom ? toDicomDate(criteria.dateFrom) : '';
  const to = criteria.dateTo ? toDicomDate(criteria.dateTo) : '';
  if (from !== '' || to !== '') params.set('StudyDate', from === to ? from : `${from}-${to}`);
}

/** The series-level query (/series) that finds the studies with a series of the body part; undefined when no body part is asked for. */
export function buildBodyPartSeriesQuery(criteria: StudySearchCriteria, options: { limit: number }): URLSearchParams | undefined {
  const bodyPart = criteria.bodyPart?.trim().toUpperCase() ?? '';
  if (bodyPart === '') return undefined;
  const params = new URLSearchParams();
  params.set('BodyPartExamined', wildcard(bodyPart));
  setPatientAndStudyKeys(params, criteria);
  params.append('includefield', 'StudyInstanceUID');
  params.set('limit', String(options.limit));
  return params;
}

export function buildStudyQuery(criteria: StudySearchCriteria): URLSearchParams {
  const params = new URLSearchParams();
  setPatientAndStudyKeys(params, criteria);
  if (criteria.studyInstanceUids !== undefined) params.set('StudyInstanceUID', criteria.studyInstanceUids.join(','));
  if (criteria.modality?.trim()) params.set('ModalitiesInStudy', criteria.modality.trim().toUpperCase());
  for (const field of includeFields) params.append('includefield', field);
  if (criteria.limit !== undefined) params.set('limit', String(criteria.limit));
  if (criteria.offset !== undefined && criteria.offset > 0) params.set('offset', String(criteria.offset));
  return params;
}
