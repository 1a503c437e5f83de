/**
 * Keyed, deterministic replacements for de-identification (DICOM PS3.15 Annex E):
 * pseudonymous UIDs for the U action (E.1.1; '2.25.' + the decimal of the first 128 bits
 * of HMAC-SHA256(key, uid), a UUID-derived UID form per PS3.5 B.2), a patient pseudonym
 * for Patient ID / Patient's Name, and the per-patient date offset of the Retain
 * Longitudinal Temporal Information with Modified Dates Option (E.3.6). The same key
 * gives the same values in every call, so studies of one patient stay linked.
 */
import { createHmac } from 'node:crypto';

export type DeidentificationKey = Uint8Array | string;

function hmac(key: DeidentificationKey, message: string): Buffer {
  return createHmac('sha256', key).update(message, 'utf8').digest();
}

/** '2.25.' + decimal of HMAC-SHA256(key, uid) truncated to 128 bits (at most 44 characters). */
export function pseudonymousUid(key: DeidentificationKey, uid: string): string {
  const digest = hmac(key, uid).subarray(0, 16);
  return `2.25.${BigInt(`0x${digest.toString('hex')}`).toString(10)}`;
}

/** The pseudonymous Patient ID (and Patient's Name) for an original Patient ID: 'VTB' + 20 hex digits. */
export function patientPseudonym(key: DeidentificationKey, patientId: string): string {
  return `VTB${hmac(key, `vertebra-patient-id\u0000${patientId}`).toString('hex').slice(0, 20).toUpperCase()}`;
}

/** Patient's Name for the pseudonym: family name = the pseudonym, given name ANON (a PN with components, PS3.5 6.2.1). */
export function patientNamePseudonym(key: DeidentificationKey, patientId: string): string {
  return `${patientPseudonym(key, patientId)}^ANON`;
}

/** True when a value has the form patientPseudonym or patientNamePseudonym produces. */
export function isPatientPseudonym(value: string): boolean {
  return /^VTB[0-9A-F]{20}(\^ANON)?$/.test(value);
}

/** Days added to every date of this patient: from −3650 to −365 (one to ten years back), never 0. */
export function dateOffsetDays(key: DeidentificationKey, patientId: string): number {
  const digest = hmac(key, `vertebra-date-offset\u0000${patientId}`);
  return -(365 + (digest.readUInt32BE(0) % 3286));
}

const DAY_MS = 86_400_000;

function shiftYmd(year: number, month: number, day: number, offsetDays: number): string | undefined {
  const time = Date.UTC(year, month - 1, day);
  const check = new Date(time);
  if (!Number.isFinite(time) || check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const shifted = new Date(time + offsetDays * DAY_MS);
  const y = shifted.getUTCFullYear();
  if (y < 1 || y > 9999) return undefined;
  return `${String(y).padStart(4, '0')}${String(shifted.getUTCMonth() + 1).padStart(2, '0')}${String(shifted.getUTCDate()).padStart(2, '0')}`;
}

/** Shifts one DA value (YYYYMMDD, or the ACR-NEMA YYYY.MM.DD); undefined when it is not a date. */
export function shiftDate(value: string, offsetDays: number): string | undefined {
  const match = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(value.trim());
  if (!match) return undefined;
  return shiftYmd(Number(match[1]), Number(match[2]), Number(match[3]), offsetDays);
}

/**
 * Shifts the date part of one DT value (YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]), keeping the
 * time and offset and the value's precision; undefined when it is not a date-time.
 */
export function shiftDateTime(value: string, offsetDays: number): string | undefined {
  const match = /^(\d{4})(\d{2})?(\d{2})?(\d{0,6}(?:\.\d{1,6})?(?:[+-]\d{4})?)$/.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day, rest] = match;
  const shifted = shiftYmd(Number(year), Number(month ?? '01'), Number(day ?? '01'), offsetDays);
  if (shifted === undefined) return undefined;
  const precision = 4 + (month === undefined ? 0 : 2) + (day === undefined ? 0 : 2);
  return shifted.slice(0, precision) + (rest ?? '');
}
