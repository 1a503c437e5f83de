/**
 * Turns a QueryRequest into a QueryPlan: the one parser of matching keys for QIDO-RS and
 * C-FIND. Follows PS3.4 C.2.2.2 (single value, universal, wildcard `*`/`?`, range, UID
 * list, multiple-value matching with `\`) and PS3.18 8.3.4 (comma-separated UID lists,
 * includefield, fuzzymatching, limit/offset). Bad parameters throw VertebraError
 * REQUEST_INVALID_PARAMETER naming the key. The plan is dialect-free; the metadata index
 * turns it into SQL.
 */
import { VertebraError } from '@vertebra/errors';
import type { QueryLevel, QueryRequest } from './ArchiveService.js';
import { allReturnAttributes, defaultReturnAttributes, findIndexedAttribute, levelDepth, type IndexedAttribute } from './indexedAttributes.js';

/** One alternative of a string match: the exact value, or a SQL LIKE pattern escaped with '!'. */
export type ValueMatcher =
  | { readonly kind: 'equals'; readonly value: string }
  | { readonly kind: 'like'; readonly pattern: string; readonly literalPrefix: string };

export type MatchCondition =
  /** OR of alternatives (PS3.4 C.2.2.2.1 single value, C.2.2.2.4 wildcard, C.2.2.2.8 multiple values). */
  | { readonly kind: 'values'; readonly alternatives: readonly ValueMatcher[] }
  /** Inclusive range on the stored string form; null = open (PS3.4 C.2.2.2.5). */
  | { readonly kind: 'range'; readonly from: string | null; readonly to: string | null }
  | { readonly kind: 'uids'; readonly values: readonly string[] }
  | { readonly kind: 'integers'; readonly values: readonly number[] }
  /** Upper-case prefixes; a name matches when any of its components starts with one. */
  | { readonly kind: 'fuzzyName'; readonly prefixes: readonly string[] }
  | { readonly kind: 'never' };

export interface PlannedMatch {
  readonly attribute: IndexedAttribute;
  readonly condition: MatchCondition;
}

export interface QueryPlan {
  readonly level: QueryLevel;
  readonly matches: readonly PlannedMatch[];
  /** Indexed attributes each row carries, in order. */
  readonly returnAttributes: readonly IndexedAttribute[];
  /** Tags ('GGGGEEEE') not in the index that rows carry, read from stored instance metadata. */
  readonly extraTags: readonly string[];
  /** includefield=all: rows carry every attribute of the stored metadata too (bulk data excluded). */
  readonly includeAllMetadata: boolean;
  readonly limit: number | null;
  readonly offset: number;
}

export interface PlanQueryOptions {
  /** Resolves a DICOM keyword that the index does not hold to its tag ('GGGGEEEE'), for includefield. */
  readonly tagForKeyword?: (keyword: string) => string | undefined;
}

const levels: readonly QueryLevel[] = ['PATIENT', 'STUDY', 'SERIES', 'IMAGE'];

function invalid(key: string, message: string): VertebraError {
  return new VertebraError('REQUEST_INVALID_PARAMETER', message, { subject: key, details: { parameter: key } });
}

/** Escapes `%`, `_` and the escape character itself; `*` → `%`, `?` → `_` (PS3.4 C.2.2.2.4). */
export function wildcardToLike(value: string): { pattern: string; literalPrefix: string } {
  let pattern = '';
  let literalPrefix = '';
  let inPrefix = true;
  for (const ch of value) {
    if (ch === '*' || ch === '?') {
      inPrefix = false;
      pattern += ch === '*' ? '%' : '_';
      continue;
    }
    if (inPrefix) literalPrefix += ch;
    pattern += ch === '%' || ch === '_' || ch === '!' ? `!${ch}` : ch;
  }
  return { pattern, literalPrefix };
}

function hasWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

function isUniversal(value: string): boolean {
  return value === '' || /^\*+$/.test(value);
}

