import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleVolume, decodeFrame, readDicomHeader, readNifti } from '@vertebra/dicom';
import { generatePhantomCase, type GeneratePhantomCaseOptions, type PhantomCase } from '../src/generatePhantomCase.js';
import { projectPointToDetector } from '../src/projectRadiograph.js';
import { phantomPresetNames } from '../src/phantomPresets.js';
import { writePhantomCase } from '../src/writePhantomCase.js';

const small: Omit<GeneratePhantomCaseOptions, 'preset'> = {
  seed: 7,
  ct: { columns: 96, rows: 96, pixelSpacingMm: 3.5, sliceThicknessMm: 3, fieldOfView: 'lumbar' },
  xr: { rows: 240, columns: 120, voxelSizeMm: 4 },
};

const workDir = mkdtempSync(join(tmpdir(), 'phantom-case-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function dciodvfy(bytes: Uint8Array, name: string): { errors: string[]; warnings: string[] } {
  const path = join(workDir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  const result = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
  const lines = `${result.stdout}\n${result.stderr}`.split('\n');
  return { errors: lines.filter((line) => /^Error/.test(line)), warnings: lines.filter((line) => /^Warning/.test(line)) };
}

function digest(generated: PhantomCase): string {
  const hash = createHash('sha256');
  for (const file of generated.files) {
    hash.update(file.path);
    hash.update(file.bytes);
  }
  return hash.digest('hex');
}

describe('generatePhantomCase', () => {
  const generated = generatePhantomCase({ preset: 'listhesis', ...small });

  it('writes DICOM objects that dciodvfy accepts without errors', () => {
    const dicomFiles = generated.files.filter((file) => file.path.endsWith('.dcm'));
    const ct = dicomFiles.filter((file) => file.path.includes('/CT/'));
    const xr = dicomFiles.filter((file) => file.path.includes('/XR/'));
    expect(ct.length).toBeGreaterThan(50);
    expect(xr.map((file) => file.path)).toEqual(['listhesis-7/XR/lateral.dcm', 'listhesis-7/XR/ap.dcm']);
    const checked = [ct[0]!, ct[Math.floor(ct.length / 2)]!, ct[ct.length - 1]!, ...xr];
    const warnings = new Set<string>();
    for (const file of checked) {
      const result = dciodvfy(file.bytes, file.path);
      expect(result.errors, file.path).toEqual([]);
      result.warnings.forEach((warning) => warnings.add(warning));
    }
    expect([...warnings]).toEqual([]);
  });

  it('groups instances consistently and encodes the geometry it states', () => {
    const truth = generated.groundTruth.visits[0]!;
    const ctFiles = generated.files.filter((file) => file.path.includes('/CT/'));
    const headers = ctFiles.map((file) => readDicomHeader(file.bytes));
    expect(new Set(headers.map((h) => h.studyInstanceUid))).toEqual(new Set([truth.studyInstanceUid]));
    expect(new Set(headers.map((h) => h.seriesInstanceUid))).toEqual(new Set([truth.ct!.seriesInstanceUid]));
    expect(new Set(headers.map((h) => h.sopInstanceUid)).size).toBe(ctFiles.length);
    expect(new Set(headers.map((h) => h.patientId))).toEqual(new Set(['PH-LISTHESIS-7']));
    const assembled = assembleVolume(ctFiles.map((file) => file.bytes));
    expect(assembled.geometryWarnings).toEqual([]);
    expect(assembled.volume.dimensions).toEqual(truth.ct!.dimensions);
  });

  it('is byte-identical for the same seed and differs for another seed', () => {
    const again = generatePhantomCase({ preset: 'listhesis', ...small });
    expect(digest(again)).toBe(digest(generated));
    const other = generatePhantomCase({ preset: 'listhesis', ...small, seed: 8 });
    expect(digest(other)).not.toBe(digest(generated));
  });

  it('places the labelled anatomy where the DICOM geometry says, for every patient position', () => {
    for (const patientPosition of ['HFS', 'FFS', 'HFP', 'FFP'] as const) {
      const result = generatePhantomCase({ preset: 'normal', seed: 3, modalities: ['ct'], ct: { ...small.ct, patientPosition, nifti: true } });
      const visit = result.groundTruth.visits[0]!;
      const ctFiles = result.files.filter((file) => file.path.includes('/CT/'));
      const assembled = assembleVolume(ctFiles.map((file) => file.bytes)).volume;
      const labels = readNifti(result.files.find((file) => file.path.endsWith('labels.nii'))!.bytes);
      const hu = readNifti(result.files.find((file) => file.path.endsWith('ct.nii'))!.bytes);
      const l3 = visit.anatomy.vertebrae.find((v) => v.level === 'L3')!;
      // Sample both volumes at the L3 centroid through their own geometry.
      const sample = (volume: typeof assembled | typeof labels): number => {
        const inverse = (lps: readonly number[]): number[] => {
          const relative = [lps[0]! - volume.originLps[0], lps[1]! - volume.originLps[1], lps[2]! - volume.originLps[2]];
          const d = volume.direction;
          // direction columns are orthonormal here: index = Dᵀ·relative / spacing
          return [0, 1, 2].map((axis) => Math.round((d[axis]! * relative[0]! + d[3 + axis]! * relative[1]! + d[6 + axis]! * relative[2]!) / volume.spacingMm[axis]!));
        };
        const [i, j, k] = inverse(l3.centroidLps);
        const [nx, ny] = volume.dimensions;
        return Number(volume.data[i! + nx * (j! + ny * k!)]);
      };
      expect(sample(labels), patientPosition).toBe(l3.bodyLabel);
      expect(sample(assembled), patientPosition).toBe(sample(hu));
      expect(sample(assembled), patientPosition).toBeGreaterThan(100);
    }
  });

  it('projects every 3D landmark to the stated 2D landmark within half a pixel', () => {
    const visit = generated.groundTruth.visits[0]!;
    for (const radiograph of visit.radiographs) {
      const header = readDicomHeader(generated.files.find((file) => file.path === radiograph.path)!.bytes);
      expect(header.modality).toBe('DX');
      // Independent projection from the geometry stated in the ground truth.
      const g = radiograph.geometry;
      for (const v of visit.anatomy.vertebrae) {
        const stated = radiograph.landmarksPx[v.level]!.centroid!;
        const beam = g.view === 'lateral' ? 0 : 1;
        const across = g.view === 'lateral' ? 1 : 0;
        const depth = v.centroidLps[beam] - (g.isocentreLps[beam] - g.sourceToPatientMm);
        const scale = g.sourceToDetectorMm / depth / g.imagerPixelSpacingMm;
        const column = (v.centroidLps[across] - g.isocentreLps[across]) * scale + (g.columns - 1) / 2;
        const row = -(v.centroidLps[2] - g.isocentreLps[2]) * scale + (g.rows - 1) / 2;
        expect(Math.abs(stated[0] - column)).toBeLessThan(0.5);
        expect(Math.abs(stated[1] - row)).toBeLessThan(0.5);
      }
      expect(projectPointToDetector(g, g.isocentreLps)).toEqual([(g.columns - 1) / 2, (g.rows - 1) / 2]);
    }
  });

  it('writes RLE Lossless CT that decodes to the same pixels and validates', () => {
    const plain = generatePhantomCase({ preset: 'normal', seed: 5, modalities: ['ct'], ct: { ...small.ct } });
    const rle = generatePhantomCase({ preset: 'normal', seed: 5, modalities: ['ct'], ct: { ...small.ct, compression: 'rle' } });
    const plainCt = plain.files.filter((file) => file.path.includes('/CT/'));
    const rleCt = rle.files.filter((file) => file.path.includes('/CT/'));
    expect(rleCt.length).toBe(plainCt.length);
    expect(readDicomHeader(rleCt[0]!.bytes).transferSyntaxUid).toBe('1.2.840.10008.1.2.5');
    const a = assembleVolume(plainCt.map((file) => file.bytes)).volume.data;
    const b = assembleVolume(rleCt.map((file) => file.bytes)).volume.data;
    expect(Array.from(b)).toEqual(Array.from(a));
    const middle = rleCt[Math.floor(rleCt.length / 2)]!;
    expect(dciodvfy(middle.bytes, 'rle/middle.dcm').errors).toEqual([]);
    const path = join(workDir, 'rle/middle.dcm');
    const decompressed = spawnSync('dcmdrle', [path, join(workDir, 'rle/middle-native.dcm')], { encoding: 'utf8' });
    expect(decompressed.status, decompressed.stderr).toBe(0);
  });

  it('generates every preset with valid DICOM and parseable ground truth', () => {
    for (const preset of phantomPresetNames) {
      const result = generatePhantomCase({
        preset,
        seed: 2,
        modalities: ['ct'],
        ct: { columns: 64, rows: 64, pixelSpacingMm: 5, sliceThicknessMm: 5, fieldOfView: preset === 'scoliosis' ? 'thoracic' : 'lumbar' },
      });
      const dicom = result.files.filter((file) => file.path.endsWith('.dcm'));
      for (const file of [dicom[0]!, dicom[dicom.length - 1]!]) expect(dciodvfy(file.bytes, `presets/${file.path}`).errors, file.path).toEqual([]);
      const json = JSON.parse(new TextDecoder().decode(result.files.find((file) => file.path.endsWith('groundTruth.json'))!.bytes));
      expect(json.preset).toBe(preset);
      expect(json.visits.length).toBe(preset === 'followup' ? 2 : 1);
    }
  });

  it('writes the case to a folder with writePhantomCase', async () => {
    const out = join(workDir, 'written');
    const written = await writePhantomCase(out, { preset: 'normal', seed: 11, modalities: ['xr'], xr: small.xr! });
    expect(written.writtenPaths.map((path) => path.slice(out.length + 1)).sort()).toEqual(['normal-11/XR/ap.dcm', 'normal-11/XR/lateral.dcm', 'normal-11/groundTruth.json']);
    const json = JSON.parse(readFileSync(join(out, 'normal-11/groundTruth.json'), 'utf8'));
    expect(json.patientId).toBe('PH-NORMAL-11');
    expect(readFileSync(join(out, 'normal-11/XR/ap.dcm')).subarray(128, 132).toString('latin1')).toBe('DICM');
  });

  it('writes a follow-up visit as a new study of the same patient with progression', () => {
    const followup = generatePhantomCase({ preset: 'followup', ...small, modalities: ['xr'] });
    const [first, second] = followup.groundTruth.visits;
    expect(second).toBeDefined();
    expect(second!.studyInstanceUid).not.toBe(first!.studyInstanceUid);
    expect(second!.studyDate > first!.studyDate).toBe(true);
    expect(second!.anatomy.alignment.cobbAngles[0]!.angleDeg).toBeGreaterThan(first!.anatomy.alignment.cobbAngles[0]!.angleDeg + 5);
    expect(second!.anatomy.vertebrae.find((v) => v.level === 'L1')!.fracture).not.toBeNull();
    const patientIds = followup.files.filter((file) => file.path.endsWith('.dcm')).map((file) => readDicomHeader(file.bytes).patientId);
    expect(new Set(patientIds)).toEqual(new Set(['PH-FOLLOWUP-7']));
    const json = JSON.parse(new TextDecoder().decode(followup.files.find((file) => file.path.endsWith('groundTruth.json'))!.bytes));
    expect(json.visits).toHaveLength(2);
  });

  it('renders a post-operative follow-up visit with screws and rods when asked', () => {
    const followup = generatePhantomCase({ preset: 'followup', ...small, modalities: ['ct'], followUpOverrides: { implants: { screwLevels: ['T12', 'L1', 'L2'], rods: true } } });
    const [first, second] = followup.groundTruth.visits;
    expect(first!.anatomy.implants).toBeNull();
    expect(second!.anatomy.implants).toEqual({ screwLevels: ['T12', 'L1', 'L2'], rods: true });
    // Metal (HU ~ 3000) appears only in the later CT.
    const maxHu = (visit: number): number => {
      let max = -Infinity;
      for (const file of followup.files.filter((f) => f.path.includes(`visit${visit}/CT/`))) {
        const frame = decodeFrame(file.bytes, 0);
        for (const value of frame.pixels) max = Math.max(max, value * frame.rescaleSlope + frame.rescaleIntercept);
      }
      return max;
    };
    expect(maxHu(1)).toBeLessThan(2500);
    expect(maxHu(2)).toBeGreaterThan(2500);
    expect(() => generatePhantomCase({ preset: 'normal', ...small, followUpOverrides: { implants: null } })).toThrowError(/no follow-up visit/);
  });
});
