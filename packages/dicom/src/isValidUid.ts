/**
 * UID syntax checks (DICOM PS3.5 9.1): components of digits separated by '.', no
 * component empty, no leading zero in a multi-digit component, at most 64 characters.
 */

/** True when `uid` is a valid DICOM UID per PS3.5 9.1. */
export function isValidUid(uid: string): boolean {
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > 64) return false;
  return /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(uid);
}

/**
 * True when `uid` is safe to use as an identifier and file name even though it may break
 * PS3.5 9.1's leading-zero rule (common in real data): digits and dots only, at most 64
 * characters, no empty component (so never '.', '..' or a path).
 */
export function isSafeUid(uid: string): boolean {
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > 64) return false;
  return /^[0-9]+(\.[0-9]+)*$/.test(uid);
}