function validDate(value: string): boolean {
  if (!/^\d{8}$/.test(value)) return false;
  const month = Number(value.slice(4, 6));
  const day = Number(value.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** 'YYYY', 'YYYYMM' or 'YYYYMMDD' → the first or last day it covers. */
function dateBound(key: string, text: string, side: 'lower' | 'upper'): string {
  let value: string;
  if (/^\d{4}$/.test(text)) value = side === 'lower' ? `${text}0101` : `${text}1231`;
  else if (/^\d{6}$/.test(text)) value = side === 'lower' ? `${text}01` : `${text}31`;
  else value = text;
  if (!validDate(value)) throw invalid(key, `${JSON.stringify(text)} is not a date (YYYYMMDD, or YYYY / YYYYMM in a range)`);
  return value;
}

/** 'HH', 'HHMM', 'HHMMSS' or 'HHMMSS.FFFFFF' → itself (lower) or the last instant it covers (upper). */
function timeBound(key: string, text: string, side: 'lower' | 'upper'): string {
  const match = /^(\d{2})(\d{2})?(\d{2})?(\.\d{1,6})?$/.exec(text);
  if (!match || (match[4] !== undefined && match[3] === undefined) || (match[3] !== undefined && match[2] === undefined)) {
    throw invalid(key, `${JSON.stringify(text)} is not a time (HH, HHMM, HHMMSS or HHMMSS.FFFFFF)`);
  }
  if (Number(match[1]) > 24 || (match[2] !== undefined && Number(match[2]) > 59) || (match[3] !== undefined && Number(match[3]) > 60)) {
    throw invalid(key, `${JSON.stringify(text)} is not a valid time of day`);
  }
  if (side === 'lower') return text;
  if (match[2] === undefined) return `${text}5959.999999`;
  if (match[3] === undefined) return `${text}59.999999`;
  if (match[4] === undefined) return `${text}.999999`;
  return text.padEnd(13, '9');
}

function rangeCondition(key: string, value: string, bound: (key: string, text: string, side: 'lower' | 'upper') => string): MatchCondition {
  const parts = value.split('-');
  if (parts.length === 1) {
    return { kind: 'range', from: bound(key, value, 'lower'), to: bound(key, value, 'upper') };
  }
  if (parts.length !== 2) throw invalid(key, `${JSON.stringify(value)} is not a range (from-to, -to or from-)`);
  const [fromText = '', toText = ''] = parts;
  if (fromText === '' && toText === '') throw invalid(key, `${JSON.stringify(value)} is a range without bounds`);
  const from = fromText === '' ? null : bound(key, fromText, 'lower');
  const to = toText === '' ? null : bound(key, toText, 'upper');
  if (from !== null && to !== null && from > to) throw invalid(key, `${JSON.stringify(value)} is a range whose start is after its end`);
  return { kind: 'range', from, to };
}

function valueAlternatives(value: string, upperCase: boolean): ValueMatcher[] {
  return value.split('\\').map((part) => {
    const text = upperCase ? part.toUpperCase() : part;
    if (hasWildcard(text)) return { kind: 'like', ...wildcardToLike(text) };
    return { kind: 'equals', value: text };
  });
}

function conditionFor(key: string, attribute: IndexedAttribute, raw: string, fuzzy: boolean): MatchCondition | null {
  const value = raw.trim();
  if (attribute.kind === 'computed') {
    if (attribute.keyword === 'ModalitiesInStudy') {
      if (isUniversal(value)) return null;
      return { kind: 'values', alternatives: value.split(/[\\,]/).filter((v) => v !== '').flatMap((v) => valueAlternatives(v, false)) };
    }
    if (attribute.keyword === 'InstanceAvailability') {
      return isUniversal(value) || value === 'ONLINE' ? null : { kind: 'never' };
    }
    if (value !== '') throw invalid(key, `${attribute.keyword} is computed by the archive and cannot be matched; send it empty to have it returned`);
    return null;
  }
  if (isUniversal(value)) return null;
  switch (attribute.kind) {
    case 'uid': {
      const uids = value.split(/[\\,]/).map((u) => u.trim()).filter((u) => u !== '');
      for (const uid of uids) {
        if (uid.length > 64 || !/^[0-9]+(\.[0-9]+)*$/.test(uid)) throw invalid(key, `${JSON.stringify(uid.slice(0, 80))} is not a UID (digits and dots, at most 64 characters)`);
      }
      return { kind: 'uids', values: [...new Set(uids)] };
    }
    case 'integer': {
      const numbers = value.split('\\').map((n) => n.trim());
      for (const n of numbers) if (!/^[+-]?\d{1,10}$/.test(n)) throw invalid(key, `${JSON.stringify(n)} is not an integer`);
      return { kind: 'integers', values: numbers.map(Number) };
    }
    case 'date':
      return rangeCondition(key, value, dateBound);
    case 'time':
      return rangeCondition(key, value, timeBound);
    case 'personName': {
      if (fuzzy) {
        const parts = value.toUpperCase().split('\\');
        if (parts.every((p) => !hasWildcard(p))) {
          return { kind: 'fuzzyName', prefixes: parts.flatMap((p) => p.split(/[\^= ]+/)).filter((p) => p !== '') };
        }
      }
      return { kind: 'values', alternatives: valueAlternatives(value, true) };
    }
    case 'string':
      return { kind: 'values', alternatives: valueAlternatives(value, false) };
  }
}

function nonNegativeInteger(key: string, value: number | undefined): number | null {
  if (value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(key, `${String(value)} is not a non-negative integer`);
  return value;
}

/** Parses and validates a query; throws REQUEST_INVALID_PARAMETER naming the offending key. */
export function planQuery(request: QueryRequest, options: PlanQueryOptions = {}): QueryPlan {
  const { level } = request;
  if (!levels.includes(level)) throw invalid('level', `${JSON.stringify(level)} is not a query level (PATIENT, STUDY, SERIES, IMAGE)`);
  const depth = levelDepth[level];
  const matches: PlannedMatch[] = [];
  const returned = new Map<string, IndexedAttribute>(defaultReturnAttributes(level).map((a) => [a.tag, a]));
  const extraTags = new Set<string>();
  let includeAllMetadata = false;

  const resolveExtra = (key: string, entry: string): string => {
    if (/^[0-9a-fA-F]{8}$/.test(entry)) return entry.toUpperCase();
    const tag = options.tagForKeyword?.(entry);
    if (tag !== undefined) return tag.toUpperCase();
    throw invalid(key, `${JSON.stringify(entry.slice(0, 80))} is not a DICOM keyword or tag (GGGGEEEE) this archive knows`);
  };

  const levelAllows = (attribute: IndexedAttribute): boolean => {
    if (level === 'PATIENT') return attribute.level === 'PATIENT';
    if (attribute.keyword.startsWith('NumberOfPatientRelated')) return false;
    if (attribute.keyword === 'ModalitiesInStudy' || attribute.keyword === 'InstanceAvailability') return true;
    return levelDepth[attribute.level] <= depth;
  };

  for (const [key, value] of Object.entries(request.match)) {
    if (typeof value !== 'string') throw invalid(key, 'the value must be a string');
    const attribute = findIndexedAttribute(key);
    if (!attribute) {
      if (value.trim() !== '' && !isUniversal(value.trim())) {
        throw invalid(key, `${JSON.stringify(key.slice(0, 80))} is not a matching key this archive supports at the ${level} level`);
      }
      // An empty unknown key asks for the attribute to be returned (PS3.4 C.2.2.1.3).
      extraTags.add(resolveExtra(key, key.trim()));
      continue;
    }
    if (!levelAllows(attribute)) {
      throw invalid(key, `${attribute.keyword} is a ${attribute.level}-level attribute and cannot be used in a ${level}-level query`);
    }
    returned.set(attribute.tag, attribute);
    const condition = conditionFor(key, attribute, value, request.fuzzyMatching === true);
    if (condition) matches.push({ attribute, condition });
  }

  for (const field of request.includeFields ?? []) {
    for (const entry of field.split(',').map((f) => f.trim()).filter((f) => f !== '')) {
      if (entry.toLowerCase() === 'all') {
        for (const a of allReturnAttributes(level)) returned.set(a.tag, a);
        // Only an instance's own metadata belongs in an IMAGE-level row.
        if (level === 'IMAGE') includeAllMetadata = true;
        continue;
      }
      const attribute = findIndexedAttribute(entry);
      if (attribute) {
        if (levelAllows(attribute)) returned.set(attribute.tag, attribute);
        continue;
      }
      extraTags.add(resolveExtra('includefield', entry));
    }
  }

  return {
    level,
    matches,
    returnAttributes: [...returned.values()],
    extraTags: [...extraTags].filter((t) => !returned.has(t)),
    includeAllMetadata,
    limit: nonNegativeInteger('limit', request.limit),
    offset: nonNegativeInteger('offset', request.offset) ?? 0,
  };
}
