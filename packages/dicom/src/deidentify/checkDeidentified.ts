/**
 * Verifies a de-identified object against the Basic Application Level Confidentiality
 * Profile (DICOM PS3.15 E.1, Table E.1-1, as basicProfileActions.ts holds it) with the
 * E.3.6 modified-dates option: no attribute the profile removes (X) or empties (Z)
 * survives with a value, at any depth of sequences; no private group (E.3.10 Retain Safe
 * Private not applied), curve (50xx) or overlay (60xx) group survives; Patient ID and
 * Patient's Name hold a pseudonym; Patient Identity Removed (0012,0062) is YES and
 * Longitudinal Temporal Information Modified (0028,0303) is MODIFIED. Given the
 * originals, it also reports any original UID or identifying text that survives.
 */
import { createRequire } from 'node:module';
import { parseDataSet, stringOf, type DataSet, type Element } from '../parseDataSet.js';
import { basicProfileActions, isRemovedGroup, resolveAction } from './basicProfileActions.js';
import { isOpaqueSequence, tagKeyOf, vrOfElement } from './deidentifyPart10.js';
import { isPatientPseudonym } from './pseudonyms.js';

export interface CheckDeidentifiedOptions {
  readonly subject?: string;
  /** UIDs of the original objects: none may appear anywhere in the checked object. */
  readonly originalUids?: Iterable<string>;
  /** Identifying text of the originals (names, IDs, institution): no text value may contain one. */
  readonly originalValues?: Iterable<string>;
}

export interface DeidentificationViolation {
  /** 'GGGGEEEE', or a path through sequences: '00081140[0].00081155'. */
  readonly tag: string;
  readonly keyword: string;
  readonly problem: string;
}

export interface CheckDeidentifiedResult {
  readonly ok: boolean;
  readonly violations: DeidentificationViolation[];
}

const require = createRequire(import.meta.url);
const dictionary = (require('dcmjs') as { data: { DicomMetaDictionary: { dictionary: Record<string, { name?: string } | undefined> } } }).data
  .DicomMetaDictionary.dictionary;
const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT', 'UN']);
const UNDEFINED_LENGTH = 0xffffffff;

function keywordOf(tagKey: string): string {
  const group = parseInt(tagKey.slice(0, 4), 16);
  if (group % 2 === 1) return 'Private';
  if (group >= 0x5000 && group <= 0x50ff) return 'CurveData';
  if (group >= 0x6000 && group <= 0x60ff) return 'Overlay';
  return basicProfileActions.get(tagKey)?.keyword ?? dictionary[`(${tagKey.slice(0, 4)},${tagKey.slice(4, 8)})`]?.name ?? 'Unknown';
}

function hasValue(element: Element): boolean {
  if (element.items) return element.items.length > 0;
  return element.length > 0;
}

interface CheckContext {
  readonly bytes: Uint8Array;
  readonly uids: ReadonlySet<string>;
  readonly values: readonly string[];
  readonly violations: DeidentificationViolation[];
}

function textOf(element: Element, bytes: Uint8Array): string {
  if (element.items || element.length === UNDEFINED_LENGTH || element.length === 0) return '';
  const end = Math.min(bytes.length, element.dataOffset + element.length);
  return Buffer.from(bytes.buffer, bytes.byteOffset + element.dataOffset, Math.max(0, end - element.dataOffset)).toString('latin1').replace(/[\0 ]+$/, '');
}

function checkDataSet(dataSet: DataSet, path: string, context: CheckContext): void {
  for (const key of Object.keys(dataSet.elements)) {
    const element = dataSet.elements[key];
    if (element === undefined || key.length !== 9) continue;
    const tagKey = tagKeyOf(key);
    const group = parseInt(tagKey.slice(0, 4), 16);
    if (group === 0xfffe) continue;
    const where = path === '' ? tagKey : `${path}.${tagKey}`;
    const report = (problem: string): void => {
      context.violations.push({ tag: where, keyword: keywordOf(tagKey), problem });
    };
    if (isRemovedGroup(group)) {
      report(group % 2 === 1 ? 'private attribute survives (all private groups are removed: Retain Safe Private Option not applied)' : 'curve or overlay group survives (PS3.15 E.1-1: Curve Data and Overlay Data/Comments X)');
      continue;
    }
    const vr = vrOfElement(tagKey, element);
    const entry = basicProfileActions.get(tagKey);
    if (isOpaqueSequence(tagKey, element)) report('a sequence encoded as UN with a defined length: its items cannot be checked');
    if (tagKey === '00100010' || tagKey === '00100020') {
      const text = textOf(element, context.bytes);
      if (text !== '' && !isPatientPseudonym(text)) report(`holds ${JSON.stringify(text.slice(0, 64))}, not a pseudonym`);
    } else if (entry !== undefined && !(entry.temporal && (vr === 'DA' || vr === 'DT' || vr === 'TM'))) {
      const action = resolveAction(entry.action);
      if (action === 'X' && hasValue(element)) report(`survives with a value; the profile removes it (${entry.action})`);
      if (action === 'Z' && hasValue(element)) report(`survives with a value; the profile empties it (${entry.action})`);
    }
    if (vr === 'UI' || vr === 'UN') {
      for (const uid of textOf(element, context.bytes).split('\\')) {
        if (context.uids.has(uid.trim())) report(`original UID ${uid.trim()} survives`);
      }
    }
    if (context.values.length > 0 && TEXT_VRS.has(vr)) {
      const text = textOf(element, context.bytes).toUpperCase();
      const found = context.values.find((value) => text.includes(value));
      if (found !== undefined) report(`an original identifying value survives (${JSON.stringify(found.slice(0, 64))})`);
    }
    element.items?.forEach((item, index) => {
      if (item.dataSet) checkDataSet(item.dataSet, `${where}[${index}]`, context);
    });
  }
}

/** Checks the object; throws VertebraError only when the bytes cannot be parsed. */
export function checkDeidentified(bytes: Uint8Array, options: CheckDeidentifiedOptions = {}): CheckDeidentifiedResult {
  const { dataSet } = parseDataSet(bytes, options.subject === undefined ? {} : { subject: options.subject });
  const wellKnown = (uid: string): boolean => uid.startsWith('1.2.840.10008.');
  const context: CheckContext = {
    bytes: dataSet.byteArray,
    uids: new Set([...(options.originalUids ?? [])].map((uid) => uid.trim()).filter((uid) => uid !== '' && !wellKnown(uid))),
    values: [...(options.originalValues ?? [])].map((value) => value.trim().toUpperCase()).filter((value) => value.length >= 2),
    violations: [],
  };
  checkDataSet(dataSet, '', context);
  if (stringOf(dataSet, 'x00120062') !== 'YES') {
    context.violations.push({ tag: '00120062', keyword: 'PatientIdentityRemoved', problem: 'is not YES (PS3.15 E.1.1 requires it after de-identification)' });
  }
  if (stringOf(dataSet, 'x00280303') !== 'MODIFIED') {
    context.violations.push({ tag: '00280303', keyword: 'LongitudinalTemporalInformationModified', problem: 'is not MODIFIED (PS3.15 E.3.6: dates were not shifted)' });
  }
  return { ok: context.violations.length === 0, violations: context.violations };
}
