/**
 * The one catalogue of Vertebra errors. Each entry fixes the code, a message template,
 * and how every transport reports it: HTTP status, DIMSE status (PS3.7 Annex C; STOW-RS
 * failure reasons reuse these, PS3.18 Table 10.5.3-1) and the CLI exit code (sysexits.h).
 * Transports never invent their own error codes: they look the entry up here.
 */
export interface ErrorDefinition {
  readonly httpStatus: number;
  /** DIMSE / PS3.18 failure reason status code. */
  readonly dimseStatus: number;
  /** Process exit code for the CLI (sysexits.h). */
  readonly exitCode: number;
  readonly summary: string;
}

/** DIMSE status values used below (PS3.7 C.4, PS3.4 B.2.3). */
export const DimseStatus = {
  success: 0x0000,
  warningCoercion: 0xb000,
  warningElementsDiscarded: 0xb006,
  processingFailure: 0x0110,
  duplicateSopInstance: 0x0111,
  noSuchSopClass: 0x0118,
  classInstanceConflict: 0x0119,
  sopClassNotSupported: 0x0122,
  transferSyntaxNotSupported: 0xc122,
  outOfResources: 0xa700,
  dataSetDoesNotMatchSopClass: 0xa900,
  cannotUnderstand: 0xc000,
  identifierDoesNotMatchSopClass: 0xa900,
  unableToProcess: 0xc001,
  moveDestinationUnknown: 0xa801,
  refusedNotAuthorized: 0x0124,
} as const;

