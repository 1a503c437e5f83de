/**
 * Worklist search criteria → QIDO-RS query parameters for /studies (PS3.18 10.6.1.2):
 * attribute matching by keyword, `*` wildcards for names (PS3.4 C.2.2.2.4), DA ranges
 * 'YYYYMMDD-YYYYMMDD' (C.2.2.2.5), includefield for the columns the table shows.
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

export function buildStudyQuery(criteria: StudySearchCriteria): URLSearchParams {
  const params = new URLSearchParams();
  if (criteria.patientName?.trim()) params.set('PatientName', wildcard(criteria.patientName));
  if (criteria.patientId?.trim()) params.set('PatientID', criteria.patientId.trim());
  const from = criteria.dateFrom ? toDicomDate(criteria.dateFrom) : '';
  const to = criteria.dateTo ? toDicomDate(criteria.dateTo) : '';
  if (from !== '' || to !== '') params.set('StudyDate', from === to ? from : `${from}-${to}`);
  if (criteria.modality?.trim()) params.set('ModalitiesInStudy', criteria.modality.trim().toUpperCase());
  for (const field of includeFields) params.append('includefield', field);
  if (criteria.limit !== undefined) params.set('limit', String(criteria.limit));
  if (criteria.offset !== undefined && criteria.offset > 0) params.set('offset', String(criteria.offset));
  return params;
}
