/**
 * `vertebra analyze PATH|STUDY_UID [--data DIR] [--json]` (issue 6): runs the classical CT spine
 * analysis of @vertebra/analysis on a DICOM folder or file (grouped by Series Instance UID, the
 * CT series with the most slices is assembled, PS3.3 C.7.6.2 geometry), a NIfTI file (values
 * taken as HU), or a study in the archive at --data. Prints a per-level table and the graded
 * findings, or with --json exactly one JSON object: { input, ...SpineAnalysisResult }.
 *
 * Exit codes: 0 analysis ran (status 'ok', or 'no-spine' with its reason: an answer, not a
 * failure); 64 usage error, missing path, or no CT series in the input; 65 unreadable DICOM /
 * NIfTI or a series that cannot be assembled; 66 study or archive not found; 70 internal error.
 */
import { readFile, stat } from 'node:fs/promises';
import { analyzeSpineCt, type SpineAnalysisResult, type VertebraResult } from '@vertebra/analysis';
import type { ArchiveService } from '@vertebra/archive';
import { assembleVolumeAsync, isValidUid, readDicomHeader, readNifti, type GeometryWarning } from '@vertebra/dicom';
import { VertebraError } from '@vertebra/errors';
import type { Volume } from '@vertebra/geometry';
import type { CliIo } from './CliIo.js';
import { collectFiles } from './collectFiles.js';
import { openCliArchive } from './openCliArchive.js';

export interface AnalyzeCommandOptions {
  /** A DICOM file or folder, a NIfTI file (.nii / .nii.gz), or a Study Instance UID (with dataDir). */
  readonly target: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly json?: boolean;
}

/** Where the analysed volume came from (printed, and the `input` member of the JSON). */
export interface AnalysisInputInfo {
  readonly kind: 'dicom' | 'nifti' | 'archive';
  readonly source: string;
  readonly seriesInstanceUid: string | null;
  readonly dimensions: readonly [number, number, number];
  readonly spacingMm: readonly [number, number, number];
  readonly slices: number;
  /** Other CT series present but not analysed, and assembly geometry warnings. */
  readonly notes: readonly string[];
}

export interface AnalysisInput {
  readonly volume: Volume;
  readonly info: AnalysisInputInfo;
}

interface DicomCandidate {
  readonly bytes: Uint8Array;
  readonly subject: string;
  readonly seriesInstanceUid: string;
  readonly modality: string;
}

const niftiPattern = /\.nii(\.gz)?$/i;

function summarizeWarnings(warnings: readonly GeometryWarning[]): string[] {
  return warnings.map((w) => `geometry warning ${w.code}: ${w.message}`);
}

/** Groups DICOM objects by series, keeps CT, assembles the CT series with the most slices. */
async function assembleCtSeries(candidates: readonly DicomCandidate[], kind: 'dicom' | 'archive', source: string): Promise<AnalysisInput> {
  if (candidates.length === 0) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', 'no DICOM files found', { subject: source });
  }
  const series = new Map<string, DicomCandidate[]>();
  for (const c of candidates) series.set(c.seriesInstanceUid, [...(series.get(c.seriesInstanceUid) ?? []), c]);
  const ct = [...series.values()].filter((list) => list[0]!.modality === 'CT').sort((a, b) => b.length - a.length);
  if (ct.length === 0) {
    const found = [...new Set(candidates.map((c) => c.modality || 'unknown'))].join(', ');
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `no CT series to analyse (found modality ${found}); the spine analysis needs CT in Hounsfield units`, {
      subject: source,
    });
  }
  const chosen = ct[0]!;
  const seriesInstanceUid = chosen[0]!.seriesInstanceUid;
  const assembled = await assembleVolumeAsync(
    chosen.map((c) => ({ bytes: c.bytes, subject: c.subject })),
    { subject: `series ${seriesInstanceUid}` },
  );
  const volume = assembled.volume;
  return {
    volume,
    info: {
      kind,
      source,
      seriesInstanceUid,
      dimensions: volume.dimensions,
      spacingMm: volume.spacingMm,
      slices: assembled.slices.length,
      notes: [
        ...ct.slice(1).map((list) => `other CT series not analysed: ${list[0]!.seriesInstanceUid} (${list.length} instances)`),
        ...summarizeWarnings(assembled.geometryWarnings),
      ],
    },
  };
}

async function loadFromPath(path: string, isFile: boolean): Promise<AnalysisInput> {
  if (isFile && niftiPattern.test(path)) {
    const volume = readNifti(new Uint8Array(await readFile(path)), { subject: path, valueUnit: 'HU' });
    return {
      volume,
      info: { kind: 'nifti', source: path, seriesInstanceUid: null, dimensions: volume.dimensions, spacingMm: volume.spacingMm, slices: volume.dimensions[2], notes: ['NIfTI values taken as Hounsfield units'] },
    };
  }
  const files = await collectFiles([path]);
  const candidates: DicomCandidate[] = [];
  let lastError: unknown = null;
  for (const file of files) {
    const bytes = new Uint8Array(await readFile(file));
    try {
      const header = readDicomHeader(bytes, { subject: file });
      candidates.push({ bytes, subject: file, seriesInstanceUid: header.seriesInstanceUid, modality: header.modality });
    } catch (error) {
      lastError = error; // not DICOM (DICOMDIR readers, notes, thumbnails): skipped in a folder
    }
  }
  // A single file that is not DICOM is reported as what it is.
  if (candidates.length === 0 && isFile && lastError !== null) throw lastError;
  return assembleCtSeries(candidates, 'dicom', path);
}

