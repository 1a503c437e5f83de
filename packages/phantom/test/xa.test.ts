import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDicomHeader } from '@vertebra/dicom';
import type { Vec3 } from '@vertebra/geometry';
import { generatePhantomCase } from '../src/generatePhantomCase.js';

const workDir = mkdtempSync(join(tmpdir(), 'phantom-xa-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const xaOptions = { columns: 128, rows: 128, imagerPixelSpacingMm: 1.6, voxelSizeMm: 4, primaryAnglesDeg: [-30, 0, 30], secondaryAnglesDeg: [0, 10, 0] };

describe('XA fluoroscopy', () => {
  const withNeedle = generatePhantomCase({ preset: 'normal', seed: 9, modalities: ['xa'], xa: xaOptions });
  const visit = withNeedle.groundTruth.visits[0]!;
  const file = withNeedle.files.find((candidate) => candidate.path.endsWith('XA/fluoro.dcm'))!;

  it('writes one multi-frame XA instance that dciodvfy accepts without errors', () => {
    const path = join(workDir, 'fluoro.dcm');
    writeFileSync(path, file.bytes);
    const result = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
    const lines = `${result.stdout}\n${result.stderr}`.split('\n');
    expect(lines.filter((line) => /^Error/.test(line))).toEqual([]);
    expect(readDicomHeader(file.bytes).modality).toBe('XA');
    expect(visit.xa!.frames).toHaveLength(3);
  });

  it('states landmarks that follow from the C-arm pose in the DICOM header within half a pixel', () => {
    // Independent projection: C-arm at primary α (LAO +), secondary β (CRA +): beam P→A at 0°/0°.
    for (const frame of visit.xa!.frames) {
      const g = frame.geometry;
      const a = (g.primaryAngleDeg! * Math.PI) / 180;
      const b = (g.secondaryAngleDeg! * Math.PI) / 180;
      const beam: Vec3 = [Math.sin(a) * Math.cos(b), -Math.cos(a) * Math.cos(b), Math.sin(b)];
      const u: Vec3 = [Math.cos(a), Math.sin(a), 0];
      const v: Vec3 = [u[1] * beam[2] - u[2] * beam[1], u[2] * beam[0] - u[0] * beam[2], u[0] * beam[1] - u[1] * beam[0]];
      const source = g.isocentreLps.map((value, axis) => value - g.sourceToPatientMm * beam[axis]!);
      for (const vertebra of visit.anatomy.vertebrae.filter((candidate) => candidate.level.startsWith('L'))) {
        const d = vertebra.centroidLps.map((value, axis) => value - source[axis]!);
        const depth = d[0]! * beam[0] + d[1]! * beam[1] + d[2]! * beam[2];
        const k = g.sourceToDetectorMm / depth / g.imagerPixelSpacingMm;
        const column = (d[0]! * u[0] + d[1]! * u[1] + d[2]! * u[2]) * k + (g.columns - 1) / 2;
        const row = (d[0]! * v[0] + d[1]! * v[1] + d[2]! * v[2]) * k + (g.rows - 1) / 2;
        const stated = frame.landmarksPx[vertebra.level]!.centroid!;
        expect(Math.abs(stated[0] - column)).toBeLessThan(0.5);
        expect(Math.abs(stated[1] - row)).toBeLessThan(0.5);
      }
    }
    // The target vertebra sits at the isocentre, i.e. the image centre.
    const target = visit.xa!.frames[1]!.landmarksPx[visit.xa!.targetLevel]!.centroid!;
    expect(target[0]).toBeCloseTo(63.5, 6);
    expect(target[1]).toBeCloseTo(63.5, 6);
  });

  it('shows the needle where its stated tip projects', () => {
    const without = generatePhantomCase({ preset: 'normal', seed: 9, modalities: ['xa'], xa: { ...xaOptions, instrument: false } });
    const withoutFile = without.files.find((candidate) => candidate.path.endsWith('XA/fluoro.dcm'))!;
    const frameSize = 128 * 128;
    const a = new Uint16Array(file.bytes.slice(file.bytes.byteLength - 3 * frameSize * 2).buffer);
    const b = new Uint16Array(withoutFile.bytes.slice(withoutFile.bytes.byteLength - 3 * frameSize * 2).buffer);
    const frame = 2;
    const tip = visit.xa!.frames[frame]!.instrumentTipPx!;
    // The needle darkens pixels (radio-opaque dark); the clearly darkened pixel nearest the tip lies within 3 px of it.
    let strongest = 0;
    for (let index = 0; index < frameSize; index += 1) strongest = Math.max(strongest, b[frame * frameSize + index]! - a[frame * frameSize + index]!);
    expect(strongest).toBeGreaterThan(10);
    let nearest = Infinity;
    for (let index = 0; index < frameSize; index += 1) {
      if (b[frame * frameSize + index]! - a[frame * frameSize + index]! > strongest / 3) {
        nearest = Math.min(nearest, Math.hypot((index % 128) - tip[0], Math.floor(index / 128) - tip[1]));
      }
    }
    expect(nearest).toBeLessThan(3);
  });
});
