import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleVolume } from '@vertebra/dicom';
import type { Vec3 } from '@vertebra/geometry';
import { generatePhantomCase } from '../src/generatePhantomCase.js';

const workDir = mkdtempSync(join(tmpdir(), 'phantom-mr-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('MR rendering', () => {
  const generated = generatePhantomCase({
    preset: 'stenosis',
    seed: 4,
    modalities: ['mr'],
    mr: { pixelSpacingMm: 1.5, sagittalSlices: 5 },
  });
  const visit = generated.groundTruth.visits[0]!;

  function sampler(weighting: 'T1' | 'T2', plane: 'sagittal' | 'axial') {
    const series = visit.mr.find((entry) => entry.weighting === weighting && entry.plane === plane)!;
    const files = generated.files.filter((file) => series.paths.includes(file.path));
    const { volume } = assembleVolume(files.map((file) => file.bytes));
    return (lps: Vec3): number => {
      const relative = [lps[0] - volume.originLps[0], lps[1] - volume.originLps[1], lps[2] - volume.originLps[2]];
      const d = volume.direction;
      const [i, j, k] = [0, 1, 2].map((axis) => Math.round((d[axis]! * relative[0]! + d[3 + axis]! * relative[1]! + d[6 + axis]! * relative[2]!) / volume.spacingMm[axis]!));
      const [nx, ny, nz] = volume.dimensions;
      expect(i! >= 0 && j! >= 0 && k! >= 0 && i! < nx && j! < ny && k! < nz).toBe(true);
      return Number(volume.data[i! + nx * (j! + ny * k!)]);
    };
  }

  it('writes sagittal and axial T1/T2 series that dciodvfy accepts', () => {
    expect(visit.mr.map((entry) => `${entry.weighting}-${entry.plane}`)).toEqual(['T1-sagittal', 'T2-sagittal', 'T1-axial', 'T2-axial']);
    for (const series of visit.mr) {
      const file = generated.files.find((candidate) => candidate.path === series.paths[0])!;
      const path = join(workDir, `${series.weighting}-${series.plane}.dcm`);
      writeFileSync(path, file.bytes);
      const result = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
      const lines = `${result.stdout}\n${result.stderr}`.split('\n');
      expect(lines.filter((line) => /^Error/.test(line)), series.plane).toEqual([]);
    }
  });

  it('shows marrow bright on T1 and CSF bright on T2 at the stated anatomy', () => {
    const l3 = visit.anatomy.vertebrae.find((v) => v.level === 'L3')!;
    // The canal centre lies behind the posterior body wall: midpoint of the posterior corners, moved back by half the canal.
    const p = l3.superiorEndplate.corners.posterior;
    const q = l3.inferiorEndplate.corners.posterior;
    const canal: Vec3 = [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2 + 8, (p[2] + q[2]) / 2];
    for (const plane of ['sagittal', 'axial'] as const) {
      const t1 = sampler('T1', plane);
      const t2 = sampler('T2', plane);
      expect(t1(l3.centroidLps), `T1 marrow ${plane}`).toBeGreaterThan(t1(canal));
      expect(t2(canal), `T2 CSF ${plane}`).toBeGreaterThan(700);
      expect(t2(canal)).toBeGreaterThan(t2(l3.centroidLps));
    }
  });
});
