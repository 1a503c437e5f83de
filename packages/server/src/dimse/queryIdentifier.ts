/**
 * Converts C-FIND / C-MOVE / C-GET identifiers (PS3.4 C.4.1.1.3, C.2.2.2) between the
 * naturalized form dcmjs-dimse decodes them into and the archive's query language:
 * non-empty keys become matching keys (single value, wildcard, range and UID-list syntax
 * pass through unchanged; the archive owns the matching rules), every key present
 * becomes a return key. Result rows (DICOM JSON, PS3.18 F.2) are encoded back into
 * identifiers holding exactly the requested keys (zero length when the archive has no
 * value), in the negotiated transfer syntax.
 */
import { createRequire } from 'node:module';
import type { DicomJsonDataset, QueryLevel } from '@vertebra/archive';

const require = createRequire(import.meta.url);
// dcmjs ships no types: only its dictionary and its data set writer are used here.
const dcmjs = require('dcmjs') as {
  data: {
    DicomMetaDictionary: { nameMap: Record<string, { tag: string; vr: string } | undefined> };
    DicomMessage: { write(dict: DicomJsonDataset, stream: unknown, transferSyntaxUid: string, options: object): void };
    WriteBufferStream: new () => { getBuffer(): ArrayBuffer };
  };
};

const NOT_KEYS = new Set(['QueryRetrieveLevel', 'SpecificCharacterSet', 'TimezoneOffsetFromUTC']);
const LEVELS: readonly QueryLevel[] = ['PATIENT', 'STUDY', 'SERIES', 'IMAGE'];

export interface ParsedIdentifier {
  readonly level: QueryLevel | undefined;
  /** Keyword → PS3.4 C.2.2.2 matching value, for the non-empty keys. */
  readonly match: Record<string, string>;
  /** Every key present in the identifier (return keys), in identifier order. */
  readonly returnKeys: readonly string[];
  /** Keys that cannot be used (sequences, unknown tags): returned empty, never matched. */
  readonly ignoredKeys: readonly string[];
}

function toMatchString(value: unknown): string | undefined {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (const item of value) {
      const part = toMatchString(item);
      if (part === undefined) return undefined;
      parts.push(part);
    }
    return parts.filter((p) => p !== '').join('\\');
  }
  if (typeof value === 'object') {
    const alphabetic = (value as { Alphabetic?: unknown }).Alphabetic;
    if (typeof alphabetic === 'string') return alphabetic.trim();
    if (Object.keys(value as object).length === 0) return '';
  }
  return undefined;
}

/** Reads a naturalized identifier (dcmjs-dimse `Dataset.getElements()`). */
export function parseIdentifier(elements: Readonly<Record<string, unknown>>): ParsedIdentifier {
  const rawLevel = typeof elements.QueryRetrieveLevel === 'string' ? elements.QueryRetrieveLevel.trim().toUpperCase() : '';
  const level = (LEVELS as readonly string[]).includes(rawLevel) ? (rawLevel as QueryLevel) : undefined;
  const match: Record<string, string> = {};
  const returnKeys: string[] = [];
  const ignoredKeys: string[] = [];
  for (const [keyword, value] of Object.entries(elements)) {
    if (keyword.startsWith('_') || NOT_KEYS.has(keyword)) continue;
    if (dcmjs.data.DicomMetaDictionary.nameMap[keyword] === undefined) {
      ignoredKeys.push(keyword);
      continue;
    }
    const text = toMatchString(value);
    if (text === undefined) {
      ignoredKeys.push(keyword);
      returnKeys.push(keyword);
      continue;
    }
    returnKeys.push(keyword);
    // A lone '*' is a universal match (PS3.4 C.2.2.2.4) like an empty value.
    if (text !== '' && text !== '*') match[keyword] = text;
  }
  return { level, match, returnKeys, ignoredKeys };
}

function tagOf(keyword: string): { tag: string; vr: string } | undefined {
  const entry = dcmjs.data.DicomMetaDictionary.nameMap[keyword];
  if (!entry) return undefined;
  return { tag: entry.tag.replace(/[(),]/g, '').toUpperCase(), vr: entry.vr.split('|')[0] ?? 'UN' };
}

/** The tag ('GGGGEEEE') of a keyword, from dcmjs's dictionary. */
export function tagForKeyword(keyword: string): string | undefined {
  return tagOf(keyword)?.tag;
}

export interface EncodeIdentifierOptions {
  readonly row: DicomJsonDataset;
  readonly level: QueryLevel;
  readonly returnKeys: readonly string[];
  readonly transferSyntaxUid: string;
}

/** Encodes one result row as a C-FIND response identifier (data set bytes, no file meta). */
export function encodeIdentifier(options: EncodeIdentifierOptions): Uint8Array {
  const dict: DicomJsonDataset = { '00080052': { vr: 'CS', Value: [options.level] } };
  const charset = options.row['00080005'];
  if (charset?.Value && charset.Value.length > 0) dict['00080005'] = { vr: 'CS', Value: charset.Value };
  for (const keyword of options.returnKeys) {
    const entry = tagOf(keyword);
    if (!entry) continue;
    const found = options.row[entry.tag];
    if (found && found.vr !== 'SQ' && found.BulkDataURI === undefined && found.InlineBinary === undefined) {
      dict[entry.tag] = { vr: found.vr, Value: found.Value ?? [] };
    } else {
      dict[entry.tag] = { vr: entry.vr === 'SQ' ? 'SQ' : entry.vr, Value: [] };
    }
  }
  const stream = new dcmjs.data.WriteBufferStream();
  dcmjs.data.DicomMessage.write(dict, stream, options.transferSyntaxUid, {});
  return new Uint8Array(stream.getBuffer());
}

/** First string value of a DICOM JSON attribute. */
export function jsonString(row: DicomJsonDataset, tag: string): string | undefined {
  const value = row[tag]?.Value?.[0];
  return typeof value === 'string' ? value : undefined;
}
