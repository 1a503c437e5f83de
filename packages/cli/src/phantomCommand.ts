/**
 * `vertebra phantom --preset NAME --modality ct,xr,mr,xa --out DIR [--seed N]` (issue 4):
 * writes synthetic spine cases from @vertebra/phantom — DICOM series per modality and
 * groundTruth.json per case — under DIR/<caseId>/. `--preset suite` writes the evaluation
 * suite (phantomSuite(), fixed seeds; `--only` picks cases by id). One progress line per case
 * on stderr, a summary on stdout. Bad parameters are REQUEST_INVALID_PARAMETER (exit 64) with
 * the valid values or range.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VertebraError } from '@vertebra/errors';
import {
  phantomModalities,
  phantomPresetNames,
  phantomSuite,
  resolvePhantomPreset,
  writePhantomCase,
  type CtOptions,
  type FieldOfView,
  type GeneratePhantomCaseOptions,
  type MrOptions,
  type PatientPosition,
  type XaOptions,
  type XrOptions,
} from '@vertebra/phantom';
import type { CliIo } from './CliIo.js';

/** Options as given on the command line (strings; validated here). */
export interface PhantomCommandOptions {
  readonly preset: string;
  readonly outDir: string;
  /** Comma-separated modalities (ct, xr, mr, xa); default: the preset's (ct,xr). */
  readonly modality?: string;
  readonly seed?: string;
  /** Suite only: comma-separated case ids. */
  readonly only?: string;
  readonly sliceThicknessMm?: string;
  readonly sliceSpacingMm?: string;
  readonly pixelSpacingMm?: string;
  /** CT columns and rows. */
  readonly matrix?: string;
  readonly fieldOfView?: string;
  readonly patientPosition?: string;
  readonly compression?: string;
  readonly nifti?: boolean;
  /** Radiograph rows (columns = rows / 2). */
  readonly xrRows?: string;
  readonly mrPixelSpacingMm?: string;
  readonly xaFrames?: string;
  readonly xaMatrix?: string;
}

const suitePreset = 'suite';
const fieldsOfView: readonly FieldOfView[] = ['cervical', 'thoracic', 'lumbar', 'whole'];
const patientPositions: readonly PatientPosition[] = ['HFS', 'FFS', 'HFP', 'FFP'];

function invalid(option: string, message: string): VertebraError {
  // The message is prefixed with the subject: "--seed: ...".
  return new VertebraError('REQUEST_INVALID_PARAMETER', message, { subject: `--${option}`, details: { parameter: option } });
}

function parseNumber(option: string, value: string | undefined, range: readonly [number, number], integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < range[0] || n > range[1]) {
    throw invalid(option, `${JSON.stringify(value)} is not ${integer ? 'an integer' : 'a number'} in the valid range ${range[0]} to ${range[1]}`);
  }
  return n;
}

function parseChoice<T extends string>(option: string, value: string | undefined, valid: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(valid as readonly string[]).includes(value)) throw invalid(option, `unknown value ${JSON.stringify(value)}; valid values: ${valid.join(', ')}`);
  return value as T;
}

function parseModalities(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((m) => m.trim().toLowerCase()).filter((m) => m !== '');
  if (list.length === 0) throw invalid('modality', `no modality given; valid modalities: ${phantomModalities.join(', ')}`);
  for (const m of list) parseChoice('modality', m, phantomModalities);
  return [...new Set(list)];
}