export const errorCatalogue = {
  DICOM_EMPTY_FILE: { httpStatus: 400, dimseStatus: DimseStatus.cannotUnderstand, exitCode: 65, summary: 'the file is empty (0 bytes)' },
  DICOM_NOT_DICOM: { httpStatus: 400, dimseStatus: DimseStatus.cannotUnderstand, exitCode: 65, summary: 'the data is not DICOM (no DICM prefix and no recognisable data set)' },
  DICOM_TRUNCATED: { httpStatus: 400, dimseStatus: DimseStatus.cannotUnderstand, exitCode: 65, summary: 'the data set ends before an element it declares' },
  DICOM_LENGTH_PAST_END: { httpStatus: 400, dimseStatus: DimseStatus.cannotUnderstand, exitCode: 65, summary: 'an element length points past the end of the data' },
  DICOM_MALFORMED: { httpStatus: 400, dimseStatus: DimseStatus.cannotUnderstand, exitCode: 65, summary: 'the data set cannot be parsed' },
  DICOM_MISSING_TRANSFER_SYNTAX: { httpStatus: 400, dimseStatus: DimseStatus.cannotUnderstand, exitCode: 65, summary: 'the file meta information has no Transfer Syntax UID (0002,0010)' },
  DICOM_UNSUPPORTED_TRANSFER_SYNTAX: { httpStatus: 415, dimseStatus: DimseStatus.transferSyntaxNotSupported, exitCode: 65, summary: 'the transfer syntax is not supported' },
  DICOM_MISSING_SOP_INSTANCE_UID: { httpStatus: 400, dimseStatus: DimseStatus.dataSetDoesNotMatchSopClass, exitCode: 65, summary: 'no SOP Instance UID in the data set or the file meta information' },
  DICOM_MISSING_SOP_CLASS_UID: { httpStatus: 400, dimseStatus: DimseStatus.dataSetDoesNotMatchSopClass, exitCode: 65, summary: 'no SOP Class UID in the data set or the file meta information' },
  DICOM_INVALID_UID: { httpStatus: 400, dimseStatus: DimseStatus.dataSetDoesNotMatchSopClass, exitCode: 65, summary: 'a UID is not a valid DICOM UID (PS3.5 9.1: digits and dots, at most 64 characters)' },
  DICOM_UID_MISMATCH: { httpStatus: 409, dimseStatus: DimseStatus.dataSetDoesNotMatchSopClass, exitCode: 65, summary: 'the data set names another SOP Class or Instance UID than the request announced' },
  DEIDENTIFICATION_FAILED: { httpStatus: 500, dimseStatus: DimseStatus.processingFailure, exitCode: 65, summary: 'an identifying attribute survived de-identification; nothing was written' },
  DICOM_SOP_CLASS_NOT_SUPPORTED: { httpStatus: 400, dimseStatus: DimseStatus.sopClassNotSupported, exitCode: 65, summary: 'the SOP class is not a storage SOP class this archive accepts' },
  DICOM_DECODE_FAILED: { httpStatus: 422, dimseStatus: DimseStatus.processingFailure, exitCode: 65, summary: 'the pixel data cannot be decoded' },
  DICOM_NO_PIXEL_DATA: { httpStatus: 404, dimseStatus: DimseStatus.processingFailure, exitCode: 65, summary: 'the instance has no pixel data' },
  DICOM_FRAME_OUT_OF_RANGE: { httpStatus: 404, dimseStatus: DimseStatus.processingFailure, exitCode: 64, summary: 'the frame number is outside the instance' },
  NIFTI_INVALID: { httpStatus: 400, dimseStatus: DimseStatus.cannotUnderstand, exitCode: 65, summary: 'the file is not a readable NIfTI-1/2 image' },
  VOLUME_ASSEMBLY_FAILED: { httpStatus: 422, dimseStatus: DimseStatus.processingFailure, exitCode: 65, summary: 'the instances cannot be assembled into one volume' },
  ARCHIVE_INSTANCE_CONFLICT: { httpStatus: 409, dimseStatus: DimseStatus.duplicateSopInstance, exitCode: 65, summary: 'a different object is already stored under this SOP Instance UID' },
  ARCHIVE_NOT_FOUND: { httpStatus: 404, dimseStatus: DimseStatus.unableToProcess, exitCode: 66, summary: 'no such study, series or instance in the archive' },
  ARCHIVE_STORAGE_FAILED: { httpStatus: 500, dimseStatus: DimseStatus.outOfResources, exitCode: 74, summary: 'the archive could not write the instance' },
  ARCHIVE_TOO_LARGE: { httpStatus: 413, dimseStatus: DimseStatus.outOfResources, exitCode: 65, summary: 'the object is larger than the configured limit' },
  REQUEST_ROUTE_NOT_FOUND: { httpStatus: 404, dimseStatus: DimseStatus.unableToProcess, exitCode: 64, summary: 'no such route' },
  REQUEST_INVALID_PARAMETER: { httpStatus: 400, dimseStatus: DimseStatus.identifierDoesNotMatchSopClass, exitCode: 64, summary: 'a request parameter is invalid' },
  REQUEST_BODY_TOO_LARGE: { httpStatus: 413, dimseStatus: DimseStatus.outOfResources, exitCode: 64, summary: 'the request body is larger than the configured limit' },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, dimseStatus: DimseStatus.cannotUnderstand, exitCode: 64, summary: 'the request media type is not supported' },
  REQUEST_NOT_ACCEPTABLE: { httpStatus: 406, dimseStatus: DimseStatus.cannotUnderstand, exitCode: 64, summary: 'none of the accepted media types or transfer syntaxes can be produced' },
  REQUEST_MALFORMED_MULTIPART: { httpStatus: 400, dimseStatus: DimseStatus.cannotUnderstand, exitCode: 64, summary: 'the multipart/related body is malformed' },
  DIMSE_UNKNOWN_DESTINATION: { httpStatus: 400, dimseStatus: DimseStatus.moveDestinationUnknown, exitCode: 64, summary: 'the move destination AE title is not configured' },
  DIMSE_PEER_FAILED: { httpStatus: 502, dimseStatus: DimseStatus.unableToProcess, exitCode: 69, summary: 'the remote DICOM peer failed or refused the operation' },
  CONFIG_INVALID: { httpStatus: 500, dimseStatus: DimseStatus.unableToProcess, exitCode: 78, summary: 'the configuration is invalid' },
  AUTH_REQUIRED: { httpStatus: 401, dimseStatus: DimseStatus.refusedNotAuthorized, exitCode: 77, summary: 'authentication is required (HTTP Basic, a bearer token or a session)' },
  AUTH_INVALID_CREDENTIALS: { httpStatus: 401, dimseStatus: DimseStatus.refusedNotAuthorized, exitCode: 77, summary: 'the user name, password or token is not valid' },
  AUTH_FORBIDDEN: { httpStatus: 403, dimseStatus: DimseStatus.refusedNotAuthorized, exitCode: 77, summary: 'this role may not perform the operation' },
  AUTH_CSRF_FAILED: { httpStatus: 403, dimseStatus: DimseStatus.refusedNotAuthorized, exitCode: 77, summary: 'the request lacks the session\'s CSRF token (X-CSRF-Token header)' },
  AUTH_RATE_LIMITED: { httpStatus: 429, dimseStatus: DimseStatus.outOfResources, exitCode: 75, summary: 'too many failed attempts; try again later' },
  USER_EXISTS: { httpStatus: 409, dimseStatus: DimseStatus.unableToProcess, exitCode: 65, summary: 'a user with this name already exists' },
  USER_NOT_FOUND: { httpStatus: 404, dimseStatus: DimseStatus.unableToProcess, exitCode: 67, summary: 'no such user' },
  ANALYSIS_NOT_APPLICABLE: { httpStatus: 409, dimseStatus: DimseStatus.unableToProcess, exitCode: 65, summary: 'the series cannot be analysed (not a CT volume, a localizer, too few slices, or analysis is disabled)' },
  ANALYSIS_FAILED: { httpStatus: 500, dimseStatus: DimseStatus.processingFailure, exitCode: 70, summary: 'the analysis job failed (the worker crashed, ran out of memory or took too long)' },
  INTERNAL: { httpStatus: 500, dimseStatus: DimseStatus.processingFailure, exitCode: 70, summary: 'an internal error occurred' },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof errorCatalogue;
