/**
 * Parser fuzz (issue 3, "Hostile input"): FUZZ_COUNT mutated files (default 2,000; the
 * stress run uses 10,000+) from a fixed seed (FUZZ_SEED) go through readDicomHeader,
 * dicomToJson, decodeFrame and deidentifyPart10. Every call either returns or throws a VertebraError with
 * a catalogue code and a message (and no catch-all wrapped a TypeError or RangeError,
 * which would hide a missing check); none takes longer than HANG_MS (a hang, not a
 * performance regression). Failures print seed and index; FUZZ_REPLAY=seed:index replays one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPixelCodecs } from '@vertebra/dicom';
import { deeplyNestedFile, generateFuzzCase, loadBaseFiles, type BaseFile } from './fuzzCorpus.js';
import { replayFuzzCase, runFuzzCase, type FuzzOutcome } from './replayFuzzCase.js';

const replay = process.env.FUZZ_REPLAY?.split(':').map(Number);
const SEED = replay?.[0] ?? Number(process.env.FUZZ_SEED ?? 20261126);
/** FUZZ_REPLAY=seed:index runs that one case (and writes its bytes to the temp folder). */
const FIRST = replay?.[1] ?? 0;
const COUNT = replay === undefined ? Number(process.env.FUZZ_COUNT ?? 2000) : 1;
const HANG_MS = 2000;

interface Failure {
  readonly index: number;
  readonly base: string;
  readonly mutations: string[];
  readonly outcome: FuzzOutcome;
}

describe('parser fuzz', () => {
  let bases: BaseFile[] = [];
  beforeAll(async () => {
    await loadPixelCodecs();
    bases = loadBaseFiles();
  });

  it('every base file is valid before mutation', () => {
    for (const base of bases) {
      const outcomes = runFuzzCase(base.bytes);
      const withoutPixels = base.name === 'synthetic-nested-sr' || base.name === 'synthetic-no-pixels';
      expect(outcomes.filter((outcome) => outcome.result !== 'accepted' && !(withoutPixels && outcome.code === 'DICOM_NO_PIXEL_DATA')).map((outcome) => `${base.name} ${outcome.target}: ${outcome.message}`)).toEqual([]);
    }
  });

  it('rejects sequences nested thousands deep with DICOM_MALFORMED, without exhausting the stack', () => {
    for (const depth of [65, 5000, 50000]) {
      for (const undefinedLengths of [false, true]) {
        const outcomes = runFuzzCase(deeplyNestedFile(depth, undefinedLengths));
        for (const outcome of outcomes) {
          expect(outcome.result, `${depth} ${undefinedLengths} ${outcome.target}: ${outcome.message}`).toBe('rejected');
          expect(outcome.code).toBe('DICOM_MALFORMED');
          expect(outcome.message).toMatch(/nested/);
        }
      }
    }
    // 64 levels is still accepted
    expect(runFuzzCase(deeplyNestedFile(63, true))[1]?.result).toBe('accepted');
  });

  it(`feeds ${COUNT} mutated files (seed ${SEED}) to the parser: no crash, no hang, every rejection catalogued`, () => {
    if (replay !== undefined) {
      const { fuzzCase, path, outcomes } = replayFuzzCase(SEED, FIRST, bases);
      console.log(JSON.stringify({ seed: fuzzCase.seed, index: fuzzCase.index, base: fuzzCase.base, mutations: fuzzCase.mutations, path, outcomes }, null, 2));
    }
    const failures: Failure[] = [];
    const codes = new Map<string, number>();
    const wrapped = new Map<string, { count: number; index: number; target: string }>();
    let accepted = 0;
    let maxMs = 0;
    let maxCase = -1;
    for (let index = FIRST; index < FIRST + COUNT; index += 1) {
      const fuzzCase = generateFuzzCase(SEED, index, bases);
      const outcomes = runFuzzCase(fuzzCase.bytes);
      for (const outcome of outcomes) {
        if (outcome.ms > maxMs) {
          maxMs = outcome.ms;
          maxCase = index;
        }
        if (outcome.result === 'accepted') accepted += 1;
        else if (outcome.result === 'rejected') codes.set(outcome.code ?? '', (codes.get(outcome.code ?? '') ?? 0) + 1);
        if (outcome.wrapped !== undefined) {
          const key = `${outcome.target}: ${outcome.wrapped.replace(/\d+/g, 'N')}`;
          const seen = wrapped.get(key);
          wrapped.set(key, { count: (seen?.count ?? 0) + 1, index: seen?.index ?? index, target: outcome.target });
        }
        // a catch-all that passed a TypeError/RangeError's text through hides a missing check; the parser's
        // known failures (stack exhaustion, its broken warning list) are translated into their own messages
        const internal = outcome.wrapped !== undefined && (outcome.message ?? '').includes(outcome.wrapped.replace(/^\w+: /, ''));
        if (outcome.result === 'crash' || internal || outcome.ms > HANG_MS) failures.push({ index, base: fuzzCase.base, mutations: fuzzCase.mutations, outcome });
      }
    }
    console.log(`parser fuzz: seed ${SEED}, ${COUNT} files × 4 calls: ${accepted} accepted, rejections ${JSON.stringify(Object.fromEntries([...codes].sort()))}; slowest call ${maxMs.toFixed(1)} ms (case ${maxCase})`);
    for (const [key, seen] of wrapped) console.log(`wrapped JavaScript error ×${seen.count} (first: index ${seen.index}): ${key}`);
    const report = failures.slice(0, 20).map((failure) =>
      `seed ${SEED} index ${failure.index} (replay: FUZZ_REPLAY=${SEED}:${failure.index}) base ${failure.base} [${failure.mutations.join('; ')}] ${failure.outcome.target}: ${failure.outcome.result} ${failure.outcome.ms.toFixed(0)} ms ${failure.outcome.wrapped ?? ''} ${failure.outcome.message?.split('\n').slice(0, 4).join(' | ') ?? ''}`,
    );
    expect(report, `${failures.length} failures`).toEqual([]);
  });
});