async function loadFromArchive(studyInstanceUid: string, options: AnalyzeCommandOptions): Promise<AnalysisInput> {
  const archive: ArchiveService = await openCliArchive({
    dataDir: options.dataDir!,
    mustExist: true,
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
  });
  try {
    const records = await archive.listInstances({ studyInstanceUid });
    if (records.length === 0) throw new VertebraError('ARCHIVE_NOT_FOUND', 'no such study in the archive', { subject: studyInstanceUid });
    const candidates: DicomCandidate[] = [];
    for (const record of records) {
      const bytes = await archive.readInstance(record);
      const header = readDicomHeader(bytes, { subject: record.sopInstanceUid });
      candidates.push({ bytes, subject: record.sopInstanceUid, seriesInstanceUid: record.seriesInstanceUid, modality: header.modality });
    }
    return await assembleCtSeries(candidates, 'archive', studyInstanceUid);
  } finally {
    await archive.close();
  }
}

/** Resolves the command's target to one CT volume (see the module comment for the rules). */
export async function loadAnalysisInput(options: AnalyzeCommandOptions): Promise<AnalysisInput> {
  const info = await stat(options.target).catch(() => undefined);
  if (info?.isFile() || info?.isDirectory()) return loadFromPath(options.target, info.isFile());
  if (isValidUid(options.target)) {
    if (options.dataDir === undefined) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', 'is not a file or folder; to analyse a study in the archive give its data directory with --data DIR', {
        subject: options.target,
      });
    }
    return loadFromArchive(options.target, options);
  }
  throw new VertebraError('REQUEST_INVALID_PARAMETER', 'no such file or directory (and not a Study Instance UID)', { subject: options.target });
}

const f1 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(1));

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [pad(header, widths), ...rows.map((r) => pad(r, widths))].join('\n');
}

function vertebraRow(v: VertebraResult): string[] {
  const label = v.label === null ? `#${v.index}` : v.alternativeLabel ? `${v.label} (or ${v.alternativeLabel})` : v.label;
  return [
    label,
    v.confidence.toFixed(2),
    v.centroidLps.map((c) => c.toFixed(1)).join(', '),
    `${f1(v.heightsMm.anterior)} / ${f1(v.heightsMm.middle)} / ${f1(v.heightsMm.posterior)}`,
    Math.round(v.trabecularHu).toString(),
    f1(v.canalApDiameterMm),
    [v.truncated ? 'truncated' : '', v.hasRibs ? 'ribs' : '', v.isSacral ? 'sacral' : ''].filter(Boolean).join(' '),
  ];
}

/** The human-readable report of one analysis. */
export function formatAnalysisText(result: SpineAnalysisResult, input: AnalysisInputInfo): string {
  const lines: string[] = [];
  lines.push(`Input: ${input.kind} ${input.source}${input.seriesInstanceUid ? ` (series ${input.seriesInstanceUid})` : ''}, ${input.dimensions.join('x')} voxels at ${input.spacingMm.map((s) => s.toFixed(2)).join(' x ')} mm`);
  for (const note of input.notes) lines.push(`  note: ${note}`);
  if (result.status === 'no-spine') {
    lines.push(`No spine found: ${result.reason ?? 'no reason given'}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Vertebrae: ${result.vertebrae.length} found, ${result.vertebrae.filter((v) => v.label !== null).length} labelled (${result.algorithmVersion}, ${f1(result.timingsMs['total'])} ms)`);
  lines.push('');
  lines.push(table(['level', 'conf', 'centroid LPS mm', 'height A/M/P mm', 'HU', 'canal AP mm', ''], result.vertebrae.map(vertebraRow)));
  const m = result.measurements;
  if (m.levels.length > 0) {
    lines.push('');
    lines.push(table(['disc level', 'disc height mm', 'slip %'], m.levels.map((l) => [l.level, f1(l.discHeightMm), f1(l.slipPercent)])));
  }
  lines.push('');
  const angle = (name: string, a: SpineAnalysisResult['measurements']['cobb']): string =>
    `${name}: ${a === null ? 'not measured' : `${a.angleDeg.toFixed(1)}° (${a.upperLevel}–${a.lowerLevel}, confidence ${a.confidence.toFixed(2)})`}`;
  lines.push(angle('Cobb (coronal)', m.cobb));
  lines.push(angle('Kyphosis T4–T12', m.kyphosisT4T12));
  lines.push(angle('Lordosis L1–S1', m.lordosisL1S1));
  // Every coronal curve where there is more than one (a double major scoliosis), cranial → caudal.
  const curves = m.cobbCurves ?? [];
  if (curves.length > 1) {
    lines.push('');
    lines.push(table(['coronal curve', 'Cobb °', 'convex to', 'confidence'], curves.map((c) => [`${c.upperLevel}–${c.lowerLevel}`, c.angleDeg.toFixed(1), c.convexity, c.confidence.toFixed(2)])));
  }
  lines.push('');
  if (result.findings.length === 0) lines.push('Findings: none');
  else {
    lines.push('Findings:');
    for (const f of result.findings) {
      lines.push(`  ${f.level}: ${f.kind} ${f.grade} — ${f.measuredValue.toFixed(1)} ${f.unit} (threshold ${f.threshold}; confidence ${f.confidence.toFixed(2)}; ${f.source})`);
    }
  }
  lines.push(`Anchors: ${result.anchorsUsed.length === 0 ? 'none' : result.anchorsUsed.map((a) => `${a.kind} at ${a.level} (${a.confidence.toFixed(2)})`).join(', ')}`);
  for (const note of result.labellingNotes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}

export async function analyzeCommand(options: AnalyzeCommandOptions, io: CliIo): Promise<number> {
  const input = await loadAnalysisInput(options);
  const result = analyzeSpineCt(input.volume);
  if (options.json) io.stdout.write(`${JSON.stringify({ input: input.info, ...result })}\n`);
  else io.stdout.write(formatAnalysisText(result, input.info));
  return 0;
}
