/** One worklist row and one series-browser entry, read from QIDO-RS results (PS3.18 10.6.3). */
import { formatDicomDate, formatPersonName, numberValue, stringValue, stringValues, tags, type DicomJsonDataset } from './dicomJson.js';

export interface StudySummary {
  readonly studyInstanceUid: string;
  readonly patientName: string;
  readonly patientId: string;
  readonly studyDate: string;
  readonly description: string;
  readonly modalities: readonly string[];
  readonly accessionNumber: string;
  readonly seriesCount: number | undefined;
  readonly instanceCount: number | undefined;
}

export interface SeriesSummary {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly modality: string;
  readonly seriesNumber: number | undefined;
  readonly description: string;
  readonly bodyPart: string;
  readonly instanceCount: number | undefined;
}

export function toStudySummary(dataset: DicomJsonDataset): StudySummary {
  return {
    studyInstanceUid: stringValue(dataset, tags.StudyInstanceUID),
    patientName: formatPersonName(stringValue(dataset, tags.PatientName)),
    patientId: stringValue(dataset, tags.PatientID),
    studyDate: formatDicomDate(stringValue(dataset, tags.StudyDate)),
    description: stringValue(dataset, tags.StudyDescription),
    modalities: stringValues(dataset, tags.ModalitiesInStudy),
    accessionNumber: stringValue(dataset, tags.AccessionNumber),
    seriesCount: numberValue(dataset, tags.NumberOfStudyRelatedSeries),
    instanceCount: numberValue(dataset, tags.NumberOfStudyRelatedInstances),
  };
}

export function toSeriesSummary(dataset: DicomJsonDataset, studyInstanceUid: string): SeriesSummary {
  return {
    studyInstanceUid,
    seriesInstanceUid: stringValue(dataset, tags.SeriesInstanceUID),
    modality: stringValue(dataset, tags.Modality),
    seriesNumber: numberValue(dataset, tags.SeriesNumber),
    description: stringValue(dataset, tags.SeriesDescription),
    bodyPart: stringValue(dataset, tags.BodyPartExamined),
    instanceCount: numberValue(dataset, tags.NumberOfSeriesRelatedInstances),
  };
}
