/**
 * `vertebra analyze` run in-process (runCli with captured streams): a phantom lumbar CT written
 * as DICOM to a temp dir (small grid), the same study imported into an archive and analysed by
 * Study Instance UID, the real NIfTI lumbar crop, a CT without bone (no spine: exit 0 with the
 * reason), and bad input (missing path, MR only, UID without --data, unknown study).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNifti } from '@vertebra/dicom';
import { voxelToLps } from '@vertebra/geometry';
import { encodeNifti, writePhantomCase, type PhantomCaseGroundTruth } from '@vertebra/phantom';
import { runCliCaptured } from './support/runCliCaptured.js';

const cli = runCliCaptured;

interface JsonVertebra {
  label: string | null;
  centroidLps: [number, number, number];
  confidence: number;
  truncated: boolean;
  heightsMm: { anterior: number | null; middle: number | null; posterior: number | null };
}

const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const distance = (a: readonly number[], b: readonly number[]): number => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

let root: string;
let truth: PhantomCaseGroundTruth;
beforeAll(async () => {
  root = await mkdtemp(join(os.tmpdir(), 'vertebra-analyze-cli-'));
  // Lumbar field of view on a 256² grid at 1.6 mm, 2 mm slices: about 170 slices, ~1 s to render.
  const written = await writePhantomCase(join(root, 'ct'), {
    preset: 'normal',
    seed: 101,
    caseId: 'lumbar',
    modalities: ['ct'],
    ct: { columns: 256, rows: 256, pixelSpacingMm: 1.6, sliceThicknessMm: 2 },
  });
  truth = written.groundTruth;
  await writePhantomCase(join(root, 'mr'), { preset: 'normal', seed: 1, caseId: 'mr', modalities: ['mr'], mr: { pixelSpacingMm: 4, sagittalSlices: 5, planes: ['sagittal'] } });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('vertebra analyze on a phantom lumbar CT (DICOM folder)', () => {
  it('prints one JSON object with labelled vertebrae near the truth centroids', async () => {
    const { code, stdout, stderr } = await cli('analyze', join(root, 'ct', 'lumbar'), '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!) as { status: string; input: { kind: string; slices: number }; vertebrae: JsonVertebra[]; measurements: { levels: unknown[] }; findings: unknown[] };
    expect(result.status).toBe('ok');
    expect(result.input.kind).toBe('dicom');
    expect(result.input.slices).toBeGreaterThan(100);
    expect(Array.isArray(result.findings)).toBe(true);
    expect(result.measurements.levels.length).toBeGreaterThan(3);
    const anatomy = truth.visits[0]!.anatomy;
    for (const level of ['L1', 'L2', 'L3', 'L4', 'L5']) {
      const v = result.vertebrae.find((x) => x.label === level);
      expect(v, level).toBeDefined();
      const t = anatomy.vertebrae.find((x) => x.level === level)!;
      // Measured on this grid: 0.2–0.9 mm.
      expect(distance(v!.centroidLps, t.centroidLps)).toBeLessThan(3);
      expect(v!.confidence).toBeGreaterThan(0.5);
      expect(v!.heightsMm.middle).toBeGreaterThan(20);
      expect(Object.keys(v!.heightsMm).sort()).toEqual(['anterior', 'middle', 'posterior']);
    }
  });

  it('prints a per-level table and the findings as text', async () => {
    const { code, stdout } = await cli('analyze', join(root, 'ct', 'lumbar'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^level\s+conf\s+centroid LPS mm/m);
    expect(stdout).toMatch(/^L3\s+0\.\d\d\s+/m);
    expect(stdout).toMatch(/^Findings:/m);
    expect(stdout).toMatch(/^Lordosis L1–S1: /m);
  });

  it('analyses the same study from the archive by Study Instance UID', async () => {
    const dataDir = join(root, 'archive');
    // The CT/ subfolder only: groundTruth.json beside it is not DICOM.
    const imported = await cli('import', join(root, 'ct', 'lumbar', 'CT'), '--data', dataDir);
    expect(imported.code).toBe(0);
    const studyUid = truth.visits[0]!.studyInstanceUid;
    const fromArchive = await cli('analyze', studyUid, '--data', dataDir, '--json');
    expect(fromArchive.code).toBe(0);
    const fromFolder = await cli('analyze', join(root, 'ct', 'lumbar'), '--json');
    const a = JSON.parse(fromArchive.stdout) as { input: { kind: string }; vertebrae: JsonVertebra[] };
    const b = JSON.parse(fromFolder.stdout) as { vertebrae: JsonVertebra[] };
    expect(a.input.kind).toBe('archive');
    expect(a.vertebrae.map((v) => v.label)).toEqual(b.vertebrae.map((v) => v.label));
    expect(a.vertebrae.map((v) => v.centroidLps)).toEqual(b.vertebrae.map((v) => v.centroidLps));

    const unknown = await cli('analyze', '1.2.3.4.5', '--data', dataDir);
    expect(unknown.code).toBe(66);
    expect(unknown.stderr).toMatch(/ARCHIVE_NOT_FOUND: 1\.2\.3\.4\.5: no such study/);
  });
});

describe('vertebra analyze on bad input', () => {
  it('a missing path exits 64 naming the path', async () => {
    const { code, stderr } = await cli('analyze', join(root, 'nope'));
    expect(code).toBe(64);
    expect(stderr).toMatch(/REQUEST_INVALID_PARAMETER: .*nope: no such file or directory/);
  });

  it('an MR-only folder exits 64: no CT series', async () => {
    const { code, stderr, stdout } = await cli('analyze', join(root, 'mr'), '--json');
    expect(code).toBe(64);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/no CT series to analyse \(found modality MR\)/);
  });

  it('a Study Instance UID without --data exits 64 and says how to give one', async () => {
    const { code, stderr } = await cli('analyze', '1.2.840.99999.1');
    expect(code).toBe(64);
    expect(stderr).toMatch(/--data DIR/);
  });
});

const lumbarDir = `${DATA}ct-lumbar-crop/`;
describe.skipIf(!existsSync(lumbarDir))('vertebra analyze on the real NIfTI lumbar crop', () => {
  it('finds the complete L3 body within 3 mm of its mask centroid and leaves it unlabelled', async () => {
    const { code, stdout } = await cli('analyze', `${lumbarDir}sub-ct_label-22_ct.nii.gz`, '--json');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { status: string; input: { kind: string }; vertebrae: JsonVertebra[] };
    expect(result.status).toBe('ok');
    expect(result.input.kind).toBe('nifti');
    // Body voxels of L3 (seg-vert 22, seg-subreg 49/50).
    const vert = readNifti(readFileSync(`${lumbarDir}sub-ct_seg-vert_label-22_msk.nii.gz`));
    const sub = readNifti(readFileSync(`${lumbarDir}sub-ct_seg-subreg_label-22_msk.nii.gz`));
    const [nx, ny, nz] = vert.dimensions;
    const acc = [0, 0, 0, 0];
    let n = 0;
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, n++) {
      if (vert.data[n] === 22 && (sub.data[n] === 49 || sub.data[n] === 50)) {
        acc[0]! += i;
        acc[1]! += j;
        acc[2]! += k;
        acc[3]! += 1;
      }
    }
    const l3 = voxelToLps(vert, [acc[0]! / acc[3]!, acc[1]! / acc[3]!, acc[2]! / acc[3]!]);
    const complete = result.vertebrae.filter((v) => !v.truncated);
    expect(complete).toHaveLength(1);
    expect(distance(complete[0]!.centroidLps, l3)).toBeLessThan(3);
    for (const v of result.vertebrae) expect(v.label).toBeNull();
  });
});

describe('vertebra analyze when no spine is found', () => {
  it('exits 0 with status no-spine and the reason (text and JSON)', async () => {
    // A water cylinder in air, no bone: a CT without a skeleton.
    const [nx, ny, nz] = [32, 32, 24];
    const data = new Int16Array(nx * ny * nz).fill(-1000);
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if ((i - 16) ** 2 + (j - 16) ** 2 < 144) data[i + nx * (j + ny * k)] = 20;
    const volume = { dimensions: [nx, ny, nz] as const, spacingMm: [2, 2, 2] as [number, number, number], originLps: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as const, data, valueUnit: 'HU' };
    const path = join(root, 'water.nii');
    await writeFile(path, encodeNifti(volume as unknown as Parameters<typeof encodeNifti>[0], 'water cylinder'));
    const text = await cli('analyze', path);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^No spine found: .*bone/m);
    const json = await cli('analyze', path, '--json');
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as { status: string; reason: string; vertebrae: unknown[] };
    expect(result.status).toBe('no-spine');
    expect(result.reason).toMatch(/bone/);
    expect(result.vertebrae).toEqual([]);
  });
});
