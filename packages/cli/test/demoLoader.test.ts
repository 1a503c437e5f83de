/**
 * The demo data of `vertebra serve --demo` (`npm start`): the phantom patients are generated
 * in memory and ingested through the archive's ingest path into an empty archive, once; the
 * result is read back through `vertebra ls` (the archive's query path).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openArchive } from '@vertebra/archive';
import type { CliIo } from '../src/CliIo.js';
import { demoPhantomCases } from '../src/demoPhantomCases.js';
import { findDemoSources } from '../src/findDemoSources.js';
import { loadDemoData } from '../src/loadDemoData.js';
import type { LsPatient } from '../src/lsCommand.js';
import { runCli } from '../src/runCli.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(os.tmpdir(), 'vertebra-demo-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it('lists the phantom patients first, then the shared samples that exist', async () => {
  const sources = await findDemoSources({ repoRoot: join(root, 'no-repo') });
  expect(sources.map((s) => ('phantom' in s ? s.phantom.preset : s.path))).toEqual(['normal', 'scoliosis', 'fracture', 'followup']);
  expect(new Set(demoPhantomCases().map((c) => c.options.caseId)).size).toBe(4);
});

it('loads the phantom patients into an empty archive once: 4 patients, 5 studies, the follow-up patient with 2', async () => {
  const dataDir = join(root, 'data');
  const archive = await openArchive({ dataDir });
  const progress: string[] = [];
  try {
    const sources = await findDemoSources({ repoRoot: join(root, 'no-repo') });
    const first = await loadDemoData({ archive, sources, onProgress: (line) => progress.push(line) });
    expect(first.loaded).toBe(true);
    expect(first.summary?.rejected).toEqual([]);
    expect(first.summary?.duplicates).toBe(0);
    expect(first.summary?.warnings).toEqual([]);
    expect(first.summary?.studies).toHaveLength(5);
    expect(progress).toHaveLength(5);
    expect(progress[0]).toBe('demo: empty archive: loading 4 demo sources (phantom patients are generated first)');
    expect(progress[4]).toMatch(/^demo: \[4\/4\] phantom scoliosis follow-up.*: \d+ instances, 2 studies/);
    const again = await loadDemoData({ archive, sources });
    expect(again.loaded).toBe(false);
  } finally {
    await archive.close();
  }
  let stdout = '';
  const io: CliIo = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true }, stderrIsTty: false };
  expect(await runCli({ args: ['ls', '--data', dataDir, '--json'], io, repoRoot: root })).toBe(0);
  const patients = JSON.parse(stdout) as LsPatient[];
  const byId = new Map(patients.map((p) => [p.patientId, p]));
  expect([...byId.keys()].sort()).toEqual(['PH-FOLLOWUP-4', 'PH-FRACTURE-3', 'PH-NORMAL-1', 'PH-SCOLIOSIS-2']);
  const modalities = (id: string): string[] => [...new Set(byId.get(id)!.studies.flatMap((s) => s.series.map((series) => series.modality)))].sort();
  expect(modalities('PH-NORMAL-1')).toEqual(['CT', 'DX', 'MR']);
  expect(modalities('PH-SCOLIOSIS-2')).toEqual(['DX']);
  expect(modalities('PH-FRACTURE-3')).toEqual(['CT', 'DX']);
  const followup = byId.get('PH-FOLLOWUP-4')!;
  expect(followup.studies).toHaveLength(2);
  expect(new Set(followup.studies.map((s) => s.studyDate)).size).toBe(2);
  for (const id of ['PH-NORMAL-1', 'PH-SCOLIOSIS-2', 'PH-FRACTURE-3']) expect(byId.get(id)!.studies).toHaveLength(1);
}, 180_000);
