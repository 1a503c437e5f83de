/**
 * One parse for both the archive's header (readDicomHeader) and the DICOM JSON Model
 * (dicomToJson, PS3.18 Annex F): the ingest path needs both for every object, and parsing
 * twice cost a second dicom-parser walk. The header is read at once (it validates the
 * object); the JSON is built only when asked for, from the same parsed data set, so a caller
 * can start other work (the durable blob write) in between.
 *
 * Errors are those of the two functions it replaces: when the whole data set cannot be
 * parsed, the header path decides the code (readDicomHeader's codes name what is wrong with
 * the header); when only the part after the header is unreadable, the whole-parse error is
 * thrown, as dicomToJson would.
 */
import { VertebraError } from '@vertebra/errors';
import type { DicomHeader } from './DicomHeader.js';
import { jsonOfParsed, type DicomJsonDataset, type DicomToJsonOptions } from './dicomToJson.js';
import { parseDataSet, type ParsedDataSet } from './parseDataSet.js';
import { headerOfParsed, readDicomHeader, type ReadDicomHeaderOptions } from './readDicomHeader.js';

export type DicomInstanceJsonOptions = Omit<DicomToJsonOptions, 'subject' | 'transferSyntaxUid'>;

export interface DicomInstance {
  readonly header: DicomHeader;
  /** DICOM JSON of the whole data set (as dicomToJson), from the parse already done. */
  toJson(options?: DicomInstanceJsonOptions): DicomJsonDataset;
}

/** Parses a Part 10 file or raw data set once; throws VertebraError only. */
export function readDicomInstance(bytes: Uint8Array, options: ReadDicomHeaderOptions = {}): DicomInstance {
  let parsed: ParsedDataSet;
  try {
    parsed = parseDataSet(bytes, options);
  } catch (error) {
    // Throws the header path's error when the header itself is unreadable.
    readDicomHeader(bytes, options);
    if (error instanceof VertebraError) throw error;
    throw new VertebraError('DICOM_MALFORMED', `the data set cannot be parsed: ${error instanceof Error ? error.message : String(error)}`, {
      ...(options.subject === undefined ? {} : { subject: options.subject }),
      cause: error,
    });
  }
  const header = headerOfParsed(parsed, options);
  const subject = options.subject;
  return {
    header,
    toJson: (jsonOptions = {}) => jsonOfParsed(parsed, { ...jsonOptions, ...(subject === undefined ? {} : { subject }) }),
  };
}