/** Drops undefined values so that they do not override the suite's or the phantom's defaults. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The cases a command line asks for, validated before anything is written. */
export function phantomCommandCases(options: PhantomCommandOptions): GeneratePhantomCaseOptions[] {
  const validPresets = [...phantomPresetNames, suitePreset];
  if (!validPresets.includes(options.preset)) {
    throw invalid('preset', `unknown preset ${JSON.stringify(options.preset)}; valid presets: ${validPresets.join(', ')}`);
  }
  const modalities = parseModalities(options.modality);
  const seed = parseNumber('seed', options.seed, [0, 2 ** 31 - 1], true);
  const ct: CtOptions = defined({
    sliceThicknessMm: parseNumber('slice-thickness', options.sliceThicknessMm, [0.5, 5]),
    sliceSpacingMm: parseNumber('slice-spacing', options.sliceSpacingMm, [0.5, 5]),
    pixelSpacingMm: parseNumber('pixel-spacing', options.pixelSpacingMm, [0.2, 5]),
    columns: parseNumber('matrix', options.matrix, [16, 2048], true),
    rows: parseNumber('matrix', options.matrix, [16, 2048], true),
    fieldOfView: parseChoice('fov', options.fieldOfView, fieldsOfView),
    patientPosition: parseChoice('position', options.patientPosition?.toUpperCase(), patientPositions),
    compression: parseChoice('compression', options.compression, ['none', 'rle'] as const),
    nifti: options.nifti === true ? true : undefined,
  });
  const xr: XrOptions = defined({ rows: parseNumber('xr-rows', options.xrRows, [16, 8192], true) });
  const mr: MrOptions = defined({ pixelSpacingMm: parseNumber('mr-pixel-spacing', options.mrPixelSpacingMm, [0.2, 5]) });
  const xaMatrix = parseNumber('xa-matrix', options.xaMatrix, [16, 2048], true);
  const xa: XaOptions = defined({ frames: parseNumber('xa-frames', options.xaFrames, [1, 200], true), columns: xaMatrix, rows: xaMatrix });
  const withGrids = (base: GeneratePhantomCaseOptions): GeneratePhantomCaseOptions => ({
    ...base,
    ...(modalities === undefined ? {} : { modalities }),
    ct: { ...base.ct, ...ct },
    xr: { ...base.xr, ...xr },
    mr: { ...base.mr, ...mr },
    xa: { ...base.xa, ...xa },
  });
  if (options.preset !== suitePreset) {
    if (options.only !== undefined) throw invalid('only', 'applies to --preset suite only');
    resolvePhantomPreset(options.preset);
    return [withGrids({ preset: options.preset, ...(seed === undefined ? {} : { seed }) })];
  }
  if (seed !== undefined) throw invalid('seed', 'does not apply to --preset suite (each suite case has a fixed seed)');
  const suite = phantomSuite();
  let picked = suite;
  if (options.only !== undefined) {
    const ids = options.only.split(',').map((id) => id.trim()).filter((id) => id !== '');
    const known = new Set(suite.map((c) => c.caseId));
    const unknown = ids.filter((id) => !known.has(id));
    if (ids.length === 0 || unknown.length > 0) {
      throw invalid('only', `unknown suite case ${JSON.stringify(unknown[0] ?? '')}; valid cases: ${[...known].join(', ')}`);
    }
    picked = suite.filter((c) => ids.includes(c.caseId ?? ''));
  }
  return picked.map(withGrids);
}

export async function phantomCommand(options: PhantomCommandOptions, io: CliIo): Promise<number> {
  const cases = phantomCommandCases(options);
  await mkdir(options.outDir, { recursive: true });
  let files = 0;
  let bytes = 0;
  const started = performance.now();
  const index: { caseId: string; patientId: string; preset: string; seed: number; studies: number; files: number }[] = [];
  for (const [i, phantomCase] of cases.entries()) {
    const caseStarted = performance.now();
    const written = await writePhantomCase(options.outDir, phantomCase);
    const caseBytes = written.files.reduce((n, f) => n + f.bytes.length, 0);
    files += written.files.length;
    bytes += caseBytes;
    const truth = written.groundTruth;
    index.push({ caseId: truth.caseId, patientId: truth.patientId, preset: truth.preset, seed: truth.seed, studies: truth.visits.length, files: written.files.length });
    io.stderr.write(
      `phantom: [${i + 1}/${cases.length}] ${truth.caseId}: ${written.files.length} files, ${(caseBytes / 1048576).toFixed(1)} MiB, ` +
        `${truth.visits.length} ${truth.visits.length === 1 ? 'study' : 'studies'} (${((performance.now() - caseStarted) / 1000).toFixed(1)} s)\n`,
    );
  }
  if (options.preset === suitePreset) {
    await writeFile(join(options.outDir, 'suite.json'), `${JSON.stringify({ cases: cases.map((c, i) => ({ ...c, ...index[i] })) }, null, 1)}\n`);
  }
  io.stdout.write(
    `Wrote ${cases.length} phantom case${cases.length === 1 ? '' : 's'} (${files} files, ${(bytes / 1048576).toFixed(1)} MiB) to ${options.outDir} ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}
