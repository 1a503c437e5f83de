/**
 * `vertebra phantom` run in-process (runCli with captured streams) on small grids: writes
 * DICOM and groundTruth.json per case, the same seed gives byte-identical files, every
 * modality written passes dciodvfy, bad parameters exit 64 with the valid values, and the
 * suite writes the cases picked with --only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phantomPresetNames, type PhantomCaseGroundTruth } from '@vertebra/phantom';
import { runCliCaptured, type CapturedCliRun } from './support/runCliCaptured.js';

const cli = runCliCaptured;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

/** Small grids: every modality in well under a few seconds. */
const smallGrids = ['--matrix', '48', '--pixel-spacing', '5', '--slice-thickness', '5', '--xr-rows', '160', '--mr-pixel-spacing', '5', '--xa-frames', '2', '--xa-matrix', '48'];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(os.tmpdir(), 'vertebra-phantom-cli-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('vertebra phantom', () => {
  let first: CapturedCliRun;
  const outA = (): string => join(root, 'a');

  beforeAll(async () => {
    first = await cli('phantom', '--preset', 'fracture', '--modality', 'ct,mr,xr,xa', '--seed', '7', '--out', outA(), ...smallGrids);
  }, 120_000);

  it('writes DICOM series of every modality and groundTruth.json, with a progress line per case', async () => {
    expect(first.stderr).toMatch(/^phantom: \[1\/1\] fracture-7: \d+ files, [\d.]+ MiB, 1 study \([\d.]+ s\)\n$/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Wrote 1 phantom case \(\d+ files/);
    const files = await listFiles(outA());
    const dirs = new Set(files.map((f) => f.split('/')[1]));
    expect([...dirs].sort()).toEqual(['CT', 'MR-T1-axial', 'MR-T1-sagittal', 'MR-T2-axial', 'MR-T2-sagittal', 'XA', 'XR', 'groundTruth.json']);
    const truth = JSON.parse(await readFile(join(outA(), 'fracture-7', 'groundTruth.json'), 'utf8')) as PhantomCaseGroundTruth;
    expect(truth.preset).toBe('fracture');
    expect(truth.seed).toBe(7);
    const visit = truth.visits[0]!;
    expect(visit.ct?.dimensions.slice(0, 2)).toEqual([48, 48]);
    expect(visit.ct?.paths.length).toBe(files.filter((f) => f.startsWith('fracture-7/CT/')).length);
    expect(visit.radiographs.map((r) => r.view).sort()).toEqual(['ap', 'lateral']);
    expect(visit.xa?.frames).toHaveLength(2);
    // Every DICOM file starts with the Part 10 preamble + DICM.
    const ct = await readFile(join(outA(), visit.ct!.paths[0]!));
    expect(ct.subarray(128, 132).toString('latin1')).toBe('DICM');
  });

  it('writes byte-identical files for the same preset and seed, different ones for another seed', async () => {
    const outB = join(root, 'b');
    const again = await cli('phantom', '--preset', 'fracture', '--modality', 'ct,mr,xr,xa', '--seed', '7', '--out', outB, ...smallGrids);
    expect(again.code).toBe(0);
    const filesA = await listFiles(outA());
    expect(await listFiles(outB)).toEqual(filesA);
    for (const file of filesA) {
      expect(Buffer.compare(await readFile(join(outA(), file)), await readFile(join(outB, file))), file).toBe(0);
    }
    const other = await cli('phantom', '--preset', 'fracture', '--modality', 'ct', '--seed', '8', '--out', join(root, 'c'), ...smallGrids);
    expect(other.code).toBe(0);
    const ctA = await readFile(join(outA(), 'fracture-7', 'CT', '0001.dcm'));
    const ctC = await readFile(join(root, 'c', 'fracture-8', 'CT', '0001.dcm'));
    expect(Buffer.compare(ctA, ctC)).not.toBe(0);
  }, 120_000);

  it('writes CT, MR, DX and XA objects that dciodvfy accepts without errors', async () => {
    const files = await listFiles(outA());
    const picks: [string, string][] = [
      ['CT/', 'CTImage'],
      ['MR-T2-sagittal/', 'MRImage'],
      ['MR-T1-axial/', 'MRImage'],
      ['XR/lateral.dcm', 'DXImageForPresentation'],
      ['XR/ap.dcm', 'DXImageForPresentation'],
      ['XA/fluoro.dcm', 'XAImage'],
    ];
    for (const [prefix, iod] of picks) {
      const pick = files.find((f) => f.startsWith(`fracture-7/${prefix}`));
      expect(pick, prefix).toBeDefined();
      const result = spawnSync('dciodvfy', [join(outA(), pick!)], { encoding: 'utf8' });
      expect(result.error).toBeUndefined();
      const output = `${result.stdout}${result.stderr}`;
      expect(output.split('\n').filter((line) => /^Error/.test(line)), `${pick}:\n${output}`).toEqual([]);
      // dciodvfy recognised the IOD (its first line names it), so the check above was not vacuous.
      expect(output.split('\n')[0], pick).toBe(iod);
    }
  });

  it('rejects an unknown preset with exit 64 and lists the valid presets', async () => {
    const result = await cli('phantom', '--preset', 'bogus', '--out', join(root, 'bad'));
    expect(result.code).toBe(64);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^vertebra: REQUEST_INVALID_PARAMETER: --preset: unknown preset "bogus"; valid presets: /);
    for (const name of [...phantomPresetNames, 'suite']) expect(result.stderr).toContain(name);
    expect(await readdir(root)).not.toContain('bad');
  });

  it('rejects an unknown modality, a bad seed and an out-of-range grid with exit 64 and the valid values', async () => {
    const modality = await cli('phantom', '--preset', 'normal', '--modality', 'ct,pet', '--out', join(root, 'bad'));
    expect(modality.code).toBe(64);
    expect(modality.stderr).toMatch(/--modality: unknown value "pet"; valid values: ct, xr, mr, xa/);
    for (const seed of ['abc', '1.5', '-1', '4294967296']) {
      const result = await cli('phantom', '--preset', 'normal', `--seed=${seed}`, '--out', join(root, 'bad'));
      expect(result.code, seed).toBe(64);
      expect(result.stderr).toMatch(/--seed: .* valid range 0 to 2147483647/);
    }
    const thickness = await cli('phantom', '--preset', 'normal', '--slice-thickness', '40', '--out', join(root, 'bad'));
    expect(thickness.code).toBe(64);
    expect(thickness.stderr).toMatch(/--slice-thickness: "40" .* 0.5 to 5/);
    const missing = await cli('phantom', '--preset', 'normal');
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/--out/);
  });

  it('writes the picked suite cases (fixed seeds, two studies for the follow-up) with an index', async () => {
    const out = join(root, 'suite');
    const result = await cli('phantom', '--preset', 'suite', '--only', 'fracture-wedge-g1,followup-scoliosis', '--modality', 'ct', '--out', out, ...smallGrids);
    expect(result.code).toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^phantom: \[1\/2\] fracture-wedge-g1: /), expect.stringMatching(/^phantom: \[2\/2\] followup-scoliosis: .* 2 studies/)]);
    const index = JSON.parse(await readFile(join(out, 'suite.json'), 'utf8')) as { cases: { caseId: string; studies: number }[] };
    expect(index.cases.map((c) => [c.caseId, c.studies])).toEqual([
      ['fracture-wedge-g1', 1],
      ['followup-scoliosis', 2],
    ]);
    const followup = JSON.parse(await readFile(join(out, 'followup-scoliosis', 'groundTruth.json'), 'utf8')) as PhantomCaseGroundTruth;
    expect(followup.visits).toHaveLength(2);
    expect(followup.visits[0]!.studyInstanceUid).not.toBe(followup.visits[1]!.studyInstanceUid);
    const unknown = await cli('phantom', '--preset', 'suite', '--only', 'nope', '--out', out);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/valid cases: .*normal-hfs-1mm/);
    const seeded = await cli('phantom', '--preset', 'suite', '--seed', '3', '--out', out);
    expect(seeded.code).toBe(64);
  }, 120_000);
});
