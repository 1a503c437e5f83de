/**
 * The `vertebra` commands run in-process (runCli with captured streams) against a real
 * archive in a temp directory: import of a folder mixing good and bad files, import twice,
 * ls as JSON and table, export round trip byte-identical, and the expected-error paths.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The command functions themselves (src/runCli.ts), not the package entry, which also loads the server stack.
import type { ExportManifest } from '../src/exportCommand.js';
import type { IngestSummary } from '../src/ingestFiles.js';
import type { LsPatient } from '../src/lsCommand.js';
import { runCliCaptured } from './support/runCliCaptured.js';
import { findDemoSources } from '../src/findDemoSources.js';
import { loadDemoData } from '../src/loadDemoData.js';
import { openArchive } from '@vertebra/archive';
// Plain-JS synthetic Part 10 writer shared with the benchmarks (no dependency on the code under test).
import { syntheticUid, writeSyntheticPart10 } from '../../../bench/lib/writeSyntheticPart10.mjs';

const cli = runCliCaptured;

const runId = `${process.pid}${Date.now()}`;
const studyUid = syntheticUid(runId, 1);

function slice(index: number): Buffer {
  return writeSyntheticPart10({
    patientId: 'CLI001',
    patientName: 'CLI^TEST',
    studyInstanceUid: studyUid,
    seriesInstanceUid: syntheticUid(runId, 1, 1),
    sopInstanceUid: syntheticUid(runId, 1, 1, index),
    frameOfReferenceUid: syntheticUid(runId, 9),
    studyDate: '20240102',
    instanceNumber: index,
    rows: 32,
    columns: 32,
    zMm: index * 2,
  });
}

let root: string;
let inputDir: string;
let dataDir: string;
const goodFiles = new Map<string, Buffer>(); // SOP Instance UID → bytes

beforeAll(async () => {
  root = await mkdtemp(join(os.tmpdir(), 'vertebra-cli-'));
  inputDir = join(root, 'input');
  dataDir = join(root, 'data');
  await mkdir(join(inputDir, 'nested', 'deeper'), { recursive: true });
  for (let i = 1; i <= 6; i += 1) {
    const bytes = slice(i);
    goodFiles.set(syntheticUid(runId, 1, 1, i), bytes);
    await writeFile(join(inputDir, i <= 3 ? '' : i <= 5 ? 'nested' : join('nested', 'deeper'), `ct${i}.dcm`), bytes);
  }
  await writeFile(join(inputDir, 'empty.dcm'), Buffer.alloc(0));
  await writeFile(join(inputDir, 'notes.txt'), 'These are not DICOM files.\nJust notes about the study.\n'.repeat(20));
  const truncated = slice(99);
  await writeFile(join(inputDir, 'nested', 'truncated.dcm'), truncated.subarray(0, Math.floor(truncated.length * 0.6)));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('vertebra import', () => {
  it('imports a folder recursively, rejects the bad files with reasons and exits non-zero', async () => {
    const result = await cli('import', inputDir, '--data', dataDir, '--json');
    const summary = JSON.parse(result.stdout) as IngestSummary;
    expect(summary.files).toBe(9);
    expect(summary.accepted).toBe(6);
    expect(summary.duplicates).toBe(0);
    expect(summary.studies).toEqual([studyUid]);
    const reasons = Object.fromEntries(summary.rejected.map((r) => [r.file.slice(inputDir.length + 1), r.code]));
    expect(Object.keys(reasons).sort()).toEqual(['empty.dcm', join('nested', 'truncated.dcm'), 'notes.txt'].sort());
    expect(reasons['empty.dcm']).toBe('DICOM_EMPTY_FILE');
    expect(reasons['notes.txt']).toBe('DICOM_NOT_DICOM');
    expect(['DICOM_TRUNCATED', 'DICOM_LENGTH_PAST_END', 'DICOM_MALFORMED']).toContain(reasons[join('nested', 'truncated.dcm')]);
    for (const problem of summary.rejected) expect(problem.message.length).toBeGreaterThan(5);
    expect(result.code).toBe(65);
    expect(result.stderr).toMatch(/import: 9\/9 files \(100%\)/);
  });

  it('imports the same folder again as duplicates, with a readable text summary', async () => {
    const result = await cli('import', inputDir, '--data', dataDir);
    expect(result.stdout).toMatch(/accepted\s+0\n/);
    expect(result.stdout).toMatch(/duplicates\s+6\n/);
    expect(result.stdout).toMatch(/rejected\s+3\n/);
    expect(result.stdout).toContain(`${join(inputDir, 'empty.dcm')}: DICOM_EMPTY_FILE:`);
    expect(result.stdout).toContain(`${join(inputDir, 'notes.txt')}: DICOM_NOT_DICOM:`);
    expect(result.code).not.toBe(0);
  });

  it('exits 0 when every file is accepted or a duplicate', async () => {
    const result = await cli('import', join(inputDir, 'ct1.dcm'), join(inputDir, 'nested', 'deeper'), '--data', dataDir);
    expect(result.stdout).toMatch(/duplicates\s+2\n/);
    expect(result.code).toBe(0);
  });

  it('names a path that does not exist, without a stack trace', async () => {
    const result = await cli('import', join(root, 'missing'), '--data', dataDir);
    expect(result.code).toBe(64);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(join(root, 'missing'));
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('vertebra ls', () => {
  it('lists patients, studies and series as JSON', async () => {
    const result = await cli('ls', '--data', dataDir, '--json');
    expect(result.code).toBe(0);
    const patients = JSON.parse(result.stdout) as LsPatient[];
    expect(patients).toHaveLength(1);
    expect(patients[0]?.patientId).toBe('CLI001');
    expect(patients[0]?.patientName).toBe('CLI^TEST');
    expect(patients[0]?.studies.map((s) => s.studyInstanceUid)).toEqual([studyUid]);
    const series = patients[0]?.studies[0]?.series ?? [];
    expect(series.map((s) => s.seriesInstanceUid)).toEqual([syntheticUid(runId, 1, 1)]);
    expect(series[0]?.instances).toBe(6);
    expect(series[0]?.modality).toBe('CT');
  });

  it('prints a table', async () => {
    const result = await cli('ls', '--data', dataDir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('CLI^TEST');
    expect(result.stdout).toContain(studyUid);
    expect(result.stdout).toContain('2024-01-02');
  });

  it('refuses a data directory that does not exist', async () => {
    const result = await cli('ls', '--data', join(root, 'nothing-here'));
    expect(result.code).toBe(66);
    expect(result.stderr).toMatch(/^vertebra: ARCHIVE_NOT_FOUND: .*nothing-here/);
  });
});

describe('vertebra export', () => {
  it('writes the study byte-identical under safe names, with a manifest', async () => {
    const out = join(root, 'export');
    const result = await cli('export', studyUid, '--data', dataDir, '--out', out);
    expect(result.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as ExportManifest;
    expect(manifest.studyInstanceUid).toBe(studyUid);
    expect(manifest.instances).toHaveLength(6);
    for (const entry of manifest.instances) {
      expect(entry.file).toMatch(/^\d{3}\/\d{5}\.dcm$/);
      const written = await readFile(join(out, entry.file));
      expect(Buffer.compare(written, goodFiles.get(entry.sopInstanceUid) ?? Buffer.alloc(0))).toBe(0);
      expect(createHash('sha256').update(written).digest('hex')).toBe(entry.sha256);
    }
    expect((await readdir(join(out, '001'))).sort()).toEqual(['00001.dcm', '00002.dcm', '00003.dcm', '00004.dcm', '00005.dcm', '00006.dcm']);
    // Exporting again into the same folder never overwrites.
    const again = await cli('export', studyUid, '--data', dataDir, '--out', out);
    expect(again.code).toBe(64);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('rejects a study UID that looks like a path and an unknown study', async () => {
    const bad = await cli('export', '../../x', '--data', dataDir, '--out', join(root, 'bad'));
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/^vertebra: REQUEST_INVALID_PARAMETER: STUDY_UID: not a valid DICOM UID/);
    const unknown = await cli('export', '1.2.3.4.5', '--data', dataDir, '--out', join(root, 'unknown'));
    expect(unknown.code).toBe(66);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports a usage error for a missing required option', async () => {
    const result = await cli('export', studyUid, '--data', dataDir);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--out/);
  });
});

describe('demo loader', () => {
  const repoRoot = join(import.meta.dirname, '..', '..', '..');

  it('loads the shared samples into an empty archive once, through the ingest path', async (context) => {
    const sources = await findDemoSources({ repoRoot, phantom: false });
    if (sources.length === 0) context.skip(); // ../shared/data absent on this machine
    const archive = await openArchive({ dataDir: join(root, 'demo') });
    try {
      const first = await loadDemoData({ archive, sources });
      expect(first.loaded).toBe(true);
      expect(first.summary?.rejected).toEqual([]);
      expect(first.summary?.accepted).toBeGreaterThan(0);
      // The JPEG 2000 CT sample has no Study/Series UIDs: the archive derives them and says so.
      expect(first.summary?.warnings.map((w) => w.code)).toContain('DERIVED_STUDY_UID');
      const second = await loadDemoData({ archive, sources });
      expect(second.loaded).toBe(false);
    } finally {
      await archive.close();
    }
  });
});
