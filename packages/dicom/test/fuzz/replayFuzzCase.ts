/**
 * Runs one fuzz case through the parser entry points (readDicomHeader, dicomToJson,
 * decodeFrame) and the de-identifier and classifies each outcome; replayFuzzCase regenerates a case from its
 * seed and index alone, so a failure printed by the fuzz test can be reproduced without
 * any CLI: `FUZZ_REPLAY=<seed>:<index> npx vitest run packages/dicom/test/fuzz`, or call
 * replayFuzzCase from a test or a REPL.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCatalogue, VertebraError } from '@vertebra/errors';
import { decodeFrame, deidentifyPart10, dicomToJson, readDicomHeader } from '@vertebra/dicom';
import { generateFuzzCase, loadBaseFiles, type BaseFile, type FuzzCase } from './fuzzCorpus.js';

export type FuzzTarget = 'readDicomHeader' | 'dicomToJson' | 'decodeFrame' | 'deidentifyPart10';

export interface FuzzOutcome {
  readonly target: FuzzTarget;
  /** accepted: returned; rejected: threw a catalogue VertebraError with a message; crash: anything else. */
  readonly result: 'accepted' | 'rejected' | 'crash';
  readonly code?: string;
  readonly message?: string;
  /** For rejections: the JavaScript error a catch-all wrapped (TypeError, RangeError…), a sign of a missing check. */
  readonly wrapped?: string;
  readonly ms: number;
}

function wrappedCause(error: VertebraError): string | undefined {
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 5 && cause !== undefined; depth += 1) {
    if (cause instanceof VertebraError) {
      cause = cause.cause;
      continue;
    }
    if (cause instanceof TypeError || cause instanceof RangeError || cause instanceof ReferenceError || cause instanceof SyntaxError) return `${cause.name}: ${cause.message}`;
    if (cause && typeof cause === 'object' && 'exception' in cause) {
      cause = (cause as { exception: unknown }).exception;
      continue;
    }
    return undefined;
  }
  return undefined;
}

const targets: ReadonlyArray<[FuzzTarget, (bytes: Uint8Array) => unknown]> = [
  ['readDicomHeader', (bytes) => readDicomHeader(bytes, { subject: 'fuzz.dcm' })],
  ['dicomToJson', (bytes) => dicomToJson(bytes, { subject: 'fuzz.dcm' })],
  ['decodeFrame', (bytes) => decodeFrame(bytes, 0, { subject: 'fuzz.dcm' })],
  ['deidentifyPart10', (bytes) => deidentifyPart10(bytes, { key: 'fuzz-key', subject: 'fuzz.dcm' })],
];

/** Feeds the bytes to every target (pixel codecs must be loaded for JPEG-family cases). */
export function runFuzzCase(bytes: Uint8Array): FuzzOutcome[] {
  return targets.map(([target, call]) => {
    const started = performance.now();
    try {
      call(bytes);
      return { target, result: 'accepted', ms: performance.now() - started };
    } catch (error) {
      const ms = performance.now() - started;
      if (error instanceof VertebraError && error.code in errorCatalogue && error.message.trim().length > 0) {
        const wrapped = wrappedCause(error);
        return { target, result: 'rejected', code: error.code, message: error.message, ms, ...(wrapped === undefined ? {} : { wrapped }) };
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
      return { target, result: 'crash', message, ms };
    }
  });
}

/** Regenerates case `index` of `seed`, writes its bytes to a temp file and runs it. */
export function replayFuzzCase(seed: number, index: number, bases: readonly BaseFile[] = loadBaseFiles()): { fuzzCase: FuzzCase; path: string; outcomes: FuzzOutcome[] } {
  const fuzzCase = generateFuzzCase(seed, index, bases);
  const path = join(tmpdir(), `vertebra-fuzz-${seed}-${index}.dcm`);
  writeFileSync(path, fuzzCase.bytes);
  return { fuzzCase, path, outcomes: runFuzzCase(fuzzCase.bytes) };
}
